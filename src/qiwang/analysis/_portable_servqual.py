"""Weighted SERVQUAL (importance points) in the portable stage 1: one definition in SQL for
DuckDB, PostgreSQL and Spark (``qiwang.analysis.engines.summarize_servqual(weights=…)``).

The file paths take each respondent's points from the *first* non-empty value of each points
column in file order. A cluster has no file order, so the engines ask for more: the non-empty
values of a respondent's points column must all be equal (as an export of one row per answer
writes them), else the respondent and the two values are named. Where they agree, the sums are
those of :func:`qiwang.analysis.servqual.summarize` up to rounding (a test compares them)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from qiwang.analysis._engines import StageOneTable
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._gaps import GapSums, gap_sums_from_rows, shifted_sums_sql
from qiwang.analysis._portable import _identifier, _literal
from qiwang.analysis._servqual import Instrument, WeightSums


def weighted_sums(
    table: StageOneTable,
    prelude: str,
    instrument: Instrument,
    weights: Mapping[str, str],
    *,
    respondent: str,
    segment: str | None,
    tolerance: float = 0.5,
) -> tuple[GapSums, WeightSums]:
    """The weighted score's gap sums and the points' sums per (segment, dimension).

    ``prelude`` is the ``WITH`` list of :func:`qiwang.analysis.engines.summarize_servqual`
    (``r``: one row per segment, respondent and dimension with the mean ``e`` and ``p``).
    """
    dimensions = list(instrument.dimensions)
    absent = [d for d in dimensions if d not in weights]
    if absent:
        raise AnalysisInputError(f"no importance-points column for dimension {absent[0]!r}")
    columns = [weights[d] for d in dimensions]
    table.require(columns)
    k = len(dimensions)
    s = f"CAST({_identifier(segment)} AS VARCHAR)" if segment else "''"
    raw = ", ".join(f"TRY_CAST({_identifier(c)} AS DOUBLE) AS w{j}" for j, c in enumerate(columns))
    spans = ", ".join(f"min(w{j}) AS lo{j}, max(w{j}) AS hi{j}" for j in range(k))
    points = (
        f", praw AS (SELECT {s} AS seg, CAST({_identifier(respondent)} AS VARCHAR) AS resp, "  # noqa: S608
        f"{raw} FROM qiwang_input), "
        f"pts AS (SELECT seg, resp, {spans} FROM praw GROUP BY seg, resp) "
    )
    for j, column in enumerate(columns):
        differ = table.fetch(
            f"{prelude}{points}SELECT resp, lo{j}, hi{j} FROM pts "  # noqa: S608
            f"WHERE lo{j} <> hi{j} ORDER BY resp LIMIT 1"
        )
        if differ:
            who, low, high = differ[0]
            raise AnalysisInputError(
                f"the importance points of respondent {who!r} differ between their rows "
                f"({low:g} and {high:g}); on an engine each respondent's points must be the same "
                "on every row",
                column=column,
            )
    given = " OR ".join(f"lo{j} IS NOT NULL" for j in range(k))
    incomplete = " OR ".join(f"lo{j} IS NULL" for j in range(k))
    negative = " OR ".join(f"lo{j} < 0" for j in range(k))
    total = " + ".join(f"coalesce(lo{j}, 0)" for j in range(k))
    stated = (
        f", stated AS (SELECT seg, resp, {', '.join(f'lo{j}' for j in range(k))}, "  # noqa: S608
        f"CASE WHEN {incomplete} THEN 1 ELSE 0 END AS incomplete, "
        f"CASE WHEN {negative} THEN 1 ELSE 0 END AS negative, {total} AS total "
        f"FROM pts WHERE {given}) "
    )
    bad = table.fetch(
        f"{prelude}{points}{stated}SELECT resp, incomplete, negative, total FROM stated "  # noqa: S608
        f"WHERE incomplete = 1 OR negative = 1 OR abs(total - 100) > {float(tolerance)!r} "
        "ORDER BY resp LIMIT 1"
    )
    if bad:
        who, is_incomplete, is_negative, points_total = bad[0]
        reason = (
            "importance points must be given for every dimension"
            if is_incomplete
            else "importance points must not be negative"
            if is_negative
            else f"importance points sum to {float(points_total):g}, not 100"
        )
        raise AnalysisInputError(f"{reason} (respondent {who!r})", column=columns[0])
    share = (
        "CASE r.dimension "
        + " ".join(f"WHEN {_literal(d)} THEN pts.lo{j}" for j, d in enumerate(dimensions))
        + " END / 100.0"
    )
    scores = (
        f", w AS (SELECT r.seg, r.resp, sum(({share}) * r.e) AS e, "  # noqa: S608
        f"sum(({share}) * r.p) AS p FROM r JOIN stated AS pts "
        "ON r.seg = pts.seg AND r.resp = pts.resp "
        f"GROUP BY r.seg, r.resp HAVING count(*) = {k}) "
    )
    rows = sorted(
        table.fetch(prelude + points + stated + scores + shifted_sums_sql("w", ["seg"])),
        key=lambda row: row[0],
    )
    weighted = gap_sums_from_rows(
        rows, [(row[0] if segment else None, "weighted") for row in rows], first=1
    )
    per_column = ", ".join(f"count(lo{j}), sum(lo{j})" for j in range(k))
    allocations = sorted(
        table.fetch(
            f"{prelude}{points}{stated}SELECT seg, {per_column} FROM stated GROUP BY seg"  # noqa: S608
        ),
        key=lambda row: row[0],
    )
    keys: list[tuple[str | None, str]] = []
    counts: list[int] = []
    totals: list[float] = []
    for row in allocations:
        for j, dimension in enumerate(dimensions):
            keys.append((row[0] if segment else None, dimension))
            counts.append(int(row[1 + 2 * j]))
            totals.append(float(row[2 + 2 * j] or 0.0))
    return weighted, WeightSums(
        keys=tuple(keys),
        n=np.array(counts, dtype=np.int64),
        total=np.array(totals, dtype=np.float64),
    )
