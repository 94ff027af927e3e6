"""The calendar as data: seeding, administrators' edits and page, the warning, the sla command."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from qiwang.accounts.calendar_models import CalendarDay, CalendarYear, DayKind, YearStatus
from qiwang.accounts.calendar_services import (
    calendar_warnings,
    calendar_warnings_for,
    import_calendar_lines,
    load_working_calendar,
    seed_calendar_from_library,
    set_calendar_day,
    set_calendar_year,
)
from qiwang.accounts.models import AuditEvent
from qiwang.accounts.working_calendar import UnknownCalendarYear, library_years
from qiwang.cli import app
from qiwang.errors import ServiceError

D = datetime.date


@pytest.fixture
def seeded(db):
    seed_calendar_from_library()


def test_the_seed_holds_every_year_the_library_knows_and_is_idempotent(seeded):
    assert list(CalendarYear.objects.values_list("year", flat=True)) == list(library_years())
    count = CalendarDay.objects.count()

    assert seed_calendar_from_library() == []
    assert CalendarDay.objects.count() == count
    calendar = load_working_calendar()
    assert calendar.is_working_day(D(2026, 2, 14)) is True
    assert calendar.is_working_day(D(2026, 2, 16)) is False


def test_the_seed_replaces_an_estimated_year_but_never_a_published_one_entered_by_hand(seeded):
    set_calendar_year(actor=None, year=2026, status=YearStatus.ESTIMATED)
    CalendarDay.objects.filter(day=D(2026, 2, 16)).delete()

    assert seed_calendar_from_library() == [2026]
    assert load_working_calendar().is_working_day(D(2026, 2, 16)) is False

    set_calendar_year(actor=None, year=2026, status=YearStatus.PUBLISHED)
    CalendarDay.objects.filter(day=D(2026, 2, 16)).delete()
    assert seed_calendar_from_library() == []
    assert load_working_calendar().is_working_day(D(2026, 2, 16)) is True


def test_an_administrator_enters_the_next_year_and_the_calendar_uses_it(org, seeded):
    admin = org.users["administrator"]
    with pytest.raises(UnknownCalendarYear):
        load_working_calendar().is_working_day(D(2027, 2, 8))

    count = import_calendar_lines(
        actor=admin,
        text="# 2027, as published\n2027-02-06 holiday spring_festival\n"
        "2027-02-08 holiday spring_festival\n2027-02-20 workday spring_festival\n",
        year_status=YearStatus.ESTIMATED,
    )

    calendar = load_working_calendar()
    assert count == 3
    assert calendar.is_working_day(D(2027, 2, 8)) is False
    assert calendar.is_working_day(D(2027, 2, 20)) is True
    assert calendar.is_working_day(D(2027, 2, 9)) is True
    assert calendar.years[2027] == YearStatus.ESTIMATED
    assert AuditEvent.objects.filter(action="calendar_year_set", object_repr="2027").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30 holiday", "line 1"),
        ("2027-02-06 vacation", "neither holiday nor workday"),
        ("2027-02-06 holiday easter", "unknown holiday"),
        ("2027-02-06 holiday\n2027-02-06 workday", "listed twice"),
        ("# nothing", "No days"),
    ],
)
def test_a_bad_import_names_the_line_and_writes_nothing(org, seeded, text, message):
    with pytest.raises(ServiceError, match=message):
        import_calendar_lines(actor=org.users["administrator"], text=text)

    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_branch_override_changes_only_that_branch(org, seeded):
    set_calendar_day(actor=None, day=D(2026, 2, 17), kind=DayKind.WORKDAY, branch=org.own)

    assert load_working_calendar(org.own).is_working_day(D(2026, 2, 17)) is True
    assert load_working_calendar(org.other).is_working_day(D(2026, 2, 17)) is False
    assert load_working_calendar().is_working_day(D(2026, 2, 17)) is False


def test_a_day_of_an_undeclared_year_is_refused(org, seeded):
    with pytest.raises(ServiceError, match="2031"):
        set_calendar_day(actor=None, day=D(2031, 1, 1), kind=DayKind.HOLIDAY)


def test_warnings_name_the_current_and_in_november_the_next_year(seeded):
    assert calendar_warnings(D(2026, 6, 1)) == []
    (warning,) = calendar_warnings(D(2026, 11, 20))
    assert (warning.year, warning.reason) == (2027, "unknown")
    assert "2027" in warning.message


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("administrator", 200),
        ("quality_manager", 403),
        ("account_manager", 403),
        ("agent", 403),
        ("analyst", 403),
    ],
)
def test_only_administrators_open_the_calendar_page(org, seeded, role, expected):
    client = Client()
    client.force_login(org.users[role])

    page = client.get("/accounts/calendar/?year=2026")
    post = client.post("/accounts/calendar/year/", {"year": 2030, "status": "estimated"})

    assert page.status_code == expected
    assert post.status_code == (302 if expected == 200 else 403)
    assert CalendarYear.objects.filter(year=2030).exists() is (expected == 200)
    if expected == 200:
        assert "2026-02-14" in page.content.decode()


def test_the_page_adds_and_removes_a_day(org, seeded):
    client = Client()
    client.force_login(org.users["administrator"])

    client.post(
        "/accounts/calendar/day/",
        {"day": "2026-05-06", "kind": "holiday", "name": "other", "branch": org.own.pk},
    )
    entry = CalendarDay.objects.get(day=D(2026, 5, 6))
    assert entry.branch == org.own
    client.post(f"/accounts/calendar/day/{entry.pk}/delete/")
    assert not CalendarDay.objects.filter(day=D(2026, 5, 6)).exists()


def test_every_page_warns_when_the_current_year_is_unknown(org, seeded):
    client = Client()
    client.force_login(org.users["agent"])
    CalendarYear.objects.filter(year=timezone.localdate().year).delete()

    html = client.get("/").content.decode()

    assert 'data-testid="calendar-warning"' in html
    assert str(timezone.localdate().year) in html


@pytest.mark.parametrize(
    ("role", "next_year_shown"),
    [("administrator", True), ("quality_manager", False), ("agent", False)],
)
def test_a_missing_next_year_warns_only_those_who_keep_the_calendar(
    org, seeded, role, next_year_shown
):
    # Advance notice (November, the next year unknown) is for the people who can add the year;
    # a missing current year is everyone's concern (today's deadlines are estimates).
    user = org.users[role]
    CalendarYear.objects.filter(year=2027).delete()
    set_calendar_year(actor=None, year=2026, status=YearStatus.PUBLISHED)

    assert [w.year for w in calendar_warnings_for(user, D(2026, 11, 20))] == (
        [2027] if next_year_shown else []
    )
    CalendarYear.objects.filter(year=2026).delete()
    assert 2026 in [w.year for w in calendar_warnings_for(user, D(2026, 11, 20))]


def test_no_warning_when_both_years_are_published(org, seeded):
    client = Client()
    client.force_login(org.users["agent"])
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        set_calendar_year(actor=None, year=year, status=YearStatus.PUBLISHED)

    assert 'data-testid="calendar-warning"' not in client.get("/").content.decode()


def test_health_reports_missing_years_without_failing_readiness(seeded):
    CalendarYear.objects.filter(year=timezone.localdate().year).delete()

    response = Client().get("/health/ready")

    entry = response.json()["checks"]["working_calendar"]
    assert entry["ok"] is True
    assert {"year": timezone.localdate().year, "reason": "unknown"} in entry["warnings"]


# --- qiwang sla due ---------------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(app, ["sla", "due", *args])


def test_sla_due_counts_the_make_up_saturday(seeded):
    result = run("--start", "2026-02-13T17:00", "--hours", "8", "--json")

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["due"] == "2026-02-14T16:00:00+08:00"
    assert payload["calendar"]["source"] == "database"


def test_sla_due_with_a_lunch_break_and_an_offset(seeded):
    result = run(
        "--start",
        "2026-02-13T09:00:00+00:00",
        "--hours",
        "8",
        "--business-hours",
        "09:00-12:00,13:00-18:00",
        "--json",
    )

    assert json.loads(result.stdout)["due"] == "2026-02-14T17:00:00+08:00"


def test_sla_due_uses_the_database_calendar_and_branch_days(org, seeded):
    set_calendar_day(actor=None, day=D(2026, 2, 14), kind=DayKind.HOLIDAY, branch=org.own)

    company = json.loads(run("--start", "2026-02-13T17:00", "--hours", "8", "--json").stdout)
    branch = json.loads(
        run("--start", "2026-02-13T17:00", "--hours", "8", "--branch", "a", "--json").stdout
    )

    assert company["due"] == "2026-02-14T16:00:00+08:00"
    assert branch["due"] == "2026-02-24T16:00:00+08:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "yesterday", "--hours", "8"], "--start"),
        (["--start", "2026-02-13T17:00", "--hours", "eight"], "--hours"),
        (["--start", "2026-02-13T17:00", "--hours", "-1"], "--hours"),
        (["--start", "2026-02-13T17:00", "--hours", "nan"], "--hours"),
        (
            ["--start", "2026-02-13T17:00", "--hours", "8", "--business-hours", "9-6"],
            "--business-hours",
        ),
        (["--start", "2026-02-13T17:00", "--hours", "8", "--timezone", "Mars/X"], "--timezone"),
        (["--start", "2026-12-31T17:00", "--hours", "8"], "no data for 2027"),
        (["--start", "2026-02-13T17:00", "--hours", "8", "--branch", "zz"], "--branch"),
    ],
)
def test_sla_due_bad_input_exits_2_with_a_message(seeded, args, message):
    result = run(*args, "--json")

    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
