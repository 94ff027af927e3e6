"""Business time: deadlines and elapsed time counted only in opening hours on working days.

A pure engine (no Django): :class:`BusinessHours` says when a team works on a working day (one or
more periods, so a lunch break is the gap between two periods) and in which time zone;
:func:`due` walks forward from a start through those periods on the working days of a
:class:`~qiwang.accounts.working_calendar.WorkingCalendar`; :func:`elapsed` measures the business
time between two instants. ``BusinessHours.always()`` is 24/7 (an emergency category such as a
heating outage): every hour counts, holidays included, and the calendar is not consulted.

All arithmetic happens in UTC, so a time zone with daylight saving time gives exact durations;
results are returned in the hours' time zone (Asia/Shanghai by default).

Properties (tested with hypothesis): ``due`` is monotone in the start and in the duration,
additive (``due(due(s, a), b) == due(s, a + b)``), and ``elapsed(s, due(s, h)) == h``;
``elapsed`` is additive over adjacent intervals.

Examples
--------
>>> import datetime
>>> from qiwang.accounts.working_calendar import WorkingCalendar
>>> hours = BusinessHours.parse("09:00-18:00")
>>> start = datetime.datetime(2026, 2, 13, 17, 0, tzinfo=hours.zone)
>>> due(start, datetime.timedelta(hours=8), WorkingCalendar.from_library(), hours).isoformat()
'2026-02-14T16:00:00+08:00'
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qiwang.accounts.working_calendar import WorkingCalendar

__all__ = [
    "DEFAULT_BUSINESS_HOURS",
    "DEFAULT_TIME_ZONE",
    "BusinessHours",
    "due",
    "elapsed",
]

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_BUSINESS_HOURS = "09:00-18:00"
_DAY = 24 * 3600
_UTC = datetime.UTC
#: A walk that finds no open time in this many days has an impossible specification.
_MAX_IDLE_DAYS = 3 * 366
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class BusinessHours:
    """Opening periods of a working day, in seconds after midnight, in ``time_zone``.

    ``periods`` are sorted, non-overlapping ``(start, end)`` pairs with ``0 <= start < end <=
    86400``; ``always_open`` means 24/7.
    """

    periods: tuple[tuple[int, int], ...] = ((9 * 3600, 18 * 3600),)
    time_zone: str = DEFAULT_TIME_ZONE
    always_open: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time zone: {self.time_zone!r} is not a known time zone") from None
        if self.always_open:
            return
        if not self.periods:
            raise ValueError("business hours: at least one opening period is needed")
        previous_end = 0
        for start, end in self.periods:
            if not 0 <= start < end <= _DAY:
                raise ValueError(
                    f"business hours: {_clock(start)}-{_clock(end)} is not a period within a day"
                )
            if start < previous_end:
                raise ValueError(
                    f"business hours: {_clock(start)}-{_clock(end)} overlaps or precedes the "
                    "period before it; list periods in order, e.g. 09:00-12:00,13:00-18:00"
                )
            previous_end = end

    @classmethod
    def parse(cls, text: str, *, time_zone: str = DEFAULT_TIME_ZONE) -> BusinessHours:
        """``"09:00-18:00"``, ``"08:30-12:00,13:30-17:30"`` (a lunch break) or ``"24/7"``."""
        cleaned = (text or "").strip()
        if cleaned.lower() in {"24/7", "24x7", "always"}:
            return cls(periods=(), time_zone=time_zone, always_open=True)
        periods = []
        for part in cleaned.split(","):
            match = _PERIOD.match(part)
            if not match:
                raise ValueError(
                    f"business hours: {part.strip()!r} is not a period like 09:00-18:00"
                )
            h1, m1, h2, m2 = (int(value) for value in match.groups())
            if m1 > 59 or m2 > 59 or h1 > 24 or h2 > 24:
                raise ValueError(f"business hours: {part.strip()!r} is not a time of day")
            periods.append((h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60))
        return cls(periods=tuple(periods), time_zone=time_zone)

    @classmethod
    def always(cls, *, time_zone: str = DEFAULT_TIME_ZONE) -> BusinessHours:
        return cls(periods=(), time_zone=time_zone, always_open=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def __str__(self) -> str:
        if self.always_open:
            return "24/7"
        return ",".join(f"{_clock(start)}-{_clock(end)}" for start, end in self.periods)

    def windows(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The opening periods of ``day`` as UTC instants (whether or not it is a working day)."""
        zone = self.zone
        midnight = datetime.datetime.combine(day, datetime.time(0))
        return [
            (
                (midnight + datetime.timedelta(seconds=start))
                .replace(tzinfo=zone)
                .astimezone(_UTC),
                (midnight + datetime.timedelta(seconds=end)).replace(tzinfo=zone).astimezone(_UTC),
            )
            for start, end in self.periods
        ]


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _aware(moment: datetime.datetime, name: str) -> datetime.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name}: {moment.isoformat()} has no time zone")
    return moment.astimezone(_UTC)


def due(
    start: datetime.datetime,
    duration: datetime.timedelta,
    calendar: WorkingCalendar,
    hours: BusinessHours,
) -> datetime.datetime:
    """The instant at which ``duration`` of business time has passed since ``start``.

    Time before the first opening is not counted (a complaint received at night starts its clock
    at the next opening); a deadline that ends exactly at closing time stays at closing time.
    ``duration`` 0 returns ``start``. Raises
    :class:`~qiwang.accounts.working_calendar.UnknownCalendarYear` when the walk reaches a year
    the calendar does not know, ``ValueError`` for a naive ``start`` or a negative duration.
    """
    cursor = _aware(start, "start")
    if duration < datetime.timedelta(0):
        raise ValueError(f"duration: {duration} is negative")
    zone = hours.zone
    if duration == datetime.timedelta(0):
        return cursor.astimezone(zone)
    if hours.always_open:
        return (cursor + duration).astimezone(zone)
    remaining = duration
    day = cursor.astimezone(zone).date()
    idle = 0
    while True:
        if calendar.is_working_day(day):
            for opens, closes in hours.windows(day):
                if closes <= cursor:
                    continue
                begin = max(opens, cursor)
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(zone)
                remaining -= available
                cursor = closes
                idle = 0
        idle += 1
        if idle > _MAX_IDLE_DAYS:
            raise ValueError("business hours: no working time found in three years")
        day += datetime.timedelta(days=1)


def elapsed(
    start: datetime.datetime,
    end: datetime.datetime,
    calendar: WorkingCalendar,
    hours: BusinessHours,
) -> datetime.timedelta:
    """Business time between ``start`` and ``end`` (negative when ``end`` is earlier)."""
    first, last = _aware(start, "start"), _aware(end, "end")
    if last < first:
        return -elapsed(end, start, calendar, hours)
    if hours.always_open:
        return last - first
    zone = hours.zone
    total = datetime.timedelta(0)
    day = first.astimezone(zone).date()
    final = last.astimezone(zone).date()
    while day <= final:
        if calendar.is_working_day(day):
            for opens, closes in hours.windows(day):
                overlap = min(closes, last) - max(opens, first)
                if overlap > datetime.timedelta(0):
                    total += overlap
        day += datetime.timedelta(days=1)
    return total
