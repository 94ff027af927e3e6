"""The customer-care pages and the permission each one requires: one table read by the pages
(:func:`require_page`) and by their navigation (:func:`visible_pages`), so a link is shown exactly
to the roles the page lets in (issue 15 item 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.permissions import Action, has_permission, require

if TYPE_CHECKING:
    from qiwang.accounts.models import User


@dataclass(frozen=True)
class CarePage:
    key: str
    label: str | Promise
    url_name: str
    action: Action


CARE_PAGES = (
    CarePage("my_day", _("My day"), "customers:my_day", Action.VIEW_CUSTOMERS),
    CarePage("tasks", _("Open tasks"), "customers:tasks", Action.REASSIGN_TASKS),
    CarePage("calendar", _("Calendar"), "customers:calendar", Action.LOG_INTERACTIONS),
    CarePage(
        "allocations", _("Shortage allocation"), "customers:allocations", Action.ALLOCATE_SUPPLY
    ),
    CarePage("plans", _("Maintenance plans"), "customers:plans", Action.VIEW_CUSTOMERS),
    CarePage("tiers", _("Tier suggestions"), "customers:tiers", Action.VIEW_CUSTOMERS),
    CarePage("occasions", _("Greeting occasions"), "customers:occasions", Action.VIEW_CUSTOMERS),
)
_BY_KEY = {page.key: page for page in CARE_PAGES}


def require_page(user: User, key: str) -> None:
    """Raise ``PermissionDenied`` unless the user's role may open the care page ``key``."""
    require(user, _BY_KEY[key].action)


def may_open(user: User, key: str) -> bool:
    return has_permission(user, _BY_KEY[key].action)


def visible_pages(user: User) -> list[dict[str, object]]:
    """The care pages the user may open, for the sub-navigation."""
    return [
        {"key": page.key, "label": page.label, "url": reverse(page.url_name)}
        for page in CARE_PAGES
        if has_permission(user, page.action)
    ]
