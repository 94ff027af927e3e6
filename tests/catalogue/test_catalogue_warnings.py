"""Each warning appears for its reason, and only then; texts render in both languages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from qiwang.catalogue.models import Delivery, ServiceMeasurement
from qiwang.catalogue.presentation import WARNING_TEXTS, render_warning
from qiwang.catalogue.services import create_publication, record_measurements, record_observations
from qiwang.catalogue.services.warnings import CODES, service_facts

TODAY = datetime.date(2026, 6, 1)


def _codes(service):
    (facts,) = service_facts([service], today=TODAY)
    return {w.code for w in facts.warnings}, facts


def _measure(service, wave_id, day, kano, attribute="repair_speed"):
    ServiceMeasurement.objects.create(
        service=service,
        wave_id=wave_id,
        wave_name=f"W{wave_id}",
        measured_on=day,
        attribute=attribute,
        kano_class=kano,
    )


def test_a_healthy_basic_service_has_no_warning(catalogue):
    _measure(catalogue["repair"], 1, datetime.date(2026, 1, 1), "M")
    assert _codes(catalogue["repair"])[0] == set()


def test_kano_disagreements_and_fall(catalogue):
    gift, repair = catalogue["gift"], catalogue["repair"]
    _measure(gift, 1, datetime.date(2025, 6, 1), "A", attribute="gift")
    _measure(gift, 2, datetime.date(2026, 1, 1), "M", attribute="gift")
    codes, facts = _codes(gift)
    assert codes == {"kano_must_be_as_surprise", "kano_fell"}
    assert (facts.kano_previous, facts.kano_class) == ("A", "M")
    _measure(repair, 1, datetime.date(2026, 1, 1), "A")  # attractive, promised explicitly
    assert _codes(repair)[0] == {"kano_attractive_promised"}
    catalogue["heating"].survey_attributes = ["warmth"]
    _measure(catalogue["heating"], 1, datetime.date(2026, 1, 1), "O", attribute="warmth")
    codes, facts = _codes(catalogue["heating"])
    assert codes == {"kano_tier_mismatch"}
    assert facts.warnings[0].params["suggested"] == "expected"


def test_basic_without_explicit_commitment(catalogue):
    catalogue["repair"].commitments.update(level="moderate")
    assert "basic_without_explicit" in _codes(catalogue["repair"])[0]
    catalogue["repair"].commitments.all().delete()
    assert "basic_without_explicit" in _codes(catalogue["repair"])[0]


def test_over_promise_needs_the_whole_interval_above_the_allowed_rate(org, catalogue):
    repair = catalogue["repair"]
    commitment = repair.commitments.get()

    def deliveries(broken, total):
        Delivery.objects.all().delete()
        Delivery.objects.bulk_create(
            Delivery(
                service=repair,
                customer=catalogue["own"],
                branch=org.own,
                delivered_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 12)),
                value=30 if i < broken else 10,
                commitment=commitment,
                kept=i >= broken,
            )
            for i in range(total)
        )

    deliveries(2, 20)  # 10 % broken, but the interval 1.2 %–31.7 % reaches below 5 %
    assert "over_promise" not in _codes(repair)[0]
    deliveries(30, 100)  # 30 %: the interval 21.2 %–40.0 % lies above 5 %
    codes, facts = _codes(repair)
    assert "over_promise" in codes
    warning = next(w for w in facts.warnings if w.code == "over_promise")
    assert warning.params["breach"] == 30.0


def test_publication_beyond_scope_and_comparison_risk(org, catalogue):
    create_publication(
        actor=org.users["administrator"],
        service=catalogue["gift"],
        data={
            "title": "生日礼遇",
            "channel": "wechat_group",
            "audience": "all",
            "published_on": "2026-05-01",
        },
    )
    codes, facts = _codes(catalogue["gift"])
    assert {"publication_beyond_scope", "comparison_risk"} <= codes
    assert facts.comparison_risk == 2


def test_habituation_of_a_yearly_birthday_gift(org, catalogue):
    gift = catalogue["gift"]
    Delivery.objects.bulk_create(
        Delivery(
            service=gift,
            customer=catalogue["vip"],
            branch=org.own,
            delivered_at=timezone.make_aware(datetime.datetime(year, 4, 12, 10)),
        )
        for year in (2023, 2024, 2025)
    )
    codes, _facts = _codes(gift)
    assert "habituation" in codes


def test_surveys_push_measurements_and_observations_and_the_ratchet_shows(org, catalogue):
    repair = catalogue["repair"]
    written = record_measurements(
        branch_id=org.own.pk,
        wave_id=7,
        wave_name="2026 春季",
        measured_on=datetime.date(2026, 4, 1),
        rows=[
            {
                "attribute": "repair_speed",
                "kano_class": "M",
                "expectation": 6.0,
                "perception": 5.2,
                "servqual_gap": -0.8,
                "respondents": 40,
            }
        ],
    )
    assert written == 1
    (facts,) = service_facts([repair], today=TODAY)
    assert facts.kano_class == "M"
    assert facts.satisfaction == pytest.approx(-0.8)
    moment = timezone.make_aware(datetime.datetime(2026, 4, 1, 9))
    rows = [
        (
            catalogue["own"].pk,
            org.own.pk,
            "repair_speed",
            moment + datetime.timedelta(days=d),
            p,
            None,
        )
        for d, p in ((0, 5.0), (30, 7.0), (60, 7.0))
    ]
    assert record_observations(branch_id=org.own.pk, wave_id=7, rows=rows) == 3
    assert record_observations(branch_id=org.own.pk, wave_id=7, rows=rows) == 3  # idempotent
    assert repair.observations.count() == 1  # one source reference per customer and wave
    assert "ratchet" not in {w.code for w in facts.warnings}


def test_every_code_has_texts_in_both_languages():
    assert set(CODES) == set(WARNING_TEXTS)
    params = {
        "wave": "W",
        "attribute": "a",
        "kano": "M",
        "tier": "basic",
        "suggested": "expected",
        "before": "A",
        "after": "O",
        "wave_before": "V",
        "target": "<= 24 h",
        "breach": 30,
        "breach_low": 21,
        "allowed": 5,
        "n": 100,
        "title": "t",
        "date": "2026-01-01",
        "scope": "segment",
        "audience": "all",
        "customers": 3,
        "level": "",
    }
    for code in CODES:
        with translation.override("en"):
            english = render_warning(code, params)
        with translation.override("zh-hans"):
            chinese = render_warning(code, params)
        assert "%(" not in english.rule + english.action, code
        assert english.title != chinese.title, code
