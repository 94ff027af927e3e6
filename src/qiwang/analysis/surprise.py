"""Surprises that stay surprises: the scheduler and the habituation measure.

- :func:`plan_surprises` — who receives a surprise service and when, within a budget, spread over
  segments, with irregular dates, a minimum gap, a yearly cap and never the same calendar date as
  a year before; reproducible from a seed;
- :func:`habituation` — which customers' past surprises became predictable (regular intervals or
  same-date repeats).

Rules, defaults and sources: ``docs/analysis/surprise.md``.

Examples
--------
>>> from qiwang.analysis import surprise
>>> plan = surprise.plan_surprises(
...     [("c1", "gold"), ("c2", "silver")], budget=200, cost=100, start="2025-01-01",
...     end="2025-06-30", min_gap_days=60, max_per_year=2, seed=1)
>>> [customer for customer, _ in sorted(plan.deliveries)]
['c1', 'c2']
"""

from qiwang.analysis._habituation import (
    DEFAULT_CV_THRESHOLD,
    DEFAULT_RECENT_DELIVERIES,
    DEFAULT_SAME_DATE_WINDOW_DAYS,
    MIN_DELIVERIES,
    HabituationResult,
    anniversary,
    habituation,
    interval_cv,
)
from qiwang.analysis._surprise import (
    LEFT_OUT_REASONS,
    PlanNotice,
    SegmentShare,
    SurprisePlan,
    plan_surprises,
)

__all__ = [
    "DEFAULT_CV_THRESHOLD",
    "DEFAULT_RECENT_DELIVERIES",
    "DEFAULT_SAME_DATE_WINDOW_DAYS",
    "LEFT_OUT_REASONS",
    "MIN_DELIVERIES",
    "HabituationResult",
    "PlanNotice",
    "SegmentShare",
    "SurprisePlan",
    "anniversary",
    "habituation",
    "interval_cv",
    "plan_surprises",
]
