"""How a customer is shown to a given user: personal data only to roles that need it."""

from __future__ import annotations

from typing import Any

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, can
from qiwang.customers.models import Contact, Customer
from qiwang.customers.phones import MASK, mask_phone

__all__ = ["MASK", "contact_fields", "mask_phone", "personal_fields"]


def personal_fields(customer: Customer, user: User) -> dict[str, Any]:
    """Phone, e-mail, address, WeChat and the Official Account openid as ``user`` may see them
    (masked otherwise)."""
    if can(user, Action.VIEW_PERSONAL_DATA, customer):
        return {
            "phone": customer.phone,
            "email": customer.email,
            "address": customer.address,
            "wechat": customer.wechat,
            "wechat_openid": customer.wechat_openid,
        }
    return {
        "phone": mask_phone(customer.phone),
        "email": MASK if customer.email else "",
        "address": MASK if customer.address else "",
        "wechat": MASK if customer.wechat else "",
        "wechat_openid": MASK if customer.wechat_openid else "",
    }


def contact_fields(contact: Contact, customer: Customer, user: User) -> dict[str, Any]:
    """A contact person's phone, WeChat and e-mail as ``user`` may see them."""
    if can(user, Action.VIEW_PERSONAL_DATA, customer):
        return {"phone": contact.phone, "wechat": contact.wechat, "email": contact.email}
    return {
        "phone": mask_phone(contact.phone),
        "wechat": MASK if contact.wechat else "",
        "email": MASK if contact.email else "",
    }
