"""The product's one working-day calendar, as a pure object (no Django, no database).

China's working days are Monday to Friday, except the public holidays the State Council announces
each year (国务院办公厅关于部分节假日安排的通知) and the make-up working days (调休上班) that
move weekend days into the working week around them. Both are data: they change every year and
are published only a few weeks before the year starts. :class:`WorkingCalendar` holds those days
for the years it *knows* and refuses to answer for any other year
(:class:`UnknownCalendarYear`): a year without data is reported, never guessed.

The rows come from the database (``accounts.CalendarDay`` / ``CalendarYear``, see
:mod:`qiwang.accounts.calendar_services`), seeded from the ``chinese-calendar`` package
(:func:`library_calendar_rows`) and editable by administrators.

Examples
--------
>>> import datetime
>>> calendar = WorkingCalendar.from_library()
>>> calendar.is_working_day(datetime.date(2026, 2, 14))  # a make-up working Saturday
True
>>> calendar.is_working_day(datetime.date(2026, 2, 16))  # Spring Festival holiday
False
>>> calendar.add_working_days(datetime.date(2026, 2, 13), 2)
datetime.date(2026, 2, 24)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "NEXT_YEAR_WARNING_MONTH",
    "CalendarRow",
    "UnknownCalendarYear",
    "WorkingCalendar",
    "YearStatus",
    "library_calendar_rows",
    "library_years",
]

#: From this month on, a next year without published data is a warning (the State Council
#: usually publishes the next year's holidays in late October or November).
NEXT_YEAR_WARNING_MONTH = 11


class YearStatus:
    """How sure the calendar is about a year: published by the State Council, or estimated."""

    PUBLISHED = "published"
    ESTIMATED = "estimated"


class UnknownCalendarYear(LookupError):
    """The calendar has no data for ``year``; the caller must not guess.

    The message names the year and what to do, so interfaces can show it as it is.
    """

    def __init__(self, year: int, known_years: Iterable[int] = ()) -> None:
        self.year = year
        self.known_years = tuple(sorted(known_years))
        known = f"{self.known_years[0]}–{self.known_years[-1]}" if self.known_years else "no year"
        super().__init__(
            f"the working-day calendar has no data for {year} (it knows {known}); "
            "an administrator must enter that year's public holidays and make-up working days"
        )


@dataclass(frozen=True)
class CalendarRow:
    """One day that differs from the Monday-to-Friday rule, or confirms a holiday.

    ``is_working_day`` is ``False`` for a public holiday (including the weekend days inside a
    holiday period) and ``True`` for a make-up working day (调休上班). ``name`` is the holiday's
    code (``spring_festival`` …).
    """

    day: datetime.date
    is_working_day: bool
    name: str


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days for the years it knows.

    Parameters
    ----------
    days
        Date → whether it is a working day, for the days that are not plain weekdays / weekends
        (holidays and make-up working days).
    years
        Year → :class:`YearStatus` value, for every year the calendar knows. A day of any other
        year raises :class:`UnknownCalendarYear`.
    """

    days: Mapping[datetime.date, bool] = field(default_factory=dict)
    years: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", MappingProxyType(dict(self.days)))
        object.__setattr__(self, "years", MappingProxyType(dict(self.years)))
        strays = sorted({day.year for day in self.days} - set(self.years))
        if strays:
            raise ValueError(f"days given for years the calendar does not know: {strays}")

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def from_rows(cls, rows: Iterable[CalendarRow], years: Mapping[int, str]) -> WorkingCalendar:
        return cls(days={row.day: row.is_working_day for row in rows}, years=years)

    @classmethod
    def from_library(cls, years: Iterable[int] | None = None) -> WorkingCalendar:
        """The calendar as the installed ``chinese-calendar`` package knows it."""
        wanted = library_years() if years is None else tuple(years)
        rows = [row for row in library_calendar_rows() if row.day.year in wanted]
        return cls.from_rows(rows, dict.fromkeys(wanted, YearStatus.PUBLISHED))

    def with_overrides(self, overrides: Mapping[datetime.date, bool]) -> WorkingCalendar:
        """This calendar with some days replaced (a branch's own working days or closures)."""
        return WorkingCalendar(days={**self.days, **overrides}, years=self.years)

    # --- questions -------------------------------------------------------------------------

    @property
    def known_years(self) -> tuple[int, ...]:
        return tuple(sorted(self.years))

    def knows(self, year: int) -> bool:
        return year in self.years

    def require_year(self, year: int) -> None:
        if year not in self.years:
            raise UnknownCalendarYear(year, self.years)

    def is_working_day(self, day: datetime.date) -> bool:
        """Whether ``day`` is a working day; raises :class:`UnknownCalendarYear` if unknown."""
        self.require_year(day.year)
        listed = self.days.get(day)
        if listed is not None:
            return listed
        return day.weekday() < 5

    def add_working_days(self, day: datetime.date, count: int) -> datetime.date:
        """The ``count``-th working day after ``day`` (before it when negative); ``day`` itself
        when ``count`` is 0."""
        step = 1 if count >= 0 else -1
        left = abs(count)
        current = day
        while left:
            current += datetime.timedelta(days=step)
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days ``d`` with ``start <= d < end`` (negative when ``end < start``)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for day in _each_day(start, end) if self.is_working_day(day))

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """``day`` if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def missing_years(self, today: datetime.date) -> list[tuple[int, str]]:
        """The years a user should be warned about, with the reason code.

        The current year: unknown (``"unknown"``) or only estimated (``"estimated"``), always.
        The next year: the same, from :data:`NEXT_YEAR_WARNING_MONTH` on.
        """
        wanted = [today.year]
        if today.month >= NEXT_YEAR_WARNING_MONTH:
            wanted.append(today.year + 1)
        found = []
        for year in wanted:
            status = self.years.get(year)
            if status is None:
                found.append((year, "unknown"))
            elif status != YearStatus.PUBLISHED:
                found.append((year, "estimated"))
        return found


def _each_day(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    day = start
    while day < end:
        yield day
        day += datetime.timedelta(days=1)


def library_years() -> tuple[int, ...]:
    """The years the installed ``chinese-calendar`` package has data for."""
    from chinese_calendar import constants

    return tuple(sorted({day.year for day in constants.holidays}))


def library_calendar_rows() -> list[CalendarRow]:
    """Every holiday and make-up working day the ``chinese-calendar`` package knows."""
    from chinese_calendar import constants

    codes = {str(holiday.value): holiday.name for holiday in constants.Holiday}
    rows = [
        CalendarRow(day, False, codes.get(str(name), "other"))
        for day, name in constants.holidays.items()
    ]
    rows += [
        CalendarRow(day, True, codes.get(str(name), "other"))
        for day, name in constants.workdays.items()
    ]
    return sorted(rows, key=lambda row: row.day)
