"""The expectation panel on the customer page and the catalogue's timeline entries.

Per service the customer perceived: expectation against perception over time, the current
expectation with its uncertainty, the predicted satisfaction (S = P − E weighed asymmetrically),
and warnings: a ratchet (a large positive gap on a repeated service raised the next
expectation) and habituation (this customer's surprises came regularly enough to predict).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.permissions import Action, can
from qiwang.analysis.surprise import habituation
from qiwang.catalogue.choices import ServiceTier
from qiwang.catalogue.models import Delivery, Service
from qiwang.catalogue.services.expectations import customer_tracks
from qiwang.customers.models import Customer
from qiwang.customers.panels import Panel


def _habituated(customer: Customer, services: Any) -> list[dict[str, Any]]:
    rows = list(
        Delivery.objects.filter(
            customer=customer, service__in=services.filter(tier=ServiceTier.SURPRISE)
        )
        .order_by("service_id", "delivered_at")
        .values_list("service_id", "service__name", "delivered_at")
    )
    by_service: dict[int, tuple[str, list[Any]]] = {}
    for service_id, name, at in rows:
        by_service.setdefault(service_id, (name, []))[1].append(timezone.localtime(at).date())
    found = []
    for service_id, (name, days) in by_service.items():
        result = habituation([(str(customer.pk), day) for day in days])
        record = result.frame.iloc[0]
        if bool(record["is_habituated"]):
            found.append(
                {
                    "service_id": service_id,
                    "name": name,
                    "deliveries": len(days),
                    "dates": [d.isoformat() for d in days[-4:]],
                    "regular": bool(record["is_regular"]),
                    "same_date": bool(record["repeats_same_date"]),
                }
            )
    return found


def expectation_panel(request: HttpRequest, customer: Customer) -> Panel | None:
    user = request.user
    if not can(user, Action.VIEW_SERVICES):
        return None
    services = Service.objects.for_user(user)
    tracks = customer_tracks(customer.pk, services)
    habituated = _habituated(customer, services)
    charts = [
        {
            "id": f"expectation-{t.service.pk}",
            "name": t.service.name,
            "times": [timezone.localtime(p["time"]).strftime("%Y-%m-%d") for p in t.points],
            "perception": [round(p["perception"], 2) for p in t.points],
            "expectation": [round(p["expectation"], 2) for p in t.points],
            "after": [round(p["expectation_after"], 2) for p in t.points],
        }
        for t in tracks
    ]
    return Panel(
        "catalogue/_customer_panel.html",
        {
            "customer": customer,
            "tracks": tracks,
            "habituated": habituated,
            "chart_data": {
                "charts": charts,
                "labels": {
                    "perception": _("Perception (1–7)"),
                    "expectation": _("Expectation before (1–7)"),
                    "after": _("Expectation after (1–7)"),
                    "axis": _("Score (1–7)"),
                },
            },
        },
    )
