"""``{{ names|join_list }}``: a list joined as the active language writes one."""

from __future__ import annotations

from typing import Any

from django import template

from qiwang.customers.worklist import join_list as _join_list

register = template.Library()


@register.filter
def join_list(items: Any) -> str:
    """``、`` between items in Chinese, ``, `` in English (auto-escaped like any text)."""
    return _join_list(list(items or []))


@register.simple_tag(takes_context=True)
def care_pages(context: template.Context) -> list[dict[str, object]]:
    """The customer-care pages the signed-in user may open (``customers.navigation``)."""
    from qiwang.customers.navigation import visible_pages

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return visible_pages(user)
