"""Reads and writes of the working-day calendar.

``load_working_calendar()`` builds the pure :class:`WorkingCalendar` from the rows (for a branch,
with that branch's own exceptions). ``seed_calendar_from_library()`` fills the years the
``chinese-calendar`` package knows (run by the data migration, by ``qiwang demo`` and daily by the
``accounts.calendar_seed`` job, so a library upgrade that adds a year lands without a release);
years entered by hand and published are never overwritten. Administrators edit days and years with
the functions below (one transaction each, audited).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from qiwang.accounts.calendar_models import (
    CalendarDay,
    CalendarYear,
    DayKind,
    HolidayName,
    YearSource,
    YearStatus,
)
from qiwang.accounts.models import Branch, User
from qiwang.accounts.working_calendar import (
    WorkingCalendar,
    library_calendar_rows,
    library_years,
)
from qiwang.errors import ServiceError

__all__ = [
    "CALENDAR_CHANGED_HOOKS",
    "calendar_warnings",
    "calendar_warnings_for",
    "delete_calendar_day",
    "import_calendar_lines",
    "load_working_calendar",
    "parse_calendar_lines",
    "seed_calendar_from_library",
    "seed_calendar_job",
    "set_calendar_day",
    "set_calendar_year",
]


#: Called inside the transaction of every administrator's calendar edit, with keyword arguments
#: ``actor``, ``days`` (the dates whose kind may have changed), ``branch_id`` (None: the whole
#: company) and ``source`` (the audited row): apps that store values computed from the calendar
#: recompute them (complaints: the SLA deadlines of open complaints). Filled by the apps' hooks;
#: this app imports none of them.
CALENDAR_CHANGED_HOOKS: list[Callable[..., Any]] = []


def _calendar_changed(
    actor: User | None, days: list[datetime.date], branch_id: int | None, source: Any
) -> None:
    for hook in CALENDAR_CHANGED_HOOKS:
        hook(actor=actor, days=days, branch_id=branch_id, source=source)


def load_working_calendar(branch: Branch | int | None = None) -> WorkingCalendar:
    """The calendar of the whole company, or of ``branch`` with its own exceptions (2 queries)."""
    years = dict(CalendarYear.objects.values_list("year", "status"))
    branch_id = branch.pk if isinstance(branch, Branch) else branch
    scope = Q(branch__isnull=True)
    if branch_id is not None:
        scope |= Q(branch_id=branch_id)
    company: dict[datetime.date, bool] = {}
    own: dict[datetime.date, bool] = {}
    rows = CalendarDay.objects.filter(scope, day__year__in=list(years))
    for day, kind, row_branch in rows.values_list("day", "kind", "branch_id"):
        (own if row_branch is not None else company)[day] = kind == DayKind.WORKDAY
    return WorkingCalendar(days=company, years=years).with_overrides(own)


@dataclass(frozen=True)
class CalendarWarning:
    """A year a user should know the calendar is unsure about (rendered at display time)."""

    year: int
    reason: str  # "unknown" or "estimated"

    @property
    def message(self) -> str:
        if self.reason == "estimated":
            return _(
                "The working-day calendar for %(year)s is only estimated: deadlines and "
                "working-day counts may change when the State Council publishes the holidays."
            ) % {"year": self.year}
        return _(
            "The working-day calendar has no data for %(year)s: deadlines and working-day "
            "counts that reach into %(year)s cannot be calculated until an administrator "
            "enters its public holidays and make-up working days."
        ) % {"year": self.year}


def calendar_warnings(today: datetime.date) -> list[CalendarWarning]:
    """Warnings for the current year (always) and the next one (from November), one query."""
    calendar = WorkingCalendar(years=dict(CalendarYear.objects.values_list("year", "status")))
    return [CalendarWarning(year, reason) for year, reason in calendar.missing_years(today)]


def calendar_warnings_for(user: Any, today: datetime.date) -> list[CalendarWarning]:
    """The warnings a user sees on every page. A missing current year concerns everyone (today's
    deadlines are estimates); a missing next year is advance notice that only those who keep the
    calendar can act on, so the other roles are not shown it on every page."""
    from qiwang.accounts.permissions import Action, has_permission

    warnings = calendar_warnings(today)
    if warnings and not has_permission(user, Action.MANAGE_ORGANISATION):
        warnings = [warning for warning in warnings if warning.year <= today.year]
    return warnings


# --- seeding --------------------------------------------------------------------------------


def seed_calendar_from_library(*, day_model: Any = None, year_model: Any = None) -> list[int]:
    """Add every year the ``chinese-calendar`` package knows and the database does not (or knows
    only as an estimate). Returns the years added. The model arguments let a data migration pass
    its historical models."""
    day_model = day_model or CalendarDay
    year_model = year_model or CalendarYear
    present = dict(year_model.objects.values_list("year", "status"))
    wanted = [
        year
        for year in library_years()
        if year not in present or present[year] == YearStatus.ESTIMATED
    ]
    if not wanted:
        return []
    rows = [row for row in library_calendar_rows() if row.day.year in wanted]
    with transaction.atomic():
        day_model.objects.filter(day__year__in=wanted, branch__isnull=True).delete()
        year_model.objects.filter(year__in=wanted).delete()
        year_model.objects.bulk_create(
            [
                year_model(year=year, status=YearStatus.PUBLISHED, source=YearSource.LIBRARY)
                for year in wanted
            ]
        )
        day_model.objects.bulk_create(
            [
                day_model(
                    day=row.day,
                    kind=DayKind.WORKDAY if row.is_working_day else DayKind.HOLIDAY,
                    name=row.name if row.name in HolidayName.values else HolidayName.OTHER,
                )
                for row in rows
            ],
            batch_size=500,
        )
    return wanted


def seed_calendar_job(*, slot: datetime.datetime) -> dict[str, Any]:
    """The daily ``accounts.calendar_seed`` job."""
    return {"years_added": seed_calendar_from_library()}


# --- administrators' edits ----------------------------------------------------------------


def _audit(actor: User | None, action: str, obj: Any, changes: dict[str, Any]) -> None:
    from qiwang.accounts.services import record_event

    record_event(actor=actor, action=action, obj=obj, changes=changes)


def set_calendar_year(
    *, actor: User | None, year: int, status: str, note: str = ""
) -> CalendarYear:
    """Declare a year known (published or estimated), or change its status."""
    if not 1900 <= year <= 2200:
        raise ServiceError(_("%(year)s is not a plausible year.") % {"year": year}, field="year")
    if status not in YearStatus.values:
        raise ServiceError(_("Unknown status “%(status)s”.") % {"status": status}, field="status")
    with transaction.atomic():
        entry, created = _set_year(actor=actor, year=year, status=status, note=note)
        if created:  # a year the calendar did not know: deadlines in it can now be computed
            span = [datetime.date(year, 1, 1), datetime.date(year, 12, 31)]
            _calendar_changed(actor, span, None, entry)
    return entry


def _set_year(
    *, actor: User | None, year: int, status: str, note: str
) -> tuple[CalendarYear, bool]:
    entry, created = CalendarYear.objects.get_or_create(
        year=year, defaults={"status": status, "source": YearSource.MANUAL, "note": note}
    )
    if not created:
        entry.status, entry.note = status, note or entry.note
        entry.save(update_fields=["status", "note", "updated_at"])
    _audit(actor, "calendar_year_set", entry, {"status": status})
    return entry, created


def set_calendar_day(
    *,
    actor: User | None,
    day: datetime.date,
    kind: str,
    name: str = HolidayName.OTHER,
    branch: Branch | None = None,
    note: str = "",
) -> CalendarDay:
    """Record one holiday or make-up working day (replacing what that day had)."""
    if kind not in DayKind.values:
        raise ServiceError(_("Unknown kind of day “%(kind)s”.") % {"kind": kind}, field="kind")
    if name not in HolidayName.values:
        raise ServiceError(_("Unknown holiday “%(name)s”.") % {"name": name}, field="name")
    if not CalendarYear.objects.filter(year=day.year).exists():
        raise ServiceError(
            _("Declare the year %(year)s first (published or estimated).") % {"year": day.year},
            field="day",
        )
    with transaction.atomic():
        entry, _created = CalendarDay.objects.update_or_create(
            day=day, branch=branch, defaults={"kind": kind, "name": name, "note": note}
        )
        _audit(actor, "calendar_day_set", entry, {"kind": kind, "name": name})
        _calendar_changed(actor, [day], branch.pk if branch else None, entry)
    return entry


def delete_calendar_day(*, actor: User | None, entry: CalendarDay) -> None:
    with transaction.atomic():
        _audit(actor, "calendar_day_deleted", entry, {"day": entry.day.isoformat()})
        pk = entry.pk
        entry.delete()
        entry.pk = pk  # the hooks' audit rows name the row that was deleted
        _calendar_changed(actor, [entry.day], entry.branch_id, entry)


_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(\w+)(?:\s+(\w+))?\s*$")


@dataclass(frozen=True)
class ParsedDay:
    day: datetime.date
    kind: str
    name: str


def parse_calendar_lines(text: str) -> list[ParsedDay]:
    """Read ``YYYY-MM-DD holiday|workday [holiday_code]`` lines (blank lines and ``#`` comments
    skipped). Raises a ServiceError naming every bad line; writes nothing."""
    parsed: list[ParsedDay] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _LINE.match(raw)
        day = None
        if match:
            try:
                day = datetime.date.fromisoformat(match.group(1))
            except ValueError:
                day = None
        if match is None or day is None:
            errors.append(
                _("line %(n)s: “%(text)s” is not “YYYY-MM-DD holiday|workday [name]”.")
                % {"n": number, "text": raw.strip()[:60]}
            )
            continue
        kind, name = match.group(2), match.group(3) or HolidayName.OTHER
        if kind not in DayKind.values:
            errors.append(
                _("line %(n)s: kind “%(kind)s” is neither holiday nor workday.")
                % {"n": number, "kind": kind}
            )
        elif name not in HolidayName.values:
            errors.append(
                _("line %(n)s: unknown holiday “%(name)s”.") % {"n": number, "name": name}
            )
        else:
            parsed.append(ParsedDay(day, kind, name))
    if errors:
        raise ServiceError({"text": errors})
    if not parsed:
        raise ServiceError(_("No days to import."), field="text")
    seen: set[datetime.date] = set()
    for entry in parsed:
        if entry.day in seen:
            raise ServiceError(
                _("%(day)s is listed twice.") % {"day": entry.day.isoformat()}, field="text"
            )
        seen.add(entry.day)
    return parsed


def import_calendar_lines(
    *, actor: User | None, text: str, year_status: str = YearStatus.PUBLISHED
) -> int:
    """Import ``YYYY-MM-DD holiday|workday [holiday_code]`` lines, all or nothing.

    The years named are declared with ``year_status``; their existing company-wide days are
    replaced by the lines given. Returns the number of days imported.
    """
    parsed = parse_calendar_lines(text)
    years = sorted({entry.day.year for entry in parsed})
    with transaction.atomic():
        entries = [
            _set_year(actor=actor, year=year, status=year_status, note="")[0] for year in years
        ]
        replaced = CalendarDay.objects.filter(day__year__in=years, branch__isnull=True)
        changed = set(replaced.values_list("day", flat=True)) | {entry.day for entry in parsed}
        replaced.delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(day=entry.day, kind=entry.kind, name=entry.name) for entry in parsed]
        )
        if entries:
            _calendar_changed(actor, sorted(changed), None, entries[0])
    return len(parsed)
