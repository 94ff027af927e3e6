"""The demo catalogue shows every warning, each for a reason a user can read."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qiwang.catalogue.models import (
    Delivery,
    ExpectationState,
    Service,
    ServiceMeasurement,
    SurprisePlan,
)
from qiwang.catalogue.services.warnings import CODES, service_facts
from qiwang.demo.services import build_demo


@pytest.fixture
def demo(db):
    # Inside the test's transaction: a module-wide demo built outside it and then flushed
    # also deleted the rows data migrations seed (maintenance plans, working calendar,
    # industry profiles), failing every later test that relies on them.
    build_demo(customers=300)


@pytest.mark.django_db
def test_every_warning_appears_in_the_demo(demo):
    facts = service_facts(Service.objects.all(), today=timezone.localdate())
    by_code: dict[str, list[str]] = {}
    for f in facts:
        for w in f.warnings:
            by_code.setdefault(w.code, []).append(f.service.code)
    assert set(by_code) == set(CODES), by_code
    assert "repair-hotline" in by_code["over_promise"]
    assert "holiday-patrols" in by_code["kano_must_be_as_surprise"]
    assert "ev-charging" in by_code["kano_attractive_promised"]
    assert set(by_code["kano_fell"]) == {"parcel-lockers", "community-events"}
    assert by_code["basic_without_explicit"] == ["greening"]
    assert set(by_code["habituation"]) == {"birthday-gift"}


@pytest.mark.django_db
def test_demo_has_a_year_of_deliveries_plans_and_survey_measurements(demo):
    assert Delivery.objects.filter(service__code="heating", kept=False).exists()
    assert Delivery.objects.filter(service__code="heating", kept=True).exists()
    # one per Kano wave of the demo: spring and autumn of 2025 and 2026 (surveys/demo.py)
    assert ServiceMeasurement.objects.filter(service__code="parcel-lockers").count() == 4
    assert ServiceMeasurement.objects.filter(
        service__code="repair-hotline", attribute="res2"
    ).exists()
    assert SurprisePlan.objects.get().status == "confirmed"
    # every community's account manager has a customer whose expectation ratcheted up
    ratchets = ExpectationState.objects.filter(ratchet_warning=True, service__code="repair-hotline")
    assert set(ratchets.values_list("customer__branch__code", flat=True)) >= {
        "cuihu",
        "jinxiu",
        "binjiang",
    }
