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
    # One entry is active: the one naming this page exactly, else the first of its namespace
    # ("My day" and "Customers" share the customers namespace).
    exact = any(item.url_name == current_name for item in NAVIGATION)
    items = []
    for item in NAVIGATION:
        if not has_permission(user, item.action):
            continue
        namespace = item.url_name.split(":")[0]
        if exact:
            is_active = current_name == item.url_name
        else:
            is_active = namespace != "core" and current == namespace
            is_active = is_active and not any(i["active"] for i in items)
        items.append(
            {
                "key": item.key,
                "label": item.label,
                "url": reverse(item.url_name),
                "active": is_active,
            }
        )
    return {
        "nav_items": items,
        "can_manage_organisation": has_permission(user, Action.MANAGE_ORGANISATION),
    }
