"""Point estimation of PLS path models and the result classes behind :mod:`qiwang.analysis.csi`."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from qiwang.analysis._csi_models import PRESETS, ModelError, ModelSpec, preset
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._moments import (
    MissingPolicy,
    Moments,
    duckdb_source,
    moments_from_array,
    moments_from_duckdb,
    numeric_block,
)
from qiwang.analysis._pls import (
    CompiledModel,
    Estimates,
    SchemeName,
    estimates,
    iterate_weights,
    orient,
)

FloatArray = npt.NDArray[np.float64]
Source = pd.DataFrame | Moments | str | Path


class ConvergenceError(AnalysisInputError):
    """The PLS iteration did not converge within the iteration cap."""


def load_model(model: str | Path | ModelSpec, columns: Sequence[str] = ()) -> ModelSpec:
    """A preset name (``"acsi"``, ``"ecsi"``), a YAML/JSON file, or a :class:`ModelSpec`.

    Presets are resolved against ``columns`` (the data's column names).
    """
    if isinstance(model, ModelSpec):
        return model
    text = str(model)
    if text.lower() in PRESETS:
        return preset(text, columns)
    path = Path(text)
    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        raise ModelError(
            f"model must be one of {', '.join(PRESETS)} or a .yaml/.json file, not {text!r}"
        )
    if not path.is_file():
        raise ModelError(f"no such model file: {path}")
    return ModelSpec.from_file(path)


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class PlsResult:
    """A fitted PLS path model.

    Attributes
    ----------
    model : ModelSpec
        The model, with the scheme actually used.
    scaled : bool
        True when the indicators were standardised (correlation matrix), False for raw data
        (covariance matrix; R plspm ``scaled = FALSE``).
    iterations : int
        Iterations of the weight algorithm.
    count : float
        Rows used.
    outer_model : DataFrame
        Per indicator: ``latent``, ``weight``, ``loading``, ``communality``, ``redundancy``.
    crossloadings : DataFrame
        ``cor(indicator, LV score)`` for every indicator and LV.
    path_coefficients : DataFrame
        Rows are sources, columns targets (``loc[from, to]``); 0 where there is no path.
    inner_model : DataFrame
        One row per path: ``from``, ``to``, ``estimate``, ``std_error``, ``t_value``,
        ``p_value`` (OLS on the LV scores, with intercept).
    effects : DataFrame
        ``from``, ``to``, ``direct``, ``indirect``, ``total`` for every pair with an effect.
    inner_summary : DataFrame
        Per LV: ``type``, ``r_squared``, ``r_squared_adjusted``, ``block_communality``,
        ``mean_redundancy``, ``ave``.
    reliability : DataFrame
        Per LV: ``mode``, ``indicators``, ``cronbach_alpha`` (standardised),
        ``cronbach_alpha_raw``, ``dillon_goldstein_rho``,
        ``composite_reliability``, ``rho_a``, ``ave``, ``eigenvalue_1``, ``eigenvalue_2``.
    htmt : DataFrame
        Heterotrait–monotrait ratios (Henseler et al. 2015) on absolute correlations, LV × LV;
        NaN where undefined (named in ``warnings``).
    latent_correlations : DataFrame
        Correlations of the LV scores.
    goodness_of_fit : float
        Tenenhaus et al. (2005) GoF.
    index : Series
        ACSI 0–100 index per LV (Fornell et al. 1996).
    index_weights : Series
        Unstandardised outer weights rescaled to sum to 1 within each block.
    scale : DataFrame
        ``minimum``, ``maximum`` of each indicator's scale used by the index, and ``source``.
    scores : DataFrame or None
        LV scores (unit variance), when the estimate came from rows.
    moments : Moments
        The sufficient statistics the estimate came from.
    warnings : tuple of str
        Undefined or suspicious quantities, named (negative Cronbach's alpha, undefined HTMT).
    """

    model: ModelSpec
    scaled: bool
    iterations: int
    count: float
    outer_model: pd.DataFrame
    crossloadings: pd.DataFrame
    path_coefficients: pd.DataFrame
    inner_model: pd.DataFrame
    effects: pd.DataFrame
    inner_summary: pd.DataFrame
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    latent_correlations: pd.DataFrame
    goodness_of_fit: float
    index: pd.Series
    index_weights: pd.Series
    scale: pd.DataFrame
    scores: pd.DataFrame | None
    moments: Moments
    missing: MissingPolicy = "error"
    tolerance: float = 1e-6
    max_iterations: int = 100
    warnings: tuple[str, ...] = ()
    _lv_sd_rescaled: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), repr=False)

    @property
    def outer_weights(self) -> pd.Series:
        return self.outer_model["weight"]

    @property
    def loadings(self) -> pd.Series:
        return self.outer_model["loading"]

    @property
    def r_squared(self) -> pd.Series:
        endogenous = self.inner_summary["type"] == "endogenous"
        return self.inner_summary.loc[endogenous, "r_squared"]

    def ipma(self, target: str | None = None) -> pd.DataFrame:
        """Importance–performance map inputs for ``target`` (default: the model's target).

        Importance is the unstandardised total effect of each LV on the target, with LV
        scores on the 0–100 scale of the index; performance is the LV's index (Ringle &
        Sarstedt 2016). Only LVs with a total effect on the target are listed.
        """
        goal = target or self.model.target_variable
        if goal not in self.model.blocks:
            raise ModelError(f"target {goal!r} is not a latent variable of the model")
        sources = self.effects[self.effects["to"] == goal]
        sd = self._lv_sd_rescaled
        importance = [
            float(row.total) * float(sd[goal]) / float(sd[row["from"]])
            for _, row in sources.iterrows()
        ]
        out = pd.DataFrame(
            {
                "importance": importance,
                "total_effect": sources["total"].to_numpy(dtype=float),
                "performance": [float(self.index[lv]) for lv in sources["from"]],
            },
            index=pd.Index(list(sources["from"]), name="latent"),
        )
        out.attrs["target"] = goal
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``qiwang analyze csi --json`` (CI fields null)."""
        return _report_dict(self, None)


def _report_dict(result: PlsResult, boot: BootstrapResult | None) -> dict[str, Any]:
    ci: dict[tuple[str, str], tuple[float, float]] = {}
    if boot is not None:
        for _, row in boot.paths.iterrows():
            ci[(row["from"], row["to"])] = (float(row["ci_low"]), float(row["ci_high"]))
    paths = []
    for _, row in result.inner_model.iterrows():
        low, high = ci.get((row["from"], row["to"]), (None, None))
        paths.append(
            {
                "from": row["from"],
                "to": row["to"],
                "estimate": float(row["estimate"]),
                "ci_low": low,
                "ci_high": high,
                "std_error": float(row["std_error"]),
                "p_value": float(row["p_value"]),
            }
        )
    om = result.outer_model
    by_lv: dict[str, dict[str, dict[str, float]]] = {"weight": {}, "loading": {}}
    for key in by_lv:
        for lv in result.model.blocks:
            sub = om[om["latent"] == lv]
            by_lv[key][lv] = {str(i): float(v) for i, v in sub[key].items()}
    out: dict[str, Any] = {
        "model": result.model.to_dict(),
        "n": result.count,
        "scaled": result.scaled,
        "scheme": result.model.scheme,
        "iterations": result.iterations,
        "paths": paths,
        "r2": {str(k): float(v) for k, v in result.r_squared.items()},
        "r2_adjusted": {
            str(k): float(v)
            for k, v in result.inner_summary.loc[
                result.r_squared.index, "r_squared_adjusted"
            ].items()
        },
        "outer_weights": by_lv["weight"],
        "loadings": by_lv["loading"],
        "index": {str(k): float(v) for k, v in result.index.items()},
        "reliability": _frame_records(result.reliability),
        "goodness_of_fit": result.goodness_of_fit,
        "effects": result.effects.to_dict(orient="records"),
        "htmt": _frame_records(result.htmt),
        "ipma": {
            "target": result.model.target_variable,
            "latent": _frame_records(result.ipma()),
        },
        "missing": {
            "policy": result.missing,
            "rows_read": result.moments.rows_read,
            "rows_dropped": result.moments.rows_dropped,
            "values_imputed": int(sum(result.moments.values_imputed)),
        },
        "bootstrap": None,
        "warnings": list(result.warnings),
    }
    if boot is not None:
        out["bootstrap"] = {
            "resamples": boot.resamples,
            "valid": boot.valid,
            "seed": boot.seed,
            "interval": boot.interval,
            "level": boot.level,
            "method": boot.method,
            "buckets": boot.buckets,
            "sign_changes": boot.sign_changes,
            "r2": _frame_records(boot.r_squared),
            "index": _frame_records(boot.index),
        }
    return out


def _frame_records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for idx, row in frame.iterrows():
        out[str(idx)] = {
            str(k): (None if isinstance(v, float) and math.isnan(v) else _plain(v))
            for k, v in row.items()
        }
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap distribution summaries of a PLS path model.

    Each table has ``original``, ``mean``, ``std_error``, ``ci_low``, ``ci_high`` (``paths`` and
    ``total_effects`` also ``from`` and ``to``), indexed like R plspm (``"A -> B"``).

    Attributes
    ----------
    estimate : PlsResult
        The estimate on the original data.
    resamples, valid : int
        Replicates drawn and replicates that converged (only these are summarised).
    seed : int or None
        Seed of the ``numpy.random.Generator``.
    interval : {"percentile", "bca"}
    level : float
    method : {"rows", "buckets"}
        Poisson(1) weights per row, or per random bucket of rows (large data; see the ADR).
    buckets : int or None
    sign_changes : int
        Blocks whose sign was flipped to agree with the original estimate.
    """

    estimate: PlsResult
    resamples: int
    valid: int
    seed: int | None
    interval: str
    level: float
    method: str
    buckets: int | None
    sign_changes: int
    paths: pd.DataFrame
    total_effects: pd.DataFrame
    outer_weights: pd.DataFrame
    loadings: pd.DataFrame
    r_squared: pd.DataFrame
    index: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``qiwang analyze csi --json`` with intervals."""
        return _report_dict(self.estimate, self)


# --------------------------------------------------------------------------------------------
# Estimation


def _stats_matrix(moments: Moments, scaled: bool) -> FloatArray:
    if moments.count < 2:
        raise AnalysisInputError(f"need at least 2 rows, got {moments.count:g}")
    variance = np.diagonal(moments.comoment)
    square = variance + moments.count * moments.mean**2  # Σx² of the unshifted values
    for name, v, lo, sq in zip(moments.columns, variance, moments.minimum, square, strict=True):
        # zero up to rounding: centring loses about eps·|x| per value (offsets of 1e7 are fine)
        if not v > 1e-26 * sq:
            raise AnalysisInputError(
                f"the indicator is constant (every value is {lo:g}); remove it from the model",
                column=name,
            )
    return moments.correlation() if scaled else moments.covariance()


def empty_block_rows(x: FloatArray, model: ModelSpec) -> npt.NDArray[np.bool_]:
    """Rows of ``x`` (columns = the model's indicators) with some block entirely missing."""
    compiled = model.compile()
    missing = np.isnan(x).astype(np.float64) @ compiled.one_hot  # missing values per block
    sizes = compiled.one_hot.sum(axis=0)
    out: npt.NDArray[np.bool_] = np.any(missing == sizes[None, :], axis=1)
    return out


def empty_block_condition(model: ModelSpec) -> str:
    """SQL condition true for a row with some block entirely missing (quoted identifiers)."""
    blocks = []
    for block in model.blocks.values():
        nulls = " AND ".join('"' + c.replace('"', '""') + '" IS NULL' for c in block)
        blocks.append(f"({nulls})")
    return " OR ".join(blocks)


def _moments_for(
    source: Source, model: ModelSpec, missing: MissingPolicy
) -> tuple[Moments, FloatArray | None]:
    """Moments of the model's indicators.

    Under ``missing="mean"`` a row whose whole block is missing is dropped, not imputed (as
    plspm-python does): the respondent said nothing about that construct, and giving them the
    mean of every indicator of it would pull its correlations towards zero. Such rows count in
    ``rows_dropped``; the rest are imputed value by value.
    """
    if isinstance(source, Moments):
        model.check_columns(source.columns)
        return source.select(model.indicators), None
    if isinstance(source, pd.DataFrame):
        model.check_columns([str(c) for c in source.columns])
        x = numeric_block(source, model.indicators)
        dropped = 0
        if missing == "mean":
            empty = empty_block_rows(x, model)
            dropped = int(empty.sum())
            x = x[~empty]
        moments = moments_from_array(x, model.indicators, missing=missing)
        if dropped:
            moments = dataclasses.replace(
                moments,
                rows_read=moments.rows_read + dropped,
                rows_dropped=moments.rows_dropped + dropped,
            )
        if missing == "listwise":
            x = x[~np.isnan(x).any(axis=1)]
        elif missing == "mean":
            x = np.where(np.isnan(x), moments.mean[None, :], x)
        return moments, x
    path = Path(source)
    if not path.is_file():
        raise AnalysisInputError(f"no such file: {path}")
    if missing != "mean":
        return moments_from_duckdb(path, model.indicators, missing=missing), None
    import duckdb

    table = duckdb_source(path)
    condition = empty_block_condition(model)
    model.check_columns(_file_columns(path))
    with duckdb.connect() as con:
        found = con.execute(f"SELECT count(*) FROM {table} WHERE {condition}").fetchone()  # noqa: S608
        dropped = int(found[0]) if found else 0
        kept = f"(SELECT * FROM {table} WHERE NOT ({condition}))"  # noqa: S608
        moments = moments_from_duckdb(kept, model.indicators, missing=missing, connection=con)
    return dataclasses.replace(
        moments, rows_read=moments.rows_read + dropped, rows_dropped=moments.rows_dropped + dropped
    ), None


def _resolve_scale(
    model: ModelSpec, moments: Moments, scale: tuple[float, float] | None
) -> pd.DataFrame:
    if scale is not None:
        low, high, source = float(scale[0]), float(scale[1]), "given"
        if not high > low:
            raise AnalysisInputError(f"scale must be [min, max] with min < max, got {scale}")
        lows = np.full(len(moments.columns), low)
        highs = np.full(len(moments.columns), high)
    elif model.scale is not None:
        lows = np.full(len(moments.columns), model.scale[0])
        highs = np.full(len(moments.columns), model.scale[1])
        source = "model"
    else:
        lows, highs, source = moments.minimum.copy(), moments.maximum.copy(), "observed"
    return pd.DataFrame(
        {"minimum": lows, "maximum": highs, "source": source},
        index=pd.Index(moments.columns, name="indicator"),
    )


def fit(
    source: Source,
    model: ModelSpec | str | Path,
    *,
    scheme: SchemeName | None = None,
    scaled: bool = True,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
    missing: MissingPolicy = "error",
    scale: tuple[float, float] | None = None,
) -> PlsResult:
    """Estimate a PLS path model.

    Parameters
    ----------
    source : DataFrame, Moments, or path to a Parquet/CSV file
        The data (LV scores are returned only for a DataFrame) or its moments. Files are read
        by DuckDB in one aggregate scan.
    model : ModelSpec, "acsi", "ecsi" or path to a YAML/JSON model
    scheme : {"path", "centroid", "factorial"}, optional
        Inner weighting scheme; default the model's (``"path"`` unless the file says).
    scaled : bool
        Standardise the indicators (default). ``False`` works on raw scales like R plspm's
        ``scaled = FALSE``: LV scores still have unit variance, weights apply to raw items.
    tolerance, max_iterations : float, int
        Stop when ``sum((|w_old| - |w_new|)^2) < tolerance`` (R plspm's rule, default 1e-6);
        :class:`ConvergenceError` after ``max_iterations``.
    missing : {"error", "listwise", "mean"}
        Missing values: refuse (default), drop incomplete rows, or impute column means.
    scale : (float, float), optional
        Rating-scale minimum and maximum for the 0–100 index; default the model's scale,
        else each indicator's observed range.

    Returns
    -------
    PlsResult
    """
    if not tolerance > 0:
        raise AnalysisInputError(f"tolerance must be positive, got {tolerance}")
    if max_iterations < 1:
        raise AnalysisInputError(f"max_iterations must be at least 1, got {max_iterations}")
    columns: Sequence[str] = ()
    if isinstance(source, pd.DataFrame):
        columns = [str(c) for c in source.columns]
    elif isinstance(source, Moments):
        columns = source.columns
    elif not isinstance(model, ModelSpec) and str(model).lower() in PRESETS:
        columns = _file_columns(source)
    spec = load_model(model, columns)
    if scheme is not None:
        spec = spec.replace(scheme=scheme)
    moments, rows = _moments_for(source, spec, missing)
    s = _stats_matrix(moments, scaled)
    compiled = spec.compile()
    iteration = iterate_weights(
        s[None], compiled, scheme=spec.scheme, tolerance=tolerance, max_iterations=max_iterations
    )
    if not iteration.converged[0]:
        raise ConvergenceError(
            f"the PLS algorithm did not converge in {max_iterations} iterations (tolerance "
            f"{tolerance:g}); raise the iteration cap or try another scheme"
        )
    orient(s[None], iteration.weights, compiled)
    est = estimates(s[None], iteration.weights, compiled)
    return _build_result(
        spec,
        compiled,
        moments,
        s,
        est,
        rows=rows,
        scaled=scaled,
        iterations=int(iteration.iterations[0]),
        missing=missing,
        scale=_resolve_scale(spec, moments, scale),
        tolerance=tolerance,
        max_iterations=max_iterations,
    )


def _file_columns(source: Source) -> list[str]:
    import duckdb

    from qiwang.analysis._moments import duckdb_source

    path = Path(str(source))
    if not path.is_file():
        raise AnalysisInputError(f"no such file: {path}")
    con = duckdb.connect()
    try:
        query = f"DESCRIBE SELECT * FROM {duckdb_source(path)}"  # noqa: S608
        return [str(r[0]) for r in con.execute(query).fetchall()]
    finally:
        con.close()


def raw_weights(weights: FloatArray, sd: FloatArray, scaled: bool) -> FloatArray:
    """Weights that apply to raw item values: ``w / sd`` for standardised estimates."""
    return weights / sd if scaled else weights


def index_weights(raw: FloatArray, block_of: npt.NDArray[np.intp], n_latent: int) -> FloatArray:
    """Unstandardised weights rescaled to sum to 1 within each block (Fornell et al. 1996)."""
    sums = np.zeros(raw.shape[:-1] + (n_latent,))
    for k in range(n_latent):
        sums[..., k] = raw[..., block_of == k].sum(axis=-1)
    return raw / sums[..., block_of]


def satisfaction_index(
    tilde: FloatArray,
    mean: FloatArray,
    low: FloatArray,
    high: FloatArray,
    block_of: npt.NDArray[np.intp],
    n_latent: int,
) -> FloatArray:
    """``100 (sum w x̄ - sum w min) / sum w (max - min)`` per block (Fornell et al. 1996)."""
    out = np.zeros(tilde.shape[:-1] + (n_latent,))
    for k in range(n_latent):
        sel = block_of == k
        w = tilde[..., sel]
        num = (w * (mean[..., sel] - low[sel])).sum(axis=-1)
        den = (w * (high[sel] - low[sel])).sum(axis=-1)
        out[..., k] = 100.0 * num / den
    return out


def _reliability(
    corr: FloatArray,
    cov: FloatArray,
    weights_std: FloatArray,
    loadings: FloatArray,
    compiled: CompiledModel,
    notes: list[str],
) -> pd.DataFrame:
    rows = []
    for k in range(compiled.n_latent):
        idx = compiled.block_indices(k)
        r = corr[np.ix_(idx, idx)]
        m = idx.size
        lam = loadings[idx]
        eig = np.sort(np.linalg.eigvalsh(r))[::-1]
        alpha = alpha_raw = dg = rho_a = 1.0
        if m > 1:
            # Cronbach's alpha, m/(m-1) (1 - sum of item variances / variance of the sum):
            # standardised on the correlation matrix, raw on the covariance matrix (what SPSS,
            # psych's raw_alpha and pingouin report). Negative values are kept as they are.
            alpha = _cronbach(r)
            alpha_raw = _cronbach(cov[np.ix_(idx, idx)])
            lv = compiled.latent_names[k]
            if alpha < 0 or alpha_raw < 0:
                notes.append(
                    f"Cronbach's alpha of {lv!r} is negative (raw {alpha_raw:.3f}, standardised "
                    f"{alpha:.3f}): some indicators correlate negatively; check for reverse-coded "
                    "items"
                )
            _, vectors = np.linalg.eigh(r)
            pc = vectors[:, -1] * math.sqrt(eig[0])
            pc = pc if pc.sum() >= 0 else -pc
            dg = float(pc.sum() ** 2 / (pc.sum() ** 2 + m - np.sum(pc**2)))
            w = weights_std[idx]
            ww = w @ w
            numerator = w @ (r - np.diag(np.diag(r))) @ w
            denominator = ww**2 - np.sum(w**4)
            rho_a = float(ww**2 * numerator / denominator)
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
        mode = compiled.modes[k]
        rows.append(
            {
                "mode": mode,
                "indicators": int(m),
                "cronbach_alpha": float(alpha),
                "cronbach_alpha_raw": float(alpha_raw),
                "dillon_goldstein_rho": float(dg),
                "composite_reliability": float(cr),
                "rho_a": float(rho_a),
                "ave": float(np.mean(lam**2)) if mode == "A" else math.nan,
                "eigenvalue_1": float(eig[0]),
                "eigenvalue_2": float(eig[1]) if m > 1 else math.nan,
            }
        )
    return pd.DataFrame(rows, index=pd.Index(compiled.latent_names, name="latent"))


def _cronbach(c: FloatArray) -> float:
    m = c.shape[0]
    total = float(c.sum())
    if not total > 0:
        return math.nan
    return float(m / (m - 1) * (1.0 - float(np.trace(c)) / total))


def _htmt(corr: FloatArray, compiled: CompiledModel, notes: list[str]) -> pd.DataFrame:
    """Heterotrait-monotrait ratios on absolute correlations (semTools and cSEM's default).

    Undefined (NaN, and named in ``notes``) for a block with one indicator (no monotrait
    correlations) and for a block whose indicators are all uncorrelated (monotrait mean 0).
    """
    n = compiled.n_latent
    names = compiled.latent_names
    a = np.abs(corr)
    out = np.full((n, n), np.nan)
    mono = np.full(n, np.nan)
    for k in range(n):
        idx = compiled.block_indices(k)
        if idx.size < 2:
            notes.append(f"HTMT involving {names[k]!r} is undefined: the block has one indicator")
            continue
        r = a[np.ix_(idx, idx)]
        mono[k] = (r.sum() - np.trace(r)) / (idx.size * (idx.size - 1))
        if not mono[k] > 0:
            notes.append(
                f"HTMT involving {names[k]!r} is undefined: its indicators are uncorrelated"
            )
            mono[k] = np.nan
    for i in range(n):
        for j in range(n):
            if i != j and np.isfinite(mono[i]) and np.isfinite(mono[j]):
                hetero = a[np.ix_(compiled.block_indices(i), compiled.block_indices(j))].mean()
                out[i, j] = hetero / math.sqrt(mono[i] * mono[j])
    index = pd.Index(names, name="latent")
    return pd.DataFrame(out, index=index, columns=index)


def _build_result(
    spec: ModelSpec,
    compiled: CompiledModel,
    moments: Moments,
    s: FloatArray,
    est: Estimates,
    *,
    rows: FloatArray | None,
    scaled: bool,
    iterations: int,
    missing: MissingPolicy,
    scale: pd.DataFrame,
    tolerance: float,
    max_iterations: int,
) -> PlsResult:
    lvs = list(compiled.latent_names)
    mvs = list(compiled.indicator_names)
    n = float(moments.count)
    w = est.weights[0]
    loadings = est.loadings[0]
    r2 = est.r_squared[0]
    paths = est.paths[0]
    total = est.total[0]
    corr_lv = est.corr_lv[0]
    block_names = [lvs[k] for k in compiled.block_of]
    communality = loadings**2
    outer_model = pd.DataFrame(
        {
            "latent": block_names,
            "weight": w,
            "loading": loadings,
            "communality": communality,
            "redundancy": communality * r2[compiled.block_of],
        },
        index=pd.Index(mvs, name="indicator"),
    )
    crossloadings = pd.DataFrame(
        est.crossloadings[0], index=pd.Index(mvs, name="indicator"), columns=lvs
    )
    crossloadings.insert(0, "latent", block_names)

    # Inner model: OLS with intercept on unit-variance scores; Var(b) = s2 (n R_PP)^-1.
    inner_rows = []
    for k in compiled.endogenous:
        predecessors = np.flatnonzero(compiled.path[k])
        q = predecessors.size
        dof = n - q - 1
        inv = np.linalg.inv(corr_lv[np.ix_(predecessors, predecessors)])
        sigma2 = (1 - r2[k]) / dof if dof > 0 else math.nan
        for pos, j in enumerate(predecessors):
            estimate = paths[k, j]
            se = math.sqrt(sigma2 * inv[pos, pos]) if dof > 0 else math.nan
            t = estimate / se if se > 0 else math.nan
            p = float(2 * special.stdtr(dof, -abs(t))) if dof > 0 and se > 0 else math.nan
            inner_rows.append(
                {
                    "from": lvs[j],
                    "to": lvs[k],
                    "estimate": float(estimate),
                    "std_error": se,
                    "t_value": t,
                    "p_value": p,
                }
            )
    inner_model = pd.DataFrame(inner_rows)
    inner_model.index = pd.Index([f"{r['from']} -> {r['to']}" for r in inner_rows])

    effect_rows = []
    for src, source_lv in enumerate(lvs):
        for dst, target_lv in enumerate(lvs):
            if src != dst and total[dst, src] != 0:
                effect_rows.append(
                    {
                        "from": source_lv,
                        "to": target_lv,
                        "direct": float(paths[dst, src]),
                        "indirect": float(total[dst, src] - paths[dst, src]),
                        "total": float(total[dst, src]),
                    }
                )
    effects = pd.DataFrame(effect_rows, columns=["from", "to", "direct", "indirect", "total"])
    effects.index = pd.Index([f"{r['from']} -> {r['to']}" for r in effect_rows])

    path_coefficients = pd.DataFrame(
        paths.T, index=pd.Index(lvs, name="from"), columns=pd.Index(lvs, name="to")
    )

    endogenous = set(compiled.endogenous)
    summary_rows = []
    for k in range(len(lvs)):
        sel = compiled.block_of == k
        q = int(compiled.path[k].sum())
        is_endo = k in endogenous
        adj = 1 - (1 - r2[k]) * (n - 1) / (n - q - 1) if is_endo and n - q - 1 > 0 else math.nan
        summary_rows.append(
            {
                "type": "endogenous" if is_endo else "exogenous",
                "r_squared": float(r2[k]),
                "r_squared_adjusted": float(adj) if is_endo else 0.0,
                "block_communality": float(communality[sel].mean()),
                "mean_redundancy": float((communality[sel] * r2[k]).mean()),
                "ave": float(communality[sel].mean()) if compiled.modes[k] == "A" else math.nan,
            }
        )
    inner_summary = pd.DataFrame(summary_rows, index=pd.Index(lvs, name="latent"))

    # GoF (Tenenhaus et al. 2005): mean communality of multi-item blocks × mean R².
    sizes = np.bincount(compiled.block_of, minlength=len(lvs))
    multi = sizes[compiled.block_of] > 1
    mean_r2 = float(np.mean([r2[k] for k in compiled.endogenous]))
    gof = math.sqrt(float(communality[multi].mean()) * mean_r2) if multi.any() else math.nan

    sd_x = np.sqrt(np.diagonal(moments.covariance()))
    weights_std = w * sd_x if not scaled else w
    corr_x = moments.correlation()
    notes: list[str] = []
    reliability = _reliability(corr_x, moments.covariance(), weights_std, loadings, compiled, notes)
    htmt = _htmt(corr_x, compiled, notes)

    raw = raw_weights(w, sd_x, scaled)
    tilde = index_weights(raw, compiled.block_of, len(lvs))
    low = scale["minimum"].to_numpy(dtype=float)
    high = scale["maximum"].to_numpy(dtype=float)
    if np.any(high <= low):
        bad = mvs[int(np.flatnonzero(high <= low)[0])]
        raise AnalysisInputError("scale maximum must exceed its minimum", column=bad)
    index = satisfaction_index(tilde, moments.mean, low, high, compiled.block_of, len(lvs))
    # SD of each LV on the 0–100 index scale, for unstandardised IPMA importances.
    cov_x = moments.covariance()
    sd_rescaled = []
    for k in range(len(lvs)):
        sel = compiled.block_of == k
        a = 100.0 * tilde[sel] / np.sum(tilde[sel] * (high[sel] - low[sel]))
        sd_rescaled.append(math.sqrt(float(a @ cov_x[np.ix_(sel, sel)] @ a)))

    scores = None
    if rows is not None:
        centred = rows - moments.mean[None, :]
        z = centred / sd_x[None, :] if scaled else centred
        scores = pd.DataFrame(z @ (w[:, None] * compiled.one_hot), columns=lvs)

    return PlsResult(
        model=spec,
        scaled=scaled,
        iterations=iterations,
        count=n,
        outer_model=outer_model,
        crossloadings=crossloadings,
        path_coefficients=path_coefficients,
        inner_model=inner_model,
        effects=effects,
        inner_summary=inner_summary,
        reliability=reliability,
        htmt=htmt,
        latent_correlations=pd.DataFrame(corr_lv, index=lvs, columns=lvs),
        goodness_of_fit=gof,
        index=pd.Series(index, index=pd.Index(lvs, name="latent"), name="index"),
        index_weights=pd.Series(tilde, index=pd.Index(mvs, name="indicator"), name="weight"),
        scale=scale,
        scores=scores,
        moments=moments,
        missing=missing,
        tolerance=tolerance,
        max_iterations=max_iterations,
        warnings=tuple(notes),
        _lv_sd_rescaled=pd.Series(sd_rescaled, index=lvs),
    )
