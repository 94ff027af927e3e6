"""Deliveries on the customer timeline: promises broken, and surprises received."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, has_permission
from qiwang.catalogue.choices import ServiceTier
from qiwang.catalogue.models import Delivery
from qiwang.customers.models import Customer
from qiwang.customers.timeline import TimelineEntry


def delivery_entries(customer: Customer, user: User, limit: int) -> Iterator[TimelineEntry]:
    if not has_permission(user, Action.VIEW_SERVICES):
        return
    rows = Delivery.objects.for_user(user).filter(customer=customer).filter(
        kept=False
    ) | Delivery.objects.for_user(user).filter(
        customer=customer, service__tier=ServiceTier.SURPRISE
    )
    for d in rows.select_related("service", "commitment").order_by("-delivered_at")[:limit]:
        if d.kept is False:
            title = _("Promise broken: %(service)s") % {"service": d.service.name}
            detail = _("%(value)s against %(target)s") % {
                "value": f"{d.value:g} {d.unit}".strip() if d.value is not None else "—",
                "target": d.commitment.target_text if d.commitment else "—",
            }
        else:
            title = _("Surprise received: %(service)s") % {"service": d.service.name}
            detail = ""
        yield TimelineEntry(
            at=d.delivered_at,
            kind="delivery",
            title=title,
            detail=detail,
            url=reverse("catalogue:service", args=[d.service_id]),
            is_alert=d.kept is False,
        )
