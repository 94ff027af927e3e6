"""What the home page says needs doing today, per role (issue 15 item 6): for people with
customers of their own, their tasks; for supervisors, their branches' counters; for analysts, the
recent survey waves. Reads only; every count goes through ``for_user``."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils import timezone

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, has_permission
from qiwang.complaints.models import Complaint
from qiwang.customers.choices import TaskKind, TaskStatus, TierChangeStatus
from qiwang.customers.models import ContactTask, TierChange
from qiwang.surveys.models import Wave

if TYPE_CHECKING:
    from qiwang.accounts.models import User

#: Greetings (and survey follow-ups) shown ahead on the home page, in working days.
GREETING_DAYS_AHEAD = 7
#: How a follow-up asked for by a survey answer names its source (``surveys.loop``).
SURVEY_SOURCE = "survey-response:"


def working_days_ahead(today: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day after ``today`` (calendar days when the working-day
    calendar does not know the year: the list then shows a little more, never less)."""
    from qiwang.accounts.calendar_services import load_working_calendar
    from qiwang.customers.services.workdays import UnknownCalendarYear, next_working_day

    calendar = load_working_calendar()
    day = today
    try:
        for _index in range(count):
            ahead = next_working_day(calendar, day)
            if ahead is None:
                return today + datetime.timedelta(days=count + 2)
            day = ahead
    except UnknownCalendarYear:
        return today + datetime.timedelta(days=count + 2)
    return day


def home_role(user: User) -> str:
    """Which home the user gets: ``own`` (tasks of their own), ``supervisor``, ``analyst``."""
    if user.is_administrator or has_permission(user, Action.MANAGE_MAINTENANCE_PLANS):
        return "supervisor"
    if has_permission(user, Action.LOG_INTERACTIONS):
        return "own"
    if has_permission(user, Action.CHANGE_COMPLAINTS):
        return "agent"
    return "analyst"


def own_day(user: User) -> dict[str, Any]:
    """An account manager's today: open tasks due today, overdue, survey follow-ups, greetings
    of the next working days."""
    today = timezone.localdate()
    until = working_days_ahead(today, GREETING_DAYS_AHEAD)
    mine = ContactTask.objects.filter(assignee=user, status=TaskStatus.OPEN)
    from_surveys = Q(kind=TaskKind.FOLLOW_UP, key__startswith=SURVEY_SOURCE, due_date__lte=until)
    counts = mine.aggregate(
        today=Count("pk", filter=Q(due_date=today)),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        follow_ups_due=Count("pk", filter=from_surveys),
    )
    follow_ups = list(
        mine.filter(from_surveys).select_related("customer").order_by("due_date", "pk")[:10]
    )
    greetings = list(
        mine.filter(kind=TaskKind.GREETING, due_date__gt=today, due_date__lte=until)
        .select_related("customer", "occasion")
        .order_by("due_date", "pk")[:10]
    )
    return {**counts, "follow_ups": follow_ups, "greetings": greetings, "until": until}


def agent_day(user: User) -> dict[str, Any]:
    """A service agent's today: the open and overdue complaints of their branches."""
    complaints = Complaint.objects.for_user(user)
    return {
        "open": complaints.open().count(),
        "overdue": complaints.overdue(timezone.now()).count(),
    }


def branch_counters(user: User) -> list[dict[str, Any]]:
    """Per branch the user sees (branches with customers): open and overdue tasks, escalated
    tasks, pending tier suggestions, open and overdue complaints."""
    today = timezone.localdate()
    now = timezone.now()
    names = dict(Branch.objects.for_user(user).values_list("pk", "name"))
    rows: dict[int, dict[str, Any]] = {}

    def row(branch_id: int) -> dict[str, Any]:
        return rows.setdefault(
            branch_id,
            {
                "name": names.get(branch_id, "—"),
                "open": 0,
                "overdue": 0,
                "escalated": 0,
                "tiers": 0,
                "complaints": 0,
                "complaints_overdue": 0,
            },
        )

    tasks = (
        ContactTask.objects.for_user(user)
        .open()
        .values("branch_id")
        .annotate(
            open=Count("pk", filter=Q(due_date__lte=today)),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
        )
    )
    for item in tasks:
        row(item["branch_id"]).update(
            open=item["open"], overdue=item["overdue"], escalated=item["escalated"]
        )
    tiers = (
        TierChange.objects.for_user(user)
        .filter(status=TierChangeStatus.SUGGESTED)
        .values("customer__branch_id")
        .annotate(n=Count("pk"))
    )
    for item in tiers:
        row(item["customer__branch_id"])["tiers"] = item["n"]
    overdue_ids = Complaint.objects.for_user(user).overdue(now).values("pk")
    complaints = (
        Complaint.objects.for_user(user)
        .open()
        .values("branch_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(pk__in=overdue_ids)))
    )
    for item in complaints:
        row(item["branch_id"]).update(complaints=item["n"], complaints_overdue=item["late"])
    return sorted(rows.values(), key=lambda item: str(item["name"]))


def recent_waves(user: User) -> list[Wave]:
    return list(
        Wave.objects.for_user(user).select_related("branch").order_by("-opens_at", "-pk")[:8]
    )
