"""Poisson bootstrap of PLS path models: every replicate is a weighted moment matrix.

Replicate ``b`` gives row ``i`` the weight ``w_ib ~ Poisson(1)`` (Hanley & MacGibbon 2006;
Chamandy et al. 2012); its sufficient statistics are ``sum_i w_ib z_i z_i'`` with the augmented
row ``z_i = (1, x_i - c)``, which hold the weighted count, sums and cross-products at once. All
replicates come from one pass: each block of rows adds ``W_block' P_block`` to a ``(B, q(q+1)/2)``
accumulator, where ``P`` holds the distinct products ``z_j z_k``. For very large data
(``rows × resamples`` above a budget) rows are first summed into random buckets and the Poisson
weights apply to buckets (a bootstrap of i.i.d. bucket totals; see ADR 0010). PLS then runs on
all replicate matrices at once (:mod:`qiwang.analysis._pls` is batched).

Reproducibility: rows are processed in fixed blocks of :data:`BLOCK_ROWS`; block ``t`` draws from
``PCG64(SeedSequence(seed, spawn_key=(t,)))``, so results depend on the seed and the row order,
not on how the input was chunked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from qiwang.analysis._csi_fit import (
    BootstrapResult,
    PlsResult,
    empty_block_rows,
    fit,
    index_weights,
    load_model,
    raw_weights,
    satisfaction_index,
)
from qiwang.analysis._csi_models import PRESETS, ModelSpec
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._moments import (
    NUMERIC_SQL_TYPES,
    MissingPolicy,
    MissingValuesError,
    Moments,
    duckdb_source,
    numeric_block,
)
from qiwang.analysis._pls import (
    CompiledModel,
    SchemeName,
    SingularMatrixError,
    estimates,
    iterate_weights,
    orient,
)

FloatArray = npt.NDArray[np.float64]
Interval = Literal["percentile", "bca"]

BLOCK_ROWS = 1024
"""Rows per random-number block (fixed, so that results do not depend on input chunking)."""

ROW_BUDGET = 250_000_000
"""Above ``rows × resamples`` of this, Poisson weights apply to random buckets of rows."""

DEFAULT_BUCKETS = 4096
BLOCKS_PER_BATCH = 16
JACKKNIFE_GROUPS = 1000
REPLICATE_BATCH = 1000


# --------------------------------------------------------------------------------------------
# Poisson(1) variates by an exact two-level inverse-CDF table


def _poisson_tables() -> tuple[FloatArray, npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    k = np.arange(40)
    cdf = np.cumsum(np.exp(-1.0) / special.factorial(k))
    cdf = np.minimum(cdf, 1.0)
    cells = np.arange(65536, dtype=np.float64)
    lower = np.searchsorted(cdf, cells / 65536.0, side="right")
    upper = np.searchsorted(cdf, (cells + 1) / 65536.0, side="left")
    return cdf, lower.astype(np.uint8), upper > lower


_CDF, _TABLE, _AMBIGUOUS = _poisson_tables()


def poisson1(rng: np.random.Generator, shape: tuple[int, ...]) -> npt.NDArray[np.uint8]:
    """Exact Poisson(1) variates: ``X = #{k : F(k) <= U}`` with ``U`` uniform on [0, 1).

    ``U``'s leading 16 bits pick a table cell; the few cells (≈ 1 in 7,000) that contain a CDF
    jump are resolved with a further uniform. About 6× faster than ``Generator.poisson``.
    """
    u = rng.integers(0, 65536, size=shape, dtype=np.uint16)
    k = _TABLE[u]
    ambiguous = np.flatnonzero(_AMBIGUOUS[u])
    if ambiguous.size:
        fine = (u.ravel()[ambiguous] + rng.random(ambiguous.size)) / 65536.0
        k.ravel()[ambiguous] = np.searchsorted(_CDF, fine, side="right").astype(np.uint8)
    return k


# --------------------------------------------------------------------------------------------
# One pass: replicate moment sums


@dataclass(frozen=True)
class ReplicateSums:
    """Sums of ``z z'`` (upper triangle, ``z = (1, x - shift)``) from one pass."""

    shift: FloatArray  # (p,)
    total: FloatArray  # (q2,)
    replicates: FloatArray  # (B, q2)
    jackknife: FloatArray | None  # (G, q2) group sums, or None
    minimum: FloatArray
    maximum: FloatArray
    rows_read: int
    rows_used: int
    method: str
    buckets: int | None
    entropy: int


def _child(entropy: int, key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(key,))))


def _grouped_sums(
    ids: npt.NDArray[np.intp], n_groups: int, z_t: FloatArray, out_t: FloatArray
) -> None:
    """``out_t[k, g] += sum_{i: ids_i = g} z_ji z_li`` for every upper-triangle pair ``k = (j, l)``.

    One ``bincount`` per pair over contiguous rows of ``z_t`` (``q × m``): linear in the rows,
    with no ``G × m`` one-hot matrix.
    """
    q = z_t.shape[0]
    k = 0
    for j in range(q):
        for col in range(j, q):
            weights = z_t[col] if j == 0 else z_t[j] * z_t[col]
            out_t[k] += np.bincount(ids, weights=weights, minlength=n_groups)
            k += 1


def replicate_sums(
    chunks: Iterable[FloatArray],
    *,
    n_columns: int,
    n_rows: int,
    resamples: int,
    seed: int | None,
    missing: MissingPolicy,
    impute: FloatArray | None = None,
    buckets: int | None = None,
    jackknife: bool = False,
    columns: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> ReplicateSums:
    """Accumulate original, replicate and (for BCa) jackknife-group moment sums in one pass.

    ``n_rows`` is the number of rows in the source (used to choose row or bucket weights and
    leave-one-out or grouped jackknife); ``impute`` holds column means for mean imputation;
    ``progress(rows_read, n_rows)`` is called after each chunk.
    """
    p = n_columns
    q = p + 1
    ju, ku = np.triu_indices(q)
    q2 = ju.size
    entropy = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    if buckets is None:
        buckets = 0 if n_rows * resamples <= ROW_BUDGET else DEFAULT_BUCKETS
    n_buckets = int(buckets)
    by_bucket = n_buckets > 0
    replicates = np.zeros((resamples, q2))
    bucket_t = np.zeros((q2, n_buckets)) if by_bucket else None
    leave_one_out = n_rows <= JACKKNIFE_GROUPS
    groups = (n_rows if leave_one_out else JACKKNIFE_GROUPS) if jackknife else 0
    group_t = np.zeros((q2, groups)) if jackknife else None
    row_total = np.zeros(q2)  # Σ z z' over rows (row weights; buckets sum their totals)
    shift: FloatArray | None = None
    minimum = np.full(p, np.inf)
    maximum = np.full(p, -np.inf)
    rows_read = 0
    rows_used = 0
    block_index = 0

    def process(batch: FloatArray) -> None:
        """Rows in whole random-number blocks (the last batch may end with a partial one)."""
        nonlocal rows_used, block_index
        assert shift is not None  # noqa: S101 - set before the first batch
        m = batch.shape[0]
        z = np.empty((m, q))
        z[:, 0] = 1.0
        z[:, 1:] = batch - shift
        bucket_ids = []
        group_ids = []
        for start in range(0, m, BLOCK_ROWS):
            block = z[start : start + BLOCK_ROWS]
            rng = _child(entropy, block_index)
            if by_bucket:
                bucket_ids.append(rng.integers(0, n_buckets, size=block.shape[0]))
            else:
                products = block[:, ju] * block[:, ku]
                weights = poisson1(rng, (block.shape[0], resamples)).astype(np.float64)
                replicates[...] += weights.T @ products
                row_total[...] += products.sum(axis=0)
            if jackknife and not leave_one_out:
                group_ids.append(rng.integers(0, groups, size=block.shape[0]))
            block_index += 1
        if bucket_t is not None or group_t is not None:
            z_t = np.ascontiguousarray(z.T)
            if bucket_t is not None:
                _grouped_sums(np.concatenate(bucket_ids).astype(np.intp), n_buckets, z_t, bucket_t)
            if group_t is not None:
                if leave_one_out:
                    ids = np.arange(rows_used, rows_used + m, dtype=np.intp)
                else:
                    ids = np.concatenate(group_ids).astype(np.intp)
                _grouped_sums(ids, groups, z_t, group_t)
        rows_used += m

    batch_rows = BLOCK_ROWS * BLOCKS_PER_BATCH
    pending: list[FloatArray] = []
    pending_rows = 0
    for chunk in chunks:
        x = np.asarray(chunk, dtype=np.float64)
        rows_read += x.shape[0]
        holes = np.isnan(x)
        if holes.any():
            if missing == "error":
                j = int(np.flatnonzero(holes.any(axis=0))[0])
                raise MissingValuesError(
                    "missing values; choose listwise deletion or mean imputation",
                    column=columns[j] if columns else None,
                )
            if missing == "listwise":
                x = x[~holes.any(axis=1)]
            elif impute is not None:
                x = np.where(holes, impute[None, :], x)
        if x.shape[0] == 0:
            continue
        minimum = np.fmin(minimum, x.min(axis=0))
        maximum = np.fmax(maximum, x.max(axis=0))
        if shift is None:
            shift = x.mean(axis=0)
        pending.append(x)
        pending_rows += x.shape[0]
        if pending_rows >= batch_rows:
            stacked = np.concatenate(pending)
            full = (stacked.shape[0] // batch_rows) * batch_rows
            for start in range(0, full, batch_rows):
                process(stacked[start : start + batch_rows])
            pending = [stacked[full:]]
            pending_rows = stacked.shape[0] - full
        if progress is not None:
            progress(rows_read, n_rows)
    if pending_rows:
        process(np.concatenate(pending))
    if shift is None or rows_used == 0:
        raise AnalysisInputError("no rows left to analyse")
    if bucket_t is not None:
        weights = poisson1(_child(entropy, 2**31), (resamples, n_buckets)).astype(np.float64)
        replicates = weights @ bucket_t.T
    # The original sums come from the same products as the replicates: no separate z'z, whose
    # small multithreaded BLAS call was the slowest step on a loaded two-core machine.
    total = bucket_t.sum(axis=1) if bucket_t is not None else row_total
    return ReplicateSums(
        shift=shift,
        total=total,
        replicates=replicates,
        jackknife=None if group_t is None else total[None, :] - group_t.T,
        minimum=minimum,
        maximum=maximum,
        rows_read=rows_read,
        rows_used=rows_used,
        method="buckets" if by_bucket else "rows",
        buckets=n_buckets if by_bucket else None,
        entropy=entropy,
    )


def unpack(sums: FloatArray, shift: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Count ``(B,)``, means ``(B, p)`` and population covariances ``(B, p, p)`` from sums."""
    batch, q2 = sums.shape
    q = int((math.isqrt(8 * q2 + 1) - 1) // 2)
    ju, ku = np.triu_indices(q)
    full = np.zeros((batch, q, q))
    full[:, ju, ku] = sums
    full[:, ku, ju] = sums
    count = full[:, 0, 0]
    centred_mean = full[:, 0, 1:] / count[:, None]
    cov = (
        full[:, 1:, 1:] / count[:, None, None] - centred_mean[:, :, None] * centred_mean[:, None, :]
    )
    return count, centred_mean + shift[None, :], cov


# --------------------------------------------------------------------------------------------
# PLS on replicate matrices


@dataclass(frozen=True)
class _Draws:
    paths: FloatArray  # (B, n_paths)
    total: FloatArray  # (B, n_effects)
    weights: FloatArray  # (B, p)
    loadings: FloatArray  # (B, p)
    r_squared: FloatArray  # (B, n_endogenous)
    index: FloatArray  # (B, L)
    valid: npt.NDArray[np.bool_]
    sign_changes: int


def _replicate_estimates(
    sums: FloatArray,
    shift: FloatArray,
    compiled: CompiledModel,
    original: PlsResult,
    *,
    scheme: SchemeName,
    scaled: bool,
    tolerance: float,
    max_iterations: int,
    low: FloatArray,
    high: FloatArray,
) -> _Draws:
    _, mean, cov = unpack(sums, shift)
    batch = sums.shape[0]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0.0, None))
    valid = np.all(sd > 0, axis=1) & np.all(np.isfinite(cov), axis=(1, 2))
    s = cov.copy()
    if scaled:
        safe = np.where(sd > 0, sd, 1.0)
        s = cov / (safe[:, :, None] * safe[:, None, :])
    s[~valid] = np.eye(compiled.n_indicators)[None]
    reference = original.outer_model["weight"].to_numpy(dtype=float)
    endogenous = list(compiled.endogenous)
    path_pairs = [(k, int(j)) for k in endogenous for j in np.flatnonzero(compiled.path[k])]
    lvs = list(compiled.latent_names)
    effect_pairs = [
        (lvs.index(str(r["to"])), lvs.index(str(r["from"]))) for _, r in original.effects.iterrows()
    ]
    out_paths = np.full((batch, len(path_pairs)), np.nan)
    out_total = np.full((batch, len(effect_pairs)), np.nan)
    out_weights = np.full((batch, compiled.n_indicators), np.nan)
    out_loadings = np.full((batch, compiled.n_indicators), np.nan)
    out_r2 = np.full((batch, len(endogenous)), np.nan)
    out_index = np.full((batch, compiled.n_latent), np.nan)
    flips = 0

    def run(idx: npt.NDArray[np.intp]) -> None:
        nonlocal flips
        it = iterate_weights(
            s[idx], compiled, scheme=scheme, tolerance=tolerance, max_iterations=max_iterations
        )
        w = it.weights
        orient(s[idx], w, compiled)
        opposite = ((w * reference[None, :]) @ compiled.one_hot) < 0
        flips += int(opposite[it.converged].sum())
        est = estimates(s[idx], w, compiled)
        ok = it.converged & valid[idx]
        sel = idx[ok]
        out_paths[sel] = np.stack([est.paths[ok, k, j] for k, j in path_pairs], axis=1)
        out_total[sel] = np.stack([est.total[ok, k, j] for k, j in effect_pairs], axis=1)
        out_weights[sel] = w[ok]
        out_loadings[sel] = est.loadings[ok]
        out_r2[sel] = est.r_squared[ok][:, endogenous]
        raw = raw_weights(w[ok], sd[sel], scaled)
        tilde = index_weights(raw, compiled.block_of, compiled.n_latent)
        out_index[sel] = satisfaction_index(
            tilde, mean[sel], low, high, compiled.block_of, compiled.n_latent
        )

    for start in range(0, batch, REPLICATE_BATCH):
        idx = np.arange(start, min(start + REPLICATE_BATCH, batch))
        try:
            run(idx)
        except SingularMatrixError:
            for i in idx:  # isolate the degenerate replicates
                try:
                    run(np.array([i]))
                except SingularMatrixError:
                    valid[i] = False
    finite = np.all(np.isfinite(out_weights), axis=1)
    return _Draws(
        paths=out_paths,
        total=out_total,
        weights=out_weights,
        loadings=out_loadings,
        r_squared=out_r2,
        index=out_index,
        valid=valid & finite,
        sign_changes=flips,
    )


# --------------------------------------------------------------------------------------------
# Intervals


def _intervals(
    draws: FloatArray,
    original: FloatArray,
    jackknife: FloatArray | None,
    *,
    interval: Interval,
    level: float,
) -> tuple[FloatArray, FloatArray]:
    alpha = (1 - level) / 2
    if interval == "percentile" or jackknife is None:
        low, high = np.quantile(draws, [alpha, 1 - alpha], axis=0)
        return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    # BCa (Efron 1987; Efron & Tibshirani 1993, §14.3): bias correction z0 from the share of
    # draws below the estimate, acceleration a from the jackknife.
    b = draws.shape[0]
    below = np.clip((draws < original[None, :]).mean(axis=0), 1 / (b + 1), b / (b + 1))
    z0 = special.ndtri(below)
    d = np.nanmean(jackknife, axis=0)[None, :] - jackknife
    denominator = 6 * np.nansum(d**2, axis=0) ** 1.5
    a = np.where(
        denominator > 0, np.nansum(d**3, axis=0) / np.where(denominator > 0, denominator, 1), 0
    )
    lows = np.empty(draws.shape[1])
    highs = np.empty(draws.shape[1])
    for j in range(draws.shape[1]):
        adjusted = []
        for z in (special.ndtri(alpha), special.ndtri(1 - alpha)):
            adjusted.append(float(special.ndtr(z0[j] + (z0[j] + z) / (1 - a[j] * (z0[j] + z)))))
        lows[j], highs[j] = np.quantile(draws[:, j], adjusted)
    return lows, highs


def _table(
    names: Sequence[str],
    original: FloatArray,
    draws: FloatArray,
    jackknife: FloatArray | None,
    *,
    interval: Interval,
    level: float,
    pairs: Sequence[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    low, high = _intervals(draws, original, jackknife, interval=interval, level=level)
    frame = pd.DataFrame(
        {
            "original": original,
            "mean": draws.mean(axis=0),
            "std_error": draws.std(axis=0, ddof=1) if draws.shape[0] > 1 else np.nan,
            "ci_low": low,
            "ci_high": high,
        },
        index=pd.Index(list(names)),
    )
    if pairs is not None:
        frame.insert(0, "to", [t for _, t in pairs])
        frame.insert(0, "from", [f for f, _ in pairs])
    return frame


# --------------------------------------------------------------------------------------------
# Public entry point


def _frame_chunks(x: FloatArray, size: int = 65_536) -> Iterator[FloatArray]:
    for start in range(0, x.shape[0], size):
        yield x[start : start + size]


def _file_chunks(path: Path, columns: Sequence[str], size: int = 262_144) -> Iterator[FloatArray]:
    import duckdb

    if path.suffix.lower() in {".parquet", ".pq"}:
        # pyarrow, one batch at a time: DuckDB's streaming reader beside OpenBLAS's threads
        # slowed this pass three-fold on two cores (docs/benchmarks.md).
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(
                batch_size=size, columns=list(columns), use_threads=False
            ):
                yield np.column_stack(
                    [
                        batch.column(j).to_numpy(zero_copy_only=False).astype(np.float64)
                        for j in range(len(columns))
                    ]
                )
        return
    con = duckdb.connect()
    try:
        select = ", ".join(
            "CAST(" + '"' + c.replace('"', '""') + '"' + " AS DOUBLE)" for c in columns
        )
        relation = con.sql(f"SELECT {select} FROM {duckdb_source(path)}")  # noqa: S608
        # DuckDB 2 names it to_arrow_reader; 1.x fetch_arrow_reader.
        to_reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader
        reader = to_reader(size)
        for batch in reader:
            yield np.column_stack(
                [batch.column(j).to_numpy(zero_copy_only=False) for j in range(len(columns))]
            ).astype(np.float64, copy=False)
    finally:
        con.close()


def _raise_not_numeric(con: object, path: Path, column: str, sql_type: str | None) -> None:
    """Name the first value of ``column`` that is not a number, else the column's type."""
    from qiwang.analysis._duckdb import first_row_where, open_source, quote_identifier, value_at

    relation = open_source(path, con)  # type: ignore[arg-type]
    name = quote_identifier(column)
    row = first_row_where(relation, f"{name} IS NOT NULL AND TRY_CAST({name} AS DOUBLE) IS NULL")
    if row is not None:
        value = value_at(relation, column, row)
        raise AnalysisInputError(f"{value!r} is not a number", column=column, row=row)
    raise AnalysisInputError(f"not numeric (type {sql_type})", column=column)


def _file_rows(path: Path, columns: Sequence[str]) -> int:
    """Rows of the file, after checking that the model's columns are numeric (no scan)."""
    import duckdb

    con = duckdb.connect()
    try:
        source = duckdb_source(path)
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()  # noqa: S608
        types = {str(r[0]): str(r[1]) for r in described}
        for c in columns:
            if not types.get(c, "").upper().startswith(NUMERIC_SQL_TYPES):
                _raise_not_numeric(con, path, c, types.get(c))
        row = con.execute(f"SELECT COUNT(*) FROM {source}").fetchone()  # noqa: S608
    finally:
        con.close()
    return int(row[0]) if row is not None else 0


def bootstrap(
    source: pd.DataFrame | str | Path,
    model: ModelSpec | str | Path,
    *,
    resamples: int = 5000,
    seed: int | None = None,
    interval: Interval = "percentile",
    level: float = 0.95,
    scheme: SchemeName | None = None,
    scaled: bool = True,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
    missing: MissingPolicy = "error",
    scale: tuple[float, float] | None = None,
    buckets: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BootstrapResult:
    """Bootstrap confidence intervals for a PLS path model from one pass over the data.

    Parameters
    ----------
    source : DataFrame or path to a Parquet/CSV file
        Files are streamed through DuckDB in record batches; nothing is loaded whole.
    model, scheme, scaled, tolerance, max_iterations, missing, scale
        As for :func:`qiwang.analysis.csi.fit`.
    resamples : int
        Number of replicates (default 5,000).
    seed : int, optional
        Seed for reproducible replicates; without one, fresh entropy is drawn and reported.
    interval : {"percentile", "bca"}
        Percentile intervals (default) or bias-corrected and accelerated (BCa, with the
        acceleration from a leave-one-out jackknife for up to 1,000 rows, else from a
        delete-a-group jackknife over 1,000 random groups).
    level : float
        Confidence level, default 0.95.
    buckets : int, optional
        Apply the Poisson weights to this many random buckets of rows instead of to rows;
        ``None`` chooses rows unless ``rows × resamples`` exceeds 2.5e8, ``0`` forces rows.
    progress : callable, optional
        Called as ``progress(rows_read, rows_total)`` after each chunk of the pass (for a
        progress bar).

    Returns
    -------
    BootstrapResult
        Replicates that did not converge are dropped (``valid < resamples``). Each replicate's
        latent variables are oriented by the same rule as the estimate (R plspm's, or the
        model's anchors); ``sign_changes`` counts replicate LVs that point opposite the estimate.
    """
    if resamples < 2:
        raise AnalysisInputError(f"resamples must be at least 2, got {resamples}")
    if not 0 < level < 1:
        raise AnalysisInputError(f"level must be between 0 and 1, got {level}")
    if interval not in ("percentile", "bca"):
        raise AnalysisInputError(f"interval must be percentile or bca, not {interval!r}")
    if buckets is not None and buckets < 0:
        raise AnalysisInputError(f"buckets must be positive, got {buckets}")
    original: PlsResult | None
    if isinstance(source, pd.DataFrame):
        spec = load_model(model, [str(c) for c in source.columns])
        if scheme is not None:
            spec = spec.replace(scheme=scheme)
        spec.check_columns([str(c) for c in source.columns])
        original = fit(
            source,
            spec,
            scaled=scaled,
            tolerance=tolerance,
            max_iterations=max_iterations,
            missing=missing,
            scale=scale,
        )
        x = numeric_block(source, spec.indicators)
        if missing == "mean":  # rows with a whole block missing are dropped, as in fit()
            x = x[~empty_block_rows(x, spec)]
        chunks: Iterable[FloatArray] = _frame_chunks(x)
        n_rows = x.shape[0]
        impute = original.moments.mean if missing == "mean" else None
    else:
        path = Path(source)
        if not path.is_file():
            raise AnalysisInputError(f"no such file: {path}")
        from qiwang.analysis._csi_fit import _file_columns

        spec = load_model(
            model,
            _file_columns(path)
            if not isinstance(model, ModelSpec) and str(model).lower() in PRESETS
            else (),
        )
        if scheme is not None:
            spec = spec.replace(scheme=scheme)
        spec.check_columns(_file_columns(path))
        impute = None
        if missing == "mean":  # imputation needs the means first: a cheap DuckDB aggregate
            impute = fit(path, spec, scaled=scaled, missing="mean").moments.mean
        n_rows = _file_rows(path, spec.indicators)
        chunks = _file_chunks(path, spec.indicators)
        if missing == "mean":
            chunks = (chunk[~empty_block_rows(chunk, spec)] for chunk in chunks)
        original = None
    sums = replicate_sums(
        chunks,
        n_columns=len(spec.indicators),
        n_rows=n_rows,
        resamples=resamples,
        seed=seed,
        missing=missing,
        impute=impute,
        buckets=buckets,
        jackknife=interval == "bca",
        columns=spec.indicators,
        progress=progress,
    )
    if original is None:
        count, mean, cov = unpack(sums.total[None, :], sums.shift)
        moments = Moments(
            columns=spec.indicators,
            count=float(count[0]),
            mean=mean[0],
            comoment=cov[0] * count[0],
            minimum=sums.minimum,
            maximum=sums.maximum,
            rows_read=sums.rows_read,
            rows_dropped=sums.rows_read - sums.rows_used,
            values_imputed=(0,) * len(spec.indicators),
        )
        original = fit(
            moments,
            spec,
            scaled=scaled,
            tolerance=tolerance,
            max_iterations=max_iterations,
            scale=scale,
        )
        original = _with_missing(original, missing)
    compiled = spec.compile()
    low = original.scale["minimum"].to_numpy(dtype=float)
    high = original.scale["maximum"].to_numpy(dtype=float)
    common = {
        "scheme": spec.scheme,
        "scaled": scaled,
        "tolerance": tolerance,
        "max_iterations": max_iterations,
        "low": low,
        "high": high,
    }
    draws = _replicate_estimates(sums.replicates, sums.shift, compiled, original, **common)  # type: ignore[arg-type]
    jack = None
    if sums.jackknife is not None:
        jack = _replicate_estimates(sums.jackknife, sums.shift, compiled, original, **common)  # type: ignore[arg-type]
    keep = draws.valid
    if keep.sum() < 2:
        raise AnalysisInputError(
            "fewer than 2 bootstrap replicates converged; the model is unstable on this data"
        )
    tables = _summaries(original, compiled, draws, jack, keep, interval=interval, level=level)
    return BootstrapResult(
        estimate=original,
        resamples=resamples,
        valid=int(keep.sum()),
        seed=seed if seed is not None else sums.entropy,
        interval=interval,
        level=level,
        method=sums.method,
        buckets=sums.buckets,
        sign_changes=draws.sign_changes,
        **tables,
    )


def _with_missing(result: PlsResult, missing: MissingPolicy) -> PlsResult:
    import dataclasses

    return dataclasses.replace(result, missing=missing)


def _summaries(
    original: PlsResult,
    compiled: CompiledModel,
    draws: _Draws,
    jack: _Draws | None,
    keep: npt.NDArray[np.bool_],
    *,
    interval: Interval,
    level: float,
) -> dict[str, pd.DataFrame]:
    def jk(values: FloatArray | None) -> FloatArray | None:
        if values is None or jack is None:
            return None
        return values[jack.valid]

    lvs = list(compiled.latent_names)
    inner = original.inner_model
    path_pairs = list(zip(inner["from"], inner["to"], strict=True))
    effects = original.effects
    effect_pairs = list(zip(effects["from"], effects["to"], strict=True))
    endogenous = [lvs[k] for k in compiled.endogenous]
    om = original.outer_model
    kw = {"interval": interval, "level": level}
    return {
        "paths": _table(
            list(inner.index),
            inner["estimate"].to_numpy(dtype=float),
            draws.paths[keep],
            jk(jack.paths if jack else None),
            pairs=path_pairs,
            **kw,  # type: ignore[arg-type]
        ),
        "total_effects": _table(
            list(effects.index),
            effects["total"].to_numpy(dtype=float),
            draws.total[keep],
            jk(jack.total if jack else None),
            pairs=effect_pairs,
            **kw,  # type: ignore[arg-type]
        ),
        "outer_weights": _table(
            list(om.index),
            om["weight"].to_numpy(dtype=float),
            draws.weights[keep],
            jk(jack.weights if jack else None),
            **kw,  # type: ignore[arg-type]
        ),
        "loadings": _table(
            list(om.index),
            om["loading"].to_numpy(dtype=float),
            draws.loadings[keep],
            jk(jack.loadings if jack else None),
            **kw,  # type: ignore[arg-type]
        ),
        "r_squared": _table(
            endogenous,
            original.inner_summary.loc[endogenous, "r_squared"].to_numpy(dtype=float),
            draws.r_squared[keep],
            jk(jack.r_squared if jack else None),
            **kw,  # type: ignore[arg-type]
        ),
        "index": _table(
            lvs,
            original.index.to_numpy(dtype=float),
            draws.index[keep],
            jk(jack.index if jack else None),
            **kw,  # type: ignore[arg-type]
        ),
    }


def replicate_indices(
    augmented: FloatArray,
    original: PlsResult,
    *,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
) -> FloatArray:
    """The 0–100 index of every latent variable for replicate sums held elsewhere.

    ``augmented`` is ``(B, p + 1, p + 1)``: each replicate's ``Σ w z zᵀ`` with ``z = (1, x)``
    over the model's indicators in ``original.model.indicators`` order (a caller that keeps
    Poisson-reweightable sums itself, e.g. bucket totals in a database, builds them). Returns
    ``(B, L)`` with NaN rows for replicates that did not converge. The replicates run through
    the same batched PLS as :func:`bootstrap`.
    """
    spec = original.model
    compiled = spec.compile()
    q = augmented.shape[1]
    ju, ku = np.triu_indices(q)
    draws = _replicate_estimates(
        augmented[:, ju, ku],
        np.zeros(q - 1),
        compiled,
        original,
        scheme=spec.scheme,
        scaled=original.scaled,
        tolerance=tolerance,
        max_iterations=max_iterations,
        low=original.scale["minimum"].to_numpy(dtype=float),
        high=original.scale["maximum"].to_numpy(dtype=float),
    )
    out = draws.index.copy()
    out[~draws.valid] = np.nan
    return out
