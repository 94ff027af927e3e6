"""Surprise plans through the catalogue: eligible customers, budget, reproducibility, delivery."""

from __future__ import annotations

import datetime

import pytest
from tests.conftest import make_customer

from qiwang.catalogue.models import Delivery, PlannedSurprise
from qiwang.catalogue.services.surprises import create_plan, deliver_planned, set_plan_status
from qiwang.errors import ServiceError

PLAN = {
    "name": "2026 生日礼",
    "budget": "1000",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "min_gap_days": 60,
    "max_per_year": 2,
    "seed": 7,
}


@pytest.fixture
def gift_customers(org, catalogue):
    for i in range(6):
        make_customer(org.own, f"V{i:03}", tier="vip" if i % 2 else "important")
    return catalogue


def test_a_budget_that_cannot_fit_names_the_budget(org, gift_customers):
    with pytest.raises(ServiceError) as caught:
        create_plan(
            actor=org.users["administrator"],
            service=gift_customers["gift"],
            data={**PLAN, "budget": "50"},
        )
    assert "budget" in caught.value.errors
    assert "50" in caught.value.errors["budget"][0] and "100" in caught.value.errors["budget"][0]


def test_only_surprise_services_are_planned(org, gift_customers):
    with pytest.raises(ServiceError) as caught:
        create_plan(actor=org.users["administrator"], service=gift_customers["repair"], data=PLAN)
    assert "service" in caught.value.errors


def test_the_plan_is_within_budget_eligible_only_and_reproducible(org, gift_customers):
    gift = gift_customers["gift"]
    first = create_plan(actor=org.users["administrator"], service=gift, data=PLAN)
    items = list(first.items.values_list("customer__code", "date"))
    assert len(items) == 10  # 1000 yuan at 100 each
    assert first.spent == 1000
    assert {code for code, _day in items} <= {f"V{i:03}" for i in range(6)} | {"A0002"}
    set_plan_status(actor=org.users["administrator"], plan=first, status="cancelled")
    second = create_plan(actor=org.users["administrator"], service=gift, data=PLAN)
    assert list(second.items.values_list("customer__code", "date")) == items


def test_delivering_a_confirmed_plan_records_deliveries(org, gift_customers):
    plan = create_plan(actor=org.users["administrator"], service=gift_customers["gift"], data=PLAN)
    with pytest.raises(ServiceError):
        deliver_planned(
            actor=org.users["administrator"], plan=plan, up_to=datetime.date(2026, 12, 31)
        )
    set_plan_status(actor=org.users["administrator"], plan=plan, status="confirmed")
    due = plan.items.filter(date__lte=datetime.date(2026, 6, 30)).count()
    assert (
        deliver_planned(
            actor=org.users["administrator"], plan=plan, up_to=datetime.date(2026, 6, 30)
        )
        == due
    )
    assert (
        Delivery.objects.filter(service=gift_customers["gift"], source="surprise_plan").count()
        == due
    )
    assert (
        PlannedSurprise.objects.filter(
            plan=plan, status="delivered", delivery__isnull=False
        ).count()
        == due
    )
