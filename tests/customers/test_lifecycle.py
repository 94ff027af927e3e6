"""Lifecycle rules of docs/customers.md: new < 90 days, active seen < 180, dormant < 365, lost."""

from __future__ import annotations

import datetime

from django.utils import timezone
from tests.conftest import make_customer

from qiwang.customers.models import Customer, LifecycleChange
from qiwang.customers.services import refresh_lifecycles


def _aged(org, code, *, created_days, seen_days=None):
    now = timezone.now()
    customer = make_customer(org.own, code)
    Customer.objects.filter(pk=customer.pk).update(
        created_at=now - datetime.timedelta(days=created_days),
        last_activity_at=None if seen_days is None else now - datetime.timedelta(days=seen_days),
    )
    return customer


def test_lifecycle_thresholds(org):
    now = timezone.now()
    _aged(org, "N", created_days=10)
    _aged(org, "A", created_days=400, seen_days=179)
    _aged(org, "D", created_days=400, seen_days=181)
    _aged(org, "L", created_days=800, seen_days=366)
    _aged(org, "Q", created_days=800)  # never contacted: judged from creation → lost
    _aged(org, "R", created_days=200)  # never contacted, 200 days → dormant
    computed = dict(Customer.objects.with_lifecycle(now).values_list("code", "computed_lifecycle"))
    assert computed == {
        "N": "new",
        "A": "active",
        "D": "dormant",
        "L": "lost",
        "Q": "lost",
        "R": "dormant",
    }


def test_refresh_records_each_change_once(org):
    day = timezone.localdate()
    _aged(org, "D", created_days=400, seen_days=200)
    assert refresh_lifecycles(day) == 1
    assert Customer.objects.get(code="D").lifecycle == "dormant"
    change = LifecycleChange.objects.get()
    assert (change.old_lifecycle, change.new_lifecycle, change.changed_on) == (
        "new",
        "dormant",
        day,
    )
    assert refresh_lifecycles(day) == 0
    assert LifecycleChange.objects.count() == 1


def test_refresh_without_recording_sets_the_starting_point(org):
    _aged(org, "D", created_days=400, seen_days=200)
    assert refresh_lifecycles(timezone.localdate(), record=False) == 1
    assert Customer.objects.get(code="D").lifecycle == "dormant"
    assert not LifecycleChange.objects.exists()
