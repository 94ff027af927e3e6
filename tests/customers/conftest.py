"""Fixtures for the customers tests: the shared ``org`` plus account managers with a supervisor."""

from __future__ import annotations

import datetime

import pytest
from tests.conftest import make_customer, make_user

# A Thursday: the default important / high-quality plans call on Monday and Thursday.
THURSDAY = datetime.date(2026, 11, 19)


@pytest.fixture
def team(org):
    """The own branch's account manager reports to the own branch's quality manager."""
    manager = org.users["account_manager"]
    manager.supervisor = org.users["quality_manager"]
    manager.save(update_fields=["supervisor"])
    second = make_user(
        "account_manager_a2", "account_manager", [org.own], supervisor=org.users["quality_manager"]
    )
    return {"manager": manager, "second": second, "supervisor": org.users["quality_manager"]}


@pytest.fixture
def book(org, team):
    """Customers of every tier for the own account manager, and a few for someone else."""
    manager = team["manager"]
    customers = {}
    for index, tier in enumerate(["vip", "important", "high_quality", "general"]):
        customers[tier] = make_customer(
            org.own, f"A1{index:03d}", tier=tier, account_manager=manager
        )
    customers["second_vip"] = make_customer(
        org.own, "A2001", tier="vip", account_manager=team["second"]
    )
    customers["other_vip"] = make_customer(
        org.other, "B2001", tier="vip", account_manager=org.other_users["account_manager"]
    )
    customers["unowned_vip"] = make_customer(org.own, "A3001", tier="vip")
    return customers


@pytest.fixture
def working_today(db):
    """Tests about "today" must not depend on the weekday they run on: the days around today
    become company-wide make-up working days (rows of the real calendar, as an administrator
    would enter them), and their year is declared when the calendar does not know it yet."""
    from django.utils import timezone

    from qiwang.accounts.calendar_models import CalendarDay, CalendarYear, DayKind, YearStatus
    from qiwang.accounts.calendar_services import load_working_calendar

    today = timezone.localdate()
    days = [today + datetime.timedelta(days=offset) for offset in range(-3, 3)]
    for year in {day.year for day in days}:
        CalendarYear.objects.get_or_create(year=year, defaults={"status": YearStatus.ESTIMATED})
    calendar = load_working_calendar()
    for day in days:
        if not calendar.is_working_day(day):
            CalendarDay.objects.update_or_create(
                day=day, branch=None, defaults={"kind": DayKind.WORKDAY}
            )
    return today
