"""Registries through which apps further down react to the catalogue's events.

The catalogue never imports the apps below it (surveys, complaints …); they fill these lists in
their ``AppConfig.ready``.

``BROKEN_PROMISE_HOOKS``: callables ``hook(delivery)`` called once per delivery judged broken,
after the transaction that stored it commits (``transaction.on_commit``). A hook must not raise;
an exception is logged and the other hooks still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from qiwang.catalogue.models import Delivery

logger = logging.getLogger(__name__)

BrokenPromiseHook = Callable[["Delivery"], Any]

BROKEN_PROMISE_HOOKS: list[BrokenPromiseHook] = []


def run_broken_promise_hooks(deliveries: Iterable[Delivery]) -> None:
    """Call every hook with each broken delivery once the current transaction commits."""
    broken = list(deliveries)
    if not broken or not BROKEN_PROMISE_HOOKS:
        return

    def _call() -> None:
        for hook in list(BROKEN_PROMISE_HOOKS):
            for delivery in broken:
                try:
                    hook(delivery)
                except Exception:  # a hook's failure never undoes the stored deliveries
                    logger.exception(
                        "broken-promise hook %r failed for delivery %s", hook, delivery.pk
                    )

    transaction.on_commit(_call)
