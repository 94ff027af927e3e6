"""Panels that other modules add to the customer page.

Extension point: a module registers a callable in its ``AppConfig.ready``::

    from qiwang.customers.panels import register

    def expectation_panel(request, customer):
        return render_to_string("catalogue/_customer_panel.html", {...}, request=request)

    register("catalogue", expectation_panel)

The callable applies the user's permissions itself and returns the panel's HTML (from a
template, so it is escaped) or ``None`` to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from qiwang.customers.models import Customer

__all__ = ["register", "render_panels"]

Panel = Callable[[HttpRequest, Customer], SafeString | None]
_PANELS: dict[str, Panel] = {}


def register(name: str, panel: Panel) -> None:
    """Add (or replace) the panel called ``name``."""
    _PANELS[name] = panel


def render_panels(request: HttpRequest, customer: Customer) -> list[SafeString]:
    """Each registered panel's HTML for ``customer``, in registration order."""
    return [html for panel in _PANELS.values() if (html := panel(request, customer))]
