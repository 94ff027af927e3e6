"""Catalogue pages as each role: scope (404), rights (403), forms, htmx fragment, panel."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.conftest import PASSWORD

from qiwang.catalogue.models import Commitment, Delivery, Observation, Service, SurprisePlan
from qiwang.catalogue.services.expectations import refresh_states
from qiwang.catalogue.services.tallies import refresh_tallies

ROLES = ["administrator", "quality_manager", "account_manager", "agent", "analyst"]


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def history(org, catalogue):
    """A year of repair visits for the own customer: one in ten late."""
    repair = catalogue["repair"]
    commitment = repair.commitments.get()
    start = timezone.localdate() - datetime.timedelta(days=360)
    Delivery.objects.bulk_create(
        Delivery(
            service=repair,
            customer=catalogue["own"],
            branch=org.own,
            delivered_at=timezone.make_aware(
                datetime.datetime.combine(start + datetime.timedelta(days=3 * i), datetime.time(10))
            ),
            value=30.0 if i % 10 == 0 else 8.0 + i % 12,
            unit="h",
            commitment=commitment,
            kept=i % 10 != 0,
        )
        for i in range(120)
    )
    refresh_tallies([repair.pk])  # stored past the write paths, like the benchmark's seeding
    return catalogue


@pytest.mark.parametrize("role", ["quality_manager", "account_manager"])
def test_catalogue_page_reads_keeping_rates_from_tallies(org, history, role):
    """120 visits, every tenth late (the fixture): 108 kept, 90.0 %. The quality manager's page
    counts no delivery row (tallies); the account manager's is counted live (own customers)."""
    client = _client(org.users[role])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("catalogue:list"))
    body = page.content.decode()
    row = body[body.index('data-service="repair"') :]
    assert "90.0\u00a0%" in row[: row.index("</tr>")]
    assert "120 deliveries" in row[: row.index("</tr>")]
    assert 'data-testid="keeping-window"' in body
    counts_deliveries = any(
        '"catalogue_delivery"' in q["sql"] and "COUNT(" in q["sql"].upper()
        for q in queries.captured_queries
    )
    assert counts_deliveries == (role == "account_manager")


@pytest.mark.parametrize("role", ROLES)
def test_catalogue_and_service_pages_open_for_every_role(org, history, role):
    client = _client(org.users[role])
    page = client.get(reverse("catalogue:list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "24小时报修" in body and "生日礼物" in body
    service = client.get(reverse("catalogue:service", args=[history["repair"].pk]))
    assert service.status_code == 200
    assert "keeping-chart-data" in service.content.decode()
    for name in ("catalogue:publications", "catalogue:surprises"):
        assert client.get(reverse(name)).status_code == 200


def test_another_branchs_service_is_404(org, catalogue):
    other = Service.objects.create(branch=org.other, code="lockers", name="快递柜", tier="expected")
    client = _client(org.users["quality_manager"])
    assert client.get(reverse("catalogue:service", args=[other.pk])).status_code == 404
    assert client.post(reverse("catalogue:commitment_add", args=[other.pk]), {}).status_code == 404


@pytest.mark.parametrize(
    ("role", "commitment", "delivery"),
    [
        ("quality_manager", 302, 302),
        ("account_manager", 403, 302),
        ("agent", 403, 403),
        ("analyst", 403, 403),
    ],
)
def test_forms_by_role(org, catalogue, role, commitment, delivery):
    client = _client(org.users[role])
    heating = catalogue["heating"]
    posted = client.post(
        reverse("catalogue:commitment_add", args=[heating.pk]),
        {
            "level": "explicit",
            "metric": "t",
            "comparison": ">=",
            "threshold": "18",
            "unit": "°C",
            "valid_from": "2026-06-01",
            "allowed_breach": "5",
        },
    )
    assert posted.status_code == commitment
    recorded = client.post(
        reverse("catalogue:delivery_add", args=[heating.pk]),
        {"customer": "A0001", "delivered_at": "2026-06-02T08:00", "value": "17", "unit": "℃"},
    )
    assert recorded.status_code == delivery
    if delivery == 302:
        assert Delivery.objects.get().kept is False


def test_bad_form_input_shows_a_message_naming_the_value(org, catalogue):
    client = _client(org.users["quality_manager"])
    response = client.post(
        reverse("catalogue:delivery_add", args=[catalogue["heating"].pk]),
        {"customer": "A0001", "delivered_at": "2026-06-02T08:00", "value": "17", "unit": "h"},
        follow=True,
    )
    assert "does not match the unit" in response.content.decode()
    assert Delivery.objects.count() == 0


def test_promise_calculator_fragment(org, history):
    client = _client(org.users["analyst"])
    url = reverse("catalogue:promise", args=[history["repair"].pk])
    fragment = client.get(url, {"target": "<=24 h", "allowed_breach": "5"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body
    assert "12 / 120" in body  # one in ten late
    assert "over-promise" in body
    assert 'data-testid="recommended">&lt;=30 h<' in body
    page = client.get(url, {"target": "soon"})
    assert "is not a target" in page.content.decode()


def test_plan_flow_with_confirmation(org, catalogue):
    client = _client(org.users["administrator"])
    response = client.post(
        reverse("catalogue:plan_add"),
        {
            "service": catalogue["gift"].pk,
            "name": "生日礼",
            "budget": "300",
            "start": "2026-01-01",
            "end": "2026-12-31",
        },
    )
    plan = SurprisePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalogue:plan", args=[plan.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "plan-chart-data" in page and 'data-confirm="' in page
    client.post(reverse("catalogue:plan_status", args=[plan.pk]), {"status": "confirmed"})
    plan.refresh_from_db()
    assert plan.status == "confirmed"
    bad = client.post(
        reverse("catalogue:plan_add"),
        {
            "service": catalogue["gift"].pk,
            "name": "x",
            "budget": "5",
            "start": "2026-01-01",
            "end": "2026-12-31",
        },
        follow=True,
    )
    assert "cannot buy one surprise" in bad.content.decode()
    assert (
        _client(org.users["analyst"])
        .post(reverse("catalogue:plan_status", args=[plan.pk]), {"status": "cancelled"})
        .status_code
        == 403
    )


def test_expectation_panel_on_the_customer_page(org, catalogue):
    own = catalogue["own"]
    moment = timezone.make_aware(datetime.datetime(2026, 3, 1, 9))
    Observation.objects.bulk_create(
        Observation(
            customer=own,
            service=catalogue["repair"],
            branch=org.own,
            observed_at=moment + datetime.timedelta(days=60 * i),
            perception=p,
            source="survey",
            source_ref=f"w{i}",
        )
        for i, p in enumerate([4.0, 7.0, 7.0])
    )
    refresh_states(customer_ids=[own.pk])
    page = (
        _client(org.users["account_manager"])
        .get(reverse("customers:detail", args=[own.pk]))
        .content.decode()
    )
    assert 'data-testid="expectation-panel"' in page
    assert 'data-testid="ratchet-warning"' in page  # 4 then 7: a large positive gap
    assert "expectation-chart-data" in page
    # another account manager's customer stays out of reach
    assert (
        _client(org.other_users["account_manager"])
        .get(reverse("customers:detail", args=[own.pk]))
        .status_code
        == 404
    )


def test_customer_panel_shows_habituation_of_a_yearly_gift(org, catalogue):
    vip = catalogue["vip"]
    Delivery.objects.bulk_create(
        Delivery(
            service=catalogue["gift"],
            customer=vip,
            branch=org.own,
            delivered_at=timezone.make_aware(datetime.datetime(y, 4, 12, 10)),
        )
        for y in (2023, 2024, 2025)
    )
    page = (
        _client(org.users["quality_manager"])
        .get(reverse("customers:detail", args=[vip.pk]))
        .content.decode()
    )
    assert 'data-testid="habituation-warning"' in page
    assert "same date each year" in page


def test_timeline_shows_broken_promises(org, history):
    page = (
        _client(org.users["quality_manager"])
        .get(reverse("customers:detail", args=[history["own"].pk]))
        .content.decode()
    )
    assert "Promise broken: 24小时报修" in page


def test_no_inline_script_or_style_in_catalogue_templates():
    from pathlib import Path

    import qiwang.catalogue

    root = Path(qiwang.catalogue.__file__).parent / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "style=" not in text, path
        assert "|safe" not in text, path
        for chunk in text.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), path


def test_commitment_is_shown_after_saving(org, catalogue):
    client = _client(org.users["quality_manager"])
    client.post(
        reverse("catalogue:commitment_add", args=[catalogue["heating"].pk]),
        {
            "level": "explicit",
            "metric": "t",
            "comparison": ">=",
            "threshold": "20",
            "unit": "°C",
            "valid_from": "2026-06-01",
        },
    )
    assert Commitment.objects.filter(service=catalogue["heating"], threshold=20).exists()
    page = client.get(reverse("catalogue:service", args=[catalogue["heating"].pk])).content.decode()
    assert "&gt;= 20 °C" in page
