"""Company-wide settings only for users scoped to the whole company (issue 10).

Maintenance plans, contact topics, the holiday table of greeting occasions and the working-day
calendar belong to no branch. A service-quality manager of one branch may not change them (403),
one given the company may; administrators always may.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.conftest import PASSWORD

from qiwang.accounts.calendar_models import CalendarDay
from qiwang.accounts.permissions import Action, can_company, is_company_scoped
from qiwang.accounts.services import create_api_token
from qiwang.customers.choices import OccasionKind
from qiwang.customers.models import ContactTopic, MaintenancePlan, Occasion

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user, name='t').key}")


def test_who_is_scoped_to_the_company(org, company_quality):
    assert is_company_scoped(org.users["administrator"])
    assert is_company_scoped(company_quality)
    assert not is_company_scoped(org.users["quality_manager"])
    assert can_company(company_quality, Action.MANAGE_MAINTENANCE_PLANS)
    assert not can_company(org.users["quality_manager"], Action.MANAGE_MAINTENANCE_PLANS)


@pytest.mark.parametrize(("who", "status"), [("branch", 403), ("company", 200), ("admin", 200)])
def test_plan_change_through_the_api(org, company_quality, who, status):
    user = {
        "branch": org.users["quality_manager"],
        "company": company_quality,
        "admin": org.users["administrator"],
    }[who]
    plan = MaintenancePlan.objects.get(industry="b2b_supplier", tier="vip")

    response = _api(user).patch(
        f"/api/maintenance/plans/{plan.pk}",
        json.dumps({"channel": "visit"}),
        content_type="application/json",
    )

    plan.refresh_from_db()
    assert response.status_code == status
    assert (plan.channel == "visit") is (status == 200)


@pytest.mark.parametrize(("who", "status"), [("branch", 403), ("company", 302)])
def test_plan_change_on_the_page(org, company_quality, who, status):
    user = company_quality if who == "company" else org.users["quality_manager"]
    plan = MaintenancePlan.objects.get(industry="b2b_supplier", tier="important")
    client = _browser(user)

    form = client.get(f"/customers/plans/{plan.pk}/")
    response = client.post(
        f"/customers/plans/{plan.pk}/",
        {"frequency": "monthly", "channel": "visit", "is_active": "on"},
    )
    listing = client.get("/customers/plans/?industry=b2b_supplier").content.decode()

    plan.refresh_from_db()
    assert form.status_code == (403 if who == "branch" else 200)
    assert response.status_code == status
    assert (plan.channel == "visit") is (who == "company")
    assert (f"/customers/plans/{plan.pk}/" in listing) is (who == "company")


@pytest.mark.parametrize(("who", "status"), [("branch", 403), ("company", 302)])
def test_topic_change_on_the_page(org, company_quality, who, status):
    user = company_quality if who == "company" else org.users["quality_manager"]
    topic = ContactTopic.objects.filter(industry="heating").first()

    response = _browser(user).post(
        f"/customers/topics/{topic.pk}/",
        {"label": "改过", "measure": topic.measure, "position": "1", "is_active": "on"},
    )

    topic.refresh_from_db()
    assert response.status_code == status
    assert (topic.label == "改过") is (who == "company")


@pytest.mark.parametrize(("who", "status"), [("branch", 403), ("company", 302)])
def test_loading_the_holiday_table(org, company_quality, who, status):
    user = company_quality if who == "company" else org.users["quality_manager"]
    client = _browser(user)

    page = client.get("/customers/occasions/?year=2026").content.decode()
    response = client.post("/customers/occasions/?year=2026", {"action": "load_year"})

    assert response.status_code == status
    assert Occasion.objects.filter(branch__isnull=True).exists() is (who == "company")
    assert ('data-testid="load-year"' in page) is (who == "company")


def test_a_branch_manager_cannot_add_a_company_wide_occasion(org, company_quality):
    data = {"name": "新品", "date": "2026-12-10", "branch": "", "tiers": ["vip"]}

    branch = _browser(org.users["quality_manager"]).post("/customers/occasions/?year=2026", data)
    company = _browser(company_quality).post("/customers/occasions/?year=2026", data)

    assert branch.status_code == 422
    assert company.status_code == 302
    launch = Occasion.objects.get(kind=OccasionKind.PRODUCT_LAUNCH)
    assert launch.branch is None


@pytest.mark.parametrize("user_key", ["branch", "company"])
def test_the_working_day_calendar_is_for_administrators(org, company_quality, user_key):
    """The calendar (deadlines of every branch) stays with administrators."""
    user = company_quality if user_key == "company" else org.users["quality_manager"]
    client = _browser(user)

    page = client.get("/accounts/calendar/")
    change = client.post(
        "/accounts/calendar/day/", {"day": "2031-10-08", "kind": "holiday", "name": "national_day"}
    )
    upload = client.post(
        "/accounts/calendar/import/",
        {"text": "2031-10-08 holiday national_day", "status": "published", "confirm": "on"},
    )

    assert (page.status_code, change.status_code, upload.status_code) == (403, 403, 403)
    assert not CalendarDay.objects.filter(day__year=2031).exists()


def test_an_administrator_changes_the_calendar(org):
    client = _browser(org.users["administrator"])

    response = client.post(
        "/accounts/calendar/import/",
        {"text": "2031-10-08 holiday national_day", "status": "published", "confirm": "on"},
    )

    assert response.status_code == 302
    assert CalendarDay.objects.filter(day__year=2031, branch__isnull=True).exists()
