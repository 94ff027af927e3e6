"""Outcomes of complaints, measured: recovery by speed of resolution, the recovery paradox check,
counts by category / dimension / branch / week, reasons for leaving, word of mouth as an estimate.

Figures are computed on a queryset already scoped to the reader (``.for_user``), in a fixed
number of aggregate queries. Nothing here writes except :func:`evaluate_outcomes` (a daily job).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

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


def recovery_rows(rows: Any) -> list[RecoveryRow]:
    """Share of complaining customers who came back, by how the complaint was resolved."""
    from django.utils.translation import gettext as _

    known = rows.filter(customer__isnull=False, workflow="complaint")
    on_time = Q(resolved_at__isnull=False) & (
        Q(resolution_due__isnull=True) | Q(resolved_at__lte=F("resolution_due"))
    )
    late = Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due"))
    buckets = [
        (_("Resolved within the SLA"), on_time),
        (_("Resolved late"), late),
        (_("Not resolved"), Q(resolved_at__isnull=True)),
    ]
    stats = known.aggregate(
        **{
            f"{kind}_{index}": Count("pk", filter=condition & extra)
            for index, (_label, condition) in enumerate(buckets)
            for kind, extra in (
                ("n", Q()),
                ("recovered", Q(outcome=Outcome.RECOVERED)),
                ("lost", Q(outcome=Outcome.LOST)),
            )
        }
    )
    return [
        RecoveryRow(str(label), stats[f"n_{i}"], stats[f"recovered_{i}"], stats[f"lost_{i}"])
        for i, (label, _condition) in enumerate(buckets)
    ]


def paradox(rows: Any) -> dict[str, Any]:
    """Satisfaction (1–5) after recovery vs the same customers before the complaint vs customers
    who never complained. The paradox (after > before) holds for satisfaction, not repurchase,
    and vanishes after a second failure (de Matos et al. 2007; Maxham & Netemeyer 2002)."""
    from qiwang.customers.models import Customer
    from qiwang.surveys.models import Answer

    recovered = rows.filter(outcome=Outcome.RECOVERED, follow_up_score__isnull=False)
    after = recovered.aggregate(mean=Avg("follow_up_score"), n=Count("pk"))
    after_second = recovered.filter(is_second_failure=True).aggregate(
        mean=Avg("follow_up_score"), n=Count("pk")
    )
    customer_ids = list(recovered.values_list("customer_id", flat=True).distinct()[:5000])
    scale = Answer.objects.filter(
        question__kind="scale5", value__isnull=False, response__customer__isnull=False
    )
    first_complaint = {
        row["customer_id"]: row["first"]
        for row in rows.filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(first=models_min("received_at"))
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
    complainers = Complaint.objects.filter(customer__isnull=False).values("customer_id")
    never = scale.filter(
        response__customer__in=Customer.objects.exclude(pk__in=complainers)
    ).aggregate(mean=Avg("value"), n=Count("pk"))
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


def models_min(name: str) -> Any:
    from django.db.models import Min

    return Min(name)


def figures(rows: Any) -> Figures:
    result = Figures(total=rows.count())
    result.recovery = recovery_rows(rows)
    result.paradox = paradox(rows)
    result.by_category = list(
        rows.values("category__code", "category__name_zh", "category__name_en")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    result.by_dimension = list(rows.values("dimension").annotate(n=Count("pk")).order_by("-n"))
    result.by_branch = list(rows.values("branch__name").annotate(n=Count("pk")).order_by("-n"))
    result.by_week = list(
        rows.annotate(week=TruncWeek("received_at"))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by("week")
    )
    result.return_reasons = list(
        rows.filter(workflow="return")
        .exclude(return_reason="")
        .values("return_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    outcome_counts = rows.aggregate(
        recovered=Count("pk", filter=Q(outcome=Outcome.RECOVERED)),
        lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
        second=Count("pk", filter=Q(is_second_failure=True)),
    )
    result.second_failures = outcome_counts["second"]
    result.word_of_mouth = {
        "recovered": outcome_counts["recovered"],
        "lost": outcome_counts["lost"],
        "positive": outcome_counts["recovered"] * WORD_OF_MOUTH_POSITIVE,
        "negative": outcome_counts["lost"] * WORD_OF_MOUTH_NEGATIVE,
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
