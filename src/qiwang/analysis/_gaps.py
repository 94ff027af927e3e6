"""Expectation–perception gaps: S = P − E and c = P / E with confidence intervals.

Shared by SERVQUAL (items, dimensions, weighted score) and the satisfaction measures (attributes
and overall). Stage 1 keeps, per unit (item, attribute, dimension …) and segment, the count of
complete (E, P) pairs and the sums ΣE, ΣE², ΣP, ΣP², ΣEP: means, standard deviations, the gap
and its variance, and the ratio and its delta-method variance are all functions of these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "GapStatistic",
    "GapSums",
    "Outcome",
    "classify_outcome",
    "gap_statistics",
    "gap_sums",
]

Key = tuple[str | None, str]


class Outcome(StrEnum):
    """Outcome of comparing perception with expectation (DOMAIN.md §1, seed [001])."""

    REGULAR = "regular"
    """P > E: satisfied, becomes a regular (成为常客)."""
    CHURN_RISK = "churn risk"
    """P < E: dissatisfied, stops coming (不再光顾)."""
    INDIFFERENT = "indifferent"
    """P ≈ E: weak impression, on a par with other brands (印象薄弱, 并列其它品牌)."""


def classify_outcome(gap: float, *, tolerance: float) -> Outcome:
    """Outcome of a gap ``S = P − E``: within ``± tolerance`` is indifferent.

    Examples
    --------
    >>> classify_outcome(0.4, tolerance=0.25), classify_outcome(-0.1, tolerance=0.25)
    (<Outcome.REGULAR: 'regular'>, <Outcome.INDIFFERENT: 'indifferent'>)
    """
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    if gap > tolerance:
        return Outcome.REGULAR
    if gap < -tolerance:
        return Outcome.CHURN_RISK
    return Outcome.INDIFFERENT


_SUMS = ("sum_e", "sum_e2", "sum_p", "sum_p2", "sum_ep")


@dataclass(frozen=True)
class GapSums:
    """Stage-1 sums of complete (expectation, perception) pairs per (segment, unit).

    Attributes
    ----------
    keys : tuple of (segment or None, unit)
    n : numpy.ndarray of int64
        Complete pairs per key.
    sum_e, sum_e2, sum_p, sum_p2, sum_ep : numpy.ndarray of float64
        ΣE, ΣE², ΣP, ΣP², ΣEP per key.
    """

    keys: tuple[Key, ...]
    n: npt.NDArray[np.int64]
    sum_e: npt.NDArray[np.float64]
    sum_e2: npt.NDArray[np.float64]
    sum_p: npt.NDArray[np.float64]
    sum_p2: npt.NDArray[np.float64]
    sum_ep: npt.NDArray[np.float64]

    def merge(self, other: GapSums) -> GapSums:
        """Add the sums of disjoint rows (exact)."""
        keys = sorted(set(self.keys) | set(other.keys), key=_order)
        index = {key: i for i, key in enumerate(keys)}
        arrays: dict[str, Any] = {}
        for name in ("n", *_SUMS):
            dtype = np.int64 if name == "n" else np.float64
            total = np.zeros(len(keys), dtype=dtype)
            for part in (self, other):
                np.add.at(total, [index[key] for key in part.keys], getattr(part, name))
            arrays[name] = total
        return GapSums(keys=tuple(keys), **arrays)

    def select(self, units: Sequence[str]) -> GapSums:
        """Only the keys whose unit is in ``units``."""
        chosen = [i for i, key in enumerate(self.keys) if key[1] in set(units)]
        return GapSums(
            keys=tuple(self.keys[i] for i in chosen),
            **{name: getattr(self, name)[chosen] for name in ("n", *_SUMS)},
        )


def _order(key: Key) -> tuple[str, str]:
    return ("" if key[0] is None else key[0], key[1])


def gap_sums(
    units: npt.ArrayLike,
    expectation: npt.ArrayLike,
    perception: npt.ArrayLike,
    *,
    segments: npt.ArrayLike | None = None,
    unit_order: Sequence[str] | None = None,
) -> GapSums:
    """Sum complete (E, P) pairs per (segment, unit); pairs with a NaN are skipped.

    Parameters
    ----------
    units : array_like of str
        Unit of each pair (item, attribute, dimension …).
    expectation, perception : array_like of float
    segments : array_like of str, optional
    unit_order : sequence of str, optional
        Order of the units in the result (default: sorted).
    """
    unit_values = np.asarray(units, dtype=object).astype(str)
    e = np.asarray(expectation, dtype=np.float64)
    p = np.asarray(perception, dtype=np.float64)
    segment_values = (
        np.full(len(e), "", dtype=object)
        if segments is None
        else np.asarray(segments, dtype=object).astype(str)
    )
    complete = ~(np.isnan(e) | np.isnan(p))
    unit_values, segment_values, e, p = (
        unit_values[complete],
        segment_values[complete],
        e[complete],
        p[complete],
    )
    unit_codes, unit_uniques = pd.factorize(unit_values, sort=True)
    segment_codes, segment_uniques = pd.factorize(segment_values, sort=True)
    k = len(unit_uniques)
    group = segment_codes.astype(np.int64) * k + unit_codes
    size = max(len(segment_uniques), 1) * k
    n = np.bincount(group, minlength=size)

    def total(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.bincount(group, weights=values, minlength=size).astype(np.float64)

    sums = {
        "sum_e": total(e),
        "sum_e2": total(e * e),
        "sum_p": total(p),
        "sum_p2": total(p * p),
        "sum_ep": total(e * p),
    }
    present = np.flatnonzero(n > 0)
    keys = [
        (None if segments is None else str(segment_uniques[g // k]), str(unit_uniques[g % k]))
        for g in present
    ]
    rank = {unit: i for i, unit in enumerate(unit_order)} if unit_order is not None else None
    order = sorted(
        range(len(keys)),
        key=lambda i: (
            "" if keys[i][0] is None else str(keys[i][0]),
            (rank.get(keys[i][1], len(rank)), keys[i][1]) if rank is not None else (0, keys[i][1]),
        ),
    )
    chosen = present[order]
    return GapSums(
        keys=tuple(keys[i] for i in order),
        n=n[chosen].astype(np.int64),
        sum_e=sums["sum_e"][chosen],
        sum_e2=sums["sum_e2"][chosen],
        sum_p=sums["sum_p"][chosen],
        sum_p2=sums["sum_p2"][chosen],
        sum_ep=sums["sum_ep"][chosen],
    )


@dataclass(frozen=True)
class GapStatistic:
    """Expectation, perception, gap ``S = P − E`` and ratio ``c = P / E`` of one unit.

    Attributes
    ----------
    name : str
        The unit (item, attribute, dimension, ``"overall"`` …).
    segment : str or None
    n : int
        Complete (E, P) pairs.
    expectation_mean, expectation_std, perception_mean, perception_std : float
        Means and sample standard deviations (``ddof=1``).
    gap : float
        ``P̄ − Ē`` (S of seed [003]; the SERVQUAL score).
    gap_std : float
        Standard deviation of the paired differences.
    gap_low, gap_high : float
        Confidence interval of the mean gap: ``gap ± t(n − 1) · gap_std / √n``.
    ratio : float
        ``P̄ / Ē`` (c = b / a of seed [001]); NaN when ``Ē = 0``.
    ratio_low, ratio_high : float
        Delta-method confidence interval of the ratio with the same t quantile:
        ``Var(P̄/Ē) ≈ (Var P̄ − 2c Cov(P̄, Ē) + c² Var Ē) / Ē²``.
    outcome : str
        :class:`Outcome` of the mean gap under the analysis' tolerance.
    """

    name: str
    segment: str | None
    n: int
    expectation_mean: float
    expectation_std: float
    perception_mean: float
    perception_std: float
    gap: float
    gap_std: float
    gap_low: float
    gap_high: float
    ratio: float
    ratio_low: float
    ratio_high: float
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (NaN becomes ``None``; no ``segment`` key when unsegmented)."""
        return {
            key: (None if isinstance(value, float) and math.isnan(value) else value)
            for key, value in self.__dict__.items()
            if not (key == "segment" and value is None)
        }


def gap_statistics(
    sums: GapSums, *, confidence: float = 0.95, tolerance: float = 0.0
) -> tuple[GapStatistic, ...]:
    """Stage 2: means, gaps, ratios and their confidence intervals from :class:`GapSums`.

    Parameters
    ----------
    sums : GapSums
    confidence : float, default 0.95
        Level of the intervals.
    tolerance : float, default 0.0
        Half-width of the "indifferent" band around a zero gap, in the data's units.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie in (0, 1)")
    n = sums.n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        e_mean = sums.sum_e / n
        p_mean = sums.sum_p / n
        e_var = np.maximum(sums.sum_e2 - n * e_mean**2, 0.0) / (n - 1)
        p_var = np.maximum(sums.sum_p2 - n * p_mean**2, 0.0) / (n - 1)
        covariance = (sums.sum_ep - n * e_mean * p_mean) / (n - 1)
        gap = p_mean - e_mean
        gap_var = np.maximum(e_var + p_var - 2 * covariance, 0.0)
        t = stats.t.ppf(0.5 + confidence / 2, n - 1)
        gap_half = t * np.sqrt(gap_var / n)
        ratio = np.where(e_mean != 0, p_mean / e_mean, np.nan)
        ratio_var = (p_var - 2 * ratio * covariance + ratio**2 * e_var) / (n * e_mean**2)
        ratio_half = t * np.sqrt(np.maximum(ratio_var, 0.0))
    small = n < 2
    for array in (e_var, p_var, gap_var, gap_half, ratio_half):
        array[small] = np.nan
    return tuple(
        GapStatistic(
            name=key[1],
            segment=key[0],
            n=int(sums.n[i]),
            expectation_mean=float(e_mean[i]),
            expectation_std=float(np.sqrt(e_var[i])),
            perception_mean=float(p_mean[i]),
            perception_std=float(np.sqrt(p_var[i])),
            gap=float(gap[i]),
            gap_std=float(np.sqrt(gap_var[i])),
            gap_low=float(gap[i] - gap_half[i]),
            gap_high=float(gap[i] + gap_half[i]),
            ratio=float(ratio[i]),
            ratio_low=float(ratio[i] - ratio_half[i]),
            ratio_high=float(ratio[i] + ratio_half[i]),
            outcome=classify_outcome(float(gap[i]), tolerance=tolerance).value,
        )
        for i, key in enumerate(sums.keys)
    )


def require_finite(values: npt.NDArray[np.float64], *, column: str) -> None:
    """Raise naming the first infinite value (NaN means "not answered" and is allowed)."""
    bad = np.isinf(values)
    if bad.any():
        raise AnalysisInputError(
            "infinite value", column=column, row=int(np.flatnonzero(bad)[0]) + 1
        )
