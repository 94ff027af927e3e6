"""The navigation shell: one entry per module, shown to roles that may read it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.permissions import Action


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    action: Action


NAVIGATION = (
    NavItem("home", _("Home"), "core:home", Action.VIEW_CUSTOMERS),
    NavItem("customers", _("Customers"), "customers:list", Action.VIEW_CUSTOMERS),
    NavItem("my_day", _("My day"), "customers:my_day", Action.LOG_INTERACTIONS),
    NavItem("services", _("Services"), "catalogue:list", Action.VIEW_SERVICES),
    NavItem("surveys", _("Surveys"), "surveys:list", Action.VIEW_SURVEYS),
    NavItem("complaints", _("Complaints"), "complaints:queue", Action.VIEW_COMPLAINTS),
    NavItem("insights", _("Insights"), "core:insights", Action.VIEW_INSIGHTS),
    NavItem("webhooks", _("Webhooks"), "webhooks:list", Action.MANAGE_WEBHOOKS),
    NavItem("operations", _("Operations"), "operations:jobs", Action.VIEW_OPERATIONS),
)
