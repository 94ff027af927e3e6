"""Stage 1 written once: Kano answer counts, SERVQUAL gap sums and IPA sums as SQL aggregates.

Each function builds one DuckDB-dialect query over ``qiwang_input`` and runs it through
:class:`~qiwang.analysis._engines.StageOneTable`, which transpiles it (sqlglot) for DuckDB,
PostgreSQL or Spark. The rows become the same stage-1 dataclasses the pandas and DuckDB paths
return (:class:`KanoCounts`, :class:`ServqualSums`, :class:`IpaSums`), so stage 2 is the unchanged
``analyze_counts`` / ``analyze_sums``. Only portable SQL is used: explicit ``GROUP BY``, ``CASE``
instead of ``FILTER``, ``UNION ALL`` instead of ``VALUES`` lists, ``TRY_CAST`` (a plain ``CAST``
on PostgreSQL, whose columns are typed). Errors name the column and the value, not a row: a
distributed table has no row order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from qiwang.analysis._cross_products import CrossProducts
from qiwang.analysis._engines import StageOneTable
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._gaps import GapSums, gap_sums_from_rows, shifted_sums_sql
from qiwang.analysis._ipa import IpaSums
from qiwang.analysis._kano import KanoCounts
from qiwang.analysis._kano_aggregate import counts_from_groups
from qiwang.analysis._servqual import SERVQUAL_22, Instrument, ServqualSums, wide_items

__all__ = [
    "count_kano_answers",
    "cross_products",
    "distinct_values",
    "numeric_columns",
    "summarize_ipa",
    "summarize_servqual",
]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _number(column: str) -> str:
    return f"TRY_CAST({_identifier(column)} AS DOUBLE)"


def _check_numbers(table: StageOneTable, *columns: str | None) -> None:
    """Raise naming the first non-numeric value of each of ``columns`` (any engine)."""
    for column in columns:
        if column is None:
            continue
        name = _identifier(column)
        bad = table.fetch(
            f"SELECT CAST({name} AS VARCHAR) FROM qiwang_input "  # noqa: S608 - quoted
            f"WHERE {name} IS NOT NULL AND {_number(column)} IS NULL LIMIT 1"
        )
        if bad:
            raise AnalysisInputError(f"{bad[0][0]!r} is not a number", column=column)


def distinct_values(table: StageOneTable, column: str) -> list[str]:
    """The non-empty values of ``column`` in the engine's order, as text (survey waves)."""
    table.require([column])
    name = _identifier(column)
    rows = table.fetch(
        f"SELECT DISTINCT {name} FROM qiwang_input WHERE {name} IS NOT NULL "  # noqa: S608
        "ORDER BY 1"
    )
    return [str(row[0]) for row in rows]


def count_kano_answers(
    table: StageOneTable,
    *,
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    importance: str | None = None,
    segment: str | None = None,
    where: tuple[str, str] | None = None,
) -> KanoCounts:
    """Kano answer-pair counts on any engine; equal to :func:`qiwang.analysis.kano.count_answers`.

    One ``GROUP BY segment, attribute, functional, dysfunctional`` with ``count(*)`` (and the
    importance's count, sum and sum of squares); labels become codes on the grouped rows.
    ``where=(column, value)`` counts only the rows whose ``column``, as text, is ``value`` (one
    survey wave).
    """
    table.require([attribute, functional, dysfunctional, importance, segment])
    condition = ""
    if where is not None:
        table.require([where[0]])
        condition = f" WHERE CAST({_identifier(where[0])} AS VARCHAR) = {_literal(where[1])}"
    keys = [c for c in (segment, attribute, functional, dysfunctional) if c is not None]
    grouping = ", ".join(_identifier(c) for c in keys)
    aggregates = "count(*)"
    if importance is not None:
        value = _number(importance)
        aggregates += (
            f", sum({value}), sum({value} * {value}), count({value}),"
            f" count({_identifier(importance)})"
        )
    grouped = table.fetch(
        f"SELECT {grouping}, {aggregates} FROM qiwang_input{condition} "  # noqa: S608
        f"GROUP BY {grouping}"
    )

    def fail(column: str, message: str, value: object, numeric_check: str | None) -> NoReturn:
        raise AnalysisInputError(message, column=column)

    return counts_from_groups(
        grouped,
        attribute=attribute,
        functional=functional,
        dysfunctional=dysfunctional,
        segment=segment,
        importance=importance,
        fail=fail,
    )


def summarize_servqual(
    table: StageOneTable,
    *,
    instrument: Instrument = SERVQUAL_22,
    respondent: str = "respondent",
    item: str = "item",
    expectation: str = "expectation",
    perception: str = "perception",
    segment: str | None = None,
    weights: Mapping[str, str] | None = None,
    points_tolerance: float = 0.5,
) -> ServqualSums:
    """SERVQUAL stage 1 (items, dimensions, overall, weighted) on any engine, long format.

    Equal to :func:`qiwang.analysis.servqual.summarize` on the same rows up to rounding (shifted
    sums: each key's mean is subtracted before squaring). ``weights`` maps each dimension to its
    importance-points column (weighted SERVQUAL); on an engine a respondent's points must be the
    same on each of their rows (``qiwang.analysis._portable_servqual``).
    """
    table.require([respondent, item, expectation, perception, segment])
    _check_numbers(table, expectation, perception)
    i = _identifier(item)
    codes = ", ".join(_literal(code) for code in instrument.codes)
    unknown = table.fetch(
        f"SELECT CAST({i} AS VARCHAR) FROM qiwang_input "  # noqa: S608 - quoted
        f"WHERE {i} IS NULL OR trim(CAST({i} AS VARCHAR)) NOT IN ({codes}) LIMIT 1"
    )
    if unknown:
        raise AnalysisInputError(
            f"{unknown[0][0]!r} is not an item of the instrument "
            f"({', '.join(instrument.codes[:6])}…)",
            column=item,
        )
    mapping = " UNION ALL ".join(
        f"SELECT {_literal(x.code)} AS code, {_literal(x.dimension)} AS dimension"
        for x in instrument.items
    )
    s = f"CAST({_identifier(segment)} AS VARCHAR)" if segment else "''"
    prelude = (
        f"WITH m AS ({mapping}), "  # noqa: S608 - identifiers and literals are quoted
        f"d AS (SELECT {s} AS seg, CAST({_identifier(respondent)} AS VARCHAR) AS resp, "
        f"trim(CAST({i} AS VARCHAR)) AS code, {_number(expectation)} AS e, "
        f"{_number(perception)} AS p FROM qiwang_input), "
        "pairs AS (SELECT d.seg, d.resp, d.code, d.e, d.p, m.dimension FROM d "
        "JOIN m ON d.code = m.code WHERE d.e IS NOT NULL AND d.p IS NOT NULL), "
        "r AS (SELECT seg, resp, dimension, avg(e) AS e, avg(p) AS p FROM pairs "
        "GROUP BY seg, resp, dimension), "
        "o AS (SELECT seg, resp, 'overall' AS unit, avg(e) AS e, avg(p) AS p FROM r "
        "GROUP BY seg, resp) "
    )

    def fetch(source: str, unit: str, order: tuple[str, ...] | None) -> GapSums:
        rows = table.fetch(prelude + shifted_sums_sql(source, ["seg", unit]))
        rank = {u: k for k, u in enumerate(order)} if order is not None else {}
        rows.sort(key=lambda row: (row[0], rank.get(row[1], len(rank)), row[1]))
        keys = [(row[0] if segment else None, str(row[1])) for row in rows]
        return gap_sums_from_rows(rows, keys)

    weighted = weight_sums = None
    if weights is not None:
        from qiwang.analysis._portable_servqual import weighted_sums

        weighted, weight_sums = weighted_sums(
            table,
            prelude,
            instrument,
            weights,
            respondent=respondent,
            segment=segment,
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


def summarize_ipa(
    table: StageOneTable,
    *,
    attribute: str = "attribute",
    performance: str = "performance",
    importance: str | None = "importance",
    overall: str | None = None,
    segment: str | None = None,
) -> IpaSums:
    """IPA stage 1 on any engine, long format; equal to :func:`qiwang.analysis.ipa.summarize`.

    One ``GROUP BY segment, attribute`` with counts and sums; with ``overall``, the pair sums
    around each key's pair means (a window), as the DuckDB path does.
    """
    table.require([attribute, performance, importance, overall, segment])
    _check_numbers(table, performance, importance, overall)
    a = _identifier(attribute)
    missing = table.fetch(f"SELECT count(*) FROM qiwang_input WHERE {a} IS NULL")  # noqa: S608
    if missing and missing[0][0]:
        raise AnalysisInputError("missing value", column=attribute)
    seg = f"CAST({_identifier(segment)} AS VARCHAR)" if segment is not None else "''"
    key = f"{seg} AS qw_seg, CAST({a} AS VARCHAR) AS qw_attr"
    x = _number(performance)
    i = _number(importance) if importance is not None else "CAST(NULL AS DOUBLE)"
    columns = f"{key}, {x} AS qw_x, {i} AS qw_i"
    parts = [
        "count(qw_i)",
        "coalesce(sum(qw_i), 0)",
        "count(qw_x)",
        "coalesce(sum(qw_x), 0)",
    ]
    source = f"(SELECT {columns} FROM qiwang_input) AS qw_base"  # noqa: S608 - quoted
    if overall is not None:
        y = _number(overall)
        pair = "qw_x IS NOT NULL AND qw_y IS NOT NULL"
        window = "OVER (PARTITION BY qw_seg, qw_attr)"
        base = f"SELECT {columns}, {y} AS qw_y FROM qiwang_input"  # noqa: S608 - quoted
        source = (
            "(SELECT qw_seg, qw_attr, qw_x, qw_i, qw_y, "  # noqa: S608 - no user text
            f"coalesce(avg(CASE WHEN {pair} THEN qw_x END) {window}, 0) AS qw_kx, "
            f"coalesce(avg(CASE WHEN {pair} THEN qw_y END) {window}, 0) AS qw_ky "
            f"FROM ({base}) AS qw_base) AS qw_shifted"
        )
        dx, dy = "(qw_x - qw_kx)", "(qw_y - qw_ky)"
        parts += [
            f"count(CASE WHEN {pair} THEN 1 END)",
            *(
                f"coalesce(sum(CASE WHEN {pair} THEN {e} END), 0)"
                for e in (dx, dy, f"{dx} * {dx}", f"{dy} * {dy}", f"{dx} * {dy}")
            ),
            "min(qw_kx)",
            "min(qw_ky)",
        ]
    rows: list[tuple[Any, ...]] = table.fetch(
        f"SELECT qw_seg, qw_attr, {', '.join(parts)} FROM {source} "  # noqa: S608
        "GROUP BY qw_seg, qw_attr"
    )
    rows.sort(key=lambda r: (r[0] or "", r[1]))
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


def numeric_columns(table: StageOneTable, exclude: set[str]) -> list[str]:
    """Columns holding at least one number (typed numeric columns on PostgreSQL)."""
    columns = [c for c in table.columns if c not in exclude]
    if table.numeric is not None:
        return [c for c in columns if c in table.numeric]
    if not columns:
        return []
    counts = table.fetch(
        "SELECT "  # noqa: S608 - quoted identifiers
        + ", ".join(f"count({_number(c)})" for c in columns)
        + " FROM qiwang_input"
    )[0]
    return [c for c, n in zip(columns, counts, strict=True) if n]


def cross_products(
    table: StageOneTable, columns: list[str], *, where: tuple[str, str] | None = None
) -> CrossProducts:
    """Key-driver stage 1 on any engine: count, means and centred cross-products.

    Two aggregates over the rows complete in every column: the means, then the sums of products
    of the values minus those means (shifted sums, exact at offsets where a one-pass ``covar_pop``
    loses digits); equal to :func:`qiwang.analysis.drivers.cross_products` up to rounding. ``where=(column, value)``
    keeps the rows whose ``column``, as text, is ``value`` (one segment).
    """
    table.require([*columns, where[0] if where else None])
    condition = (
        f"CAST({_identifier(where[0])} AS VARCHAR) = {_literal(where[1])}" if where else "1 = 1"
    )
    typed = [_number(c) for c in columns]
    checks = ", ".join(
        f"count({_identifier(c)}) - count({t})" for c, t in zip(columns, typed, strict=True)
    )
    bad = table.fetch(f"SELECT {checks} FROM qiwang_input")[0]  # noqa: S608 - quoted
    for column, count in zip(columns, bad, strict=True):
        if count:
            _check_numbers(table, column)
    complete = " AND ".join(f"{t} IS NOT NULL" for t in typed)
    p = len(columns)
    # pass 1: count and means of the complete rows, which become the shifts of pass 2
    first = table.fetch(
        f"SELECT count(CASE WHEN {complete} THEN 1 END), "  # noqa: S608 - quoted
        + ", ".join(f"avg(CASE WHEN {complete} THEN {t} END)" for t in typed)
        + f", count(*) FROM qiwang_input WHERE {condition}"
    )[0]
    n, total = int(first[0]), int(first[-1])
    if n == 0:
        raise AnalysisInputError(
            "there are no data rows" if total == 0 else "no row has a value in every column"
        )
    shift = np.array([float(value) for value in first[1 : 1 + p]])
    # pass 2: sums of the shifted values and their products (exact at any offset)
    deviations = [f"({t} - {float(k)!r})" for t, k in zip(typed, shift, strict=True)]
    pairs = [(i, j) for i in range(p) for j in range(i, p)]
    second = table.fetch(
        "SELECT "  # noqa: S608 - quoted identifiers, float literals
        + ", ".join(
            [f"sum({d})" for d in deviations]
            + [f"sum({deviations[i]} * {deviations[j]})" for i, j in pairs]
        )
        + f" FROM qiwang_input WHERE {condition} AND {complete}"
    )[0]
    sums = np.array([float(value) for value in second[:p]])
    mean = shift + sums / n
    scatter = np.zeros((p, p))
    for (i, j), value in zip(pairs, second[p:], strict=True):
        scatter[i, j] = scatter[j, i] = float(value) - sums[i] * sums[j] / n
    return CrossProducts(
        columns=tuple(columns), n=n, mean=mean, scatter=scatter, rows_dropped=total - n
    )


def unpivot_kano(
    table: StageOneTable,
    *,
    functional_suffix: str = "_F",
    dysfunctional_suffix: str = "_D",
    importance_suffix: str = "_I",
    keep: Sequence[str | None] = (),
) -> StageOneTable:
    """A wide Kano table (one row per respondent, ``NAME_F`` / ``NAME_D`` [/ ``NAME_I``]) as the
    long one (``attribute``, ``functional``, ``dysfunctional`` [, ``importance``] and the
    ``keep`` columns), on the same engine and without copying: a ``UNION ALL`` of one select per
    attribute, as :func:`qiwang.analysis.kano.count_answers_wide` reads it (both answers empty:
    the attribute was not asked)."""
    from qiwang.analysis._kano_aggregate import wide_attributes

    names = sorted(
        wide_attributes(
            list(table.columns),
            functional_suffix=functional_suffix,
            dysfunctional_suffix=dysfunctional_suffix,
        )
    )
    if not names:
        raise AnalysisInputError(
            f"no attribute columns in {table.name}: a wide Kano table needs pairs of columns "
            f"NAME{functional_suffix} and NAME{dysfunctional_suffix}"
        )
    extra = [column for column in keep if column is not None]
    table.require(extra)
    importance = any(name + importance_suffix in table.columns for name in names)
    selects = []
    for name in names:
        f = _identifier(name + functional_suffix)
        d = _identifier(name + dysfunctional_suffix)
        parts = [
            f"CAST({_literal(name)} AS VARCHAR) AS attribute",
            f"CAST({f} AS VARCHAR) AS functional",
            f"CAST({d} AS VARCHAR) AS dysfunctional",
        ]
        if importance:
            column = name + importance_suffix
            parts.append(
                f"TRY_CAST({_identifier(column)} AS DOUBLE) AS importance"
                if column in table.columns
                else "CAST(NULL AS DOUBLE) AS importance"
            )
        parts += [_identifier(column) for column in extra]
        selects.append(
            f"SELECT {', '.join(parts)} FROM qiwang_base "  # noqa: S608 - quoted
            f"WHERE {f} IS NOT NULL OR {d} IS NOT NULL"
        )
    columns = ["attribute", "functional", "dysfunctional", *(["importance"] if importance else [])]
    return table.derived(" UNION ALL ".join(selects), [*columns, *extra])


def unpivot_servqual(
    table: StageOneTable,
    *,
    instrument: Instrument = SERVQUAL_22,
    respondent: str = "respondent",
    expectation_suffix: str = "_E",
    perception_suffix: str = "_P",
    keep: Sequence[str | None] = (),
) -> StageOneTable:
    """A wide SERVQUAL table (one row per respondent, ``ITEM_E`` / ``ITEM_P``) as the long one
    (``respondent``, ``item``, ``expectation``, ``perception`` and the ``keep`` columns — the
    segment, the importance points), on the same engine, without copying. Items of the instrument
    without columns are skipped, as :func:`qiwang.analysis.servqual.summarize_wide` does; an
    engine has no row order, so the respondent column is required."""
    present = wide_items(
        instrument, table.columns, expectation_suffix, perception_suffix, f" in {table.name}"
    )
    extra = [column for column in dict.fromkeys(keep) if column is not None]
    table.require(
        [respondent, *extra]
        + [code + expectation_suffix for code in present]
        + [code + perception_suffix for code in present]
    )
    selects = [
        f"SELECT {_identifier(respondent)} AS respondent, CAST({_literal(code)} AS VARCHAR) AS item, "  # noqa: S608
        f"{_identifier(code + expectation_suffix)} AS expectation, "
        f"{_identifier(code + perception_suffix)} AS perception"
        + "".join(f", {_identifier(column)}" for column in extra)
        + " FROM qiwang_base"
        for code in present
    ]
    return table.derived(
        " UNION ALL ".join(selects), ["respondent", "item", "expectation", "perception", *extra]
    )


def unpivot_ipa(
    table: StageOneTable,
    *,
    performance_suffix: str = "_P",
    importance_suffix: str = "_I",
    keep: Sequence[str | None] = (),
) -> StageOneTable:
    """A wide IPA table (one row per respondent, ``NAME_P`` [/ ``NAME_I``]) as the long one
    (``attribute``, ``performance``, ``importance`` and the ``keep`` columns — the overall rating,
    the segment), on the same engine, without copying; as
    :func:`qiwang.analysis.ipa.summarize_wide` reads it."""
    names = [
        column[: -len(performance_suffix)]
        for column in table.columns
        if column.endswith(performance_suffix) and len(column) > len(performance_suffix)
    ]
    if not names:
        raise AnalysisInputError(
            f"no attribute columns in {table.name}: a wide IPA table needs NAME"
            f"{performance_suffix} columns"
        )
    extra = [column for column in dict.fromkeys(keep) if column is not None]
    table.require(extra)
    selects = []
    for name in names:
        stated = name + importance_suffix
        importance = (
            f"TRY_CAST({_identifier(stated)} AS DOUBLE)"
            if stated in table.columns
            else "CAST(NULL AS DOUBLE)"
        )
        selects.append(
            f"SELECT CAST({_literal(name)} AS VARCHAR) AS attribute, "  # noqa: S608 - quoted
            f"{_identifier(name + performance_suffix)} AS performance, {importance} AS importance"
            + "".join(f", {_identifier(column)}" for column in extra)
            + " FROM qiwang_base"
        )
    return table.derived(
        " UNION ALL ".join(selects), ["attribute", "performance", "importance", *extra]
    )
