"""Promise-keeping rates, aggregated in the database, intervals from numpy.

Each function runs one ``GROUP BY`` query and computes every Clopper–Pearson interval in one
vectorised call (``qiwang.analysis.promise.clopper_pearson_arrays``); no loop over deliveries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from qiwang.analysis.promise import clopper_pearson_arrays
from qiwang.catalogue.models import Delivery

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Rate:
    """``kept`` of ``n`` judged deliveries, with the exact 95 % interval of the rate."""

    key: Any
    n: int
    kept: int
    low: float
    high: float

    @property
    def rate(self) -> float | None:
        return self.kept / self.n if self.n else None

    @property
    def broken(self) -> int:
        return self.n - self.kept


def _rates(rows: Iterable[dict[str, Any]], key: str) -> list[Rate]:
    rows = list(rows)
    if not rows:
        return []
    kept = np.array([r["kept"] for r in rows], dtype=np.int64)
    n = np.array([r["n"] for r in rows], dtype=np.int64)
    low, high = clopper_pearson_arrays(kept, n, confidence=CONFIDENCE)
    return [
        Rate(key=r[key], n=int(r["n"]), kept=int(r["kept"]), low=float(lo), high=float(hi))
        for r, lo, hi in zip(rows, low, high, strict=True)
    ]


rates_from_rows = _rates


def _judged(
    deliveries: QuerySet[Delivery], start: datetime.date | None, end: datetime.date | None
) -> QuerySet[Delivery]:
    judged = deliveries.filter(kept__isnull=False)
    if start is not None:
        judged = judged.filter(delivered_at__date__gte=start)
    if end is not None:
        judged = judged.filter(delivered_at__date__lte=end)
    return judged


_COUNTS = {"n": Count("pk"), "kept": Count("pk", filter=Q(kept=True))}


def keeping_by(
    deliveries: QuerySet[Delivery],
    by: str,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> dict[Any, Rate]:
    """Keeping rate per value of ``by`` (``service``, ``branch``, ``customer__tier`` …)."""
    rows = _judged(deliveries, start, end).order_by().values(by).annotate(**_COUNTS)
    return {rate.key: rate for rate in _rates(rows, by)}


def keeping_by_month(
    deliveries: QuerySet[Delivery],
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[Rate]:
    """Keeping rate per calendar month (``key`` the month's first day), oldest first."""
    rows = (
        _judged(deliveries, start, end)
        .order_by()
        .annotate(month=TruncMonth("delivered_at"))
        .values("month")
        .annotate(**_COUNTS)
        .order_by("month")
    )
    rates = _rates(rows, "month")
    return [
        Rate(
            key=r.key.date() if isinstance(r.key, datetime.datetime) else r.key,
            n=r.n,
            kept=r.kept,
            low=r.low,
            high=r.high,
        )
        for r in rates
    ]


def overall(deliveries: QuerySet[Delivery], **window: Any) -> Rate:
    row = _judged(deliveries, window.get("start"), window.get("end")).aggregate(**_COUNTS)
    rates = _rates([{"key": None, "n": row["n"] or 0, "kept": row["kept"] or 0}], "key")
    return rates[0]
