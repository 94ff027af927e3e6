"""``{{ customer.phone|phone }}``: a stored (E.164) number as people read it (138 1234 5678)."""

from __future__ import annotations

from django import template

from qiwang.customers.phones import display_phone

register = template.Library()


@register.filter(name="phone")
def phone_filter(value: str) -> str:
    """A masked or legacy value is shown unchanged; an E.164 number in national format."""
    return display_phone(value or "")
