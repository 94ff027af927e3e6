"""What the surveys app adds to ``/health/ready`` and ``/metrics`` (qiwang.operations)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from qiwang.operations.health import register_check
from qiwang.operations.metrics import register_database_metric
from qiwang.surveys.choices import ResponseStatus
from qiwang.surveys.models import Response


def fold_lag() -> tuple[float, int]:
    """(seconds since the oldest complete response not yet folded was submitted, how many)."""
    tail = Response.objects.filter(status=ResponseStatus.COMPLETE, tally_batch__isnull=True)
    row = tail.aggregate(n=Count("pk"), oldest=Min("submitted_at"))
    if not row["n"] or row["oldest"] is None:
        return 0.0, row["n"] or 0
    return max(0.0, (timezone.now() - row["oldest"]).total_seconds()), row["n"]


def check_fold_lag() -> tuple[bool, dict[str, Any]]:
    seconds, unfolded = fold_lag()
    limit = settings.QIWANG_READY_FOLD_LAG_SECONDS
    return seconds <= limit, {"seconds": round(seconds, 1), "unfolded": unfolded, "limit": limit}


def _responses() -> Iterable[tuple[tuple[str, ...], float]]:
    counts = dict(Response.objects.values_list("status").annotate(n=Count("pk")))
    return [((status,), counts.get(status, 0)) for status in ResponseStatus.values]


def _fold() -> Iterable[tuple[tuple[str, ...], float]]:
    seconds, unfolded = fold_lag()
    return [(("lag_seconds",), seconds), (("unfolded",), unfolded)]


def register() -> None:
    register_check("fold_lag", check_fold_lag)
    register_database_metric(
        "qiwang_survey_responses",
        "Survey responses stored, by status (complete, partial).",
        ("status",),
        _responses,
    )
    register_database_metric(
        "qiwang_survey_fold",
        "The survey fold's tail: seconds since the oldest unfolded complete response, and how many.",
        ("figure",),
        _fold,
    )
