"""SERVQUAL (Parasuraman, Zeithaml & Berry 1988): expectation–perception gaps by item and dimension.

Each respondent rates, for every item, what an excellent provider would offer (expectation E)
and what this provider offers (perception P), usually on a 7-point scale. The SERVQUAL score of
an item is ``P − E``; a dimension's score for a respondent is the mean over its items; the
unweighted overall score is the mean over the dimensions; the weighted score multiplies each
dimension score by the share of 100 importance points the respondent gave it (Zeithaml,
Parasuraman & Berry 1990, ch. 10). The instrument — items and their dimensions — is data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

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

__all__ = [
    "DIMENSIONS",
    "DIMENSION_NAMES_ZH",
    "SERVQUAL_22",
    "DimensionWeight",
    "Instrument",
    "ServqualItem",
    "ServqualResult",
    "ServqualSums",
    "analyze",
    "analyze_sums",
    "summarize",
    "summarize_duckdb",
    "summarize_wide",
]

DIMENSIONS: tuple[str, ...] = (
    "tangibles",
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
)
"""The five SERVQUAL dimensions, in the order of the 22-item instrument."""

DIMENSION_NAMES_ZH: dict[str, str] = {
    "tangibles": "有形性",
    "reliability": "可靠性",
    "responsiveness": "响应性",
    "assurance": "保证性",
    "empathy": "移情性",
}
"""Chinese names of the dimensions."""


@dataclass(frozen=True)
class ServqualItem:
    """One item of a SERVQUAL-style instrument."""

    code: str
    dimension: str
    text: str = ""


@dataclass(frozen=True)
class Instrument:
    """Items and their dimensions. Build one with :meth:`from_mapping` or :meth:`from_frame`."""

    items: tuple[ServqualItem, ...]

    def __post_init__(self) -> None:
        codes = [item.code for item in self.items]
        if not codes:
            raise ValueError("an instrument needs at least one item")
        if len(set(codes)) != len(codes):
            raise ValueError("item codes must be unique")

    @property
    def codes(self) -> tuple[str, ...]:
        """Item codes in order."""
        return tuple(item.code for item in self.items)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Dimensions in order of first appearance."""
        return tuple(dict.fromkeys(item.dimension for item in self.items))

    def dimension_of(self) -> dict[str, str]:
        """``{item code: dimension}``."""
        return {item.code: item.dimension for item in self.items}

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Sequence[str]]) -> Instrument:
        """``{dimension: [item codes]}`` → instrument.

        Examples
        --------
        >>> Instrument.from_mapping({"speed": ["q1", "q2"], "care": ["q3"]}).dimensions
        ('speed', 'care')
        """
        return cls(
            tuple(
                ServqualItem(code=str(code), dimension=str(dimension))
                for dimension, codes in mapping.items()
                for code in codes
            )
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        item: str = "item",
        dimension: str = "dimension",
        text: str = "text",
    ) -> Instrument:
        """A table with one row per item: columns ``item``, ``dimension`` and optionally ``text``."""
        require_columns(frame, [item, dimension])
        for column in (item, dimension):
            missing = frame[column].isna().to_numpy()
            if missing.any():
                raise AnalysisInputError(
                    "missing value", column=column, row=int(np.flatnonzero(missing)[0]) + 1
                )
        texts = frame[text].fillna("").astype(str) if text in frame.columns else None
        return cls(
            tuple(
                ServqualItem(
                    code=str(frame[item].iloc[i]),
                    dimension=str(frame[dimension].iloc[i]),
                    text="" if texts is None else texts.iloc[i],
                )
                for i in range(len(frame))
            )
        )


def _items(dimension: str, prefix: str, texts: Sequence[str]) -> tuple[ServqualItem, ...]:
    return tuple(
        ServqualItem(code=f"{prefix}{i}", dimension=dimension, text=text)
        for i, text in enumerate(texts, start=1)
    )


SERVQUAL_22 = Instrument(
    _items(
        "tangibles",
        "TAN",
        (
            "modern-looking equipment",
            "visually appealing physical facilities",
            "neat, professional appearance of employees",
            "visually appealing materials associated with the service",
        ),
    )
    + _items(
        "reliability",
        "REL",
        (
            "does what it promises by the time it promises",
            "sincere interest in solving customers' problems",
            "performs the service right the first time",
            "provides its services at the time it promises",
            "insists on error-free records",
        ),
    )
    + _items(
        "responsiveness",
        "RES",
        (
            "tells customers exactly when services will be performed",
            "gives prompt service",
            "employees always willing to help",
            "employees never too busy to respond to requests",
        ),
    )
    + _items(
        "assurance",
        "ASS",
        (
            "employees' behaviour instils confidence",
            "customers feel safe in their transactions",
            "employees consistently courteous",
            "employees have the knowledge to answer questions",
        ),
    )
    + _items(
        "empathy",
        "EMP",
        (
            "gives customers individual attention",
            "operating hours convenient to all customers",
            "employees give customers personal attention",
            "has the customers' best interests at heart",
            "employees understand customers' specific needs",
        ),
    )
)
"""The 22-item, five-dimension SERVQUAL instrument (Parasuraman, Zeithaml & Berry 1988; item
wording paraphrased from the 1991 refinement). Codes TAN1–4, REL1–5, RES1–4, ASS1–4, EMP1–5."""


@dataclass(frozen=True)
class WeightSums:
    """Stage-1 sums of the importance points per (segment, dimension)."""

    keys: tuple[tuple[str | None, str], ...]
    n: npt.NDArray[np.int64]
    total: npt.NDArray[np.float64]


@dataclass(frozen=True)
class ServqualSums:
    """Stage-1 summary of a SERVQUAL survey.

    Attributes
    ----------
    instrument : Instrument
    items : GapSums
        Per item, over complete (E, P) pairs.
    dimensions : GapSums
        Per dimension, over respondents: each respondent's mean E and P over the dimension's
        items.
    overall : GapSums
        Unit ``"overall"``: each respondent's mean over dimensions.
    weighted : GapSums or None
        Unit ``"weighted"``: each respondent's ``Σ_d (w_d / 100) · score_d`` for E and P,
        respondents who allocated 100 points and answered every dimension.
    weights : WeightSums or None
        Points per dimension, for the mean allocation.
    segment_column : str or None
    """

    instrument: Instrument
    items: GapSums
    dimensions: GapSums
    overall: GapSums
    weighted: GapSums | None = None
    weights: WeightSums | None = None
    segment_column: str | None = None


@dataclass(frozen=True)
class DimensionWeight:
    """Mean importance points (out of 100) given to a dimension."""

    dimension: str
    segment: str | None
    n: int
    mean_points: float


@dataclass(frozen=True)
class ServqualResult:
    """SERVQUAL gaps by item, dimension, overall and weighted.

    Attributes
    ----------
    items, dimensions, overall, weighted : tuple of GapStatistic
        ``gap`` is the SERVQUAL score P − E; ``ratio`` is P / E. ``weighted`` is empty when no
        importance points were given.
    weights : tuple of DimensionWeight
    instrument : Instrument
    confidence : float
        Level of the intervals.
    segment_column : str or None
    """

    items: tuple[GapStatistic, ...]
    dimensions: tuple[GapStatistic, ...]
    overall: tuple[GapStatistic, ...]
    weighted: tuple[GapStatistic, ...]
    weights: tuple[DimensionWeight, ...]
    instrument: Instrument = field(repr=False)
    confidence: float = 0.95
    segment_column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary for JSON."""
        dimension_of = self.instrument.dimension_of()
        return {
            "confidence": self.confidence,
            **({"segment_column": self.segment_column} if self.segment_column else {}),
            "items": [
                {"item": s.name, "dimension": dimension_of.get(s.name), **_without_name(s)}
                for s in self.items
            ],
            "dimensions": [{"dimension": s.name, **_without_name(s)} for s in self.dimensions],
            "overall": [_without_name(s) for s in self.overall],
            "weighted": [_without_name(s) for s in self.weighted],
            "weights": [
                {key: value for key, value in w.__dict__.items() if value is not None}
                for w in self.weights
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per item, dimension, overall and weighted score (column ``level``)."""
        rows = []
        for level, statistics in (
            ("item", self.items),
            ("dimension", self.dimensions),
            ("overall", self.overall),
            ("weighted", self.weighted),
        ):
            rows += [{"level": level, **s.__dict__} for s in statistics]
        return pd.DataFrame(rows)


def _without_name(statistic: GapStatistic) -> dict[str, Any]:
    out = statistic.to_dict()
    out.pop("name")
    return out


def _respondent_frame(
    data: pd.DataFrame,
    *,
    instrument: Instrument,
    respondent: str,
    item: str,
    expectation: str,
    perception: str,
    segment: str | None,
) -> pd.DataFrame:
    require_columns(data, [respondent, item, expectation, perception, segment])
    dimension_of = instrument.dimension_of()
    items = data[item].astype(str).str.strip()
    unknown = ~items.isin(list(dimension_of)).to_numpy() | data[item].isna().to_numpy()
    if unknown.any():
        at = int(np.flatnonzero(unknown)[0])
        raise AnalysisInputError(
            f"{data[item].iloc[at]!r} is not an item of the instrument "
            f"({', '.join(instrument.codes[:6])}…)",
            column=item,
            row=at + 1,
        )
    for column in (respondent,) + ((segment,) if segment is not None else ()):
        missing = data[column].isna().to_numpy()
        if missing.any():
            raise AnalysisInputError(
                "missing value", column=column, row=int(np.flatnonzero(missing)[0]) + 1
            )
    frame = pd.DataFrame(
        {
            "respondent": data[respondent].astype(str).to_numpy(),
            "segment": data[segment].astype(str).to_numpy() if segment is not None else "",
            "item": items.to_numpy(),
            "dimension": items.map(dimension_of).to_numpy(),
            "e": numeric_column(data, expectation),
            "p": numeric_column(data, perception),
            "row": np.arange(1, len(data) + 1),
        }
    )
    return frame


def summarize(
    data: pd.DataFrame,
    *,
    instrument: Instrument = SERVQUAL_22,
    respondent: str = "respondent",
    item: str = "item",
    expectation: str = "expectation",
    perception: str = "perception",
    weights: Mapping[str, str] | None = None,
    segment: str | None = None,
    points_tolerance: float = 0.5,
) -> ServqualSums:
    """Stage 1 of SERVQUAL on a long-format DataFrame (pandas).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per (respondent, item) with the expectation and perception scores.
    instrument : Instrument, default :data:`SERVQUAL_22`
    respondent, item, expectation, perception : str
        Column names.
    weights : mapping of str to str, optional
        ``{dimension: column}`` of the 100 importance points each respondent allocated (repeated
        on each of the respondent's rows; the first non-empty value counts).
    segment : str, optional
        Column to segment by.
    points_tolerance : float, default 0.5
        A respondent's points must sum to 100 within this tolerance.

    Returns
    -------
    ServqualSums

    Raises
    ------
    AnalysisInputError
        Missing column, unknown item, non-numeric score, or points that do not sum to 100 (the
        message names the row and column).
    """
    frame = _respondent_frame(
        data,
        instrument=instrument,
        respondent=respondent,
        item=item,
        expectation=expectation,
        perception=perception,
        segment=segment,
    )
    order = instrument.codes
    segments = frame["segment"] if segment is not None else None
    items = gap_sums(frame["item"], frame["e"], frame["p"], segments=segments, unit_order=order)
    complete = frame.dropna(subset=["e", "p"])
    by_dimension = complete.groupby(["segment", "respondent", "dimension"], sort=False)[
        ["e", "p"]
    ].mean()
    by_dimension = by_dimension.reset_index()
    dimensions = gap_sums(
        by_dimension["dimension"],
        by_dimension["e"],
        by_dimension["p"],
        segments=by_dimension["segment"] if segment is not None else None,
        unit_order=instrument.dimensions,
    )
    by_respondent = by_dimension.groupby(["segment", "respondent"], sort=False)[["e", "p"]].mean()
    by_respondent = by_respondent.reset_index()
    overall = gap_sums(
        np.full(len(by_respondent), "overall"),
        by_respondent["e"],
        by_respondent["p"],
        segments=by_respondent["segment"] if segment is not None else None,
    )
    weighted = weight_sums = None
    if weights is not None:
        weighted, weight_sums = _weighted(
            data, frame, by_dimension, instrument, weights, segment, points_tolerance
        )
    return ServqualSums(
        instrument=instrument,
        items=items,
        dimensions=dimensions,
        overall=overall,
        weighted=weighted,
        weights=weight_sums,
        segment_column=segment,
    )


def _weighted(
    data: pd.DataFrame,
    frame: pd.DataFrame,
    by_dimension: pd.DataFrame,
    instrument: Instrument,
    weights: Mapping[str, str],
    segment: str | None,
    tolerance: float,
) -> tuple[GapSums, WeightSums]:
    dimensions = list(instrument.dimensions)
    missing = [d for d in dimensions if d not in weights]
    if missing:
        raise AnalysisInputError(f"no importance-points column for dimension {missing[0]!r}")
    require_columns(data, [weights[d] for d in dimensions])
    points = pd.DataFrame(
        {d: numeric_column(data, weights[d]) for d in dimensions}
        | {"respondent": frame["respondent"], "segment": frame["segment"], "row": frame["row"]}
    )
    first = points.groupby(["segment", "respondent"], sort=False).first()
    stated = first[dimensions].notna().any(axis=1)
    first = first[stated]
    incomplete = first[dimensions].isna().any(axis=1)
    totals = first[dimensions].sum(axis=1)
    negative = (first[dimensions] < 0).any(axis=1)
    bad = incomplete | negative | ((totals - 100).abs() > tolerance)
    if bad.any():
        where = first[bad].iloc[0]
        column = weights[dimensions[0]]
        reason = (
            "importance points must be given for every dimension"
            if bool(incomplete[bad].iloc[0])
            else "importance points must not be negative"
            if bool(negative[bad].iloc[0])
            else f"importance points sum to {totals[bad].iloc[0]:g}, not 100"
        )
        raise AnalysisInputError(reason, column=column, row=int(where["row"]))

    def scores(value: str) -> pd.DataFrame:
        table = by_dimension.pivot_table(
            index=["segment", "respondent"], columns="dimension", values=value
        )
        return table.reindex(columns=dimensions)

    common = first.index.intersection(scores("e").index)
    share = first.loc[common, dimensions].to_numpy(dtype=np.float64) / 100.0
    e_scores = scores("e").loc[common].to_numpy(dtype=np.float64)
    p_scores = scores("p").loc[common].to_numpy(dtype=np.float64)
    answered = ~(np.isnan(e_scores).any(axis=1) | np.isnan(p_scores).any(axis=1))
    e = (share * e_scores).sum(axis=1)[answered]
    p = (share * p_scores).sum(axis=1)[answered]
    segment_values = (
        np.asarray(common.get_level_values("segment"))[answered] if segment is not None else None
    )
    weighted = gap_sums(np.full(len(e), "weighted"), e, p, segments=segment_values)
    keys: list[tuple[str | None, str]] = []
    counts: list[int] = []
    totals_by_key: list[float] = []
    segment_of = first.index.get_level_values("segment")
    for seg in sorted(set(segment_of)):
        rows = first[np.asarray(segment_of == seg)]
        for dimension in dimensions:
            keys.append((None if segment is None else str(seg), dimension))
            counts.append(int(rows[dimension].notna().sum()))
            totals_by_key.append(float(rows[dimension].sum()))
    weight_sums = WeightSums(
        keys=tuple(keys),
        n=np.array(counts, dtype=np.int64),
        total=np.array(totals_by_key, dtype=np.float64),
    )
    return weighted, weight_sums


def wide_items(
    instrument: Instrument,
    columns: Any,
    expectation_suffix: str = "_E",
    perception_suffix: str = "_P",
    where: str = "",
) -> list[str]:
    """The instrument's items that a wide table has columns for (``ITEM_E`` or ``ITEM_P``), in
    the instrument's order; at least one, else :class:`AnalysisInputError`."""
    names = set(columns)
    present = [
        code
        for code in instrument.codes
        if code + expectation_suffix in names or code + perception_suffix in names
    ]
    if not present:
        raise AnalysisInputError(
            f"no item columns{where}: a wide SERVQUAL table needs ITEM{expectation_suffix} and "
            f"ITEM{perception_suffix} columns for the items "
            f"{', '.join(instrument.codes[:4])}…"
        )
    return present


def summarize_wide(
    data: pd.DataFrame,
    *,
    instrument: Instrument = SERVQUAL_22,
    respondent: str | None = None,
    expectation_suffix: str = "_E",
    perception_suffix: str = "_P",
    points_suffix: str = "_W",
    segment: str | None = None,
    points_tolerance: float = 0.5,
) -> ServqualSums:
    """Stage 1 of SERVQUAL on a wide DataFrame: one row per respondent.

    Item ``X`` has columns ``X_E`` and ``X_P``; dimension ``D``'s importance points, if asked,
    are in ``D_W``. Items of the instrument without columns are skipped (at least one must be
    present); a respondent is identified by ``respondent`` or by the row.

    Returns
    -------
    ServqualSums
    """
    present = wide_items(instrument, data.columns, expectation_suffix, perception_suffix)
    require_columns(
        data,
        [segment, respondent]
        + [code + expectation_suffix for code in present]
        + [code + perception_suffix for code in present],
    )
    ids = (
        data[respondent].astype(str).to_numpy()
        if respondent is not None
        else np.arange(1, len(data) + 1).astype(str)
    )
    parts = []
    for code in present:
        part = pd.DataFrame(
            {
                "respondent": ids,
                "item": code,
                "expectation": numeric_column(data, code + expectation_suffix),
                "perception": numeric_column(data, code + perception_suffix),
            }
        )
        if segment is not None:
            part["segment"] = data[segment].to_numpy()
        dimensions = instrument.dimensions
        for dimension in dimensions:
            column = dimension + points_suffix
            if column in data.columns:
                part[column] = numeric_column(data, column)
        part["_row"] = np.arange(1, len(data) + 1)
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    has_points = any(d + points_suffix in data.columns for d in instrument.dimensions)
    try:
        sums = summarize(
            long,
            instrument=Instrument(
                tuple(item for item in instrument.items if item.code in set(present))
            ),
            weights={d: d + points_suffix for d in instrument.dimensions} if has_points else None,
            segment="segment" if segment is not None else None,
            points_tolerance=points_tolerance,
        )
    except AnalysisInputError as error:
        # Report rows and columns of the wide table, not of the internal long one.
        wide_row = None if error.row is None else int(long["_row"].iloc[error.row - 1])
        wide_column = segment if error.column == "segment" else error.column
        raise AnalysisInputError(error.reason, column=wide_column, row=wide_row) from None
    # the segment is the wide table's column, not the internal long one's
    return dataclasses.replace(sums, segment_column=segment)


def summarize_duckdb(
    source: DuckDBSource,
    *,
    instrument: Instrument = SERVQUAL_22,
    respondent: str = "respondent",
    item: str = "item",
    expectation: str = "expectation",
    perception: str = "perception",
    weights: Mapping[str, str] | None = None,
    segment: str | None = None,
    points_tolerance: float = 0.5,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> ServqualSums:
    """Stage 1 of SERVQUAL inside DuckDB, long format (items, dimensions, overall, weighted).

    Parameters are those of :func:`summarize`. With ``weights``, each respondent's points are
    the first non-empty value of each points column in file order (as :func:`summarize`), are
    checked in SQL (every dimension given, none negative, sum 100 ± ``points_tolerance``) and
    weight the respondent's dimension scores in the same query.

    Returns
    -------
    ServqualSums
        Equal to :func:`summarize` on the same rows, up to rounding.
    """
    relation = open_source(source, connection)
    if weights is not None:
        absent = [d for d in instrument.dimensions if d not in weights]
        if absent:
            raise AnalysisInputError(f"no importance-points column for dimension {absent[0]!r}")
    points_columns = [weights[d] for d in instrument.dimensions] if weights is not None else []
    columns = (
        [respondent, item, expectation, perception]
        + ([segment] if segment else [])
        + points_columns
    )
    for column in columns:
        if column not in relation.columns:
            raise AnalysisInputError(
                f"missing column {column!r}; the columns are {', '.join(relation.columns)}",
                column=column,
            )
    r, i = quote_identifier(respondent), quote_identifier(item)
    e, p = quote_identifier(expectation), quote_identifier(perception)
    s = quote_identifier(segment) if segment else "''"
    for name, column in [(e, expectation), (p, perception)] + [
        (quote_identifier(c), c) for c in points_columns
    ]:
        row = first_row_where(
            relation, f"{name} IS NOT NULL AND TRY_CAST({name} AS DOUBLE) IS NULL"
        )
        if row is not None:
            value = value_at(relation, column, row)
            raise AnalysisInputError(f"{value!r} is not a number", column=column, row=row)
    mapping = ", ".join(
        f"({quote_literal(x.code)}, {quote_literal(x.dimension)})" for x in instrument.items
    )
    # identifiers and literals below are quoted
    prelude = (
        f"WITH m(code, dimension) AS (VALUES {mapping}), "  # noqa: S608
        f"d AS (SELECT CAST({s} AS VARCHAR) AS seg, CAST({r} AS VARCHAR) AS resp, "
        f"trim(CAST({i} AS VARCHAR)) AS code, TRY_CAST({e} AS DOUBLE) AS e, "
        f"TRY_CAST({p} AS DOUBLE) AS p FROM qiwang_input), "
        "pairs AS (SELECT d.*, m.dimension FROM d JOIN m USING (code) "
        "WHERE e IS NOT NULL AND p IS NOT NULL), "
        "r AS (SELECT seg, resp, dimension, avg(e) AS e, avg(p) AS p FROM pairs GROUP BY ALL), "
        "o AS (SELECT seg, resp, 'overall' AS unit, avg(e) AS e, avg(p) AS p FROM r GROUP BY ALL) "
    )
    known = f"trim(CAST({i} AS VARCHAR)) IN {_codes(instrument)}"
    unknown = first_row_where(relation, f"{i} IS NULL OR NOT ({known})")
    if unknown is not None:
        value = value_at(relation, item, unknown)
        raise AnalysisInputError(
            f"{value!r} is not an item of the instrument ({', '.join(instrument.codes[:6])}…)",
            column=item,
            row=unknown,
        )

    def fetch(table: str, unit: str, order: Sequence[str] | None) -> GapSums:
        query = prelude + shifted_sums_sql(table, ["seg", unit])
        rows = select(relation, query)
        rank = {u: k for k, u in enumerate(order)} if order is not None else {}
        rows.sort(key=lambda row: (row[0], rank.get(row[1], len(rank)), row[1]))
        keys = [(row[0] if segment else None, str(row[1])) for row in rows]
        return gap_sums_from_rows(rows, keys)

    weighted = weight_sums = None
    if weights is not None:
        weighted, weight_sums = _weighted_duckdb(
            relation,
            prelude,
            instrument,
            weights,
            respondent=r,
            segment=s,
            segmented=segment is not None,
            tolerance=points_tolerance,
        )
    return ServqualSums(
        instrument=instrument,
        items=fetch("pairs", "code", instrument.codes),
        dimensions=fetch("r", "dimension", instrument.dimensions),
        overall=fetch("o", "unit", None),
        weighted=weighted,
        weights=weight_sums,
        segment_column=segment,
    )


def _weighted_duckdb(
    relation: duckdb.DuckDBPyRelation,
    prelude: str,
    instrument: Instrument,
    weights: Mapping[str, str],
    *,
    respondent: str,
    segment: str,
    segmented: bool,
    tolerance: float,
) -> tuple[GapSums, WeightSums]:
    """Weighted SERVQUAL sums in SQL (see :func:`_weighted` for the pandas version).

    ``respondent`` and ``segment`` are SQL expressions over the input (quoted identifiers).
    """
    dimensions = list(instrument.dimensions)
    k = len(dimensions)
    aliases = [f"w{j}" for j in range(k)]
    # the first non-empty value of each points column per respondent, in file order
    firsts = ", ".join(
        f"arg_min(TRY_CAST({quote_identifier(weights[d])} AS DOUBLE), rn) FILTER "
        f"(WHERE {quote_identifier(weights[d])} IS NOT NULL) AS {a}"
        for d, a in zip(dimensions, aliases, strict=True)
    )
    given = " OR ".join(f"{a} IS NOT NULL" for a in aliases)
    incomplete = " OR ".join(f"{a} IS NULL" for a in aliases)
    negative = " OR ".join(f"{a} < 0" for a in aliases)
    total = " + ".join(f"coalesce({a}, 0)" for a in aliases)
    share = "CASE dimension " + " ".join(
        f"WHEN {quote_literal(d)} THEN pts.{a}" for d, a in zip(dimensions, aliases, strict=True)
    )
    share += " END / 100.0"
    points = (
        ", numbered AS (SELECT row_number() OVER () AS rn, * FROM qiwang_input), "  # noqa: S608
        f"pts AS (SELECT CAST({segment} AS VARCHAR) AS seg, CAST({respondent} AS VARCHAR) "
        f"AS resp, min(rn) AS first_row, {firsts} FROM numbered GROUP BY ALL), "
        f"stated AS (SELECT *, ({incomplete}) AS incomplete, ({negative}) AS negative, "
        f"{total} AS total FROM pts WHERE {given}) "
    )
    bad = select(
        relation,
        prelude  # noqa: S608 - identifiers and literals are quoted
        + points
        + "SELECT first_row, incomplete, negative, total FROM stated "
        + f"WHERE incomplete OR negative OR abs(total - 100) > {float(tolerance)!r} "
        + "ORDER BY first_row LIMIT 1",
    )
    if bad:
        first_row, is_incomplete, is_negative, points_total = bad[0]
        reason = (
            "importance points must be given for every dimension"
            if is_incomplete
            else "importance points must not be negative"
            if is_negative
            else f"importance points sum to {points_total:g}, not 100"
        )
        raise AnalysisInputError(reason, column=weights[dimensions[0]], row=int(first_row))
    scores = (
        ", w AS (SELECT r.seg, r.resp, "  # noqa: S608
        f"sum(({share}) * r.e) AS e, sum(({share}) * r.p) AS p "
        "FROM r JOIN stated AS pts USING (seg, resp) "
        f"GROUP BY ALL HAVING count(*) = {k}) "
    )
    rows = sorted(
        select(relation, prelude + points + scores + shifted_sums_sql("w", ["seg"])),
        key=lambda row: row[0],
    )
    weighted = gap_sums_from_rows(
        rows, [(row[0] if segmented else None, "weighted") for row in rows], first=1
    )
    per_column = ", ".join(f"count({a}), sum({a})" for a in aliases)
    allocations = select(
        relation,
        prelude + points + f"SELECT seg, {per_column} FROM stated GROUP BY ALL ORDER BY seg",  # noqa: S608
    )
    keys: list[tuple[str | None, str]] = []
    counts: list[int] = []
    totals: list[float] = []
    for row in allocations:
        for j, dimension in enumerate(dimensions):
            keys.append((row[0] if segmented else None, dimension))
            counts.append(int(row[1 + 2 * j]))
            totals.append(float(row[2 + 2 * j] or 0.0))
    weight_sums = WeightSums(
        keys=tuple(keys),
        n=np.array(counts, dtype=np.int64),
        total=np.array(totals, dtype=np.float64),
    )
    return weighted, weight_sums


def _codes(instrument: Instrument) -> str:
    return "(" + ", ".join(quote_literal(code) for code in instrument.codes) + ")"


def analyze_sums(
    sums: ServqualSums, *, confidence: float = 0.95, tolerance: float = 0.0
) -> ServqualResult:
    """Stage 2 of SERVQUAL: gaps, ratios and intervals from :class:`ServqualSums`.

    Parameters
    ----------
    sums : ServqualSums
    confidence : float, default 0.95
    tolerance : float, default 0.0
        Gaps within ``± tolerance`` are classed "indifferent" (see :class:`Outcome`).
    """
    options = {"confidence": confidence, "tolerance": tolerance}
    weights: tuple[DimensionWeight, ...] = ()
    if sums.weights is not None:
        weights = tuple(
            DimensionWeight(
                dimension=key[1],
                segment=key[0],
                n=int(sums.weights.n[k]),
                mean_points=float(sums.weights.total[k] / sums.weights.n[k]),
            )
            for k, key in enumerate(sums.weights.keys)
        )
    return ServqualResult(
        items=gap_statistics(sums.items, **options),
        dimensions=gap_statistics(sums.dimensions, **options),
        overall=gap_statistics(sums.overall, **options),
        weighted=() if sums.weighted is None else gap_statistics(sums.weighted, **options),
        weights=weights,
        instrument=sums.instrument,
        confidence=confidence,
        segment_column=sums.segment_column,
    )


def analyze(
    data: pd.DataFrame,
    *,
    instrument: Instrument = SERVQUAL_22,
    respondent: str = "respondent",
    item: str = "item",
    expectation: str = "expectation",
    perception: str = "perception",
    weights: Mapping[str, str] | None = None,
    segment: str | None = None,
    confidence: float = 0.95,
    tolerance: float = 0.0,
) -> ServqualResult:
    """SERVQUAL analysis of a long-format DataFrame: :func:`summarize` then :func:`analyze_sums`.

    Examples
    --------
    >>> import pandas as pd
    >>> from qiwang.analysis.servqual import Instrument
    >>> frame = pd.DataFrame({"respondent": [1, 1, 2, 2], "item": ["q1", "q2", "q1", "q2"],
    ...                       "expectation": [7, 6, 6, 6], "perception": [5, 6, 4, 5]})
    >>> result = analyze(frame, instrument=Instrument.from_mapping({"speed": ["q1", "q2"]}))
    >>> [(s.name, s.gap) for s in result.items]
    [('q1', -2.0), ('q2', -0.5)]
    """
    sums = summarize(
        data,
        instrument=instrument,
        respondent=respondent,
        item=item,
        expectation=expectation,
        perception=perception,
        weights=weights,
        segment=segment,
    )
    return analyze_sums(sums, confidence=confidence, tolerance=tolerance)
