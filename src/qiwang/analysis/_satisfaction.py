"""Satisfaction measures: labelled scales to 0–100, S = P − E and c = P / E, CSAT, NPS and CES.

Stage 1 of CSAT, NPS and CES is a count of answers per level (:class:`LevelCounts`), mergeable
across chunks; stage 2 computes the index and its interval. Expectation–perception gaps use the
sums of :mod:`qiwang.analysis._gaps`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from qiwang.analysis._bounded_intervals import clip, tango_difference, wilson
from qiwang.analysis._duckdb import (
    DuckDBSource,
    first_row_where,
    open_source,
    quote_identifier,
    quote_literal,
    select,
    value_at,
)
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._gaps import (
    GapStatistic,
    GapSums,
    gap_statistics,
    gap_sums,
    gap_sums_from_rows,
    shifted_sums_sql,
)
from qiwang.analysis._io import numeric_column, require_columns
from qiwang.analysis._scales import FIVE_LEVEL, SEVEN_LEVEL, LabelledScale, code_of

__all__ = [
    "CesResult",
    "CsatResult",
    "GapResult",
    "LevelCounts",
    "NpsResult",
    "ces",
    "count_levels",
    "count_levels_duckdb",
    "csat",
    "expectation_gap",
    "expectation_gap_duckdb",
    "nps",
    "scale_for",
    "to_score",
]


def scale_for(levels: int) -> LabelledScale:
    """The 5- or 7-level labelled satisfaction scale."""
    if levels == 5:
        return FIVE_LEVEL
    if levels == 7:
        return SEVEN_LEVEL
    raise ValueError("satisfaction scales have 5 or 7 levels")


def to_score(
    values: Sequence[Any] | pd.Series[Any], *, levels: int = 5, column: str = "value"
) -> npt.NDArray[np.float64]:
    """Labels or codes on the 5- or 7-level scale → 0–100: ``100 · (code − 1) / (k − 1)``.

    Examples
    --------
    >>> to_score(["很不满意", "一般", "很满意"]).tolist()
    [0.0, 50.0, 100.0]
    >>> to_score(["较满意"], levels=7).tolist()
    [66.66666666666667]
    """
    scale = scale_for(levels)
    return scale.to_score(scale.parse(values, column=column))


@dataclass(frozen=True)
class LevelCounts:
    """Stage-1 counts of answers per level of an integer scale ``low … high``.

    Attributes
    ----------
    keys : tuple of (segment or None, question)
    low, high : int
        Lowest and highest level.
    counts : numpy.ndarray of int64, shape (keys, high − low + 1)
    """

    keys: tuple[tuple[str | None, str], ...]
    low: int
    high: int
    counts: npt.NDArray[np.int64]

    def merge(self, other: LevelCounts) -> LevelCounts:
        """Add the counts of disjoint rows (exact)."""
        if (self.low, self.high) != (other.low, other.high):
            raise ValueError("cannot merge counts on different scales")
        keys = sorted(set(self.keys) | set(other.keys), key=lambda k: (k[0] or "", k[1]))
        index = {key: i for i, key in enumerate(keys)}
        total = np.zeros((len(keys), self.counts.shape[1]), dtype=np.int64)
        for part in (self, other):
            np.add.at(total, [index[key] for key in part.keys], part.counts)
        return LevelCounts(tuple(keys), self.low, self.high, total)


def count_levels(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    low: int,
    high: int,
    scale: LabelledScale | None = None,
    segment: str | None = None,
) -> LevelCounts:
    """Count answers per level in each of ``columns`` (stage 1, pandas; empty cells skipped).

    Parameters
    ----------
    data : pandas.DataFrame
    columns : sequence of str
        One question per column.
    low, high : int
        The scale's levels (1–5, 1–7, 0–10 …).
    scale : LabelledScale, optional
        Accept this scale's labels as well as codes.
    segment : str, optional

    Raises
    ------
    AnalysisInputError
        A missing column or an answer that is not a level (row and column named).
    """
    require_columns(data, [*columns, segment])
    segments = (
        np.full(len(data), "", dtype=object)
        if segment is None
        else data[segment].astype(str).to_numpy(dtype=object)
    )
    uniques = sorted(set(segments.tolist()))
    keys: list[tuple[str | None, str]] = []
    tables = []
    for column in columns:
        values = data[column]
        present = values.notna().to_numpy()
        rows = np.arange(1, len(data) + 1, dtype=np.int64)
        if scale is not None:
            codes = np.full(len(data), -1, dtype=np.int64)
            codes[present] = scale.parse(values[present], column=column, row_numbers=rows[present])
        else:
            numbers = numeric_column(data, column)
            codes = np.where(present, numbers, -1).astype(np.int64)
            bad = present & ((numbers != np.round(numbers)) | (numbers < low) | (numbers > high))
            if bad.any():
                at = int(np.flatnonzero(bad)[0])
                value = values.iloc[at]
                value = value.item() if isinstance(value, np.generic) else value
                raise AnalysisInputError(
                    f"{value!r} is not a level of the {low}–{high} scale",
                    column=column,
                    row=at + 1,
                )
        for value in uniques:
            chosen = present & (segments == value)
            counts = np.bincount(codes[chosen] - low, minlength=high - low + 1)
            if counts.sum():
                keys.append((None if segment is None else value, column))
                tables.append(counts)
    if not tables:
        raise AnalysisInputError("there are no answers")
    order = sorted(range(len(keys)), key=lambda i: (keys[i][0] or "", keys[i][1]))
    return LevelCounts(
        tuple(keys[i] for i in order), low, high, np.array([tables[i] for i in order], np.int64)
    )


def count_levels_duckdb(
    source: DuckDBSource,
    columns: Sequence[str],
    *,
    low: int,
    high: int,
    scale: LabelledScale | None = None,
    segment: str | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> LevelCounts:
    """:func:`count_levels` inside DuckDB: one ``GROUP BY`` per question over Parquet / CSV.

    Labels are mapped to codes on the grouped result; the result equals :func:`count_levels`
    on the same rows.
    """
    relation = open_source(source, connection)
    for column in [*columns, segment]:
        if column is not None and column not in relation.columns:
            raise AnalysisInputError(
                f"missing column {column!r}; the columns are {', '.join(relation.columns)}",
                column=column,
            )
    seg = f"CAST({quote_identifier(segment)} AS VARCHAR)" if segment is not None else "NULL"
    lookup = scale.lookup() if scale is not None else {}
    counts: dict[tuple[str | None, str], npt.NDArray[np.int64]] = {}
    for column in columns:
        name = quote_identifier(column)
        query = (
            f"SELECT {seg}, {name}, count(*) FROM qiwang_input "  # noqa: S608
            f"WHERE {name} IS NOT NULL GROUP BY ALL"
        )
        for segment_value, value, count in select(relation, query):
            code = code_of(value, lookup) if scale is not None else _level(value, low, high)
            if code is None or not low <= code <= high:
                row = first_row_where(
                    relation, f"CAST({name} AS VARCHAR) = {quote_literal(str(value))}"
                )
                raise AnalysisInputError(
                    f"{value!r} is not a level of the {low}–{high} scale", column=column, row=row
                )
            key = (None if segment is None else str(segment_value), column)
            counts.setdefault(key, np.zeros(high - low + 1, dtype=np.int64))[code - low] += count
    if not counts:
        raise AnalysisInputError("there are no answers")
    keys = sorted(counts, key=lambda k: (k[0] or "", k[1]))
    return LevelCounts(tuple(keys), low, high, np.array([counts[k] for k in keys], np.int64))


def _level(value: object, low: int, high: int) -> int | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return int(number) if number.is_integer() and low <= number <= high else None


@dataclass(frozen=True)
class CsatResult:
    """Customer satisfaction score of one question: the top-2-box share.

    Attributes
    ----------
    question : str
    segment : str or None
    n : int
    counts : tuple of int
        Answers per level, lowest first.
    top_two : int
        Answers in the two highest levels (满意 and 很满意 on 5 levels).
    csat : float
        ``top_two / n`` (multiply by 100 for the usual percentage).
    low, high : float
        Wilson score interval of ``csat`` (within 0 … 1).
    mean_score : float
        Mean on 0–100 (``100 · (level − 1) / (k − 1)``).
    """

    question: str
    segment: str | None
    n: int
    counts: tuple[int, ...]
    top_two: int
    csat: float
    low: float
    high: float
    mean_score: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary."""
        out = dict(self.__dict__)
        out["counts"] = list(self.counts)
        if self.segment is None:
            out.pop("segment")
        return out


def csat(counts: LevelCounts, *, confidence: float = 0.95) -> tuple[CsatResult, ...]:
    """CSAT (top-2-box) of each question in ``counts`` (a 5- or 7-level scale, codes 1…k).

    Examples
    --------
    >>> frame = pd.DataFrame({"q": ["满意", "很满意", "一般", "不满意"]})
    >>> result = csat(count_levels(frame, ["q"], low=1, high=5, scale=FIVE_LEVEL))[0]
    >>> result.top_two, result.csat
    (2, 0.5)
    """
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    levels = counts.high - counts.low + 1
    scores = 100.0 * np.arange(levels) / (levels - 1)
    results = []
    for key, row in zip(counts.keys, counts.counts, strict=True):
        n = int(row.sum())
        top = int(row[-2:].sum())
        low, high = wilson(top, n, z)
        results.append(
            CsatResult(
                question=key[1],
                segment=key[0],
                n=n,
                counts=tuple(int(c) for c in row),
                top_two=top,
                csat=top / n,
                low=low,
                high=high,
                mean_score=float(scores @ row / n),
            )
        )
    return tuple(results)


@dataclass(frozen=True)
class NpsResult:
    """Net Promoter Score of one 0–10 question (Reichheld 2003).

    Attributes
    ----------
    question : str
    segment : str or None
    n, promoters, passives, detractors : int
        Promoters answer 9–10, passives 7–8, detractors 0–6.
    nps : float
        ``100 · (promoters − detractors) / n``, in [−100, 100].
    low, high : float
        Tango's (1998) score interval for the difference of the promoter and detractor shares
        of one multinomial sample, times 100; always within [−100, 100] and around ``nps``
        (the Wald interval it replaces read −73.4 … 140.0 at n = 3).
    """

    question: str
    segment: str | None
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary."""
        out = dict(self.__dict__)
        if self.segment is None:
            out.pop("segment")
        return out


def nps(counts: LevelCounts, *, confidence: float = 0.95) -> tuple[NpsResult, ...]:
    """NPS of each 0–10 question in ``counts`` (from :func:`count_levels` with 0 and 10).

    Examples
    --------
    >>> frame = pd.DataFrame({"recommend": [10, 9, 8, 6, 3]})
    >>> nps(count_levels(frame, ["recommend"], low=0, high=10))[0].nps
    0.0
    """
    if (counts.low, counts.high) != (0, 10):
        raise ValueError("NPS needs counts on the 0–10 scale")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    results = []
    for key, row in zip(counts.keys, counts.counts, strict=True):
        n = int(row.sum())
        promoters, passives, detractors = (
            int(row[9:].sum()),
            int(row[7:9].sum()),
            int(row[:7].sum()),
        )
        score = 100.0 * (promoters - detractors) / n
        low, high = tango_difference(promoters, detractors, n, z)
        results.append(
            NpsResult(
                key[1],
                key[0],
                n,
                promoters,
                passives,
                detractors,
                score,
                100.0 * low,
                100.0 * high,
            )
        )
    return tuple(results)


@dataclass(frozen=True)
class CesResult:
    """Customer Effort Score of one question ("the company made it easy for me …").

    Attributes
    ----------
    question : str
    segment : str or None
    n : int
    mean, std : float
        Mean and sample standard deviation of the answers (1 … k, higher = easier).
    low, high : float
        t interval of the mean, limited to the scale's range ``low … high`` of the answers.
    share_easy : float
        Share answering in the upper part of the scale (5–7 of 7, 4–5 of 5).
    """

    question: str
    segment: str | None
    n: int
    mean: float
    std: float
    low: float
    high: float
    share_easy: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (NaN becomes ``None``)."""
        out = {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in self.__dict__.items()
        }
        if self.segment is None:
            out.pop("segment")
        return out


def ces(counts: LevelCounts, *, confidence: float = 0.95) -> tuple[CesResult, ...]:
    """CES of each question in ``counts`` (agreement scale 1…k, 7 levels in CES 2.0)."""
    values = np.arange(counts.low, counts.high + 1, dtype=np.float64)
    midpoint = (counts.low + counts.high) / 2
    results = []
    for key, row in zip(counts.keys, counts.counts, strict=True):
        n = int(row.sum())
        mean = float(values @ row / n)
        var = float(((values - mean) ** 2) @ row / (n - 1)) if n > 1 else math.nan
        half = (
            float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * math.sqrt(var / n)
            if n > 1
            else math.nan
        )
        easy = float(row[values > midpoint].sum() / n)
        results.append(
            CesResult(
                key[1],
                key[0],
                n,
                mean,
                math.sqrt(var),
                clip(mean - half, counts.low, counts.high),
                clip(mean + half, counts.low, counts.high),
                easy,
            )
        )
    return tuple(results)


@dataclass(frozen=True)
class GapResult:
    """Expectation–perception comparison per attribute and overall (docs/customers.md).

    Attributes
    ----------
    attributes : tuple of GapStatistic
        ``gap`` is S = P − E, ``ratio`` is c = P / E, ``outcome`` regular / churn risk /
        indifferent.
    overall : tuple of GapStatistic
        Per segment: each respondent's mean over attributes (or all pairs pooled when there is
        no respondent column).
    tolerance : float
        Half-width of the "indifferent" band, in the units of the scores.
    """

    attributes: tuple[GapStatistic, ...]
    overall: tuple[GapStatistic, ...]
    tolerance: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary for JSON."""
        return {
            "tolerance": self.tolerance,
            "confidence": self.confidence,
            "attributes": [s.to_dict() for s in self.attributes],
            "overall": [s.to_dict() for s in self.overall],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per attribute, then the overall rows."""
        return pd.DataFrame([s.__dict__ for s in self.attributes + self.overall])


def expectation_gap(
    data: pd.DataFrame,
    *,
    attribute: str = "attribute",
    expectation: str = "expectation",
    perception: str = "perception",
    respondent: str | None = None,
    levels: int | None = None,
    segment: str | None = None,
    tolerance: float = 0.0,
    confidence: float = 0.95,
) -> GapResult:
    """S = P − E and c = P / E per attribute and overall, with the outcome class.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per (respondent, attribute).
    attribute, expectation, perception : str
        Column names.
    respondent : str, optional
        Respondent column; the overall figures then average each respondent's attributes first.
    levels : {5, 7}, optional
        Scores are labels or codes on the 5- or 7-level scale; they are converted to 0–100.
        Default: numeric scores used as they are.
    segment : str, optional
    tolerance : float, default 0.0
        ``|S| ≤ tolerance`` is "indifferent" (P ≈ E), in the units of the scores (0–100 when
        ``levels`` is given).
    confidence : float, default 0.95

    Returns
    -------
    GapResult

    Examples
    --------
    >>> frame = pd.DataFrame({"attribute": ["speed", "speed", "price", "price"],
    ...                       "expectation": ["满意", "很满意", "一般", "一般"],
    ...                       "perception": ["一般", "满意", "满意", "一般"]})
    >>> result = expectation_gap(frame, levels=5, tolerance=5)
    >>> [(s.name, s.gap, s.outcome) for s in result.attributes]
    [('price', 12.5, 'regular'), ('speed', -25.0, 'churn risk')]
    """
    require_columns(data, [attribute, expectation, perception, respondent, segment])
    if levels is not None:
        scale = scale_for(levels)
        rows = np.arange(1, len(data) + 1, dtype=np.int64)

        def scores(column: str) -> npt.NDArray[np.float64]:
            out = np.full(len(data), np.nan)
            present = data[column].notna().to_numpy()
            out[present] = scale.to_score(
                scale.parse(data[column][present], column=column, row_numbers=rows[present])
            )
            return out

        e, p = scores(expectation), scores(perception)
    else:
        e, p = numeric_column(data, expectation), numeric_column(data, perception)
    missing = data[attribute].isna().to_numpy()
    if missing.any():
        raise AnalysisInputError(
            "missing value", column=attribute, row=int(np.flatnonzero(missing)[0]) + 1
        )
    names = data[attribute].astype(str).to_numpy()
    segments = data[segment].astype(str).to_numpy() if segment is not None else None
    per_attribute = gap_sums(names, e, p, segments=segments)
    if len(per_attribute.keys) == 0:
        raise AnalysisInputError("no row has both an expectation and a perception")
    if respondent is not None:
        frame = pd.DataFrame(
            {
                "respondent": data[respondent].astype(str),
                "segment": segments if segments is not None else "",
                "e": e,
                "p": p,
            }
        ).dropna(subset=["e", "p"])
        means = (
            frame.groupby(["segment", "respondent"], sort=False)[["e", "p"]].mean().reset_index()
        )
        overall = gap_sums(
            np.full(len(means), "overall"),
            means["e"],
            means["p"],
            segments=means["segment"] if segment is not None else None,
        )
    else:
        overall = gap_sums(np.full(len(e), "overall"), e, p, segments=segments)
    options = {"confidence": confidence, "tolerance": tolerance}
    return GapResult(
        attributes=gap_statistics(per_attribute, **options),
        overall=gap_statistics(overall, **options),
        tolerance=tolerance,
        confidence=confidence,
    )


def expectation_gap_duckdb(
    source: DuckDBSource,
    *,
    attribute: str = "attribute",
    expectation: str = "expectation",
    perception: str = "perception",
    respondent: str | None = None,
    levels: int | None = None,
    segment: str | None = None,
    tolerance: float = 0.0,
    confidence: float = 0.95,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> GapResult:
    """:func:`expectation_gap` with stage 1 inside DuckDB (Parquet / CSV / a relation).

    One aggregate query per level (attributes, overall) returns the counts and the sums ΣE,
    ΣE², ΣP, ΣP², ΣEP; labels of a 5- or 7-level scale are mapped to 0–100 by a ``CASE`` built
    from the column's distinct values. Parameters and result are those of
    :func:`expectation_gap`, which this equals on the same rows up to rounding.
    """
    relation = open_source(source, connection)
    for column in [attribute, expectation, perception, respondent, segment]:
        if column is not None and column not in relation.columns:
            raise AnalysisInputError(
                f"missing column {column!r}; the columns are {', '.join(relation.columns)}",
                column=column,
            )
    a = quote_identifier(attribute)
    row = first_row_where(relation, f"{a} IS NULL")
    if row is not None:
        raise AnalysisInputError("missing value", column=attribute, row=row)
    e_score = _score_expression(relation, expectation, levels)
    p_score = _score_expression(relation, perception, levels)
    seg = f"CAST({quote_identifier(segment)} AS VARCHAR)" if segment is not None else "''"
    resp = f"CAST({quote_identifier(respondent)} AS VARCHAR)" if respondent is not None else "''"
    pairs = (
        f"WITH pairs AS (SELECT {seg} AS seg, {resp} AS resp, "  # noqa: S608 - quoted
        f"CAST({a} AS VARCHAR) AS unit, {e_score} AS e, {p_score} AS p FROM qiwang_input), "
        "complete AS (SELECT * FROM pairs WHERE e IS NOT NULL AND p IS NOT NULL) "
    )
    # every identifier and literal in these queries is quoted
    attribute_query = pairs + shifted_sums_sql("complete", ["seg", "unit"])
    segmented = segment is not None
    per_attribute = _gap_sums_from_rows(select(relation, attribute_query), segmented=segmented)
    if len(per_attribute.keys) == 0:
        raise AnalysisInputError("no row has both an expectation and a perception")
    units = "complete"
    if respondent is not None:
        pairs += (
            ", means AS (SELECT seg, resp, avg(e) AS e, avg(p) AS p FROM complete GROUP BY ALL)"
        )
        units = "means"
    overall_query = pairs + shifted_sums_sql(units, ["seg", "'overall'"])
    overall = _gap_sums_from_rows(select(relation, overall_query), segmented=segmented)
    options = {"confidence": confidence, "tolerance": tolerance}
    return GapResult(
        attributes=gap_statistics(per_attribute, **options),
        overall=gap_statistics(overall, **options),
        tolerance=tolerance,
        confidence=confidence,
    )


def _score_expression(relation: duckdb.DuckDBPyRelation, column: str, levels: int | None) -> str:
    """SQL for a column's score: the number itself, or a level's 0–100 score by ``CASE``.

    Raises at the first row holding a value that is not a number (``levels=None``) or not an
    answer on the scale.
    """
    name = quote_identifier(column)
    if levels is None:
        row = first_row_where(
            relation, f"{name} IS NOT NULL AND TRY_CAST({name} AS DOUBLE) IS NULL"
        )
        if row is not None:
            value = value_at(relation, column, row)
            raise AnalysisInputError(f"{value!r} is not a number", column=column, row=row)
        return f"TRY_CAST({name} AS DOUBLE)"
    scale = scale_for(levels)
    table = scale.lookup()
    distinct = [
        value
        for (value,) in select(
            relation,
            f"SELECT DISTINCT {name} FROM qiwang_input WHERE {name} IS NOT NULL",  # noqa: S608
        )
    ]
    codes = {value: code_of(value, table) for value in distinct}
    unknown = [value for value, code in codes.items() if code is None]
    if unknown:
        rows = [
            (
                first_row_where(relation, f"CAST({name} AS VARCHAR) = {quote_literal(str(value))}"),
                value,
            )
            for value in unknown
        ]
        at, value = min(rows, key=lambda pair: pair[0] or 0)
        raise AnalysisInputError(
            f"{value!r} is not an answer on the {scale.name} scale "
            f"(codes 1–{scale.levels} or labels {', '.join(scale.labels_en)} / "
            f"{' / '.join(scale.labels_zh)})",
            column=column,
            row=at,
        )
    if not codes:
        return "CAST(NULL AS DOUBLE)"
    scores = scale.to_score([int(codes[value] or 0) for value in distinct])
    cases = " ".join(
        f"WHEN {quote_literal(str(value))} THEN {float(score)!r}"
        for value, score in zip(distinct, scores, strict=True)
    )
    return f"(CASE CAST({name} AS VARCHAR) {cases} END)"


def _gap_sums_from_rows(rows: list[tuple[Any, ...]], *, segmented: bool) -> GapSums:
    rows = sorted(rows, key=lambda row: (str(row[0]), str(row[1])))
    keys = [(str(row[0]) if segmented else None, str(row[1])) for row in rows]
    return gap_sums_from_rows(rows, keys)
