"""Kano analysis, stage 2: exact numpy math on answer-pair counts.

The sufficient statistic of a Kano survey is, per attribute (and segment), the 5 × 5 table of
counts of (functional answer, dysfunctional answer) pairs, :class:`KanoCounts`. Everything here —
the evaluation table, Better / Worse, strengths, Fong's test, the continuous (DuMouchel) scores and
their importance weighting — is a function of that table (plus, for importance, the per-cell sums
of the stated importance).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "CATEGORIES",
    "DYSFUNCTIONAL_SCORES",
    "EVALUATION_TABLE",
    "FONG_Z",
    "FUNCTIONAL_SCORES",
    "TIE_PRIORITY",
    "KanoAttributeResult",
    "KanoCategory",
    "KanoContinuous",
    "KanoCounts",
    "KanoResult",
    "analyze_category_counts",
    "analyze_counts",
    "classify_pairs",
]


class KanoCategory(StrEnum):
    """The six Kano categories (Berger et al. 1993), by their one-letter codes."""

    ATTRACTIVE = "A"
    """魅力 / 惊喜: absent → no harm, present → delight."""
    ONE_DIMENSIONAL = "O"
    """期望: satisfaction rises with fulfilment."""
    MUST_BE = "M"
    """必备 / 理所当然: absent → anger, present → neutral."""
    INDIFFERENT = "I"
    """无差异."""
    REVERSE = "R"
    """反向: the customer wants the opposite."""
    QUESTIONABLE = "Q"
    """Contradictory answer pair (like both presence and absence)."""


CATEGORIES: tuple[str, ...] = ("A", "O", "M", "I", "R", "Q")
"""Category codes in the order used by every array in this module."""

TIE_PRIORITY: tuple[str, ...] = ("M", "O", "A", "I", "R", "Q")
"""Rule for close calls: when Fong's test finds the two most frequent categories not
significantly different, the one earlier in this order is reported (M > O > A > I, Berger et al.
1993, p. 26; R and Q last)."""

_A, _O, _M, _I, _R, _Q = range(6)

EVALUATION_TABLE: npt.NDArray[np.int8] = np.array(
    [
        # dysfunctional: like, must-be, neutral, live-with, dislike
        [_Q, _A, _A, _A, _O],  # functional: like
        [_R, _I, _I, _I, _M],  # must-be
        [_R, _I, _I, _I, _M],  # neutral
        [_R, _I, _I, _I, _M],  # live-with
        [_R, _R, _R, _R, _Q],  # dislike
    ],
    dtype=np.int8,
)
"""The Kano evaluation table: ``EVALUATION_TABLE[f - 1, d - 1]`` is the index into
:data:`CATEGORIES` of the answer pair (functional ``f``, dysfunctional ``d``), answers coded
1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike (Berger et al. 1993, table 1)."""

FUNCTIONAL_SCORES: npt.NDArray[np.float64] = np.array([4.0, 2.0, 0.0, -1.0, -2.0])
"""DuMouchel's asymmetric scores of the functional answers like … dislike (Berger et al. 1993)."""

DYSFUNCTIONAL_SCORES: npt.NDArray[np.float64] = np.array([-2.0, -1.0, 0.0, 2.0, 4.0])
"""DuMouchel's asymmetric scores of the dysfunctional answers like … dislike."""

FONG_Z = 1.65
"""Critical value of Fong's test (about a 90 % two-sided level, Fong 1996)."""

_PRIORITY_RANK = np.array([TIE_PRIORITY.index(code) for code in CATEGORIES], dtype=np.int64)
_CELL_TO_CATEGORY = np.zeros((25, 6), dtype=np.int64)
_CELL_TO_CATEGORY[np.arange(25), EVALUATION_TABLE.reshape(25)] = 1


def classify_pairs(functional: npt.ArrayLike, dysfunctional: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Classify answer pairs with the evaluation table.

    Parameters
    ----------
    functional, dysfunctional : array_like of int
        Answer codes 1–5 (1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike).

    Returns
    -------
    numpy.ndarray of str
        One category code (``"A"``, ``"O"``, ``"M"``, ``"I"``, ``"R"`` or ``"Q"``) per pair.

    Examples
    --------
    >>> classify_pairs([1, 1, 2, 1], [5, 3, 5, 1]).tolist()
    ['O', 'A', 'M', 'Q']
    """
    f = np.asarray(functional, dtype=np.int64)
    d = np.asarray(dysfunctional, dtype=np.int64)
    if f.shape != d.shape:
        raise ValueError("functional and dysfunctional must have the same shape")
    for name, codes in (("functional", f), ("dysfunctional", d)):
        if codes.size and (codes.min() < 1 or codes.max() > 5):
            raise ValueError(f"{name} answers must be codes 1–5")
    return np.asarray(CATEGORIES)[EVALUATION_TABLE[f - 1, d - 1]]


@dataclass(frozen=True)
class KanoCounts:
    """Stage-1 summary of a Kano survey: answer-pair counts per (segment, attribute).

    Produced by :func:`qiwang.analysis.kano.count_answers` (pandas) or
    :func:`qiwang.analysis.kano.count_answers_duckdb` (DuckDB over Parquet / CSV); summaries of
    disjoint chunks of the data combine exactly with :meth:`merge`.

    Parameters
    ----------
    attributes : tuple of str
        Attribute of each group.
    segments : tuple of str or None
        Segment of each group (``None`` everywhere when there is no segmentation).
    pairs : numpy.ndarray of int64, shape (groups, 5, 5)
        ``pairs[g, f - 1, d - 1]`` counts the answers (functional ``f``, dysfunctional ``d``).
    importance_sum, importance_square_sum : numpy.ndarray of float64, shape (groups, 5, 5), optional
        Sum and sum of squares of the stated importance of the answers in each cell.
    importance_count : numpy.ndarray of int64, shape (groups, 5, 5), optional
        Number of answers in each cell that stated an importance.
    segment_column : str, optional
        Name of the column the segments come from.
    """

    attributes: tuple[str, ...]
    segments: tuple[str | None, ...]
    pairs: npt.NDArray[np.int64]
    importance_sum: npt.NDArray[np.float64] | None = None
    importance_square_sum: npt.NDArray[np.float64] | None = None
    importance_count: npt.NDArray[np.int64] | None = None
    segment_column: str | None = None

    def __post_init__(self) -> None:
        groups = len(self.attributes)
        if len(self.segments) != groups or self.pairs.shape != (groups, 5, 5):
            raise ValueError("attributes, segments and pairs must describe the same groups")
        arrays = (self.importance_sum, self.importance_square_sum, self.importance_count)
        if any(a is None for a in arrays) != all(a is None for a in arrays):
            raise ValueError("importance sums and counts come together or not at all")

    @property
    def has_importance(self) -> bool:
        """Whether stated importance was aggregated."""
        return self.importance_sum is not None

    @property
    def keys(self) -> tuple[tuple[str | None, str], ...]:
        """``(segment, attribute)`` of each group."""
        return tuple(zip(self.segments, self.attributes, strict=True))

    def category_counts(self) -> npt.NDArray[np.int64]:
        """Counts of A, O, M, I, R, Q per group, shape (groups, 6)."""
        return self.pairs.reshape(-1, 25) @ _CELL_TO_CATEGORY

    def merge(self, other: KanoCounts) -> KanoCounts:
        """Combine the summaries of two disjoint parts of the data (exact).

        Raises
        ------
        ValueError
            If one summary has importance and the other not, or segment columns differ.
        """
        if self.has_importance != other.has_importance:
            raise ValueError("cannot merge counts with and without importance")
        if self.segment_column != other.segment_column:
            raise ValueError("cannot merge counts segmented by different columns")
        keys = sorted(set(self.keys) | set(other.keys), key=_sort_key)
        index = {key: i for i, key in enumerate(keys)}

        def spread(part: KanoCounts, array: npt.NDArray[Any] | None) -> npt.NDArray[Any] | None:
            if array is None:
                return None
            out = np.zeros((len(keys), 5, 5), dtype=array.dtype)
            out[[index[key] for key in part.keys]] = array
            return out

        def total(name: str) -> Any:
            a, b = spread(self, getattr(self, name)), spread(other, getattr(other, name))
            return None if a is None or b is None else a + b

        return KanoCounts(
            attributes=tuple(key[1] for key in keys),
            segments=tuple(key[0] for key in keys),
            pairs=total("pairs"),
            importance_sum=total("importance_sum"),
            importance_square_sum=total("importance_square_sum"),
            importance_count=total("importance_count"),
            segment_column=self.segment_column,
        )


def _sort_key(key: tuple[str | None, str]) -> tuple[str, str]:
    return ("" if key[0] is None else key[0], key[1])


@dataclass(frozen=True)
class KanoContinuous:
    """Continuous Kano scores of one attribute on DuMouchel's asymmetric scale.

    Functional answers score like 4, must-be 2, neutral 0, live-with −1, dislike −2; dysfunctional
    answers like −2, must-be −1, neutral 0, live-with 2, dislike 4 (Berger et al. 1993). The Kano
    chart plots ``dysfunctional_mean`` on x against ``functional_mean`` on y.

    Attributes
    ----------
    functional_mean, dysfunctional_mean : float
        Mean scores over all ``n`` answers.
    functional_std, dysfunctional_std : float
        Sample standard deviations (``ddof=1``; NaN when ``n < 2``).
    importance_n : int
        Answers that stated an importance (0 when importance was not asked).
    importance_mean, importance_std : float
        Mean and sample standard deviation of the stated importance (NaN without it).
    weighted_functional_mean, weighted_dysfunctional_mean : float
        Importance-weighted means ``Σ wᵢ xᵢ / Σ wᵢ`` over the answers with an importance.
    """

    functional_mean: float
    functional_std: float
    dysfunctional_mean: float
    dysfunctional_std: float
    importance_n: int
    importance_mean: float
    importance_std: float
    weighted_functional_mean: float
    weighted_dysfunctional_mean: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (NaN becomes ``None``)."""
        return {key: _plain(value) for key, value in self.__dict__.items()}


@dataclass(frozen=True)
class KanoAttributeResult:
    """Kano evaluation of one attribute (in one segment).

    Attributes
    ----------
    attribute : str
        The attribute (product or service feature).
    segment : str or None
        The segment, when the analysis was segmented.
    n : int
        All answers, including R and Q.
    counts : dict of str to int
        Answers per category ``A, O, M, I, R, Q``.
    shares : dict of str to float
        ``counts / n``.
    mode, second : str
        The most and second most frequent categories (ties broken by :data:`TIE_PRIORITY`).
    category : str
        The reported category: ``mode`` when Fong's test finds it significantly more frequent
        than ``second``, otherwise whichever of the two comes first in :data:`TIE_PRIORITY`
        (M > O > A > I > R > Q). A ``second`` without any answer is never reported.
    better : float
        Satisfaction coefficient ``(A + O) / (A + O + M + I)``, in [0, 1] (NaN without A, O, M, I).
    worse : float
        Dissatisfaction coefficient ``−(O + M) / (A + O + M + I)``, in [−1, 0].
    total_strength : float
        ``(A + O + M) / n``.
    category_strength : float
        ``(count of mode − count of second) / n``.
    fong_significant : bool
        Whether ``|a − b| ≥ 1.65 · √((a + b)(2n − a − b) / (2n))`` for the two most frequent
        counts ``a``, ``b`` (Fong 1996).
    fong_critical_value : float
        The right-hand side of Fong's inequality.
    has_questionnaire_problem : bool
        Whether the share of R plus Q answers exceeds the threshold given to the analysis:
        a sign of a misunderstood or reversed question.
    continuous : KanoContinuous or None
        Continuous scores (only when answer pairs, not just category counts, were given).
    """

    attribute: str
    segment: str | None
    n: int
    counts: dict[str, int]
    shares: dict[str, float]
    mode: str
    second: str
    category: str
    better: float
    worse: float
    total_strength: float
    category_strength: float
    fong_significant: bool
    fong_critical_value: float
    has_questionnaire_problem: bool
    continuous: KanoContinuous | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary for JSON (numbers unrounded, NaN becomes ``None``)."""
        out: dict[str, Any] = {"attribute": self.attribute}
        if self.segment is not None:
            out["segment"] = self.segment
        out.update(
            n=self.n,
            counts=dict(self.counts),
            shares={key: _plain(value) for key, value in self.shares.items()},
            mode=self.mode,
            second=self.second,
            category=self.category,
            better=_plain(self.better),
            worse=_plain(self.worse),
            total_strength=_plain(self.total_strength),
            category_strength=_plain(self.category_strength),
            fong_significant=self.fong_significant,
            fong_critical_value=_plain(self.fong_critical_value),
            has_questionnaire_problem=self.has_questionnaire_problem,
        )
        if self.continuous is not None:
            out["continuous"] = self.continuous.to_dict()
        return out


@dataclass(frozen=True)
class KanoResult:
    """Kano evaluation of every attribute (and segment).

    Attributes
    ----------
    attributes : tuple of KanoAttributeResult
        One result per (segment, attribute), sorted by segment then attribute.
    segment_column : str or None
        Column the segments come from.
    problem_share : float
        Threshold on the R + Q share above which an attribute is flagged.
    counts : KanoCounts or None
        The stage-1 summary the result was computed from (``None`` when only category counts
        were given).
    """

    attributes: tuple[KanoAttributeResult, ...]
    segment_column: str | None = None
    problem_share: float = 0.1
    counts: KanoCounts | None = field(default=None, repr=False, compare=False)

    def __getitem__(self, attribute: str) -> KanoAttributeResult:
        """The result of ``attribute`` (in the only segment).

        Raises
        ------
        KeyError
            If the attribute is absent or appears in several segments.
        """
        found = [item for item in self.attributes if item.attribute == attribute]
        if len(found) != 1:
            raise KeyError(attribute)
        return found[0]

    def to_dict(self) -> dict[str, Any]:
        """``{"attributes": [...]}`` with each attribute's :meth:`KanoAttributeResult.to_dict`."""
        out: dict[str, Any] = {"attributes": [item.to_dict() for item in self.attributes]}
        if self.segment_column is not None:
            out["segment_column"] = self.segment_column
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per (segment, attribute): counts, shares, coefficients and continuous scores."""
        rows = []
        for item in self.attributes:
            row: dict[str, Any] = {"segment": item.segment, "attribute": item.attribute}
            row["n"] = item.n
            row.update(item.counts)
            row.update({f"share_{key}": value for key, value in item.shares.items()})
            row.update(
                mode=item.mode,
                second=item.second,
                category=item.category,
                better=item.better,
                worse=item.worse,
                total_strength=item.total_strength,
                category_strength=item.category_strength,
                fong_significant=item.fong_significant,
                has_questionnaire_problem=item.has_questionnaire_problem,
            )
            if item.continuous is not None:
                row.update(item.continuous.__dict__)
            rows.append(row)
        frame = pd.DataFrame(rows)
        if self.segment_column is None and not frame.empty:
            frame = frame.drop(columns="segment")
        return frame


def _plain(value: float | int | bool) -> float | int | bool | None:
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()  # type: ignore[no-any-return]
    return value


def analyze_counts(counts: KanoCounts, *, problem_share: float = 0.1) -> KanoResult:
    """Stage 2 of a Kano analysis: evaluate answer-pair counts.

    Parameters
    ----------
    counts : KanoCounts
        The stage-1 summary.
    problem_share : float, default 0.1
        Flag an attribute when more than this share of its answers are R or Q.

    Returns
    -------
    KanoResult
    """
    category_counts = counts.category_counts()
    continuous = _continuous(counts)
    return _evaluate(
        counts.attributes,
        counts.segments,
        category_counts,
        continuous=continuous,
        segment_column=counts.segment_column,
        problem_share=problem_share,
        source=counts,
    )


def analyze_category_counts(
    counts: pd.DataFrame | Mapping[str, Sequence[Any]],
    *,
    attribute: str = "attribute",
    segment: str | None = None,
    problem_share: float = 0.1,
) -> KanoResult:
    """Evaluate a table of category counts ``attribute, A, O, M, I, R, Q``.

    Use this when answers were already classified elsewhere (a published table, another tool).
    Continuous scores need the answer pairs and are absent from the result.

    Parameters
    ----------
    counts : pandas.DataFrame or mapping
        One row per attribute with non-negative integer counts in columns ``A O M I R Q``.
    attribute : str, default "attribute"
        Column naming the attribute.
    segment : str, optional
        Column naming the segment.
    problem_share : float, default 0.1
        Flag an attribute when more than this share of its answers are R or Q.

    Returns
    -------
    KanoResult

    Raises
    ------
    AnalysisInputError
        A missing column, a count that is not a non-negative whole number, an attribute without
        answers or an attribute listed twice; the message names the row and column.

    Examples
    --------
    >>> result = analyze_category_counts(
    ...     {"attribute": ["wifi"], "A": [50], "O": [20], "M": [10], "I": [15], "R": [3], "Q": [2]}
    ... )
    >>> result["wifi"].category, round(result["wifi"].better, 4)
    ('A', 0.7368)
    """
    frame = counts if isinstance(counts, pd.DataFrame) else pd.DataFrame(dict(counts))
    required = [attribute, *CATEGORIES] + ([segment] if segment is not None else [])
    for column in required:
        if column not in frame.columns:
            raise AnalysisInputError(
                f"missing column {column!r} (need {', '.join(required)})", column=column
            )
    if frame.empty:
        raise AnalysisInputError("no rows of counts")
    table = np.zeros((len(frame), 6), dtype=np.int64)
    for j, code in enumerate(CATEGORIES):
        numbers = pd.to_numeric(frame[code], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers != np.floor(numbers))
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise AnalysisInputError(
                f"{frame[code].iloc[at]!r} is not a count (a whole number ≥ 0)",
                column=code,
                row=at + 1,
            )
        table[:, j] = numbers.astype(np.int64)
    names = _labels(frame[attribute], column=attribute)
    segments: tuple[str | None, ...] = (
        tuple(_labels(frame[segment], column=segment))
        if segment is not None
        else (None,) * len(frame)
    )
    keys = list(zip(segments, names, strict=True))
    seen: dict[tuple[str | None, str], int] = {}
    for row, key in enumerate(keys, start=1):
        if key in seen:
            raise AnalysisInputError(
                f"attribute {key[1]!r} is listed twice (rows {seen[key]} and {row})",
                column=attribute,
                row=row,
            )
        seen[key] = row
    order = sorted(range(len(keys)), key=lambda i: _sort_key(keys[i]))
    empty = np.flatnonzero(table.sum(axis=1) == 0)
    if empty.size:
        at = int(empty[0])
        raise AnalysisInputError(
            f"attribute {names[at]!r} has no answers", column=attribute, row=at + 1
        )
    return _evaluate(
        tuple(names[i] for i in order),
        tuple(segments[i] for i in order),
        table[order],
        continuous=None,
        segment_column=segment,
        problem_share=problem_share,
        source=None,
    )


def _labels(values: pd.Series[Any], *, column: str) -> list[str]:
    missing = values.isna().to_numpy()
    if missing.any():
        raise AnalysisInputError(
            "missing value", column=column, row=int(np.flatnonzero(missing)[0]) + 1
        )
    return [str(value) for value in values]


def _evaluate(
    attributes: Iterable[str],
    segments: Iterable[str | None],
    category_counts: npt.NDArray[np.int64],
    *,
    continuous: list[KanoContinuous] | None,
    segment_column: str | None,
    problem_share: float,
    source: KanoCounts | None,
) -> KanoResult:
    if not 0.0 <= problem_share <= 1.0:
        raise ValueError("problem_share must lie in [0, 1]")
    c = category_counts.astype(np.float64)
    n = c.sum(axis=1)
    if np.any(n == 0):
        raise ValueError("every attribute needs at least one answer")
    shares = c / n[:, None]
    # Rank categories: more answers first, ties by TIE_PRIORITY.
    order = np.lexsort((np.broadcast_to(_PRIORITY_RANK, c.shape), -c), axis=1)
    first, second = order[:, 0], order[:, 1]
    rows = np.arange(len(c))
    a, b = c[rows, first], c[rows, second]
    critical = FONG_Z * np.sqrt((a + b) * (2 * n - a - b) / (2 * n))
    significant = np.abs(a - b) >= critical
    # The rule only chooses between categories that have answers.
    preferred = np.where(
        (_PRIORITY_RANK[first] <= _PRIORITY_RANK[second]) | (b == 0), first, second
    )
    category = np.where(significant, first, preferred)
    core = c[:, :4].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        better = np.where(core > 0, (c[:, _A] + c[:, _O]) / core, np.nan)
        worse = np.where(core > 0, -(c[:, _O] + c[:, _M]) / core, np.nan)
    total_strength = (c[:, _A] + c[:, _O] + c[:, _M]) / n
    category_strength = (a - b) / n
    problem = (shares[:, _R] + shares[:, _Q]) > problem_share
    results = []
    for g, (name, segment) in enumerate(zip(attributes, segments, strict=True)):
        results.append(
            KanoAttributeResult(
                attribute=name,
                segment=segment,
                n=int(n[g]),
                counts={code: int(category_counts[g, j]) for j, code in enumerate(CATEGORIES)},
                shares={code: float(shares[g, j]) for j, code in enumerate(CATEGORIES)},
                mode=CATEGORIES[first[g]],
                second=CATEGORIES[second[g]],
                category=CATEGORIES[category[g]],
                better=float(better[g]),
                worse=float(worse[g]) + 0.0,  # no negative zero
                total_strength=float(total_strength[g]),
                category_strength=float(category_strength[g]),
                fong_significant=bool(significant[g]),
                fong_critical_value=float(critical[g]),
                has_questionnaire_problem=bool(problem[g]),
                continuous=None if continuous is None else continuous[g],
            )
        )
    return KanoResult(
        attributes=tuple(results),
        segment_column=segment_column,
        problem_share=problem_share,
        counts=source,
    )


def _continuous(counts: KanoCounts) -> list[KanoContinuous]:
    pairs = counts.pairs.astype(np.float64)
    n = pairs.sum(axis=(1, 2))
    f_scores = FUNCTIONAL_SCORES[None, :, None]
    d_scores = DYSFUNCTIONAL_SCORES[None, None, :]

    def moments(weights: npt.NDArray[np.float64], total: npt.NDArray[np.float64]) -> Any:
        with np.errstate(invalid="ignore", divide="ignore"):
            f_mean = (weights * f_scores).sum(axis=(1, 2)) / total
            d_mean = (weights * d_scores).sum(axis=(1, 2)) / total
        return f_mean, d_mean

    f_mean, d_mean = moments(pairs, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_var = (pairs * (f_scores - f_mean[:, None, None]) ** 2).sum(axis=(1, 2)) / (n - 1)
        d_var = (pairs * (d_scores - d_mean[:, None, None]) ** 2).sum(axis=(1, 2)) / (n - 1)
    f_std = np.where(n > 1, np.sqrt(f_var), np.nan)
    d_std = np.where(n > 1, np.sqrt(d_var), np.nan)
    groups = len(n)
    if counts.importance_sum is not None and counts.importance_count is not None:
        w = counts.importance_sum
        k = counts.importance_count.sum(axis=(1, 2)).astype(np.float64)
        w_total = w.sum(axis=(1, 2))
        w_square = np.asarray(counts.importance_square_sum, dtype=np.float64).sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            importance_mean = np.where(k > 0, w_total / k, np.nan)
            importance_var = (w_square - k * importance_mean**2) / (k - 1)
            importance_std = np.where(k > 1, np.sqrt(np.maximum(importance_var, 0.0)), np.nan)
            wf_mean, wd_mean = moments(w, w_total)
        wf_mean = np.where(w_total != 0, wf_mean, np.nan)
        wd_mean = np.where(w_total != 0, wd_mean, np.nan)
    else:
        k = np.zeros(groups)
        importance_mean = importance_std = wf_mean = wd_mean = np.full(groups, np.nan)
    return [
        KanoContinuous(
            functional_mean=float(f_mean[g]),
            functional_std=float(f_std[g]),
            dysfunctional_mean=float(d_mean[g]),
            dysfunctional_std=float(d_std[g]),
            importance_n=int(k[g]),
            importance_mean=float(importance_mean[g]),
            importance_std=float(importance_std[g]),
            weighted_functional_mean=float(wf_mean[g]),
            weighted_dysfunctional_mean=float(wd_mean[g]),
        )
        for g in range(groups)
    ]
