"""Sections that other apps add to the customer page, without customers importing them.

Apps that depend on customers (surveys, the catalogue, …) register a provider in their
``AppConfig.ready``::

    from qiwang.customers.panels import Panel, register

    register("surveys", survey_panel)  # (request, customer) -> Panel | None

A provider returns the template to include and its context (or ``None`` to show nothing); it
must apply the user's scope itself. The customer page includes each panel in registration
order with ``{% include panel.template with panel=panel.context %}``: plain templates,
auto-escaped, no HTML built in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from qiwang.customers.models import Customer


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[HttpRequest, Customer], Panel | None]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace) the provider called ``name``."""
    _PROVIDERS[name] = provider


def panels(request: HttpRequest, customer: Customer) -> list[Panel]:
    """The panels of the customer page for this request, in registration order."""
    shown = []
    for provider in _PROVIDERS.values():
        panel = provider(request, customer)
        if panel is not None:
            shown.append(panel)
    return shown
