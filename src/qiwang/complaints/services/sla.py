"""SLA in business time: targets by tier and severity, deadlines on the working-day calendar,
pauses, the set-based breach scan and the pre-breach warning.

Deadlines are ``due(received_at, target + paused)`` on the branch's calendar and business hours
(24/7 for round-the-clock categories). The accumulated pause is stored apart from the target, so
it survives a change of SLA (a new severity recomputes the deadlines with the same pause). A year
the calendar does not know leaves the deadline empty and names the problem (``sla_problem``):
never a guessed date.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qiwang.accounts.business_time import BusinessHours, due, elapsed
from qiwang.accounts.calendar_services import load_working_calendar
from qiwang.accounts.working_calendar import UnknownCalendarYear, WorkingCalendar
from qiwang.complaints.choices import MoveKind, Severity
from qiwang.complaints.models import BranchSetup, Complaint, Move, SlaTarget

#: Used when no SlaTarget row matches: (first response, resolution) business hours by severity.
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    Severity.CRITICAL: (1, 8),
    Severity.HIGH: (2, 16),
    Severity.MEDIUM: (4, 27),
    Severity.LOW: (8, 45),
}
#: The supervisor is warned when a resolution deadline is this close, in business time on the
#: same calendar and hours as the deadline (a deadline Monday 10:00 on 09:00-18:00 warns on the
#: working day before at 15:00, not at 06:00 on Monday).
WARN_BEFORE = datetime.timedelta(hours=4)


def targets_for(tier: str, severity: str) -> tuple[Decimal, Decimal]:
    """(first-response hours, resolution hours) for a customer tier and severity."""
    rows = {
        row.tier: row
        for row in SlaTarget.objects.filter(severity=severity, tier__in=[tier or "", ""])
    }
    row = rows.get(tier or "") or rows.get("")
    if row is not None:
        return row.first_response_hours, row.resolution_hours
    first, resolution = DEFAULT_TARGETS[severity]
    return Decimal(first), Decimal(resolution)


def hours_for(complaint: Complaint) -> BusinessHours:
    if complaint.category.round_the_clock:
        return BusinessHours.always()
    setting = BranchSetup.objects.filter(branch_id=complaint.branch_id).first()
    if setting is None:
        return BusinessHours.parse("09:00-18:00")
    return BusinessHours.parse(setting.hours, time_zone=setting.time_zone)


def calendar_for(complaint: Complaint) -> WorkingCalendar:
    return load_working_calendar(complaint.branch_id)


def apply_targets(complaint: Complaint, *, calendar: WorkingCalendar | None = None) -> None:
    """Set targets and deadlines on ``complaint`` (not saved)."""
    tier = complaint.customer.tier if complaint.customer_id else ""
    first, resolution = targets_for(tier, complaint.severity)
    complaint.first_response_hours, complaint.resolution_hours = first, resolution
    recompute_deadlines(complaint, calendar=calendar)


def recompute_deadlines(
    complaint: Complaint,
    *,
    calendar: WorkingCalendar | None = None,
    hours: BusinessHours | None = None,
) -> None:
    hours = hours or hours_for(complaint)
    calendar = calendar or calendar_for(complaint)
    paused = datetime.timedelta(seconds=complaint.paused_seconds)
    try:
        complaint.first_response_due = due(
            complaint.received_at,
            datetime.timedelta(hours=float(complaint.first_response_hours or 0)),
            calendar,
            hours,
        )
        complaint.resolution_due = due(
            complaint.received_at,
            datetime.timedelta(hours=float(complaint.resolution_hours or 0)) + paused,
            calendar,
            hours,
        )
        complaint.sla_problem = ""
    except UnknownCalendarYear as error:
        complaint.first_response_due = complaint.resolution_due = None
        complaint.sla_problem = f"calendar_unknown:{error.year}"


def business_elapsed(
    complaint: Complaint, start: datetime.datetime, end: datetime.datetime
) -> datetime.timedelta | None:
    try:
        return elapsed(start, end, calendar_for(complaint), hours_for(complaint))
    except UnknownCalendarYear:
        return None


def pause_clock(complaint: Complaint, *, actor: Any, reason: str, now: datetime.datetime) -> None:
    """Stop the resolution clock while waiting for the customer (inside the caller's
    transaction)."""
    complaint.paused_since = now
    complaint.status = "waiting"
    Move.objects.create(
        complaint=complaint,
        kind=MoveKind.PAUSED,
        reason=reason,
        actor=actor,
        at=now,
        from_step=complaint.step,
        to_step=complaint.step,
    )


def resume_clock(complaint: Complaint, *, actor: Any, now: datetime.datetime) -> None:
    if complaint.paused_since is None:
        return
    paused = business_elapsed(complaint, complaint.paused_since, now)
    seconds = int(paused.total_seconds()) if paused is not None else 0
    complaint.paused_seconds += max(seconds, 0)
    complaint.paused_since = None
    complaint.status = "open"
    recompute_deadlines(complaint)
    Move.objects.create(
        complaint=complaint,
        kind=MoveKind.RESUMED,
        actor=actor,
        at=now,
        from_step=complaint.step,
        to_step=complaint.step,
        code="sla.paused_for",
        params={"seconds": seconds},
    )


def warning_threshold(
    now: datetime.datetime, calendar: WorkingCalendar, hours: BusinessHours
) -> datetime.datetime:
    """The latest deadline that is at most ``WARN_BEFORE`` of business time after ``now``.

    ``due`` is monotone, so "business time left until D is at most 4 h" is exactly
    ``D <= due(now, 4 h)``: one instant per calendar and hours, compared in SQL with every row.
    A year the calendar does not know falls back to wall-clock time (warn rather than stay
    silent).
    """
    try:
        return due(now, WARN_BEFORE, calendar, hours)
    except UnknownCalendarYear:
        return now + WARN_BEFORE


def _due_for_warning(open_rows: Any, now: datetime.datetime) -> list[int]:
    """Open, running complaints whose business time left is at most ``WARN_BEFORE``.

    One threshold per (branch, round-the-clock) group — a branch's calendar and hours are the
    same for all its office-hours categories — then one query per group.
    """
    candidates = open_rows.filter(
        paused_since__isnull=True,
        warned_at__isnull=True,
        resolution_breached_at__isnull=True,
        resolution_due__gte=now,
    )
    groups = candidates.order_by().values_list("branch_id", "category__round_the_clock").distinct()
    setups = {row.branch_id: row for row in BranchSetup.objects.all()}
    ids: list[int] = []
    for branch_id, round_the_clock in groups:
        if round_the_clock:
            hours = BusinessHours.always()
        elif branch_id in setups:
            setup = setups[branch_id]
            hours = BusinessHours.parse(setup.hours, time_zone=setup.time_zone)
        else:
            hours = BusinessHours.parse("09:00-18:00")
        threshold = warning_threshold(now, load_working_calendar(branch_id), hours)
        ids += candidates.filter(
            branch_id=branch_id,
            category__round_the_clock=round_the_clock,
            resolution_due__lte=threshold,
        ).values_list("pk", flat=True)
    return ids


def scan_breaches(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Record breaches and warn before them, set-based (a few statements whatever the count).

    Returns how many first-response breaches, resolution breaches and warnings were recorded.
    """
    from qiwang.complaints.services.notify import queue_supervisor_notifications

    now = now or timezone.now()
    open_rows = Complaint.objects.open()
    with transaction.atomic():
        first_ids = list(
            open_rows.filter(
                first_response_at__isnull=True,
                first_response_due__lt=now,
                first_response_breached_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        resolution_ids = list(
            open_rows.filter(
                paused_since__isnull=True,
                resolution_due__lt=now,
                resolution_breached_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        warn_ids = _due_for_warning(open_rows, now)
        Complaint.objects.filter(pk__in=first_ids).update(first_response_breached_at=now)
        Complaint.objects.filter(pk__in=resolution_ids).update(resolution_breached_at=now)
        Complaint.objects.filter(pk__in=warn_ids).update(warned_at=now)
        Move.objects.bulk_create(
            [
                Move(complaint_id=pk, kind=MoveKind.BREACH, code="sla.first_response", at=now)
                for pk in first_ids
            ]
            + [
                Move(complaint_id=pk, kind=MoveKind.BREACH, code="sla.resolution", at=now)
                for pk in resolution_ids
            ]
            + [
                Move(complaint_id=pk, kind=MoveKind.WARNING, code="sla.warning", at=now)
                for pk in warn_ids
            ],
            batch_size=1000,
        )
        queue_supervisor_notifications(
            [(pk, "sla.breach") for pk in {*first_ids, *resolution_ids}]
            + [(pk, "sla.warning") for pk in warn_ids]
        )
    return {
        "first_response_breaches": len(first_ids),
        "resolution_breaches": len(resolution_ids),
        "warnings": len(warn_ids),
    }


def recompute_for_calendar_change(
    *, actor: Any, days: list[datetime.date], branch_id: int | None, source: Any
) -> int:
    """Recompute the stored deadlines of the open complaints a calendar edit can move (a hook of
    ``accounts.calendar_services``, inside the edit's transaction). Returns how many changed.

    A changed day moves a deadline only if it lies between the receipt and the deadline, so
    only open office-hours complaints received before the last day whose deadline (or first
    response deadline) is not before the first day are read (plus those whose year was
    unknown); each is walked again on the new calendar (the walk is Python, the business-time
    engine), and the changed ones are written with one ``bulk_update``, one timeline row each
    (one ``bulk_create``) and one audit event naming them.
    """
    if not days:
        return 0
    pad = datetime.timedelta(days=1)  # the dates are local; a day either side covers any zone
    start = datetime.datetime.combine(min(days) - pad, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(max(days) + 2 * pad, datetime.time.min, tzinfo=datetime.UTC)
    rows = (
        Complaint.objects.open()
        .filter(category__round_the_clock=False, received_at__lt=end)
        .filter(
            Q(resolution_due__gte=start)
            | Q(first_response_due__gte=start, first_response_at__isnull=True)
            | Q(resolution_due__isnull=True)
        )
    )
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    rows = rows.select_for_update(of=("self",)).order_by("pk")
    setups = {row.branch_id: row for row in BranchSetup.objects.all()}
    calendars: dict[int, WorkingCalendar] = {}
    changed: list[Complaint] = []
    before: dict[int, tuple[Any, Any]] = {}
    for complaint in rows.only(
        "pk",
        "branch_id",
        "received_at",
        "first_response_hours",
        "resolution_hours",
        "paused_seconds",
        "first_response_due",
        "resolution_due",
        "sla_problem",
    ):
        old = (complaint.first_response_due, complaint.resolution_due, complaint.sla_problem)
        if complaint.branch_id not in calendars:
            calendars[complaint.branch_id] = load_working_calendar(complaint.branch_id)
        setup = setups.get(complaint.branch_id)
        hours = (
            BusinessHours.parse(setup.hours, time_zone=setup.time_zone)
            if setup
            else BusinessHours.parse("09:00-18:00")
        )
        recompute_deadlines(complaint, calendar=calendars[complaint.branch_id], hours=hours)
        if (complaint.first_response_due, complaint.resolution_due, complaint.sla_problem) != old:
            changed.append(complaint)
            before[complaint.pk] = (old[1], complaint.resolution_due)
    if not changed:
        return 0
    now = timezone.now()
    Complaint.objects.bulk_update(
        changed, ["first_response_due", "resolution_due", "sla_problem"], batch_size=1000
    )
    Move.objects.bulk_create(
        [
            Move(
                complaint_id=pk,
                kind=MoveKind.NOTE,
                code="sla.calendar_changed",
                params={
                    "old": old.isoformat() if old else None,
                    "new": new.isoformat() if new else None,
                },
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                at=now,
            )
            for pk, (old, new) in before.items()
        ],
        batch_size=1000,
    )
    from qiwang.accounts.services import record_event

    record_event(
        actor=actor,
        action="complaint_deadlines_recomputed",
        obj=source,
        changes={
            "days": [day.isoformat() for day in sorted(days)[:50]],
            "branch": branch_id,
            "count": len(changed),
            "complaints": [c.pk for c in changed[:1000]],
        },
    )
    return len(changed)


def sla_scan_job(*, slot: datetime.datetime) -> dict[str, int]:
    """The ``complaints.sla_scan`` periodic job."""
    return scan_breaches()


__all__ = [
    "DEFAULT_TARGETS",
    "apply_targets",
    "business_elapsed",
    "pause_clock",
    "recompute_deadlines",
    "recompute_for_calendar_change",
    "resume_clock",
    "scan_breaches",
    "sla_scan_job",
    "targets_for",
    "warning_threshold",
]
