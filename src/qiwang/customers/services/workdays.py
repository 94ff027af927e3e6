"""Which days the customers module works on: the product's working-day calendar applied to
contact tasks, greetings and escalation (``docs/customers.md``, "Working days").

* Contact and greeting tasks are created on working days only. A plan day that falls on a
  holiday or a weekend is caught up on the next working day (a weekly Monday call in a holiday
  week is made on the first working day after it); a greeting whose day falls on a day off is
  made on the last working day before it (a customer is greeted before the holiday, not after).
* Make-up working days (调休上班) are working days: daily plans call on them.
* A branch's own calendar days (a local closure, a branch that works on a holiday) count for
  that branch's contact tasks.
* A year the calendar does not know is reported (:class:`UnknownCalendarYear`), never guessed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from qiwang.accounts.calendar_models import CalendarDay, DayKind
from qiwang.accounts.calendar_services import load_working_calendar
from qiwang.accounts.working_calendar import UnknownCalendarYear, WorkingCalendar

__all__ = [
    "BranchWindow",
    "UnknownCalendarYear",
    "branch_windows",
    "days_ahead",
    "days_caught_up",
    "escalation_cutoff",
    "next_working_day",
    "working_day_from",
]

#: How far back a working day looks for plan days that fell on days off (the longest Chinese
#: holiday period is 9 days; a month is a generous bound).
LOOK_BACK_DAYS = 31

_ONE_DAY = datetime.timedelta(days=1)


def days_caught_up(calendar: WorkingCalendar, day: datetime.date) -> list[datetime.date]:
    """The plan days a working ``day`` covers: the days off just before it and ``day`` itself.
    Empty when ``day`` is not a working day. Raises :class:`UnknownCalendarYear` for ``day``'s
    year; days off are looked back on only as far as the calendar knows."""
    if not calendar.is_working_day(day):
        return []
    covered = [day]
    current = day - _ONE_DAY
    for _step in range(LOOK_BACK_DAYS):
        if not calendar.knows(current.year) or calendar.is_working_day(current):
            break
        covered.append(current)
        current -= _ONE_DAY
    return sorted(covered)


def days_ahead(calendar: WorkingCalendar, day: datetime.date) -> list[datetime.date]:
    """The occasion days a working ``day`` greets for: ``day`` and the days off right after it
    (up to the next working day, as far as the calendar knows). Empty on a day off."""
    if not calendar.is_working_day(day):
        return []
    covered = [day]
    current = day + _ONE_DAY
    for _step in range(LOOK_BACK_DAYS):
        if not calendar.knows(current.year) or calendar.is_working_day(current):
            break
        covered.append(current)
        current += _ONE_DAY
    return covered


def working_day_from(day: datetime.date, calendar: WorkingCalendar | None = None) -> datetime.date:
    """``day`` when it is a working day, else the next working day: when a task made today is
    due (a task made on a Sunday is due on Monday, not overdue by then). ``day`` itself when its
    year or the next working day's is not known (never guessed)."""
    calendar = calendar or load_working_calendar()
    try:
        if calendar.is_working_day(day):
            return day
    except UnknownCalendarYear:
        return day
    return next_working_day(calendar, day) or day


def next_working_day(calendar: WorkingCalendar, day: datetime.date) -> datetime.date | None:
    """The first working day after ``day``, or ``None`` when it lies in a year not known."""
    current = day + _ONE_DAY
    for _step in range(LOOK_BACK_DAYS):
        if not calendar.knows(current.year):
            return None
        if calendar.is_working_day(current):
            return current
        current += _ONE_DAY
    return None


def escalation_cutoff(
    calendar: WorkingCalendar, today: datetime.date, grace: int
) -> datetime.date | None:
    """Open tasks due before this day are escalated today: ``grace`` working days must have
    passed after the due day. ``None`` (escalate nothing) on a day off — nobody is at work to
    act on an escalation — or when the count reaches a year the calendar does not know."""
    if not calendar.is_working_day(today):
        return None
    try:
        return calendar.add_working_days(today, -grace)
    except UnknownCalendarYear:
        return None


@dataclass(frozen=True)
class BranchWindow:
    """The branches that share one calendar on a day, and the plan days that day covers."""

    branch_ids: tuple[int, ...] | None  # None: every branch not listed in another window
    days: tuple[datetime.date, ...]


def branch_windows(day: datetime.date) -> tuple[WorkingCalendar, list[BranchWindow]]:
    """The company calendar, and for ``day`` the plan days covered for the company and for each
    branch with its own calendar days near ``day``. Raises :class:`UnknownCalendarYear`."""
    company = load_working_calendar()
    windows = [BranchWindow(None, tuple(days_caught_up(company, day)))]
    near = (day - datetime.timedelta(days=LOOK_BACK_DAYS), day + _ONE_DAY)
    own: dict[int, dict[datetime.date, bool]] = {}
    rows: Iterable[tuple[int, datetime.date, str]] = CalendarDay.objects.filter(
        branch__isnull=False, day__range=near
    ).values_list("branch_id", "day", "kind")
    for branch_id, own_day, kind in rows:
        if company.knows(own_day.year):
            own.setdefault(branch_id, {})[own_day] = kind == DayKind.WORKDAY
    for branch_id, overrides in sorted(own.items()):
        calendar = company.with_overrides(overrides)
        windows.append(BranchWindow((branch_id,), tuple(days_caught_up(calendar, day))))
    return company, windows
