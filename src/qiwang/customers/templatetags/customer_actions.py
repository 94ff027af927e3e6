"""``{% if user|may:"change_customers" %}``: the permission table in templates."""

from __future__ import annotations

from django import template

from qiwang.accounts.permissions import Action, has_permission

register = template.Library()


@register.filter
def may(user: object, action: str) -> bool:
    """Whether ``user``'s role allows ``action`` (an ``Action`` value) anywhere."""
    return bool(getattr(user, "is_authenticated", False)) and has_permission(user, Action(action))  # type: ignore[arg-type]
