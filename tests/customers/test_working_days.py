"""Issue 15: contact cadence, greetings and escalation follow the working-day calendar.

Expected dates come from the State Council's notice on the 2026 holiday arrangement
(国办发明电〔2025〕… : Spring Festival off 15–23 February 2026, Saturday 14 and Saturday 28 February
working; National Day and Mid-Autumn off 1–7 October, Sunday 20 September and Saturday
10 October working), as carried by the chinese-calendar package the database is seeded from.
"""

from __future__ import annotations

import datetime

import pytest

from qiwang.accounts.calendar_models import CalendarDay, CalendarYear, DayKind
from qiwang.accounts.calendar_services import load_working_calendar
from qiwang.customers.choices import OccasionKind, TaskKind
from qiwang.customers.models import ContactTask, Occasion
from qiwang.customers.services import generate_contact_tasks
from qiwang.customers.services.greetings import generate_greeting_tasks, holiday_table, load_year

SPRING_FESTIVAL_FIRST_DAY = datetime.date(2026, 2, 17)  # the measurement
MAKE_UP_SATURDAY = datetime.date(2026, 2, 14)
FIRST_DAY_BACK = datetime.date(2026, 2, 24)


def _contacts(day):
    return ContactTask.objects.filter(kind=TaskKind.CONTACT, due_date=day)


def test_no_contact_task_on_the_first_day_of_the_spring_festival(book):
    result = generate_contact_tasks(SPRING_FESTIVAL_FIRST_DAY, escalate=False)
    assert (result.created, result.working_day) == (0, False)
    assert not _contacts(SPRING_FESTIVAL_FIRST_DAY).exists()


def test_a_make_up_working_saturday_gets_the_daily_vip_calls(book):
    generate_contact_tasks(MAKE_UP_SATURDAY, escalate=False)
    assert {"A1000", "A2001", "B2001"} <= set(
        _contacts(MAKE_UP_SATURDAY).values_list("customer__code", flat=True)
    )
    # and a plain Saturday gets none
    assert generate_contact_tasks(datetime.date(2026, 3, 7), escalate=False).created == 0


def test_plan_days_inside_the_holiday_are_caught_up_on_the_first_working_day(book):
    # important and high-quality customers are called on Mondays and Thursdays: Monday 16 and
    # Thursday 19 February fall in the holiday, so Tuesday 24 February makes up for them
    generate_contact_tasks(FIRST_DAY_BACK, escalate=False)
    codes = set(_contacts(FIRST_DAY_BACK).values_list("customer__code", flat=True))
    assert {"A1000", "A1001", "A1002"} <= codes
    # one task each, whatever the number of plan days caught up
    assert _contacts(FIRST_DAY_BACK).filter(customer__code="A1000").count() == 1


def test_escalation_counts_working_days_and_waits_while_everyone_is_on_leave(book, team):
    friday = datetime.date(2026, 2, 13)
    generate_contact_tasks(friday, escalate=False)
    # the make-up Saturday is a working day: the Friday task is not yet a full working day late
    assert generate_contact_tasks(MAKE_UP_SATURDAY).escalated == 0
    # during the holiday nothing is escalated, however many calendar days pass
    for offset in range(1, 10):
        day = MAKE_UP_SATURDAY + datetime.timedelta(days=offset)
        assert generate_contact_tasks(day).escalated == 0, day
    # back at work: Saturday 14 February was one working day after Friday, so it escalates
    generate_contact_tasks(FIRST_DAY_BACK)
    task = ContactTask.objects.get(customer=book["vip"], due_date=friday)
    assert task.escalated_to == team["supervisor"]


def test_a_branch_working_on_a_holiday_gets_its_tasks_and_the_others_do_not(org, book):
    CalendarDay.objects.create(day=SPRING_FESTIVAL_FIRST_DAY, branch=org.own, kind=DayKind.WORKDAY)
    generate_contact_tasks(SPRING_FESTIVAL_FIRST_DAY, escalate=False)
    codes = set(_contacts(SPRING_FESTIVAL_FIRST_DAY).values_list("customer__code", flat=True))
    assert "A1000" in codes  # the own branch works that day
    assert "B2001" not in codes  # the other branch is on holiday


def test_a_year_without_calendar_data_creates_nothing_and_says_so(book):
    CalendarYear.objects.filter(year=2026).delete()
    result = generate_contact_tasks(datetime.date(2026, 11, 19), escalate=False)
    assert result.unknown_year == 2026
    assert not ContactTask.objects.exists()


def test_greetings_are_made_on_the_last_working_day_before_a_day_off(book):
    # National Day 2026 starts Thursday 1 October: greeted on Wednesday 30 September (one day
    # ahead). Mid-Autumn (25 September, a Friday) is greeted on Thursday 24 September.
    load_year(2026)
    assert generate_greeting_tasks(datetime.date(2026, 9, 30)) > 0
    national = Occasion.objects.get(name="国庆节", date__year=2026)
    assert national.date == datetime.date(2026, 10, 1)
    assert ContactTask.objects.filter(occasion=national, due_date=datetime.date(2026, 9, 30))
    # a birthday on a Sunday is greeted on the Friday before it
    vip = book["vip"]
    vip.birthday = datetime.date(1980, 3, 8)  # Sunday 8 March 2026
    vip.save(update_fields=["birthday"])
    assert generate_greeting_tasks(datetime.date(2026, 3, 8)) == 0  # a day off
    generate_greeting_tasks(datetime.date(2026, 3, 6))
    assert ContactTask.objects.filter(
        customer=vip, greeting_kind=OccasionKind.BIRTHDAY, due_date=datetime.date(2026, 3, 6)
    ).exists()


def test_no_public_holiday_is_guessed_for_a_year_the_calendar_does_not_know(db):
    assert not CalendarYear.objects.filter(year=2031).exists()
    table = holiday_table(2031)
    assert {row.kind for row in table} == {OccasionKind.FESTIVAL}  # lunar dates only
    assert load_year(2031) == 5
    # once an administrator enters the year, its public holidays are added on first use
    CalendarYear.objects.create(year=2031)
    CalendarDay.objects.create(
        day=datetime.date(2031, 10, 1), kind=DayKind.HOLIDAY, name="national_day"
    )
    generate_greeting_tasks(datetime.date(2031, 9, 30), calendar=load_working_calendar())
    assert Occasion.objects.filter(name="国庆节", date=datetime.date(2031, 10, 1)).exists()


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 2, 13), datetime.date(2026, 2, 14)),  # Friday → make-up Saturday
        (datetime.date(2026, 2, 14), datetime.date(2026, 2, 24)),  # over the Spring Festival
        (datetime.date(2026, 12, 31), None),  # 2027 is not known (yet)
    ],
)
def test_next_working_day_follows_the_calendar(db, today, expected):
    from qiwang.customers.services.workdays import next_working_day

    if expected is None and CalendarYear.objects.filter(year=2027).exists():
        pytest.fail("2027 is now in the calendar: update this test with its first working day")
    assert next_working_day(load_working_calendar(), today) == expected


def test_generate_tasks_on_a_holiday_says_so_and_a_year_without_data_exits_2(book):
    from typer.testing import CliRunner

    from qiwang.cli import app

    runner = CliRunner(env={"QIWANG_LANGUAGE": "en"})
    holiday = runner.invoke(app, ["customers", "generate-tasks", "--day", "2026-02-17", "--json"])
    assert holiday.exit_code == 0, holiday.output
    assert '"created": 0' in holiday.output
    plain = runner.invoke(app, ["customers", "generate-tasks", "--day", "2026-02-17"])
    assert "not a working day" in plain.output
    CalendarYear.objects.filter(year=2026).delete()
    unknown = runner.invoke(app, ["customers", "generate-tasks", "--day", "2026-11-19"])
    assert unknown.exit_code == 2
    assert "2026" in unknown.output
    assert not ContactTask.objects.exists()


def test_my_day_on_a_day_off_opens_the_next_working_day(client, team, book):
    from tests.conftest import PASSWORD

    client.login(username=team["manager"].username, password=PASSWORD)
    # a chosen day off is shown as it is, with a notice
    page = client.get("/customers/my-day/?day=2026-02-17")
    assert page.context["day"] == SPRING_FESTIVAL_FIRST_DAY
    assert page.context["day_notice"]
    assert client.get("/customers/my-day/?day=2026-02-24").context["day_notice"] == ""


def test_calendar_import_loads_a_year_all_or_nothing(db, tmp_path):
    from typer.testing import CliRunner

    from qiwang.cli import app

    runner = CliRunner(env={"QIWANG_LANGUAGE": "en"})
    bad = tmp_path / "bad.txt"
    bad.write_text("2031-01-01 holiday new_years_day\n2031-02-30 holiday\n", encoding="utf-8")
    refused = runner.invoke(app, ["calendar", "import", str(bad)])
    assert refused.exit_code == 1
    assert "line 2" in refused.output
    assert not CalendarYear.objects.filter(year=2031).exists()
    good = tmp_path / "2031.txt"
    good.write_text(
        "# a test year (not the State Council's)\n"
        "2031-01-01 holiday new_years_day\n2031-01-04 workday new_years_day\n",
        encoding="utf-8",
    )
    dry = runner.invoke(app, ["calendar", "import", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert not CalendarYear.objects.filter(year=2031).exists()
    loaded = runner.invoke(app, ["calendar", "import", str(good), "--status", "estimated"])
    assert loaded.exit_code == 0, loaded.output
    assert CalendarYear.objects.get(year=2031).status == "estimated"
    calendar = load_working_calendar()
    assert calendar.is_working_day(datetime.date(2031, 1, 4))  # a Saturday made a working day
    assert not calendar.is_working_day(datetime.date(2031, 1, 1))
    shown = runner.invoke(app, ["calendar", "show", "--json"])
    assert shown.exit_code == 0
    assert '"year": 2031' in shown.output
    misuse = runner.invoke(app, ["calendar", "import", str(good), "--status", "maybe"])
    assert misuse.exit_code == 2
