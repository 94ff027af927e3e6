from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from qiwang.accounts.permissions import Action, has_permission
from qiwang.core.navigation import NAVIGATION


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation entries the current user may open, with the active one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    match = getattr(request, "resolver_match", None)
    current = match.namespace if match else ""
    current_name = f"{match.namespace}:{match.url_name}" if match else ""
    # One entry is active: the one naming this page exactly, else the first of its module
    # ("My day" and "Customers" share the customers namespace).
    active = next((item for item in NAVIGATION if item.url_name == current_name), None) or next(
        (
            item
            for item in NAVIGATION
            if current != "core" and item.url_name.startswith(f"{current}:")
        ),
        None,
    )
    items = []
    for item in NAVIGATION:
        if not has_permission(user, item.action):
            continue
        items.append(
            {
                "key": item.key,
                "label": item.label,
                "url": reverse(item.url_name),
                "active": item is active,
            }
        )
    return {
        "nav_items": items,
        "can_manage_organisation": has_permission(user, Action.MANAGE_ORGANISATION),
    }
