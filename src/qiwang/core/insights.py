"""The Insights page (洞察): what a head of quality or a branch manager opens on Monday morning.

Gathered across the apps, reads only, in the user's branches: the survey sections come from
:mod:`qiwang.core.insights_surveys`; promises and surprises from the catalogue's
``service_facts`` (the catalogue page's keeping rates and over-promise warnings) and the surprise
plans' due deliveries (the plan page's rule); complaints from the queue's counts and the SLA and
outcomes page's ``figures_for``; alerts from the open survey follow-up tasks (``core.today``'s
rule). Each section is gathered only for a role that may open its source page. No customer is
named here: the page shows counts, services, waves and branches.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils import timezone

from qiwang.accounts.permissions import Action, has_permission
from qiwang.catalogue.choices import PlannedStatus, PlanStatus
from qiwang.catalogue.models import PlannedSurprise, Service, SurprisePlan
from qiwang.catalogue.services.tallies import window
from qiwang.catalogue.services.warnings import service_facts
from qiwang.complaints.choices import Emotion
from qiwang.complaints.models import Complaint
from qiwang.complaints.services.tallies import figures_for
from qiwang.core.insights_surveys import survey_sections
from qiwang.core.today import SURVEY_SOURCE
from qiwang.customers.choices import TaskKind
from qiwang.customers.models import ContactTask
from qiwang.customers.navigation import may_open

if TYPE_CHECKING:
    from qiwang.accounts.models import User

#: Rows of the promise and plan lists.
LIST_ROWS = 8
#: Surprise deliveries planned this many days ahead count as coming up.
PLAN_DAYS_AHEAD = 14


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def promises(user: User, today: datetime.date) -> dict[str, Any]:
    """Commitments in force with their keeping over the catalogue's window: how many services
    broke a promise, which are over-promised (broken significantly more often than allowed),
    the worst first."""
    services = Service.objects.for_user(user).active().select_related("branch")
    facts = service_facts(services, today=today, user=user)
    committed = [f for f in facts if f.commitment is not None]
    judged = [f for f in committed if f.keeping is not None and f.keeping.n]
    rows = []
    for f in judged:
        rate = f.keeping
        assert rate is not None  # noqa: S101 - filtered just above
        at_risk = any(w.code == "over_promise" for w in f.warnings)
        if rate.broken or at_risk:
            rows.append(
                {
                    "service": f.service,
                    "branch": f.service.branch.name,
                    "target": f.commitment.target_text if f.commitment else "",
                    "keeping": _percent(rate.rate),
                    "n": rate.n,
                    "broken": rate.broken,
                    "breach": rate.broken / rate.n,
                    "at_risk": at_risk,
                }
            )
    rows.sort(key=lambda r: (not r["at_risk"], -r["breach"], -r["broken"]))
    return {
        "services": len(facts),
        "committed": len(committed),
        "judged": len(judged),
        "broken_services": sum(1 for r in rows if r["broken"]),
        "at_risk": sum(1 for r in rows if r["at_risk"]),
        "broken": sum(r["broken"] for r in rows),
        "rows": rows[:LIST_ROWS],
        "more": max(0, len(rows) - LIST_ROWS),
        "window_first": window(today)[0],
    }


def surprise_plans(user: User, today: datetime.date) -> dict[str, Any]:
    """Confirmed surprise plans with planned deliveries due (today or earlier, the plan page's
    "due") or coming up in :data:`PLAN_DAYS_AHEAD` days (two queries)."""
    until = today + datetime.timedelta(days=PLAN_DAYS_AHEAD)
    counts = (
        PlannedSurprise.objects.for_user(user)
        .filter(
            plan__status=PlanStatus.CONFIRMED,
            status=PlannedStatus.PLANNED,
            date__lte=until,
        )
        .order_by()
        .values("plan_id")
        .annotate(
            due=Count("pk", filter=Q(date__lte=today)),
            coming=Count("pk", filter=Q(date__gt=today)),
        )
    )
    by_plan = {row["plan_id"]: row for row in counts}
    plans = list(
        SurprisePlan.objects.for_user(user)
        .filter(pk__in=list(by_plan))
        .select_related("service", "branch")
    )
    rows = [
        {"plan": plan, "due": by_plan[plan.pk]["due"], "coming": by_plan[plan.pk]["coming"]}
        for plan in plans
    ]
    rows.sort(key=lambda r: (-r["due"], -r["coming"], r["plan"].pk))
    return {
        "due": sum(r["due"] for r in rows),
        "coming": sum(r["coming"] for r in rows),
        "rows": rows[:LIST_ROWS],
        "days": PLAN_DAYS_AHEAD,
    }


def complaints(user: User, now: datetime.datetime) -> dict[str, Any]:
    """Open and overdue complaints (the queue's counts), open ones by the customer's emotion,
    and satisfaction after recovery (the SLA and outcomes page's figures)."""
    visible = Complaint.objects.for_user(user)
    by_emotion = dict(visible.open().order_by().values_list("emotion").annotate(n=Count("pk")))
    figures = figures_for(user, now=now)
    after = figures.paradox.get("after", {})
    before = figures.paradox.get("before", {})
    return {
        "open": sum(by_emotion.values()),
        "overdue": visible.overdue(now).count(),
        "emotions": [
            {"key": e.value, "label": e.label, "count": by_emotion.get(e.value, 0)} for e in Emotion
        ],
        "recovery": {
            "mean": None if after.get("mean") is None else round(after["mean"], 2),
            "n": after.get("n", 0),
            "before": None if before.get("mean") is None else round(before["mean"], 2),
            "before_n": before.get("n", 0),
        },
        "total": figures.total,
    }


def alerts(user: User, today: datetime.date) -> dict[str, Any]:
    """Open follow-ups asked for by survey answers (a very bad answer), urgent and overdue
    among them: one aggregate."""
    tasks = (
        ContactTask.objects.for_user(user)
        .open()
        .filter(kind=TaskKind.FOLLOW_UP, key__startswith=SURVEY_SOURCE)
    )
    counts = tasks.aggregate(
        open=Count("pk"),
        urgent=Count("pk", filter=Q(is_urgent=True)),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    link = ""
    if may_open(user, "tasks"):
        link = "customers:tasks"
    elif has_permission(user, Action.LOG_INTERACTIONS):
        link = "customers:my_day"
    return {**counts, "link": link}


def gather(user: User) -> dict[str, Any]:
    """Every section the user's role may read, in their branches."""
    today = timezone.localdate()
    now = timezone.now()
    context: dict[str, Any] = {"today": today}
    if has_permission(user, Action.VIEW_SURVEYS):
        context["surveys"] = survey_sections(user)
    if has_permission(user, Action.VIEW_SERVICES):
        context["promises"] = promises(user, today)
        context["plans"] = surprise_plans(user, today)
    if has_permission(user, Action.VIEW_COMPLAINTS):
        context["complaints"] = complaints(user, now)
    if has_permission(user, Action.VIEW_CUSTOMERS):
        context["alerts"] = alerts(user, today)
    return context


def chart_data(context: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """What the page's script draws (passed with ``json_script``)."""
    surveys = context.get("surveys") or {}
    gaps = surveys.get("gaps") or {}
    complaint = context.get("complaints") or {}
    return {
        "trends": surveys.get("trend_charts", []),
        "gaps": gaps.get("chart"),
        "emotions": {
            "pairs": [[str(e["label"]), e["count"]] for e in complaint.get("emotions", [])],
            "seriesName": labels["complaints"],
        }
        if complaint.get("open")
        else None,
        "labels": labels,
    }
