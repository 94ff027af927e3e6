"""The *SLA and outcomes* figures at scale: folded per branch, week, category, workflow and
reason into :class:`ComplaintTally` rows by a set-based rebuild (the ``complaints.tallies`` job,
every 10 minutes), and summed over the reader's branches when the page is shown.

With a season of a million complaints the page then reads a few thousand tally rows, plus the
open complaints (an index) for what changes by the minute (open and overdue). The figures are the
same as :func:`qiwang.complaints.services.outcomes.figures` computed live over the complaints
(a test checks it); the page says when they were built.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Subquery, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from qiwang.complaints.choices import Outcome
from qiwang.complaints.models import Complaint, ComplaintTally, ParadoxTally
from qiwang.complaints.models.tally import COUNTS
from qiwang.complaints.services import outcomes

KEYS = ("branch_id", "week", "category_id", "dimension", "workflow", "return_reason")


def _counts() -> dict[str, Any]:
    return outcomes.season_counts(mean=False)


def rebuild_tallies(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Fold every complaint into tally rows (one grouped pass) and each branch's paradox
    satisfaction; replace the old rows in one transaction."""
    now = now or timezone.now()
    grouped = (
        Complaint.objects.order_by()
        .annotate(week=TruncWeek("received_at"))
        .values(*KEYS)
        .annotate(**_counts())
    )
    rows = []
    for row in grouped:
        week = row["week"]
        if isinstance(week, datetime.datetime):
            week = timezone.localtime(week).date() if timezone.is_aware(week) else week.date()
        rows.append(
            ComplaintTally(
                branch_id=row["branch_id"],
                week=week,
                category_id=row["category_id"],
                dimension=row["dimension"],
                workflow=row["workflow"],
                return_reason=row["return_reason"],
                built_at=now,
                **{name: row[name] or 0 for name in COUNTS},
            )
        )
    paradox_rows = [
        ParadoxTally(
            branch_id=branch_id,
            before_sum=before_sum,
            before_n=before_n,
            never_sum=never_sum,
            never_n=never_n,
            built_at=now,
        )
        for branch_id, (before_sum, before_n, never_sum, never_n) in _paradox_by_branch().items()
    ]
    with transaction.atomic():
        ComplaintTally.objects.all().delete()
        ParadoxTally.objects.all().delete()
        ComplaintTally.objects.bulk_create(rows, batch_size=1000)
        ParadoxTally.objects.bulk_create(paradox_rows, batch_size=1000)
    return {"rows": len(rows), "paradox_branches": len(paradox_rows)}


def _paradox_by_branch() -> dict[int, tuple[float, int, float, int]]:
    """Per branch of the customer: (sum, count) of 1–5 survey answers given by recovered
    customers before their first complaint, and of customers who never complained. Two grouped
    queries over the survey answers; each answer looks its customer's complaints up through the
    (customer, received_at) index."""
    from qiwang.surveys.models import Answer

    scale = Answer.objects.filter(
        question__kind="scale5",
        value__isnull=False,
        response__customer__isnull=False,
        response__submitted_at__isnull=False,
    ).order_by()
    of_customer = Complaint.objects.filter(customer_id=OuterRef("response__customer_id"))
    before = (
        scale.annotate(
            first=Subquery(of_customer.order_by("received_at").values("received_at")[:1])
        )
        .filter(
            Exists(of_customer.filter(outcome=Outcome.RECOVERED, follow_up_score__isnull=False)),
            response__submitted_at__lt=F("first"),
        )
        .values("response__customer__branch_id")
        .annotate(total=Sum("value"), n=Count("pk"))
    )
    never = (
        scale.filter(~Exists(of_customer))
        .values("response__customer__branch_id")
        .annotate(total=Sum("value"), n=Count("pk"))
    )
    found: dict[int, list[float]] = {}
    for row in before:
        entry = found.setdefault(row["response__customer__branch_id"], [0.0, 0, 0.0, 0])
        entry[0], entry[1] = float(row["total"] or 0), row["n"]
    for row in never:
        entry = found.setdefault(row["response__customer__branch_id"], [0.0, 0, 0.0, 0])
        entry[2], entry[3] = float(row["total"] or 0), row["n"]
    return {
        branch: (entry[0], int(entry[1]), entry[2], int(entry[3]))
        for branch, entry in found.items()
    }


def tallies_job(*, slot: datetime.datetime) -> dict[str, int]:
    """The ``complaints.tallies`` periodic job."""
    return rebuild_tallies()


def _mean(total: float, n: int) -> float | None:
    return total / n if n else None


def figures_for(user: Any, *, now: datetime.datetime | None = None) -> outcomes.Figures:
    """The page's figures for ``user``'s branches from the tallies (built first if there are
    none yet); open and overdue counted live from the open complaints."""
    now = now or timezone.now()
    if not ComplaintTally.objects.exists() and Complaint.objects.exists():
        rebuild_tallies(now=now)
    tallies = list(ComplaintTally.objects.for_user(user).values(*KEYS, *COUNTS, "built_at"))
    sums = {name: sum(row[name] for row in tallies) for name in COUNTS}
    result = outcomes.Figures(total=sums["total"])
    result.sla = {key: sums[key] for key in outcomes.SLA_KEYS if key != "open_overdue"}
    result.sla["open_overdue"] = (
        Complaint.objects.for_user(user)
        .open()
        .filter(resolution_due__lt=now, paused_since__isnull=True)
        .count()
    )
    result.recovery = outcomes._recovery_from(sums)
    paradox = ParadoxTally.objects.for_user(user).aggregate(
        before_sum=Sum("before_sum"),
        before_n=Sum("before_n"),
        never_sum=Sum("never_sum"),
        never_n=Sum("never_n"),
        built=Min("built_at"),
    )
    after = {"mean": _mean(sums["after_sum"], sums["after_n"]), "n": sums["after_n"]}
    before = {
        "mean": _mean(paradox["before_sum"] or 0, paradox["before_n"] or 0),
        "n": paradox["before_n"] or 0,
    }
    result.paradox = {
        "after": after,
        "after_second_failure": {
            "mean": _mean(sums["after_second_sum"], sums["after_second_n"]),
            "n": sums["after_second_n"],
        },
        "before": before,
        "never": {
            "mean": _mean(paradox["never_sum"] or 0, paradox["never_n"] or 0),
            "n": paradox["never_n"] or 0,
        },
        "holds": after["mean"] is not None
        and before["mean"] is not None
        and after["mean"] > before["mean"],
    }
    result.built_at = min((row["built_at"] for row in tallies), default=paradox["built"])

    def fold(key: str) -> dict[Any, int]:
        folded: dict[Any, int] = {}
        for row in tallies:
            folded[row[key]] = folded.get(row[key], 0) + row["total"]
        return folded

    reasons: dict[str, int] = {}
    for row in tallies:
        if row["workflow"] == "return" and row["return_reason"]:
            reasons[row["return_reason"]] = reasons.get(row["return_reason"], 0) + row["total"]
    outcomes.set_breakdowns(
        result,
        by_category=fold("category_id"),
        by_dimension=fold("dimension"),
        by_branch=fold("branch_id"),
        by_week=fold("week"),
        reasons=reasons,
    )
    result.second_failures = sums["second"]
    result.word_of_mouth = {
        "recovered": sums["recovered"],
        "lost": sums["lost"],
        "positive": sums["recovered"] * outcomes.WORD_OF_MOUTH_POSITIVE,
        "negative": sums["lost"] * outcomes.WORD_OF_MOUTH_NEGATIVE,
    }
    return result
