"""Commitments that are measured: targets, keeping rates and the over-promise check.

- :class:`Target` — a comparison and a threshold (``Target.parse("<=24 h")``), judging each
  delivery kept or broken (:meth:`Target.kept`);
- :func:`clopper_pearson` (and :func:`clopper_pearson_arrays`) — the exact two-sided interval of a
  binomial proportion;
- :func:`keeping_rate` — the share of promises kept, with that interval;
- :func:`check_promise` — the breach probability of a proposed target in a delivery history and
  the tightest target whose breach probability's upper bound stays within the allowed rate.

Formulas, the tie rule and worked examples: ``docs/analysis/promise.md``.

Examples
--------
>>> from qiwang.analysis import promise
>>> check = promise.check_promise([20, 22, 23, 25, 30] * 40, "<=24", allowed_breach=0.05)
>>> check.breaches, check.recommended_target
(80, 30.0)
"""

from qiwang.analysis._promise import (
    COMPARISONS,
    KeepingRate,
    PromiseCheck,
    Target,
    check_promise,
    clopper_pearson,
    clopper_pearson_arrays,
    keeping_rate,
    minimum_observations,
)

__all__ = [
    "COMPARISONS",
    "KeepingRate",
    "PromiseCheck",
    "Target",
    "check_promise",
    "clopper_pearson",
    "clopper_pearson_arrays",
    "keeping_rate",
    "minimum_observations",
]
