"""Importance–performance analysis (Martilla & James 1977).

Each attribute is placed by its mean importance (y) and mean performance (x) in a grid split by
crosshairs into four quadrants: I *concentrate here* (important, performing poorly), II *keep up
the good work*, III *low priority*, IV *possible overkill*. Importance is either **stated** (the
mean of an importance rating) or **derived** (the Pearson correlation of the attribute's
performance with an overall satisfaction rating). The crosshairs sit either at the **scale
midpoint** or at the **grand means** of the plotted values (mean over attributes).

Stage 1 needs per attribute only counts and sums: n, Σimportance, Σperformance, and for derived
importance the pairwise sums Σx, Σy, Σx², Σy², Σxy with the overall rating.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._duckdb import DuckDBSource, first_row_where, open_source, quote_identifier
from qiwang.analysis._duckdb import select as run_select
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._io import numeric_column, require_columns

__all__ = [
    "IpaAttribute",
    "IpaResult",
    "IpaSums",
    "Quadrant",
    "analyze",
    "analyze_sums",
    "summarize",
    "summarize_duckdb",
    "summarize_wide",
]

Crosshair = Literal["midpoint", "mean"]


class Quadrant(StrEnum):
    """Martilla & James (1977) quadrants."""

    CONCENTRATE_HERE = "concentrate here"
    """I: high importance, low performance — improve first."""
    KEEP_UP = "keep up the good work"
    """II: high importance, high performance."""
    LOW_PRIORITY = "low priority"
    """III: low importance, low performance."""
    POSSIBLE_OVERKILL = "possible overkill"
    """IV: low importance, high performance — resources may be better spent elsewhere."""


@dataclass(frozen=True)
class IpaSums:
    """Stage-1 sums per (segment, attribute).

    Attributes
    ----------
    keys : tuple of (segment or None, attribute)
    importance_n, performance_n : numpy.ndarray of int64
        Answers with an importance / a performance rating.
    importance_sum, performance_sum : numpy.ndarray of float64
    pair_n, sum_x, sum_y, sum_xx, sum_yy, sum_xy : numpy.ndarray of float64, optional
        Sums over the rows with both the attribute's performance ``x`` and the overall rating
        ``y`` (for derived importance).
    """

    keys: tuple[tuple[str | None, str], ...]
    importance_n: npt.NDArray[np.int64]
    importance_sum: npt.NDArray[np.float64]
    performance_n: npt.NDArray[np.int64]
    performance_sum: npt.NDArray[np.float64]
    pairs: npt.NDArray[np.float64] | None = None
    """Shape (keys, 6): n, Σx, Σy, Σx², Σy², Σxy of the values minus ``pair_shift``."""
    pair_shift: npt.NDArray[np.float64] | None = None
    """Shape (keys, 2): the (x, y) shift of each key's pair sums (``None``: no shift).

    Shifting by a value near the mean (stage 1 uses the key's means) keeps the second moments
    exact to rounding even when the ratings sit on a large offset; the one-pass formula
    ``Σx² − (Σx)²/n`` loses every digit at offsets of 1e7."""

    def shifted_to(self, shift: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
        """The pair sums re-expressed around ``shift`` (keys, 2) (exact algebra)."""
        if self.pairs is None:
            return None
        old = self.pair_shift if self.pair_shift is not None else np.zeros((len(self.keys), 2))
        d = old - shift  # x - new = (x - old) + d
        n, sx, sy, sxx, syy, sxy = self.pairs.T
        dx, dy = d[:, 0], d[:, 1]
        return np.column_stack(
            [
                n,
                sx + n * dx,
                sy + n * dy,
                sxx + 2 * dx * sx + n * dx * dx,
                syy + 2 * dy * sy + n * dy * dy,
                sxy + dx * sy + dy * sx + n * dx * dy,
            ]
        )

    def merge(self, other: IpaSums) -> IpaSums:
        """Add the sums of disjoint rows (exact)."""
        if (self.pairs is None) != (other.pairs is None):
            raise ValueError("cannot merge sums with and without an overall rating")
        if self.pairs is not None and (self.pair_shift is not None or other.pair_shift is not None):
            return _merge_shifted(self, other)
        keys = sorted(set(self.keys) | set(other.keys), key=lambda k: (k[0] or "", k[1]))
        index = {key: i for i, key in enumerate(keys)}

        def add(name: str) -> Any:
            first = getattr(self, name)
            if first is None:
                return None
            total = np.zeros((len(keys), *first.shape[1:]), dtype=first.dtype)
            for part in (self, other):
                np.add.at(total, [index[key] for key in part.keys], getattr(part, name))
            return total

        return IpaSums(
            keys=tuple(keys),
            importance_n=add("importance_n"),
            importance_sum=add("importance_sum"),
            performance_n=add("performance_n"),
            performance_sum=add("performance_sum"),
            pairs=add("pairs"),
        )


def _merge_shifted(first: IpaSums, second: IpaSums) -> IpaSums:
    """Merge pair sums kept around different shifts: re-centre both on one shift per key."""
    keys = sorted(set(first.keys) | set(second.keys), key=lambda k: (k[0] or "", k[1]))
    index = {key: i for i, key in enumerate(keys)}
    shift = np.zeros((len(keys), 2))
    for part in (second, first):  # the first part's shift wins where both have the key
        if part.pair_shift is not None:
            shift[[index[k] for k in part.keys]] = part.pair_shift
    total = np.zeros((len(keys), 6))
    plain = {}
    for name in ("importance_n", "importance_sum", "performance_n", "performance_sum"):
        dtype = getattr(first, name).dtype
        plain[name] = np.zeros(len(keys), dtype=dtype)
    for part in (first, second):
        rows = [index[k] for k in part.keys]
        moved = part.shifted_to(shift[rows])
        assert moved is not None
        np.add.at(total, rows, moved)
        for name in plain:
            np.add.at(plain[name], rows, getattr(part, name))
    return IpaSums(keys=tuple(keys), pairs=total, pair_shift=shift, **plain)


def _sums_for(
    names: npt.NDArray[np.object_],
    segments: npt.NDArray[np.object_] | None,
    importance: npt.NDArray[np.float64],
    performance: npt.NDArray[np.float64],
    overall: npt.NDArray[np.float64] | None,
) -> IpaSums:
    segment_values = segments if segments is not None else np.full(len(names), "", dtype=object)
    keys_found = sorted(set(zip(segment_values.tolist(), names.tolist(), strict=True)))
    index = {key: i for i, key in enumerate(keys_found)}
    group = np.array(
        [index[key] for key in zip(segment_values.tolist(), names.tolist(), strict=True)],
        dtype=np.int64,
    )
    size = len(keys_found)

    def count(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        return np.bincount(group[mask], minlength=size).astype(np.int64)

    def total(values: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]) -> Any:
        return np.bincount(group[mask], weights=values[mask], minlength=size)

    has_i, has_p = ~np.isnan(importance), ~np.isnan(performance)
    pairs = None
    shift = None
    if overall is not None:
        both = has_p & ~np.isnan(overall)
        with np.errstate(invalid="ignore", divide="ignore"):
            pn = np.maximum(count(both), 1)
            shift = np.column_stack([total(performance, both) / pn, total(overall, both) / pn])
        x = np.where(both, performance - shift[group, 0], np.nan)
        y = np.where(both, overall - shift[group, 1], np.nan)
        pairs = np.column_stack(
            [
                count(both).astype(np.float64),
                total(x, both),
                total(y, both),
                total(x * x, both),
                total(y * y, both),
                total(x * y, both),
            ]
        )
    return IpaSums(
        keys=tuple((None if segments is None else str(s), str(a)) for s, a in keys_found),
        importance_n=count(has_i),
        importance_sum=total(importance, has_i),
        performance_n=count(has_p),
        performance_sum=total(performance, has_p),
        pairs=pairs,
        pair_shift=shift,
    )


def summarize(
    data: pd.DataFrame,
    *,
    attribute: str = "attribute",
    performance: str = "performance",
    importance: str | None = "importance",
    overall: str | None = None,
    segment: str | None = None,
) -> IpaSums:
    """Stage 1 of IPA on a long-format DataFrame: one row per (respondent, attribute).

    Parameters
    ----------
    attribute, performance : str
        Column names.
    importance : str or None, default "importance"
        Stated-importance column (``None`` when importance is derived).
    overall : str, optional
        Overall satisfaction rating (repeated on each of the respondent's rows), for derived
        importance.
    segment : str, optional
    """
    require_columns(data, [attribute, performance, importance, overall, segment])
    missing = data[attribute].isna().to_numpy()
    if missing.any():
        raise AnalysisInputError(
            "missing value", column=attribute, row=int(np.flatnonzero(missing)[0]) + 1
        )
    p = numeric_column(data, performance)
    i = numeric_column(data, importance) if importance is not None else np.full(len(data), np.nan)
    y = numeric_column(data, overall) if overall is not None else None
    segments = data[segment].astype(str).to_numpy(dtype=object) if segment is not None else None
    return _sums_for(data[attribute].astype(str).to_numpy(dtype=object), segments, i, p, y)


def summarize_wide(
    data: pd.DataFrame,
    *,
    attributes: Sequence[str] | None = None,
    performance_suffix: str = "_P",
    importance_suffix: str = "_I",
    overall: str | None = None,
    segment: str | None = None,
) -> IpaSums:
    """Stage 1 of IPA on a wide DataFrame: attribute ``X`` in columns ``X_P`` and ``X_I``."""
    names = list(
        attributes
        if attributes is not None
        else [
            str(c)[: -len(performance_suffix)]
            for c in data.columns
            if str(c).endswith(performance_suffix)
        ]
    )
    if not names:
        raise AnalysisInputError(
            f"no attribute columns: a wide IPA table needs NAME{performance_suffix} columns"
        )
    require_columns(data, [overall, segment] + [n + performance_suffix for n in names])
    y = numeric_column(data, overall) if overall is not None else None
    segments = data[segment].astype(str).to_numpy(dtype=object) if segment is not None else None
    parts = []
    for name in names:
        i_column = name + importance_suffix
        parts.append(
            _sums_for(
                np.full(len(data), name, dtype=object),
                segments,
                numeric_column(data, i_column)
                if i_column in data.columns
                else np.full(len(data), np.nan),
                numeric_column(data, name + performance_suffix),
                y,
            )
        )
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    return merged


def summarize_duckdb(
    source: DuckDBSource,
    *,
    attribute: str = "attribute",
    performance: str = "performance",
    importance: str | None = "importance",
    overall: str | None = None,
    segment: str | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> IpaSums:
    """:func:`summarize` inside DuckDB (long format over Parquet / CSV / a relation).

    One ``GROUP BY segment, attribute`` with counts and sums; equal to :func:`summarize` on the
    same rows up to rounding.
    """
    relation = open_source(source, connection)
    for column in (attribute, performance, importance, overall, segment):
        if column is not None and column not in relation.columns:
            raise AnalysisInputError(
                f"missing column {column!r}; the columns are {', '.join(relation.columns)}",
                column=column,
            )
    cast: dict[str, str] = {}
    for column in (performance, importance, overall):
        if column is None:
            continue
        name = quote_identifier(column)
        row = first_row_where(
            relation, f"{name} IS NOT NULL AND TRY_CAST({name} AS DOUBLE) IS NULL"
        )
        if row is not None:
            raise AnalysisInputError("not a number", column=column, row=row)
        cast[column] = f"TRY_CAST({name} AS DOUBLE)"
    a = quote_identifier(attribute)
    row = first_row_where(relation, f"{a} IS NULL")
    if row is not None:
        raise AnalysisInputError("missing value", column=attribute, row=row)
    seg = f"CAST({quote_identifier(segment)} AS VARCHAR)" if segment is not None else "NULL"
    x = cast[performance]
    i = cast[importance] if importance is not None else "CAST(NULL AS DOUBLE)"
    parts = [f"count({i})", f"coalesce(sum({i}), 0)", f"count({x})", f"coalesce(sum({x}), 0)"]
    source = "qiwang_input"
    if overall is not None:
        # shifted sums: each key's pair means come first (a window), then sums around them
        y = cast[overall]
        pair = f"{x} IS NOT NULL AND {y} IS NOT NULL"
        both = f"FILTER (WHERE {pair})"
        window = f"OVER (PARTITION BY {seg}, CAST({a} AS VARCHAR))"
        source = (
            f"(SELECT *, coalesce(avg({x}) FILTER (WHERE {pair}) {window}, 0) AS qw_kx, "  # noqa: S608
            f"coalesce(avg({y}) FILTER (WHERE {pair}) {window}, 0) AS qw_ky FROM qiwang_input)"
        )
        dx, dy = f"({x} - qw_kx)", f"({y} - qw_ky)"
        parts += [
            f"count(*) {both}",
            *(
                f"coalesce(sum({e}) {both}, 0)"
                for e in (dx, dy, f"{dx} * {dx}", f"{dy} * {dy}", f"{dx} * {dy}")
            ),
            "any_value(qw_kx)",
            "any_value(qw_ky)",
        ]
    query = (
        f"SELECT {seg}, CAST({a} AS VARCHAR), {', '.join(parts)} "  # noqa: S608
        f"FROM {source} GROUP BY ALL"
    )
    rows = sorted(run_select(relation, query), key=lambda r: (r[0] or "", r[1]))
    if not rows:
        raise AnalysisInputError("there are no data rows")
    return IpaSums(
        keys=tuple((None if segment is None else str(r[0]), str(r[1])) for r in rows),
        importance_n=np.array([r[2] for r in rows], dtype=np.int64),
        importance_sum=np.array([r[3] for r in rows], dtype=np.float64),
        performance_n=np.array([r[4] for r in rows], dtype=np.int64),
        performance_sum=np.array([r[5] for r in rows], dtype=np.float64),
        pairs=np.array([r[6:12] for r in rows], dtype=np.float64) if overall is not None else None,
        pair_shift=np.array([r[12:14] for r in rows], dtype=np.float64)
        if overall is not None
        else None,
    )


@dataclass(frozen=True)
class IpaAttribute:
    """One attribute on the importance–performance grid."""

    attribute: str
    segment: str | None
    importance: float
    performance: float
    importance_n: int
    performance_n: int
    quadrant: str | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (NaN becomes ``None``)."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in self.__dict__.items()
            if not (k == "segment" and v is None)
        }


@dataclass(frozen=True)
class IpaResult:
    """Importance–performance grid.

    Attributes
    ----------
    attributes : tuple of IpaAttribute
    importance_kind : {"stated", "derived"}
    crosshair : {"midpoint", "mean"}
    importance_crosshair, performance_crosshair : dict of segment to float
        Where the grid is split, per segment (key ``""`` when unsegmented); NaN (``null`` in
        JSON) when no attribute of the segment has a defined value.
    warnings : tuple of str
        Attributes whose importance is undefined, and why (they get no quadrant).
    """

    attributes: tuple[IpaAttribute, ...]
    importance_kind: str
    crosshair: str
    importance_crosshair: dict[str, float]
    performance_crosshair: dict[str, float]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary for JSON."""
        return {
            "importance_kind": self.importance_kind,
            "crosshair": self.crosshair,
            "importance_crosshair": _nulls(self.importance_crosshair),
            "performance_crosshair": _nulls(self.performance_crosshair),
            "attributes": [item.to_dict() for item in self.attributes],
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per attribute."""
        return pd.DataFrame([item.__dict__ for item in self.attributes])


def _nulls(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if math.isnan(v) else v) for k, v in values.items()}


def _derived_importance(sums: IpaSums) -> tuple[Any, Any, list[str | None]]:
    """Correlation of each attribute's performance with the overall rating, from shifted sums.

    Undefined (NaN, with the reason) when fewer than 2 pairs, or when the attribute's
    performance or the overall rating is constant over the pairs (a zero variance up to
    rounding, see the floor below).
    """
    if sums.pairs is None:
        raise AnalysisInputError("derived importance needs the overall rating column")
    shift = sums.pair_shift if sums.pair_shift is not None else np.zeros((len(sums.keys), 2))
    n, sx, sy, sxx, syy, sxy = sums.pairs.T
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = sx / n, sy / n
        cxx = sxx - n * mx * mx
        cyy = syy - n * my * my
        cxy = sxy - n * mx * my
        # rounding floor: subtracting the shift from a value x loses about eps·|x|, so a
        # centred sum of squares below (1e-13)² Σx² (unshifted values) is zero up to rounding
        floor_x = 1e-26 * (cxx + n * (shift[:, 0] + mx) ** 2)
        floor_y = 1e-26 * (cyy + n * (shift[:, 1] + my) ** 2)
        values = cxy / np.sqrt(cxx * cyy)
    notes: list[str | None] = []
    for k, key in enumerate(sums.keys):
        where = f"{key[1]!r}" + (f" (segment {key[0]!r})" if key[0] is not None else "")
        if n[k] < 2:
            notes.append(f"derived importance of {where} is undefined: fewer than 2 answers")
        elif not cyy[k] > max(floor_y[k], 0.0):
            notes.append(
                f"derived importance of {where} is undefined: the overall rating is constant"
            )
        elif not cxx[k] > max(floor_x[k], 0.0):
            notes.append(f"derived importance of {where} is undefined: its performance is constant")
        else:
            notes.append(None)
            continue
        values[k] = np.nan
    return np.clip(values, -1.0, 1.0), n.astype(np.int64), notes


def analyze_sums(
    sums: IpaSums,
    *,
    importance: Literal["stated", "derived"] = "stated",
    crosshair: Crosshair = "mean",
    scale: tuple[float, float] | None = None,
) -> IpaResult:
    """Stage 2 of IPA: means, crosshairs and quadrants.

    Parameters
    ----------
    sums : IpaSums
    importance : {"stated", "derived"}, default "stated"
        Mean stated importance, or the correlation of performance with the overall rating.
    crosshair : {"midpoint", "mean"}, default "mean"
        Split at the scale midpoint ``(low + high) / 2`` (needs ``scale``; stated importance
        only) or at the grand means over the attributes (Martilla & James 1977 discuss both).
    scale : (float, float), optional
        Lowest and highest point of the rating scale, for the midpoint crosshair.

    Returns
    -------
    IpaResult
        An attribute exactly on a crosshair counts as high on that axis. An attribute whose
        importance is undefined (derived importance with a constant overall rating or a
        constant performance) gets no quadrant and a ``note``; when every attribute's is
        undefined, :class:`AnalysisInputError` says why.
    """
    if importance not in ("stated", "derived"):
        raise ValueError("importance must be 'stated' or 'derived'")
    if crosshair not in ("midpoint", "mean"):
        raise ValueError("crosshair must be 'midpoint' or 'mean'")
    if crosshair == "midpoint":
        if scale is None:
            raise ValueError("the midpoint crosshair needs the rating scale (low, high)")
        if importance == "derived":
            raise ValueError(
                "derived importance is a correlation, not a rating: use the mean crosshair"
            )
    notes: list[str | None] = [None] * len(sums.keys)
    with np.errstate(invalid="ignore", divide="ignore"):
        performance = sums.performance_sum / sums.performance_n
        if importance == "stated":
            values = sums.importance_sum / sums.importance_n
            counts = sums.importance_n
            if np.all(sums.importance_n == 0):
                raise AnalysisInputError("no stated importance: give an importance column")
        else:
            values, counts, notes = _derived_importance(sums)
            if all(note is not None for note in notes):
                raise AnalysisInputError(
                    "derived importance is undefined for every attribute: "
                    + "; ".join(str(note) for note in notes[:3])
                )
    segments = sorted({key[0] or "" for key in sums.keys})
    i_cross: dict[str, float] = {}
    p_cross: dict[str, float] = {}
    for seg in segments:
        chosen = np.array([(key[0] or "") == seg for key in sums.keys])
        if crosshair == "midpoint" and scale is not None:
            i_cross[seg] = p_cross[seg] = (scale[0] + scale[1]) / 2
        else:
            defined = chosen & ~np.isnan(values)
            i_cross[seg] = float(np.mean(values[defined])) if defined.any() else math.nan
            placed = chosen & ~np.isnan(performance)
            p_cross[seg] = float(np.mean(performance[placed])) if placed.any() else math.nan
    attributes = []
    for k, key in enumerate(sums.keys):
        seg = key[0] or ""
        high_i = values[k] >= i_cross[seg]
        high_p = performance[k] >= p_cross[seg]
        quadrant: Quadrant | None = (
            (Quadrant.KEEP_UP if high_p else Quadrant.CONCENTRATE_HERE)
            if high_i
            else (Quadrant.POSSIBLE_OVERKILL if high_p else Quadrant.LOW_PRIORITY)
        )
        if np.isnan(values[k]) or np.isnan(performance[k]):
            quadrant = None  # no quadrant for an undefined coordinate
        attributes.append(
            IpaAttribute(
                attribute=key[1],
                segment=key[0],
                importance=float(values[k]),
                performance=float(performance[k]),
                importance_n=int(counts[k]),
                performance_n=int(sums.performance_n[k]),
                quadrant=None if quadrant is None else quadrant.value,
                note=notes[k],
            )
        )
    return IpaResult(
        attributes=tuple(attributes),
        importance_kind=importance,
        crosshair=crosshair,
        importance_crosshair=i_cross,
        performance_crosshair=p_cross,
        warnings=tuple(note for note in notes if note is not None),
    )


def analyze(
    data: pd.DataFrame,
    *,
    attribute: str = "attribute",
    performance: str = "performance",
    importance: str | None = "importance",
    overall: str | None = None,
    segment: str | None = None,
    crosshair: Crosshair = "mean",
    scale: tuple[float, float] | None = None,
) -> IpaResult:
    """IPA of a long-format DataFrame; importance is stated, or derived when ``importance`` is
    ``None`` and ``overall`` is given.

    Examples
    --------
    >>> frame = pd.DataFrame({"attribute": ["speed", "speed", "decor", "decor"],
    ...                       "importance": [7, 6, 3, 2], "performance": [3, 4, 6, 6]})
    >>> [(a.attribute, a.quadrant) for a in analyze(frame, crosshair="midpoint",
    ...                                              scale=(1, 7)).attributes]
    [('decor', 'possible overkill'), ('speed', 'concentrate here')]
    """
    sums = summarize(
        data,
        attribute=attribute,
        performance=performance,
        importance=importance,
        overall=overall,
        segment=segment,
    )
    kind: Literal["stated", "derived"] = "stated" if importance is not None else "derived"
    return analyze_sums(sums, importance=kind, crosshair=crosshair, scale=scale)
