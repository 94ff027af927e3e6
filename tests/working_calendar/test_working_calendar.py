"""The pure working-day calendar and the business-time engine.

Hand-checked cases use the State Council's notice on the 2026 holidays (国务院办公厅关于2026年
部分节假日安排的通知): Spring Festival off from 15 to 23 February 2026 (nine days), Saturday
14 February and Saturday 28 February are make-up working days. Each expected instant below was
counted by hand on that calendar.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiwang.accounts.business_time import BusinessHours, due, elapsed
from qiwang.accounts.working_calendar import (
    UnknownCalendarYear,
    WorkingCalendar,
    YearStatus,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar.from_library(years=[2025, 2026])
NINE_TO_SIX = BusinessHours.parse("09:00-18:00")
LUNCH_BREAK = BusinessHours.parse("09:00-12:00,13:00-18:00")
D = datetime.date


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def hours(value: float) -> datetime.timedelta:
    return datetime.timedelta(hours=value)


# --- the calendar -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 13), True),  # Friday before the holiday
        (D(2026, 2, 14), True),  # make-up working Saturday
        (D(2026, 2, 15), False),  # first day off (a Sunday)
        (D(2026, 2, 17), False),  # Tuesday, 春节 holiday
        (D(2026, 2, 23), False),  # Monday, last day off
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # make-up working Saturday
        (D(2026, 3, 7), False),  # ordinary Saturday
    ],
)
def test_spring_festival_2026_days(day, working):
    assert CALENDAR.is_working_day(day) is working


def test_counting_and_adding_working_days_over_the_spring_festival():
    # February 2026: 20 weekdays − 6 holiday weekdays (16–20, 23) + 2 make-up Saturdays = 16
    assert CALENDAR.working_days_between(D(2026, 2, 1), D(2026, 3, 1)) == 16
    assert CALENDAR.working_days_between(D(2026, 3, 1), D(2026, 2, 1)) == -16
    assert CALENDAR.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert CALENDAR.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert CALENDAR.add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)
    assert CALENDAR.add_working_days(D(2026, 2, 17), 0) == D(2026, 2, 17)
    assert CALENDAR.next_working_day(D(2026, 2, 17)) == D(2026, 2, 24)


def test_an_unknown_year_is_reported_never_guessed():
    with pytest.raises(UnknownCalendarYear) as caught:
        CALENDAR.is_working_day(D(2027, 1, 4))

    assert caught.value.year == 2027
    assert "2027" in str(caught.value) and "2025–2026" in str(caught.value)
    with pytest.raises(UnknownCalendarYear):
        CALENDAR.add_working_days(D(2026, 12, 30), 5)
    assert CALENDAR.known_years == (2025, 2026)


def test_missing_years_warn_for_the_current_year_always_and_the_next_from_november():
    calendar = WorkingCalendar(years={2026: YearStatus.PUBLISHED, 2027: YearStatus.ESTIMATED})

    assert calendar.missing_years(D(2026, 6, 1)) == []
    assert calendar.missing_years(D(2026, 11, 1)) == [(2027, "estimated")]
    assert calendar.missing_years(D(2028, 3, 1)) == [(2028, "unknown")]
    assert calendar.missing_years(D(2027, 12, 1)) == [(2027, "estimated"), (2028, "unknown")]


def test_branch_overrides_replace_company_days():
    branch = CALENDAR.with_overrides({D(2026, 2, 17): True, D(2026, 2, 24): False})

    assert branch.is_working_day(D(2026, 2, 17)) is True
    assert branch.is_working_day(D(2026, 2, 24)) is False
    assert CALENDAR.is_working_day(D(2026, 2, 17)) is False


def test_days_of_an_undeclared_year_are_refused():
    with pytest.raises(ValueError, match="2030"):
        WorkingCalendar(days={D(2030, 1, 1): False}, years={2026: YearStatus.PUBLISHED})


# --- business time: hand-checked cases ------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "spec", "expected"),
    [
        # Fri 17–18 (1 h), Sat 14 Feb is a make-up working day: 09:00 + 7 h
        ("2026-02-13T17:00", 8, NINE_TO_SIX, "2026-02-14T16:00:00+08:00"),
        # Sat 17–18 (1 h), 15–23 Feb off, Tue 24 Feb 09:00 + 7 h
        ("2026-02-14T17:00", 8, NINE_TO_SIX, "2026-02-24T16:00:00+08:00"),
        # with a lunch break: Fri 1 h, Sat 09–12 (3 h), 13:00 + 4 h
        ("2026-02-13T17:00", 8, LUNCH_BREAK, "2026-02-14T17:00:00+08:00"),
        # received during the holiday: the clock starts on the first working morning
        ("2026-02-18T10:00", 1, NINE_TO_SIX, "2026-02-24T10:00:00+08:00"),
        # received at night
        ("2026-02-13T20:00", 1, NINE_TO_SIX, "2026-02-14T10:00:00+08:00"),
        # ending exactly at closing time stays at closing time
        ("2026-02-13T09:00", 9, NINE_TO_SIX, "2026-02-13T18:00:00+08:00"),
        # 24/7 (a heating outage): holidays count
        ("2026-02-16T10:00", 30, BusinessHours.always(), "2026-02-17T16:00:00+08:00"),
    ],
)
def test_due_over_the_2026_spring_festival(start, amount, spec, expected):
    assert due(at(start), hours(amount), CALENDAR, spec).isoformat() == expected


def test_due_accepts_any_offset_and_answers_in_the_hours_time_zone():
    start = datetime.datetime(2026, 2, 13, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Shanghai

    assert due(start, hours(8), CALENDAR, NINE_TO_SIX).isoformat() == "2026-02-14T16:00:00+08:00"


def test_elapsed_business_time_over_the_holiday():
    # Fri 13 Feb 9 h + Sat 14 Feb 9 h; nothing from 15 to 23 Feb
    assert elapsed(at("2026-02-13T09:00"), at("2026-02-24T09:00"), CALENDAR, NINE_TO_SIX) == hours(
        18
    )
    assert elapsed(at("2026-02-24T09:00"), at("2026-02-13T09:00"), CALENDAR, NINE_TO_SIX) == hours(
        -18
    )
    assert elapsed(at("2026-02-13T09:00"), at("2026-02-24T09:00"), CALENDAR, LUNCH_BREAK) == hours(
        16
    )


def test_24_7_in_a_daylight_saving_zone_counts_real_hours():
    berlin = BusinessHours.always(time_zone="Europe/Berlin")
    start = datetime.datetime(2026, 3, 28, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    # the clocks jump from 02:00 to 03:00 on 29 March 2026: 24 real hours later is 13:00 local
    assert due(start, hours(24), CALENDAR, berlin).isoformat() == "2026-03-29T13:00:00+02:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a period"),
        ("9-18", "not a period"),
        ("18:00-09:00", "not a period within a day"),
        ("09:00-13:00,12:00-18:00", "overlaps"),
        ("09:00-25:00", "not a time of day"),
        ("09:61-18:00", "not a time of day"),
    ],
)
def test_bad_business_hours_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.parse(text)


def test_naive_start_and_negative_duration_are_refused():
    with pytest.raises(ValueError, match="no time zone"):
        due(datetime.datetime(2026, 2, 13, 17), hours(1), CALENDAR, NINE_TO_SIX)
    with pytest.raises(ValueError, match="negative"):
        due(at("2026-02-13T17:00"), hours(-1), CALENDAR, NINE_TO_SIX)
    with pytest.raises(ValueError, match="time zone"):
        BusinessHours.parse("09:00-18:00", time_zone="Mars/Olympus")


def test_a_walk_into_an_unknown_year_raises():
    with pytest.raises(UnknownCalendarYear):
        due(at("2026-12-31T17:00"), hours(8), CALENDAR, NINE_TO_SIX)


# --- business time: invariants ----------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2025, 12, 31)
).map(lambda moment: moment.replace(microsecond=0, tzinfo=SHANGHAI))
minutes = st.integers(min_value=0, max_value=300 * 60).map(lambda m: datetime.timedelta(minutes=m))
specs = st.sampled_from([NINE_TO_SIX, LUNCH_BREAK, BusinessHours.parse("08:00-12:00,14:00-17:30")])


@settings(max_examples=150, deadline=None)
@given(start=starts, first=minutes, second=minutes, spec=specs)
def test_due_is_additive(start, first, second, spec):
    assert due(due(start, first, CALENDAR, spec), second, CALENDAR, spec) == due(
        start, first + second, CALENDAR, spec
    )


@settings(max_examples=150, deadline=None)
@given(start=starts, first=minutes, second=minutes, spec=specs)
def test_due_is_monotone_in_the_duration(start, first, second, spec):
    shorter, longer = sorted([first, second])
    assert due(start, shorter, CALENDAR, spec) <= due(start, longer, CALENDAR, spec)


@settings(max_examples=150, deadline=None)
@given(first=starts, second=starts, amount=minutes, spec=specs)
def test_due_is_monotone_in_the_start(first, second, amount, spec):
    early, late = sorted([first, second])
    assert due(early, amount, CALENDAR, spec) <= due(late, amount, CALENDAR, spec)


@settings(max_examples=150, deadline=None)
@given(start=starts, amount=minutes, spec=specs)
def test_elapsed_until_due_is_the_duration(start, amount, spec):
    assert elapsed(start, due(start, amount, CALENDAR, spec), CALENDAR, spec) == amount


@settings(max_examples=100, deadline=None)
@given(a=starts, b=starts, c=starts, spec=specs)
def test_elapsed_is_additive(a, b, c, spec):
    a, b, c = sorted([a, b, c])
    assert elapsed(a, b, CALENDAR, spec) + elapsed(b, c, CALENDAR, spec) == elapsed(
        a, c, CALENDAR, spec
    )
