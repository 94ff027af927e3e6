"""Events a new endpoint missed while other processes still trusted their cache.

:func:`qiwang.webhooks.services.emit` skips a branch that no endpoint covered when the process
last looked (a per-process cache of ``CACHE_SECONDS``), so for up to that long after an endpoint
is created, responses completed in *another* process emit nothing for it. This job, run by the
``webhooks.retries`` schedule every minute, looks at endpoints created in the last
``LOOKBACK_MINUTES``, finds the survey events of that window that have no delivery for the
endpoint (``Delivery.object_key``) and puts them in the outbox, once: the unique (endpoint,
event, object) constraint makes a second run, or a race with a late ``emit``, a no-op. It only
reads responses at least ``SETTLE_SECONDS`` old, so a submission still inside its transaction is
never raced.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone

from qiwang.accounts.models import Branch
from qiwang.customers.models import ContactTask
from qiwang.surveys.choices import ResponseStatus
from qiwang.surveys.models import Response
from qiwang.webhooks.choices import Event
from qiwang.webhooks.hooks import follow_up_payload, response_key, response_payload
from qiwang.webhooks.models import Delivery, Endpoint
from qiwang.webhooks.services import CACHE_SECONDS, _enqueue, _envelope

__all__ = ["LOOKBACK_MINUTES", "SETTLE_SECONDS", "backfill_new_endpoints"]

LOOKBACK_MINUTES = 15
SETTLE_SECONDS = 60
_MARGIN = datetime.timedelta(seconds=CACHE_SECONDS + 10)


def _subtree(parents: dict[int, int | None], root: int) -> set[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for branch, parent in parents.items():
        children[parent].append(branch)
    found, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, ()))
    return found


def _answers(response: Response) -> list:
    return [(answer.question, answer) for answer in response.answers.select_related("question")]


def backfill_new_endpoints(now: datetime.datetime | None = None) -> dict[str, int]:
    """Queue the missed events of recently created endpoints; return counts."""
    now = now or timezone.now()
    endpoints = list(
        Endpoint.objects.active().filter(
            created_at__gte=now - datetime.timedelta(minutes=LOOKBACK_MINUTES)
        )
    )
    if not endpoints:
        return {"endpoints": 0, "backfilled": 0}
    parents = dict(Branch.objects.values_list("pk", "parent_id"))
    settled = now - datetime.timedelta(seconds=SETTLE_SECONDS)
    backfilled = 0
    for endpoint in endpoints:
        branches = _subtree(parents, endpoint.branch_id)
        window = {
            "submitted_at__gte": endpoint.created_at,
            "submitted_at__lte": min(settled, endpoint.created_at + _MARGIN),
        }
        responses = Response.objects.filter(
            branch_id__in=branches, status=ResponseStatus.COMPLETE, **window
        ).select_related("wave", "customer")
        for event in (Event.SURVEY_RESPONSE_COMPLETED, Event.SURVEY_FOLLOW_UP_CREATED):
            if event not in endpoint.events:
                continue
            sent = set(
                Delivery.objects.filter(endpoint=endpoint, event=event).values_list(
                    "object_key", flat=True
                )
            )
            for response in responses:
                key = response_key(response.pk)
                if key in sent:
                    continue
                payload = _payload(event, response)
                if payload is None:
                    continue
                backfilled += _insert(endpoint, event, key, payload)
    return {"endpoints": len(endpoints), "backfilled": backfilled}


def _payload(event: str, response: Response) -> dict | None:
    if event == Event.SURVEY_RESPONSE_COMPLETED:
        return response_payload(response, response.wave, _answers(response))
    if response.customer is None:
        return None
    task = (
        ContactTask.objects.filter(customer=response.customer, key=f"survey-response:{response.pk}")
        .values("note")
        .first()
    )
    if task is None:  # this response asked for no follow-up
        return None
    return follow_up_payload(response, response.customer, task["note"])


def _insert(endpoint: Endpoint, event: str, key: str, payload: dict) -> int:
    """One delivery and its task, or nothing when another run or a late ``emit`` got there
    first (the unique constraint decides)."""
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                endpoint=endpoint,
                event=event,
                payload=_envelope(event, payload),
                next_attempt_at=timezone.now(),
                object_key=key,
            )
            _enqueue([delivery.pk])
    except IntegrityError:
        return 0
    return 1
