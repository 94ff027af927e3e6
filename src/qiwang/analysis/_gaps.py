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
    """Outcome of comparing perception with expectation (S = P − E; docs/analysis/servqual.md)."""

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
        ΣE, ΣE², ΣP, ΣP², ΣEP per key, of the values minus ``shift``.
    shift : numpy.ndarray of float64, shape (keys, 2), optional
        The (E, P) shift of each key's sums; ``None`` means none (raw sums). Stage 1 shifts by
        the key's means, so the second moments stay exact when the ratings sit on a large
        offset (the one-pass ``ΣE² − (ΣE)²/n`` loses every digit at 1e7).
    """

    keys: tuple[Key, ...]
    n: npt.NDArray[np.int64]
    sum_e: npt.NDArray[np.float64]
    sum_e2: npt.NDArray[np.float64]
    sum_p: npt.NDArray[np.float64]
    sum_p2: npt.NDArray[np.float64]
    sum_ep: npt.NDArray[np.float64]
    shift: npt.NDArray[np.float64] | None = None

    def shifted_to(self, shift: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.float64]]:
        """The five sums re-expressed around ``shift`` (keys, 2) (exact algebra)."""
        old = self.shift if self.shift is not None else np.zeros((len(self.keys), 2))
        d = old - shift
        de, dp = d[:, 0], d[:, 1]
        n = self.n.astype(np.float64)
        return {
            "sum_e": self.sum_e + n * de,
            "sum_e2": self.sum_e2 + 2 * de * self.sum_e + n * de * de,
            "sum_p": self.sum_p + n * dp,
            "sum_p2": self.sum_p2 + 2 * dp * self.sum_p + n * dp * dp,
            "sum_ep": self.sum_ep + de * self.sum_p + dp * self.sum_e + n * de * dp,
        }

    def merge(self, other: GapSums) -> GapSums:
        """Add the sums of disjoint rows (exact; sums around different shifts are re-centred)."""
        keys = sorted(set(self.keys) | set(other.keys), key=_order)
        index = {key: i for i, key in enumerate(keys)}
        shift = np.zeros((len(keys), 2))
        shifted = self.shift is not None or other.shift is not None
        for part in (other, self):  # the first part's shift wins where both have the key
            if part.shift is not None:
                shift[[index[key] for key in part.keys]] = part.shift
        arrays: dict[str, Any] = {
            name: np.zeros(len(keys), dtype=np.int64 if name == "n" else np.float64)
            for name in ("n", *_SUMS)
        }
        for part in (self, other):
            rows = [index[key] for key in part.keys]
            moved = part.shifted_to(shift[rows]) if shifted else {}
            for name in ("n", *_SUMS):
                np.add.at(arrays[name], rows, moved.get(name, getattr(part, name)))
        return GapSums(keys=tuple(keys), shift=shift if shifted else None, **arrays)

    def select(self, units: Sequence[str]) -> GapSums:
        """Only the keys whose unit is in ``units``."""
        chosen = [i for i, key in enumerate(self.keys) if key[1] in set(units)]
        return GapSums(
            keys=tuple(self.keys[i] for i in chosen),
            shift=None if self.shift is None else self.shift[chosen],
            **{name: getattr(self, name)[chosen] for name in ("n", *_SUMS)},
        )


def shifted_sums_sql(table: str, keys: Sequence[str]) -> str:
    """SQL of the stage-1 gap sums of columns ``e``, ``p`` of ``table`` grouped by ``keys``.

    Selects the keys, then ``count(*)``, ``Σ(e−kₑ)``, ``Σ(e−kₑ)²``, ``Σ(p−kₚ)``, ``Σ(p−kₚ)²``,
    ``Σ(e−kₑ)(p−kₚ)`` and the shifts ``kₑ``, ``kₚ`` — each group's means, from a window — so
    that the sums stay exact on large offsets (see :class:`GapSums`).
    """
    part = ", ".join(keys)
    window = f"OVER (PARTITION BY {part})"
    inner = (
        f"SELECT {part}, e, p, avg(e) {window} AS qk_e, avg(p) {window} AS qk_p "  # noqa: S608
        f"FROM {table}"
    )
    de, dp = "(e - qk_e)", "(p - qk_p)"
    return (
        f"SELECT {part}, count(*), sum({de}), sum({de} * {de}), sum({dp}), "  # noqa: S608
        f"sum({dp} * {dp}), sum({de} * {dp}), min(qk_e), min(qk_p) "
        f"FROM ({inner}) AS shifted GROUP BY {part}"
    )


def gap_sums_from_rows(
    rows: Sequence[Sequence[Any]], keys: Sequence[Key], *, first: int = 2
) -> GapSums:
    """:class:`GapSums` from rows of :func:`shifted_sums_sql` (sums start at column ``first``)."""

    def column(j: int, dtype: Any = np.float64) -> Any:
        return np.array([row[first + j] for row in rows], dtype=dtype)

    return GapSums(
        keys=tuple(keys),
        n=column(0, np.int64),
        sum_e=column(1),
        sum_e2=column(2),
        sum_p=column(3),
        sum_p2=column(4),
        sum_ep=column(5),
        shift=np.column_stack([column(6), column(7)]) if rows else np.zeros((0, 2)),
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

    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.column_stack([total(e), total(p)]) / np.maximum(n, 1)[:, None]
    e = e - shift[group, 0]
    p = p - shift[group, 1]
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
        shift=shift[chosen],
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
        ``P̄ / Ē`` (c = b / a of seed [001]); NaN (undefined, with a ``note``) when the mean
        expectation is not positive or is zero up to rounding (``|Ē|`` below 1e-12 of the
        root mean square of the expectations): a ratio to a non-positive expectation has no
        meaning as a degree of fulfilment.
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
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (NaN becomes ``None``; no ``segment`` key when unsegmented,
        no ``note`` key when there is nothing to note)."""
        return {
            key: (None if isinstance(value, float) and math.isnan(value) else value)
            for key, value in self.__dict__.items()
            if not (key in ("segment", "note") and value is None)
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
    shift = sums.shift if sums.shift is not None else np.zeros((len(sums.keys), 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        de, dp = sums.sum_e / n, sums.sum_p / n  # shifted means
        e_mean = shift[:, 0] + de
        p_mean = shift[:, 1] + dp
        cee = np.maximum(sums.sum_e2 - n * de**2, 0.0)
        cpp = np.maximum(sums.sum_p2 - n * dp**2, 0.0)
        cep = sums.sum_ep - n * de * dp
        # zero up to rounding: centring loses about eps·|x| per value, so centred sums of
        # squares below (1e-13)² Σx² (unshifted) are 0 (a constant gap has a zero-width CI)
        square_e = cee + n * e_mean**2
        square_p = cpp + n * p_mean**2
        cee = np.where(cee > 1e-26 * square_e, cee, 0.0)
        cpp = np.where(cpp > 1e-26 * square_p, cpp, 0.0)
        cdd = np.maximum(cee + cpp - 2 * cep, 0.0)
        cdd = np.where(cdd > 1e-26 * (square_e + square_p), cdd, 0.0)
        e_var, p_var, covariance = cee / (n - 1), cpp / (n - 1), cep / (n - 1)
        gap = p_mean - e_mean
        gap_var = cdd / (n - 1)
        t = stats.t.ppf(0.5 + confidence / 2, n - 1)
        gap_half = t * np.sqrt(gap_var / n)
        rms_e = np.sqrt(square_e / n)
        undefined = ~(e_mean > 1e-12 * rms_e)
        ratio = np.where(undefined, np.nan, p_mean / e_mean)
        ratio_var = (p_var - 2 * ratio * covariance + ratio**2 * e_var) / (n * e_mean**2)
        ratio_half = t * np.sqrt(np.maximum(ratio_var, 0.0))
    small = n < 2
    for array in (e_var, p_var, gap_var, gap_half, ratio_half):
        array[small] = np.nan
    notes = [
        (
            f"c = P / E of {key[1]!r}"
            + (f" (segment {key[0]!r})" if key[0] is not None else "")
            + " is undefined: the mean expectation is "
            + ("zero" if abs(e_mean[i]) <= 1e-12 * rms_e[i] else "negative")
        )
        if undefined[i]
        else None
        for i, key in enumerate(sums.keys)
    ]
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
            note=notes[i],
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
