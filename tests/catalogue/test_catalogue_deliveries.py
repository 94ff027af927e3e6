"""Recording deliveries: judged against the commitment in force on their day, per-item results,
nothing half-stored, follow-ups and hooks for broken promises, keeping rates."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from qiwang.catalogue import hooks
from qiwang.catalogue.models import Commitment, Delivery
from qiwang.catalogue.services import record_deliveries, record_delivery
from qiwang.catalogue.services.keeping import keeping_by, keeping_by_month, overall
from qiwang.customers.models import ContactTask
from qiwang.errors import ServiceError


def _item(catalogue, **extra):
    item = {
        "service": catalogue["repair"].pk,
        "customer": "A0001",
        "delivered_at": "2026-03-02 10:00",
        "value": 20,
        "unit": "h",
    }
    item.update(extra)
    return item


def test_each_delivery_is_judged_by_the_commitment_in_force_on_its_day(org, catalogue):
    repair = catalogue["repair"]
    repair.commitments.update(valid_to=datetime.date(2025, 12, 31))
    Commitment.objects.create(
        service=repair,
        level="explicit",
        metric="visit_hours",
        comparison="<=",
        threshold=12,
        unit="h",
        valid_from=datetime.date(2026, 1, 1),
    )
    batch = record_deliveries(
        actor=org.users["administrator"],
        items=[
            _item(catalogue, delivered_at="2025-12-31 23:00", value=20),  # old 24 h: kept
            _item(catalogue, delivered_at="2026-01-01 08:00", value=20),  # new 12 h: broken
            _item(catalogue, delivered_at="2026-01-02", value=12),  # exactly 12: kept
            _item(catalogue, delivered_at="2026-01-03", value=None),  # no value: not judged
            _item(catalogue, delivered_at="2019-06-01", value=99),  # before any commitment
        ],
    )
    assert [r.ok for r in batch.results] == [True] * 5
    assert [d.kept for d in batch.stored] == [True, False, True, None, None]
    assert [d.commitment.threshold if d.commitment else None for d in batch.stored] == [
        24,
        12,
        12,
        12,
        None,
    ]


def test_temperature_targets_are_at_least_and_units_are_spelled_either_way(org, catalogue):
    batch = record_deliveries(
        actor=org.users["quality_manager"],
        items=[
            {
                "service": catalogue["heating"].pk,
                "customer": "A0001",
                "delivered_at": "2026-01-10",
                "value": 17.5,
                "unit": "℃",
            },
            {
                "service": "heating",
                "customer": "A0001",
                "delivered_at": "2026-01-11",
                "value": 18,
                "unit": "°C",
            },
        ],
    )
    assert [d.kept for d in batch.stored] == [False, True]
    assert {d.unit for d in batch.stored} == {"°C"}


def test_bad_items_name_field_and_value_and_store_nothing_of_themselves(org, catalogue):
    items = [
        _item(catalogue),
        _item(catalogue, service=999999),
        _item(catalogue, customer="NOPE"),
        _item(
            catalogue, customer="B0001", service=catalogue["heating"].pk, unit="°C"
        ),  # other branch
        _item(catalogue, unit="min"),
        _item(catalogue, delivered_at="yesterday"),
        _item(catalogue, value="fast"),
        _item(catalogue, reference="WO-1"),
        _item(catalogue, reference="WO-1"),
        {
            "service": catalogue["repair"].pk,
            "customer": "A0001",
            "delivered_at": "2026-03-01",
            "colour": "red",
        },
    ]
    batch = record_deliveries(actor=org.users["administrator"], items=items)
    assert [r.ok for r in batch.results] == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    errors = [r.errors for r in batch.results]
    assert "999999" in errors[1]["service"][0]
    assert "NOPE" in errors[2]["customer"][0]
    assert "B0001" in errors[3]["customer"][0]
    assert "min" in errors[4]["unit"][0] and "24" in errors[4]["unit"][0]
    assert "yesterday" in errors[5]["delivered_at"][0]
    assert "fast" in errors[6]["value"][0]
    assert "WO-1" in errors[8]["reference"][0]
    assert "colour" in errors[9]["__all__"][0]
    assert Delivery.objects.count() == 2
    again = record_deliveries(
        actor=org.users["administrator"], items=[_item(catalogue, reference="WO-1")]
    )
    assert "WO-1" in again.results[0].errors["reference"][0]


def test_all_or_nothing_stores_nothing_when_one_item_fails(org, catalogue):
    batch = record_deliveries(
        actor=org.users["administrator"],
        items=[_item(catalogue), _item(catalogue, customer="NOPE")],
        all_or_nothing=True,
    )
    assert not any(r.ok for r in batch.results)
    assert Delivery.objects.count() == 0


def test_scope_and_role(org, catalogue):
    with pytest.raises(PermissionDenied):
        record_deliveries(actor=org.users["analyst"], items=[_item(catalogue)])
    # an account manager records only for the customers they own; another's customer is unknown
    batch = record_deliveries(
        actor=org.users["account_manager"],
        items=[_item(catalogue), _item(catalogue, customer="B0001")],
    )
    assert [r.ok for r in batch.results] == [True, False]
    with pytest.raises(ServiceError):
        record_deliveries(actor=org.users["administrator"], items=[])
    with pytest.raises(ServiceError) as caught:
        record_delivery(actor=org.users["administrator"], data=_item(catalogue, value=float("nan")))
    assert "value" in caught.value.errors


def test_a_recent_broken_promise_gives_a_follow_up_and_calls_the_hooks(
    org, catalogue, django_capture_on_commit_callbacks
):
    seen = []
    hooks.BROKEN_PROMISE_HOOKS.append(seen.append)
    try:
        now = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            batch = record_deliveries(
                actor=org.users["administrator"],
                items=[
                    _item(catalogue, delivered_at=now.isoformat(), value=30),
                    _item(catalogue, delivered_at=now.isoformat(), value=36),  # same day: one task
                    _item(catalogue, delivered_at=now.isoformat(), value=3),
                    _item(catalogue, delivered_at="2025-01-05", value=40),  # history: no task
                ],
            )
    finally:
        hooks.BROKEN_PROMISE_HOOKS.remove(seen.append)
    broken = [d for d in batch.stored if d.kept is False]
    assert len(broken) == 3
    # history is not news: the 2025 delivery counts in the rates but opens nothing downstream
    assert seen == broken[:2]
    tasks = ContactTask.objects.filter(customer=catalogue["own"], kind="follow_up")
    assert tasks.count() == 1
    task = tasks.get()
    assert task.assignee == org.users["account_manager"]
    assert "24小时报修" in task.note


def test_keeping_rates_match_an_exact_binomial_interval(org, catalogue):
    # 18 kept of 20. Expected interval of 18/20 from scipy.stats.binomtest(18, 20)
    # .proportion_ci(method="exact") — the same numbers as R's binom.test(18, 20):
    # 0.6830172859809209 – 0.9876514728297041.
    items = [
        _item(catalogue, delivered_at=f"2026-0{1 + i % 2}-1{i % 10}", value=30 if i < 2 else 10)
        for i in range(20)
    ]
    record_deliveries(actor=org.users["administrator"], items=items)
    rate = overall(Delivery.objects.all())
    assert (rate.n, rate.kept) == (20, 18)
    assert rate.low == pytest.approx(0.6830172859809209, abs=1e-12)
    assert rate.high == pytest.approx(0.9876514728297041, abs=1e-12)
    by_service = keeping_by(Delivery.objects.all(), "service")
    assert by_service[catalogue["repair"].pk].rate == pytest.approx(0.9)
    months = keeping_by_month(Delivery.objects.all())
    assert [m.key for m in months] == [datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)]
    assert sum(m.n for m in months) == 20
    by_tier = keeping_by(Delivery.objects.all(), "customer__tier")
    assert set(by_tier) == {"general"}
