"""PLS stage 1 written once: moment sums and Poisson(1) bootstrap replicates on any engine.

Stage 1 of a PLS path model is ``Σ z zᵀ`` over the rows, ``z = (1, x − c)`` (count, shifted sums,
shifted cross-products; :func:`qiwang.analysis._pls_bootstrap.unpack` turns it into moments).
Here it is one SQL definition (DuckDB dialect, transpiled by sqlglot for PostgreSQL and Spark,
see :mod:`qiwang.analysis._engines`) plus a numpy twin for a pandas DataFrame, and the bootstrap
replicates ``Σ w_ib z_i z_iᵀ`` use the counter-based weights of
:mod:`qiwang.analysis._counter_poisson`, keyed by (seed, row key, replicate).

The shift ``c`` of each column is its mean rounded to a power-of-two grid (a sixteenth of the
largest power of two not above the column's range), computed from the count, sum, minimum and
maximum. For integer ratings every shifted value, product and partial sum is then a small dyadic
number that doubles hold exactly, so every engine, in any order of summation and with any
partitioning, returns **the same bits**; for other data the sums agree to rounding (about 1e-15
relative). The grid keeps ``|c − mean|`` below a sixteenth of the range, so the sums stay well
conditioned at any offset (issue 18: numerically stable stage 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis import _counter_poisson as cp
from qiwang.analysis._engines import StageOneTable
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._moments import MissingPolicy, MissingValuesError, Moments, numeric_block
from qiwang.analysis._portable import _check_numbers, _identifier, _number

FloatArray = npt.NDArray[np.float64]

ROW_BUDGET = 20_000_000
"""Above ``rows × resamples`` of this, the weights apply to the 4,096 hash buckets (ADR 0200)."""


@dataclass(frozen=True)
class PortableSums:
    """Stage 1 of a PLS model (and its bootstrap) from one engine or the numpy path.

    ``total``, each row of ``replicates`` and of ``groups`` hold the upper triangle (row-major,
    ``numpy.triu_indices``) of ``Σ w z zᵀ`` with ``z = (1, x − shift)``.
    """

    columns: tuple[str, ...]
    shift: FloatArray
    total: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    rows_read: int
    rows_dropped: int
    values_imputed: tuple[int, ...]
    replicates: FloatArray | None = None
    groups: FloatArray | None = None
    method: str = "rows"

    def moments(self) -> Moments:
        """The :class:`Moments` of the rows (count, means, co-moments, extremes)."""
        from qiwang.analysis._pls_bootstrap import unpack

        count, mean, cov = unpack(self.total[None, :], self.shift)
        return Moments(
            columns=self.columns,
            count=float(count[0]),
            mean=mean[0],
            comoment=cov[0] * count[0],
            minimum=self.minimum,
            maximum=self.maximum,
            rows_read=self.rows_read,
            rows_dropped=self.rows_dropped,
            values_imputed=self.values_imputed,
        )


def grid_shift(mean: FloatArray, minimum: FloatArray, maximum: FloatArray) -> FloatArray:
    """Each mean rounded to a multiple of ``2^(⌊log2(range)⌋ − 4)`` (1 for a constant column)."""
    out = np.empty_like(mean)
    for j, (m, lo, hi) in enumerate(zip(mean, minimum, maximum, strict=True)):
        spread = float(hi - lo)
        step = 2.0 ** (math.floor(math.log2(spread)) - 4) if spread > 0 else 1.0
        out[j] = round(float(m) / step) * step
    return out


def _pairs(q: int) -> list[tuple[int, int]]:
    ju, ku = np.triu_indices(q)
    return list(zip(ju.tolist(), ku.tolist(), strict=True))


def _choose_buckets(rows: int, resamples: int, buckets: bool | None) -> bool:
    if buckets is not None:
        return buckets
    return rows * resamples > ROW_BUDGET


def _missing_error(columns: Sequence[str], incomplete: int) -> MissingValuesError:
    return MissingValuesError(
        f"{incomplete} rows have missing values; choose listwise deletion or mean imputation",
        column=columns[0] if len(columns) == 1 else None,
    )


# --------------------------------------------------------------------------------------------
# Engines


def _literal(value: float) -> str:
    """A double as SQL: parsed from its shortest round-trip text (the same bits everywhere)."""
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def engine_sums(
    table: StageOneTable,
    columns: Sequence[str],
    *,
    missing: MissingPolicy = "error",
    blocks: Sequence[Sequence[str]] = (),
    key: str | None = None,
    seed: int = 0,
    resamples: int = 0,
    buckets: bool | None = None,
    groups: bool = False,
) -> PortableSums:
    """Stage 1 of a PLS model on ``table``: moment sums, and replicates when ``resamples``.

    ``blocks`` (lists of columns) matter under ``missing="mean"``: a row whose whole block is
    missing is dropped, not imputed (as :func:`qiwang.analysis.csi.fit`). ``key`` (an integer
    or text column) keys the Poisson weights; ``groups`` also returns the 4,096 hash-bucket
    totals (for a delete-a-group jackknife).
    """
    names = list(columns)
    if not names:
        raise AnalysisInputError("no indicator columns given")
    table.require([*names, key])
    # one scan for every check (each Spark job costs seconds): non-numbers per column, keys
    checks = [f"count({_identifier(c)}) - count({_number(c)})" for c in names]
    if key is not None:
        _check_key_type(table, key)
        checks.append(f"count(*) - count({_identifier(key)})")
    bad = table.fetch(f"SELECT {', '.join(checks)} FROM qiwang_input")[0]  # noqa: S608 - quoted
    for column, count in zip(names, bad, strict=False):
        if count:
            _check_numbers(table, column)
    if key is not None and bad[-1]:
        raise AnalysisInputError(f"{int(bad[-1])} rows have no row key", column=key)
    x = [_number(c) for c in names]
    p = len(names)
    complete = " AND ".join(f"{v} IS NOT NULL" for v in x)
    empty = " OR ".join(
        "(" + " AND ".join(f"{_number(c)} IS NULL" for c in block) + ")" for block in blocks
    )
    keep = {"error": "1 = 1", "listwise": complete, "mean": f"NOT ({empty})" if empty else "1 = 1"}
    kept = keep[missing]
    head = table.fetch(
        f"SELECT count(*), count(CASE WHEN {complete} THEN 1 END), "  # noqa: S608 - quoted
        f"count(CASE WHEN {kept} THEN 1 END), "
        + ", ".join(
            f"count(CASE WHEN {kept} THEN {v} END), sum(CASE WHEN {kept} THEN {v} END), "
            f"min(CASE WHEN {kept} THEN {v} END), max(CASE WHEN {kept} THEN {v} END)"
            for v in x
        )
        + " FROM qiwang_input"
    )[0]
    rows_read, n_complete, n_kept = int(head[0]), int(head[1]), int(head[2])
    if missing == "error" and n_complete < rows_read:
        raise _missing_error(names, rows_read - n_complete)
    if n_kept == 0:
        raise AnalysisInputError(
            "no rows left to analyse" + (" after listwise deletion" if rows_read else "")
        )
    stats = np.array([0.0 if v is None else float(v) for v in head[3:]]).reshape(p, 4)
    counts = stats[:, 0].astype(np.int64)
    for name, n in zip(names, counts, strict=True):
        if n == 0:
            raise AnalysisInputError("the column has no observed values", column=name)
    means = stats[:, 1] / counts
    minimum, maximum = stats[:, 2], stats[:, 3]
    shift = grid_shift(means, minimum, maximum)
    values = [
        f"coalesce({v}, {_literal(m)})" if missing == "mean" else v
        for v, m in zip(x, means, strict=True)
    ]
    z = [
        f"({v} - {_literal(c)}) AS qw_z{j + 1}"
        for j, (v, c) in enumerate(zip(values, shift, strict=True))
    ]
    key_text = f"CAST({_identifier(key)} AS VARCHAR)" if key is not None else "''"
    base = f"SELECT {key_text} AS qw_key, {', '.join(z)} FROM qiwang_input WHERE {kept}"  # noqa: S608
    q = p + 1
    zs = ["1"] + [f"qw_z{j}" for j in range(1, q)]
    products = [zs[k] if j == 0 else f"{zs[j]} * {zs[k]}" for j, k in _pairs(q)]
    total_row = table.fetch(
        "SELECT " + ", ".join(f"sum({e})" for e in products) + f" FROM ({base}) AS qw_base"  # noqa: S608
    )[0]
    total = np.array([float(v) for v in total_row])
    replicates = None
    bucket_totals = None
    by_bucket = resamples > 0 and _choose_buckets(n_kept, resamples, buckets)
    if (by_bucket or groups) and key is not None:
        fence = " OFFSET 0" if table.engine == "postgres" else ""
        hashed = (
            f"SELECT {cp.bucket_hash_sql(seed, 'qw_key')} AS qw_m, * "  # noqa: S608
            f"FROM ({base}) AS qw_base{fence}"
        )
        bucket = cp.hex_integer_sql("qw_m", cp.BUCKET_DIGITS)
        rows = table.fetch(
            f"SELECT qw_g, {', '.join(f'sum({e})' for e in products)} FROM "  # noqa: S608
            f"(SELECT {bucket} AS qw_g, * FROM ({hashed}) AS qw_h) AS qw_b GROUP BY qw_g"
        )
        bucket_totals = np.zeros((cp.BUCKETS, len(products)))
        for row in rows:
            bucket_totals[int(row[0])] = [float(v) for v in row[1:]]
    if resamples > 0 and key is not None:
        if by_bucket:
            assert bucket_totals is not None  # noqa: S101 - computed just above
            weights = cp.bucket_weights(seed, resamples).astype(np.float64)
            replicates = weights.T @ bucket_totals
        else:
            md5, weight = cp.weights_sql(seed, "qw_key", "qw_r.qw_b")
            # PostgreSQL pulls subqueries up and would repeat the md5 and the CASE inside every
            # sum (dozens of hashes per row); OFFSET 0 keeps each computed once per row.
            fence = " OFFSET 0" if table.engine == "postgres" else ""
            hashed = (
                f"SELECT qw_r.qw_b AS qw_b, {md5} AS qw_m, {', '.join(zs[1:])} "  # noqa: S608
                f"FROM ({base}) AS qw_base CROSS JOIN ({cp.replicate_numbers_sql(resamples)}) AS qw_r"
                f"{fence}"
            )
            weighted = (
                f"SELECT qw_b, {weight} AS qw_w, {', '.join(zs[1:])} FROM ({hashed}) AS qw_h{fence}"  # noqa: S608
            )
            rows = table.fetch(
                "SELECT qw_b, "  # noqa: S608 - generated names only
                + ", ".join("sum(qw_w)" if e == "1" else f"sum(qw_w * {e})" for e in products)
                + f" FROM ({weighted}) AS qw_w GROUP BY qw_b"
            )
            replicates = np.zeros((resamples, len(products)))
            for row in rows:
                replicates[int(row[0])] = [float(v) for v in row[1:]]
    return PortableSums(
        columns=tuple(names),
        shift=shift,
        total=total,
        minimum=minimum,
        maximum=maximum,
        rows_read=rows_read,
        rows_dropped=rows_read - n_kept,
        values_imputed=tuple(int(n_kept - n) for n in counts) if missing == "mean" else (0,) * p,
        replicates=replicates,
        groups=bucket_totals,
        method="buckets" if by_bucket else "rows",
    )


INTEGER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "INT",
    "LONG",
    "SHORT",
    "BYTE",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
TEXT_TYPES = ("VARCHAR", "STRING", "TEXT", "CHAR")


def _check_key_type(table: StageOneTable, key: str) -> None:
    """The key must be an integer or text column (its text form is then engine-independent)."""
    kind = (table.types or {}).get(key, "").upper()
    if kind and not kind.startswith(INTEGER_TYPES + TEXT_TYPES):
        raise AnalysisInputError(
            f"the row key must be an integer or text column, not {kind.lower()} (its text form "
            "differs between engines)",
            column=key,
        )


# --------------------------------------------------------------------------------------------
# numpy (a pandas DataFrame in memory)


def key_texts(frame: pd.DataFrame, key: str) -> list[str]:
    """The row keys as the engines print them (``CAST(key AS VARCHAR)``)."""
    if key not in frame.columns:
        raise AnalysisInputError("column not found in the data", column=key)
    values = frame[key]
    if values.isna().any():
        raise AnalysisInputError(f"{int(values.isna().sum())} rows have no row key", column=key)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_float_dtype(values):
        raise AnalysisInputError(
            f"the row key must be an integer or text column, not {values.dtype} (its text form "
            "differs between engines)",
            column=key,
        )
    if pd.api.types.is_integer_dtype(values):
        return [str(int(v)) for v in values]
    return [str(v) for v in values]


def frame_sums(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    missing: MissingPolicy = "error",
    blocks: Sequence[Sequence[str]] = (),
    key: str | None = None,
    seed: int = 0,
    resamples: int = 0,
    buckets: bool | None = None,
    groups: bool = False,
) -> PortableSums:
    """:func:`engine_sums` for a pandas DataFrame, in numpy (hashlib for the weights)."""
    names = list(columns)
    x = numeric_block(frame, names)
    keys = key_texts(frame, key) if key is not None else None
    rows_read = x.shape[0]
    holes = np.isnan(x)
    if missing == "error" and holes.any():
        raise _missing_error(names, int(holes.any(axis=1).sum()))
    if missing == "listwise":
        keep = ~holes.any(axis=1)
    elif missing == "mean" and blocks:
        idx = {c: j for j, c in enumerate(names)}
        keep = np.asarray(
            ~np.any([holes[:, [idx[c] for c in block]].all(axis=1) for block in blocks], axis=0)
        )
    else:
        keep = np.ones(rows_read, dtype=bool)
    x = x[keep]
    if keys is not None:
        kept_rows = [bool(v) for v in np.asarray(keep).ravel()]
        keys = [k for k, kept in zip(keys, kept_rows, strict=True) if kept]
    n = x.shape[0]
    if n == 0:
        raise AnalysisInputError("no rows left to analyse")
    observed = ~np.isnan(x)
    counts = observed.sum(axis=0)
    for name, k in zip(names, counts, strict=True):
        if k == 0:
            raise AnalysisInputError("the column has no observed values", column=name)
    sums = np.where(observed, x, 0.0).sum(axis=0)
    means = sums / counts
    minimum = np.where(observed, x, np.inf).min(axis=0)
    maximum = np.where(observed, x, -np.inf).max(axis=0)
    shift = grid_shift(means, minimum, maximum)
    if missing == "mean":
        x = np.where(observed, x, means[None, :])
    q = len(names) + 1
    z = np.empty((n, q))
    z[:, 0] = 1.0
    z[:, 1:] = x - shift
    ju, ku = np.triu_indices(q)
    products = z[:, ju] * z[:, ku]
    total = products.sum(axis=0)
    replicates = None
    bucket_totals = None
    by_bucket = resamples > 0 and _choose_buckets(n, resamples, buckets)
    if (by_bucket or groups) and keys is not None:
        ids = cp.bucket_of(seed, keys)
        bucket_totals = np.zeros((cp.BUCKETS, products.shape[1]))
        np.add.at(bucket_totals, ids, products)
    if resamples > 0 and keys is not None:
        if by_bucket:
            assert bucket_totals is not None  # noqa: S101
            replicates = cp.bucket_weights(seed, resamples).astype(np.float64).T @ bucket_totals
        else:
            weights = cp.poisson_weights(seed, keys, resamples).astype(np.float64)
            replicates = weights.T @ products
    return PortableSums(
        columns=tuple(names),
        shift=shift,
        total=total,
        minimum=minimum,
        maximum=maximum,
        rows_read=rows_read,
        rows_dropped=rows_read - n,
        values_imputed=tuple(int(n - k) for k in counts)
        if missing == "mean"
        else (0,) * len(names),
        replicates=replicates,
        groups=bucket_totals,
        method="buckets" if by_bucket else "rows",
    )


def stage_one(source: Any, columns: Sequence[str], **options: Any) -> PortableSums:
    """:func:`frame_sums` for a DataFrame, :func:`engine_sums` for a :class:`StageOneTable`."""
    if isinstance(source, pd.DataFrame):
        return frame_sums(source, columns, **options)
    return engine_sums(source, columns, **options)


# --------------------------------------------------------------------------------------------
# Stage 2 on the portable sums: the estimate and the bootstrap


def _spec(source: Any, model: Any, scheme: str | None) -> Any:
    from qiwang.analysis._csi_fit import load_model

    columns = (
        [str(c) for c in source.columns]
        if isinstance(source, pd.DataFrame)
        else list(source.columns)
    )
    spec = load_model(model, columns)
    if scheme is not None:
        spec = spec.replace(scheme=scheme)
    spec.check_columns(columns)
    return spec


def fit_portable(
    source: Any,
    model: Any,
    *,
    scheme: str | None = None,
    scaled: bool = True,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
    missing: MissingPolicy = "error",
    scale: tuple[float, float] | None = None,
) -> Any:
    """A PLS estimate from the portable stage 1 of a DataFrame or a table on any engine.

    Equal to :func:`qiwang.analysis.csi.fit` on the same rows up to rounding (its stage 1 sums
    shifted values in another order), except that there are no LV scores (no rows at hand).
    """
    import dataclasses

    from qiwang.analysis._csi_fit import fit

    spec = _spec(source, model, scheme)
    sums = stage_one(source, spec.indicators, missing=missing, blocks=list(spec.blocks.values()))
    result = fit(
        sums.moments(),
        spec,
        scaled=scaled,
        tolerance=tolerance,
        max_iterations=max_iterations,
        scale=scale,
    )
    return dataclasses.replace(result, missing=missing)


def bootstrap_portable(
    source: Any,
    model: Any,
    *,
    key: str,
    resamples: int = 5000,
    seed: int = 0,
    interval: str = "percentile",
    level: float = 0.95,
    scheme: str | None = None,
    scaled: bool = True,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
    missing: MissingPolicy = "error",
    scale: tuple[float, float] | None = None,
    buckets: bool | None = None,
) -> Any:
    """Bootstrap a PLS model with counter-based Poisson(1) weights keyed by ``key``.

    The replicates depend only on (``seed``, each row's ``key``, the replicate number): the same
    on DuckDB, PostgreSQL, Spark with any partitioning, and a pandas DataFrame. Rows of
    ``rows × resamples`` above 2e7 use the 4,096 hash buckets (``buckets=True`` forces them,
    ``False`` forbids). BCa takes its acceleration from a delete-a-bucket jackknife over the
    same buckets.
    """
    import dataclasses

    from qiwang.analysis._csi_fit import BootstrapResult, fit
    from qiwang.analysis._pls_bootstrap import _replicate_estimates, _summaries

    if resamples < 2:
        raise AnalysisInputError(f"resamples must be at least 2, got {resamples}")
    if not 0 < level < 1:
        raise AnalysisInputError(f"level must be between 0 and 1, got {level}")
    if interval not in ("percentile", "bca"):
        raise AnalysisInputError(f"interval must be percentile or bca, not {interval!r}")
    spec = _spec(source, model, scheme)
    sums = stage_one(
        source,
        spec.indicators,
        missing=missing,
        blocks=list(spec.blocks.values()),
        key=key,
        seed=int(seed),
        resamples=resamples,
        buckets=buckets,
        groups=interval == "bca",
    )
    original = fit(
        sums.moments(),
        spec,
        scaled=scaled,
        tolerance=tolerance,
        max_iterations=max_iterations,
        scale=scale,
    )
    original = dataclasses.replace(original, missing=missing)
    compiled = spec.compile()
    common: dict[str, Any] = {
        "scheme": spec.scheme,
        "scaled": scaled,
        "tolerance": tolerance,
        "max_iterations": max_iterations,
        "low": original.scale["minimum"].to_numpy(dtype=float),
        "high": original.scale["maximum"].to_numpy(dtype=float),
    }
    assert sums.replicates is not None  # noqa: S101 - resamples > 0 and a key
    draws = _replicate_estimates(sums.replicates, sums.shift, compiled, original, **common)
    jack = None
    if interval == "bca" and sums.groups is not None:
        used = sums.groups[:, 0] > 0
        jack = _replicate_estimates(
            sums.total[None, :] - sums.groups[used], sums.shift, compiled, original, **common
        )
    keep = draws.valid
    if keep.sum() < 2:
        raise AnalysisInputError(
            "fewer than 2 bootstrap replicates converged; the model is unstable on this data"
        )
    tables = _summaries(
        original,
        compiled,
        draws,
        jack,
        keep,
        interval=interval,  # type: ignore[arg-type]
        level=level,
    )
    return BootstrapResult(
        estimate=original,
        resamples=resamples,
        valid=int(keep.sum()),
        seed=int(seed),
        interval=interval,
        level=level,
        method=sums.method,
        buckets=cp.BUCKETS if sums.method == "buckets" else None,
        sign_changes=draws.sign_changes,
        **tables,
    )
