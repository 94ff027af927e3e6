"""Outcomes of complaints, measured: recovery by speed of resolution, the recovery paradox check,
counts by category / dimension / branch / week, reasons for leaving, word of mouth as an estimate.

Figures are computed on a queryset already scoped to the reader (``.for_user``), in a fixed
number of aggregate queries. Nothing here writes except :func:`evaluate_outcomes` (a daily job).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Min, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from qiwang.accounts.models import Branch
from qiwang.complaints.choices import Outcome
from qiwang.complaints.models import Complaint

#: Claims of the complaint-handling course, shown beside the organisation's own figures.
SEED_RETURN_WHEN_RESOLVED = 0.70
SEED_RETURN_WHEN_QUICK = 0.90
#: Word of mouth of the same course: one dissatisfied customer influences 24 people, one
#: satisfied customer tells 12. An assumption to explain, never a measured fact.
WORD_OF_MOUTH_NEGATIVE = 24
WORD_OF_MOUTH_POSITIVE = 12
#: A closed complaint's customer who is still active this many days later counts as recovered.
RECOVERY_WINDOW_DAYS = 90


@dataclass
class RecoveryRow:
    label: str
    complaints: int
    recovered: int
    lost: int

    @property
    def decided(self) -> int:
        return self.recovered + self.lost

    @property
    def share(self) -> float | None:
        return self.recovered / self.decided if self.decided else None


@dataclass
class Figures:
    recovery: list[RecoveryRow] = field(default_factory=list)
    paradox: dict[str, Any] = field(default_factory=dict)
    by_category: list[dict[str, Any]] = field(default_factory=list)
    by_dimension: list[dict[str, Any]] = field(default_factory=list)
    by_branch: list[dict[str, Any]] = field(default_factory=list)
    by_week: list[dict[str, Any]] = field(default_factory=list)
    return_reasons: list[dict[str, Any]] = field(default_factory=list)
    word_of_mouth: dict[str, int] = field(default_factory=dict)
    second_failures: int = 0
    total: int = 0
    sla: dict[str, int] = field(default_factory=dict)
    built_at: datetime.datetime | None = None  # tallies: when they were built (None: live)


RECOVERY_BUCKETS = ("on_time", "late", "not_resolved")


def _recovery_conditions() -> dict[str, Q]:
    on_time = Q(resolved_at__isnull=False) & (
        Q(resolution_due__isnull=True) | Q(resolved_at__lte=F("resolution_due"))
    )
    late = Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due"))
    return {"on_time": on_time, "late": late, "not_resolved": Q(resolved_at__isnull=True)}


def _bucket_labels() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {
        "on_time": _("Resolved within the SLA"),
        "late": _("Resolved late"),
        "not_resolved": _("Not resolved"),
    }


def season_counts(*, mean: bool) -> dict[str, Any]:
    """The counts every complaint figure is built from, as aggregates over complaint rows: SLA met
    and breached, the recovery buckets (known customers, complaint workflow), outcomes, second
    failures and the satisfaction after recovery (its mean when ``mean``, else its sum, which
    the tallies add up across branches)."""
    known = Q(customer__isnull=False, workflow="complaint")
    recovered = Q(outcome=Outcome.RECOVERED)
    lost = Q(outcome=Outcome.LOST)
    rated = recovered & Q(follow_up_score__isnull=False)
    after, suffix = (Avg, "mean") if mean else (Sum, "sum")
    counts: dict[str, Any] = {
        "total": Count("pk"),
        "first_met": Count(
            "pk", filter=Q(first_response_at__isnull=False, first_response_breached_at__isnull=True)
        ),
        "first_breached": Count("pk", filter=Q(first_response_breached_at__isnull=False)),
        "resolved_on_time": Count(
            "pk", filter=Q(resolved_at__isnull=False) & Q(resolved_at__lte=F("resolution_due"))
        ),
        "resolved_late": Count(
            "pk", filter=Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due"))
        ),
        "calendar_problems": Count("pk", filter=~Q(sla_problem="")),
        "recovered": Count("pk", filter=recovered),
        "lost": Count("pk", filter=lost),
        "second": Count("pk", filter=Q(is_second_failure=True)),
        f"after_{suffix}": after("follow_up_score", filter=rated),
        "after_n": Count("pk", filter=rated),
        f"after_second_{suffix}": after(
            "follow_up_score", filter=rated & Q(is_second_failure=True)
        ),
        "after_second_n": Count("pk", filter=rated & Q(is_second_failure=True)),
    }
    for bucket, condition in _recovery_conditions().items():
        counts[f"n_{bucket}"] = Count("pk", filter=known & condition)
        counts[f"recovered_{bucket}"] = Count("pk", filter=known & condition & recovered)
        counts[f"lost_{bucket}"] = Count("pk", filter=known & condition & lost)
    return counts


def _season_aggregates(now: datetime.datetime) -> dict[str, Any]:
    """Every single-number figure of the page, for one pass over the rows: the season counts and
    the open complaints past their resolution time."""
    aggregates = season_counts(mean=True)
    aggregates["open_overdue"] = Count(
        "pk",
        filter=Q(status__in=("open", "waiting"), resolution_due__lt=now, paused_since__isnull=True),
    )
    return aggregates


#: The counts the SLA card shows, in its order.
SLA_KEYS = (
    "total",
    "first_met",
    "first_breached",
    "resolved_on_time",
    "resolved_late",
    "open_overdue",
    "calendar_problems",
)


def _ranked(rows: Any, key: str) -> list[dict[str, Any]]:
    """Most complaints first; ties in the order of ``key`` so the lists do not shuffle."""
    return sorted(rows, key=lambda row: (-row["n"], str(row[key])))


def set_breakdowns(
    result: Figures,
    *,
    by_category: dict[int, int],
    by_dimension: dict[str, int],
    by_branch: dict[int, int],
    by_week: dict[Any, int],
    reasons: dict[str, int],
) -> None:
    """Fill the ranked lists of ``result`` (category, dimension, branch, week, return reason)
    from the complaint counts per key, however they were counted."""
    from qiwang.complaints.models import Category

    categories = Category.objects.in_bulk(list(by_category))
    result.by_category = _ranked(
        (
            {
                "category__code": categories[pk].code,
                "category__name_zh": categories[pk].name_zh,
                "category__name_en": categories[pk].name_en,
                "n": n,
            }
            for pk, n in by_category.items()
            if pk in categories
        ),
        "category__code",
    )
    result.by_dimension = _ranked(
        ({"dimension": key, "n": n} for key, n in by_dimension.items()), "dimension"
    )
    names = dict(Branch.objects.filter(pk__in=list(by_branch)).values_list("pk", "name"))
    result.by_branch = _ranked(
        ({"branch__name": names.get(pk, pk), "n": n} for pk, n in by_branch.items()),
        "branch__name",
    )
    result.by_week = [
        {"week": week, "n": n} for week, n in sorted(by_week.items()) if week is not None
    ]
    result.return_reasons = _ranked(
        ({"return_reason": key, "n": n} for key, n in reasons.items()), "return_reason"
    )


def recovery_rows(rows: Any) -> list[RecoveryRow]:
    """Share of complaining customers who came back, by how the complaint was resolved."""
    stats = rows.aggregate(**_season_aggregates(timezone.now()))
    return _recovery_from(stats)


def _recovery_from(stats: dict[str, Any]) -> list[RecoveryRow]:
    labels = _bucket_labels()
    return [
        RecoveryRow(
            str(labels[bucket]),
            stats[f"n_{bucket}"],
            stats[f"recovered_{bucket}"],
            stats[f"lost_{bucket}"],
        )
        for bucket in RECOVERY_BUCKETS
    ]


#: The "before" satisfaction is read for at most this many recovered customers (a sample read
#: through the customer index, so that the page stays fast at a million complaints).
PARADOX_SAMPLE = 5000


def paradox(
    rows: Any, stats: dict[str, Any] | None = None, branch_ids: list[int] | None = None
) -> dict[str, Any]:
    """Satisfaction (1–5) after recovery vs the same customers before the complaint vs customers
    who never complained. The paradox (after > before) holds for satisfaction, not repurchase,
    and vanishes after a second failure (de Matos et al. 2007; Maxham & Netemeyer 2002)."""
    from qiwang.customers.models import Customer
    from qiwang.surveys.models import Answer

    if stats is None:
        stats = rows.aggregate(**_season_aggregates(timezone.now()))
    after = {"mean": stats["after_mean"], "n": stats["after_n"]}
    after_second = {"mean": stats["after_second_mean"], "n": stats["after_second_n"]}
    recovered = rows.filter(outcome=Outcome.RECOVERED, follow_up_score__isnull=False)
    customer_ids = list(
        recovered.filter(customer__isnull=False)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .distinct()[:PARADOX_SAMPLE]
    )
    scale = Answer.objects.filter(
        question__kind="scale5", value__isnull=False, response__customer__isnull=False
    )
    first_complaint = {
        row["customer_id"]: row["first"]
        for row in rows.filter(customer_id__in=customer_ids)
        .order_by()
        .values("customer_id")
        .annotate(first=Min("received_at"))
    }
    before_values = [
        value
        for customer_id, submitted, value in scale.filter(
            response__customer_id__in=customer_ids
        ).values_list("response__customer_id", "response__submitted_at", "value")
        if submitted is not None
        and customer_id in first_complaint
        and submitted < first_complaint[customer_id]
    ]
    if branch_ids is None:
        branch_ids = list(rows.order_by().values_list("branch_id", flat=True).distinct())
    never = (
        scale.filter(response__customer__branch_id__in=branch_ids)
        .exclude(response__customer__in=Customer.objects.filter(complaints__isnull=False))
        .aggregate(mean=Avg("value"), n=Count("pk"))
    )
    before = {
        "mean": sum(before_values) / len(before_values) if before_values else None,
        "n": len(before_values),
    }
    holds = (
        after["mean"] is not None and before["mean"] is not None and after["mean"] > before["mean"]
    )
    return {
        "after": after,
        "after_second_failure": after_second,
        "before": before,
        "never": never,
        "holds": holds,
    }


def figures(rows: Any, *, now: datetime.datetime | None = None) -> Figures:
    """Every figure of the *SLA and outcomes* page in two passes over ``rows`` (one aggregate,
    one grouping by category × dimension × branch × week × reason, folded here) plus the paradox's
    indexed reads."""
    stats = rows.aggregate(**_season_aggregates(now or timezone.now()))
    result = Figures(total=stats["total"])
    result.sla = {key: stats[key] for key in SLA_KEYS}
    result.recovery = _recovery_from(stats)
    groups = (
        rows.order_by()
        .annotate(week=TruncWeek("received_at"))
        .values("category_id", "dimension", "branch_id", "week", "workflow", "return_reason")
        .annotate(n=Count("pk"))
    )
    by_category: dict[int, int] = {}
    by_dimension: dict[str, int] = {}
    by_branch: dict[int, int] = {}
    by_week: dict[Any, int] = {}
    reasons: dict[str, int] = {}
    for row in groups:
        n = row["n"]
        by_category[row["category_id"]] = by_category.get(row["category_id"], 0) + n
        by_dimension[row["dimension"]] = by_dimension.get(row["dimension"], 0) + n
        by_branch[row["branch_id"]] = by_branch.get(row["branch_id"], 0) + n
        by_week[row["week"]] = by_week.get(row["week"], 0) + n
        if row["workflow"] == "return" and row["return_reason"]:
            reasons[row["return_reason"]] = reasons.get(row["return_reason"], 0) + n
    set_breakdowns(
        result,
        by_category=by_category,
        by_dimension=by_dimension,
        by_branch=by_branch,
        by_week=by_week,
        reasons=reasons,
    )
    result.paradox = paradox(rows, stats, branch_ids=list(by_branch))
    result.second_failures = stats["second"]
    result.word_of_mouth = {
        "recovered": stats["recovered"],
        "lost": stats["lost"],
        "positive": stats["recovered"] * WORD_OF_MOUTH_POSITIVE,
        "negative": stats["lost"] * WORD_OF_MOUTH_NEGATIVE,
    }
    return result


def evaluate_outcomes(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Decide the outcome of complaints closed at least :data:`RECOVERY_WINDOW_DAYS` ago whose
    outcome is unknown: recovered when the customer was active after the closing, lost when the
    customer's lifecycle is *lost* (set-based)."""
    now = now or timezone.now()
    ripe = Complaint.objects.filter(
        outcome=Outcome.UNKNOWN,
        closed_at__isnull=False,
        customer__isnull=False,
        closed_at__lte=now - datetime.timedelta(days=RECOVERY_WINDOW_DAYS),
    )
    recovered = ripe.filter(customer__last_activity_at__gt=F("closed_at")).update(
        outcome=Outcome.RECOVERED, outcome_at=now
    )
    lost = ripe.filter(customer__lifecycle="lost").update(outcome=Outcome.LOST, outcome_at=now)
    return {"recovered": recovered, "lost": lost}


def outcomes_job(*, slot: datetime.datetime) -> dict[str, int]:
    return evaluate_outcomes()
