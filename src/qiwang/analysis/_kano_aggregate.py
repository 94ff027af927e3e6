"""Kano analysis, stage 1: count answer pairs where the data lives (pandas or DuckDB)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._duckdb import (
    VIEW,
    DuckDBSource,
    first_row_where,
    open_source,
    quote_identifier,
    quote_literal,
    select,
)
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._io import numeric_column, require_columns
from qiwang.analysis._kano import KanoCounts
from qiwang.analysis._scales import KANO_ANSWERS, code_of

__all__ = [
    "count_answers",
    "count_answers_duckdb",
    "count_answers_wide",
    "counts_from_groups",
    "wide_attributes",
]


def _labels(values: pd.Series[Any], column: str) -> npt.NDArray[np.object_]:
    missing = values.isna().to_numpy()
    if missing.any():
        raise AnalysisInputError(
            "missing value", column=column, row=int(np.flatnonzero(missing)[0]) + 1
        )
    return values.astype(str).to_numpy(dtype=object)


def _tally(
    groups: npt.NDArray[np.int64],
    group_count: int,
    functional: npt.NDArray[np.int8],
    dysfunctional: npt.NDArray[np.int8],
    importance: npt.NDArray[np.float64] | None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any] | None, npt.NDArray[Any] | None, Any]:
    cell = groups * 25 + (functional.astype(np.int64) - 1) * 5 + (dysfunctional - 1)
    size = group_count * 25
    pairs = np.bincount(cell, minlength=size).reshape(group_count, 5, 5).astype(np.int64)
    if importance is None:
        return pairs, None, None, None
    stated = ~np.isnan(importance)
    weights = np.where(stated, importance, 0.0)
    total = np.bincount(cell, weights=weights, minlength=size).reshape(group_count, 5, 5)
    square = np.bincount(cell, weights=weights**2, minlength=size).reshape(group_count, 5, 5)
    count = np.bincount(cell[stated], minlength=size).reshape(group_count, 5, 5).astype(np.int64)
    return pairs, total, square, count


def count_answers(
    data: pd.DataFrame,
    *,
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    importance: str | None = None,
    segment: str | None = None,
) -> KanoCounts:
    """Count Kano answer pairs in a long-format DataFrame (stage 1, pandas).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per (respondent, attribute) with the two answers.
    attribute, functional, dysfunctional : str
        Column names. Answers may be codes 1–5, English or Chinese labels
        (see :data:`qiwang.analysis.kano.KANO_ANSWERS`).
    importance : str, optional
        Column of self-stated importance (any numeric scale; empty cells are allowed).
    segment : str, optional
        Column to segment by (tier, branch, survey wave …).

    Returns
    -------
    KanoCounts

    Raises
    ------
    AnalysisInputError
        A missing column, an empty table, an unknown answer, a missing attribute or a
        non-numeric importance; the message names the row and column.
    """
    require_columns(data, [attribute, functional, dysfunctional, importance, segment])
    f = KANO_ANSWERS.parse(data[functional], column=functional)
    d = KANO_ANSWERS.parse(data[dysfunctional], column=dysfunctional)
    names = _labels(data[attribute], attribute)
    attribute_codes, attribute_values = pd.factorize(names, sort=True)
    if segment is not None:
        segment_codes, segment_values = pd.factorize(_labels(data[segment], segment), sort=True)
    else:
        segment_codes, segment_values = np.zeros(len(data), dtype=np.int64), np.array([None])
    k = len(attribute_values)
    groups = segment_codes.astype(np.int64) * k + attribute_codes
    weights = numeric_column(data, importance) if importance is not None else None
    pairs, total, square, count = _tally(groups, len(segment_values) * k, f, d, weights)
    present = np.flatnonzero(pairs.sum(axis=(1, 2)) > 0)
    return KanoCounts(
        attributes=tuple(str(attribute_values[g % k]) for g in present),
        segments=tuple(None if segment is None else str(segment_values[g // k]) for g in present),
        pairs=pairs[present],
        importance_sum=None if total is None else total[present],
        importance_square_sum=None if square is None else square[present],
        importance_count=None if count is None else count[present],
        segment_column=segment,
    )


def wide_attributes(
    columns: Sequence[str], *, functional_suffix: str = "_F", dysfunctional_suffix: str = "_D"
) -> list[str]:
    """Attributes of a wide table: names ``X`` with both ``X_F`` and ``X_D`` columns, in order."""
    present = set(columns)
    return [
        column[: -len(functional_suffix)]
        for column in columns
        if column.endswith(functional_suffix)
        and column[: -len(functional_suffix)] + dysfunctional_suffix in present
    ]


def count_answers_wide(
    data: pd.DataFrame,
    *,
    attributes: Sequence[str] | None = None,
    functional_suffix: str = "_F",
    dysfunctional_suffix: str = "_D",
    importance_suffix: str = "_I",
    segment: str | None = None,
) -> KanoCounts:
    """Count Kano answer pairs in a wide DataFrame (stage 1, pandas).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; attribute ``X`` has its answers in columns ``X_F`` (functional)
        and ``X_D`` (dysfunctional) and optionally its stated importance in ``X_I``. Empty answer
        cells (both empty) mean the attribute was not asked of that respondent.
    attributes : sequence of str, optional
        Attributes to count (default: every ``X`` with both ``X_F`` and ``X_D``).
    functional_suffix, dysfunctional_suffix, importance_suffix : str
        Column-name suffixes.
    segment : str, optional
        Column to segment by.

    Returns
    -------
    KanoCounts

    Raises
    ------
    AnalysisInputError
        As :func:`count_answers`; also when only one answer of a pair is given.
    """
    names = list(
        attributes
        if attributes is not None
        else wide_attributes(
            [str(c) for c in data.columns],
            functional_suffix=functional_suffix,
            dysfunctional_suffix=dysfunctional_suffix,
        )
    )
    if not names:
        raise AnalysisInputError(
            f"no attribute columns: a wide Kano table needs pairs of columns "
            f"NAME{functional_suffix} and NAME{dysfunctional_suffix}"
        )
    require_columns(
        data,
        [segment]
        + [name + functional_suffix for name in names]
        + [name + dysfunctional_suffix for name in names],
    )
    has_importance = any(name + importance_suffix in data.columns for name in names)
    if segment is not None:
        segment_codes, segment_values = pd.factorize(_labels(data[segment], segment), sort=True)
    else:
        segment_codes, segment_values = np.zeros(len(data), dtype=np.int64), np.array([None])
    order = sorted(range(len(names)), key=lambda i: names[i])
    rows = np.arange(1, len(data) + 1, dtype=np.int64)
    parts: list[KanoCounts] = []
    for position in order:
        name = names[position]
        f_column, d_column = name + functional_suffix, name + dysfunctional_suffix
        asked = data[f_column].notna().to_numpy() | data[d_column].notna().to_numpy()
        f = KANO_ANSWERS.parse(data[f_column][asked], column=f_column, row_numbers=rows[asked])
        d = KANO_ANSWERS.parse(data[d_column][asked], column=d_column, row_numbers=rows[asked])
        weights = None
        if has_importance:
            i_column = name + importance_suffix
            weights = (
                numeric_column(data, i_column)[asked]
                if i_column in data.columns
                else np.full(int(asked.sum()), np.nan)
            )
        s = len(segment_values)
        pairs, total, square, count = _tally(
            segment_codes[asked].astype(np.int64), s, f, d, weights
        )
        present = np.flatnonzero(pairs.sum(axis=(1, 2)) > 0)
        parts.append(
            KanoCounts(
                attributes=(name,) * len(present),
                segments=tuple(
                    None if segment is None else str(segment_values[g]) for g in present
                ),
                pairs=pairs[present],
                importance_sum=None if total is None else total[present],
                importance_square_sum=None if square is None else square[present],
                importance_count=None if count is None else count[present],
                segment_column=segment,
            )
        )
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    if len(merged.attributes) == 0:
        raise AnalysisInputError("there are no answers")
    return merged


def count_answers_duckdb(
    source: DuckDBSource,
    *,
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    importance: str | None = None,
    segment: str | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> KanoCounts:
    """Count Kano answer pairs inside DuckDB (stage 1 over Parquet, CSV or any relation).

    Runs one ``GROUP BY attribute, functional, dysfunctional`` (plus the segment) over the raw
    columns; answer labels are mapped to codes afterwards on the small grouped result, so the
    scan costs what DuckDB's bare count costs. Returns exactly what :func:`count_answers` returns
    for the same rows.

    Parameters
    ----------
    source : str, os.PathLike or duckdb.DuckDBPyRelation
        A ``.parquet`` / ``.csv`` file, or a relation.
    attribute, functional, dysfunctional, importance, segment : str
        Column names, as in :func:`count_answers`.
    connection : duckdb.DuckDBPyConnection, optional
        Connection used to read a file (default: a new in-memory one).

    Returns
    -------
    KanoCounts

    Raises
    ------
    AnalysisInputError
        As :func:`count_answers`; the row number follows the file's scan order.
    """
    relation = open_source(source, connection)
    columns = list(relation.columns)
    for column in (attribute, functional, dysfunctional, importance, segment):
        if column is not None and column not in columns:
            raise AnalysisInputError(
                f"missing column {column!r}; the columns are {', '.join(columns)}", column=column
            )
    keys = [segment, attribute, functional, dysfunctional]
    grouping = ", ".join(quote_identifier(c) for c in keys if c is not None)
    aggregates = "count(*)"
    if importance is not None:
        value = f"TRY_CAST({quote_identifier(importance)} AS DOUBLE)"
        aggregates += (
            f", sum({value}), sum({value} * {value}), count({value}),"
            f" count({quote_identifier(importance)})"
        )
    query = f"SELECT {grouping}, {aggregates} FROM {VIEW} GROUP BY ALL"  # noqa: S608
    try:
        grouped = select(relation, query)
    except duckdb.Error as error:
        raise AnalysisInputError(f"cannot read the data: {error}") from error

    def fail(column: str, message: str, value: object, numeric_check: str | None) -> NoReturn:
        _fail(relation, column, message, value=value, numeric_check=numeric_check)

    names = {"attribute": attribute, "functional": functional, "dysfunctional": dysfunctional}
    return counts_from_groups(grouped, **names, segment=segment, importance=importance, fail=fail)


def counts_from_groups(
    grouped: Sequence[Sequence[Any]],
    *,
    attribute: str,
    functional: str,
    dysfunctional: str,
    segment: str | None,
    importance: str | None,
    fail: Callable[[str, str, object, str | None], NoReturn],
) -> KanoCounts:
    """:class:`KanoCounts` from the rows of the stage-1 ``GROUP BY`` (any engine).

    Each row holds ``[segment,] attribute, functional, dysfunctional, count(*)`` and, with an
    importance column, ``Σx, Σx², count(x), count(raw)`` where ``x`` is the importance cast to a
    number. Answer labels are mapped to codes here, on the small grouped result. ``fail(column,
    message, value, numeric_check)`` raises the engine's error for a bad value.
    """
    if not grouped:
        raise AnalysisInputError("there are no data rows")
    width = 4 if segment is not None else 3
    lookup = KANO_ANSWERS.lookup()
    codes: dict[tuple[int, object], int] = {}
    for row in grouped:
        if any(row[i] is None for i in range(width - 2)):
            column = segment if segment is not None and row[0] is None else attribute
            fail(column, "missing value", None, None)
        for i, column in ((width - 2, functional), (width - 1, dysfunctional)):
            key = (i, row[i])
            if key not in codes:
                code = code_of(row[i], lookup)
                if code is None:
                    fail(
                        column,
                        f"{'a missing value' if row[i] is None else repr(row[i])} is not an "
                        f"answer on the Kano answer scale (codes 1–5 or labels "
                        f"{', '.join(KANO_ANSWERS.labels_en)} / "
                        f"{' / '.join(KANO_ANSWERS.labels_zh)})",
                        row[i],
                        None,
                    )
                codes[key] = code
        if importance is not None and row[width + 3] != row[width + 4]:
            fail(importance, "not a number", None, importance)
    key_of = {
        key: g
        for g, key in enumerate(
            sorted(
                {
                    (None if segment is None else str(row[0]), str(row[width - 3]))
                    for row in grouped
                },
                key=lambda key: ("" if key[0] is None else key[0], key[1]),
            )
        )
    }
    pairs = np.zeros((len(key_of), 5, 5), dtype=np.int64)
    total = np.zeros((len(key_of), 5, 5)) if importance is not None else None
    square = np.zeros((len(key_of), 5, 5)) if importance is not None else None
    count = np.zeros((len(key_of), 5, 5), dtype=np.int64) if importance is not None else None
    for row in grouped:
        g = key_of[(None if segment is None else str(row[0]), str(row[width - 3]))]
        f = codes[(width - 2, row[width - 2])] - 1
        d = codes[(width - 1, row[width - 1])] - 1
        pairs[g, f, d] += row[width]
        if total is not None and square is not None and count is not None:
            total[g, f, d] += row[width + 1] or 0.0
            square[g, f, d] += row[width + 2] or 0.0
            count[g, f, d] += row[width + 3]
    return KanoCounts(
        attributes=tuple(key[1] for key in key_of),
        segments=tuple(key[0] for key in key_of),
        pairs=pairs,
        importance_sum=total,
        importance_square_sum=square,
        importance_count=count,
        segment_column=segment,
    )


def _fail(
    relation: duckdb.DuckDBPyRelation,
    column: str,
    message: str,
    *,
    value: object = None,
    numeric_check: str | None = None,
) -> NoReturn:
    name = quote_identifier(column)
    if numeric_check is not None:
        condition = f"{name} IS NOT NULL AND TRY_CAST({name} AS DOUBLE) IS NULL"
    elif value is None:
        condition = f"{name} IS NULL"
    else:
        condition = f"CAST({name} AS VARCHAR) = {quote_literal(str(value))}"
    raise AnalysisInputError(message, column=column, row=first_row_where(relation, condition))
