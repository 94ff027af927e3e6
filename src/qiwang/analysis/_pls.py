"""PLS path modelling on moment matrices (Lohmöller 1989), batched over replicates.

Everything here works on the indicator covariance (or correlation) matrix ``S`` with a leading
batch axis, shape ``(B, p, p)``: one matrix for a point estimate, one per replicate for the
bootstrap. No raw rows are needed; see ``docs/analysis/csi.md`` for each formula and its source.

Notation: ``p`` indicators ordered block by block, ``L`` latent variables, ``H`` the ``p × L``
block indicator (one-hot) matrix, ``w`` the ``(B, p)`` outer weights (one weight per indicator,
since every indicator belongs to one block), ``path[to, from]`` the inner model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from qiwang.analysis._errors import AnalysisInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

SchemeName = Literal["centroid", "factorial", "path"]
ModeName = Literal["A", "B"]


class SingularMatrixError(AnalysisInputError):
    """A matrix that the algorithm has to invert is singular."""


@dataclass(frozen=True)
class CompiledModel:
    """A validated model in index form, ready for the numeric routines.

    Attributes
    ----------
    latent_names, indicator_names
        Names; indicators are ordered block by block.
    block_of
        ``(p,)`` index of the latent variable of each indicator.
    modes
        ``"A"`` (reflective) or ``"B"`` (formative) per latent variable.
    path
        ``(L, L)`` boolean adjacency, ``path[to, from]`` (R plspm's convention).
    anchors
        Per latent variable, the index of its orientation anchor indicator, or -1 (none).
    """

    latent_names: tuple[str, ...]
    indicator_names: tuple[str, ...]
    block_of: IntArray
    modes: tuple[ModeName, ...]
    path: BoolArray
    anchors: tuple[int, ...] = ()

    @property
    def n_latent(self) -> int:
        return len(self.latent_names)

    @property
    def n_indicators(self) -> int:
        return len(self.indicator_names)

    @property
    def one_hot(self) -> FloatArray:
        """``(p, L)`` block indicator matrix ``H``."""
        h = np.zeros((self.n_indicators, self.n_latent))
        h[np.arange(self.n_indicators), self.block_of] = 1.0
        return h

    def block_indices(self, latent: int) -> IntArray:
        return np.flatnonzero(self.block_of == latent)

    @property
    def endogenous(self) -> tuple[int, ...]:
        return tuple(int(k) for k in np.flatnonzero(self.path.any(axis=1)))


@dataclass(frozen=True)
class IterationResult:
    """Normalised outer weights of a batch and how the iteration ended."""

    weights: FloatArray  # (B, p), scores have unit variance: w_b' S_bb w_b = 1
    iterations: IntArray  # (B,)
    converged: BoolArray  # (B,)


def _latent_covariance(
    s: FloatArray, w: FloatArray, h: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``S W`` (B, p, L) and ``W' S W`` (B, L, L) for block-diagonal ``W = diag(w) H``."""
    big_w = w[:, :, None] * h[None, :, :]
    sw = s @ big_w
    return sw, np.swapaxes(big_w, 1, 2) @ sw


# A matrix whose condition number passes this is singular for the purpose of the algorithm: a
# column that is an exact combination of others (``X3 = X1 + X2``) leaves a condition number near
# 1 / eps (about 4.5e15) after rounding, and LAPACK then solves without complaint, giving weights
# of 1e15 instead of an error (the rounding decides, so the result differs between BLAS builds).
_CONDITION_LIMIT = 1.0 / (np.finfo(np.float64).eps * 1024)


def _solve(a: FloatArray, b: FloatArray, what: str) -> FloatArray:
    if not np.all(np.isfinite(a)):
        raise SingularMatrixError(f"singular matrix: {what}")
    try:
        condition = np.linalg.cond(a)
    except np.linalg.LinAlgError as error:
        raise SingularMatrixError(f"singular matrix: {what}") from error
    if np.any(condition > _CONDITION_LIMIT):
        raise SingularMatrixError(f"singular matrix: {what}")
    try:
        out = np.asarray(np.linalg.solve(a, b), dtype=np.float64)
    except np.linalg.LinAlgError as error:
        raise SingularMatrixError(f"singular matrix: {what}") from error
    if not np.all(np.isfinite(out)):
        raise SingularMatrixError(f"singular matrix: {what}")
    return out


def inner_weights(corr: FloatArray, model: CompiledModel, scheme: SchemeName) -> FloatArray:
    """Inner weights ``E`` (B, L, L); the inner proxy of LV ``j`` is ``Z_j = sum_i E[i, j] Y_i``.

    Centroid: ``sign(cor(Y_i, Y_j))`` for adjacent LVs; factorial: ``cor(Y_i, Y_j)``; path:
    regression coefficients of ``Y_j`` on its predecessors and correlations with its successors
    (Lohmöller 1989, §2.3; R plspm ``get_path_scheme``).
    """
    path = model.path.astype(np.float64)
    adjacency = path + path.T
    if scheme == "centroid":
        return np.sign(corr * adjacency[None])
    if scheme == "factorial":
        return corr * adjacency[None]
    e = np.zeros_like(corr)
    for k in range(model.n_latent):
        predecessors = np.flatnonzero(model.path[k])
        if predecessors.size:
            a = corr[:, predecessors[:, None], predecessors[None, :]]
            b = corr[:, predecessors, k][:, :, None]
            what = f"predictors of {model.latent_names[k]!r} in the path scheme"
            e[:, predecessors, k] = _solve(a, b, what)[:, :, 0]
        successors = np.flatnonzero(model.path[:, k])
        if successors.size:
            e[:, successors, k] = corr[:, successors, k]
    return e


def _normalise(s: FloatArray, w: FloatArray, h: FloatArray) -> FloatArray:
    _, cov = _latent_covariance(s, w, h)
    variances = np.diagonal(cov, axis1=1, axis2=2)
    if np.any(variances <= 0) or not np.all(np.isfinite(variances)):
        raise SingularMatrixError("a latent variable has zero variance")
    scale = np.asarray(1.0 / np.sqrt(variances), dtype=np.float64)
    return w * (scale @ h.T)


def iterate_weights(
    s: FloatArray,
    model: CompiledModel,
    *,
    scheme: SchemeName,
    tolerance: float,
    max_iterations: int,
) -> IterationResult:
    """Lohmöller's iteration on a batch of moment matrices, with R plspm's stopping rule.

    Start from unit weights scaled to unit LV variance; each step computes the LV correlation
    ``R = D^-1/2 W'SW D^-1/2``, the inner weights ``E`` and the covariances of the indicators
    with the inner proxies ``G = S W D^-1/2 E``; mode A takes ``w_b = G[b, j]``, mode B
    ``w_b = S_bb^-1 G[b, j]``. Stop when ``sum((|w_old| - |w_new|)^2) < tolerance`` (R plspm
    ``get_weights``); replicates stop individually, so each equals its own single fit.
    """
    batch = s.shape[0]
    h = model.one_hot
    w = _normalise(s, np.ones((batch, model.n_indicators)), h)
    active = np.ones(batch, dtype=bool)
    iterations = np.zeros(batch, dtype=np.intp)
    mode_b = [k for k in range(model.n_latent) if model.modes[k] == "B"]
    mode_a_mask = np.array([model.modes[k] == "A" for k in model.block_of])
    blocks_b = {k: model.block_indices(k) for k in mode_b}
    for iteration in range(1, max_iterations + 1):
        idx = np.flatnonzero(active)
        s_a, w_a = s[idx], w[idx]
        sw, cov = _latent_covariance(s_a, w_a, h)
        sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        corr = cov / (sd[:, :, None] * sd[:, None, :])
        e = inner_weights(corr, model, scheme)
        g = (sw / sd[:, None, :]) @ e  # cov(x_i, Z_j), (b, p, L)
        w_new = np.take_along_axis(g, np.broadcast_to(model.block_of, g.shape[:2])[..., None], 2)
        w_new = w_new[:, :, 0]
        w_new[:, ~mode_a_mask] = 0.0
        for k, block in blocks_b.items():
            a = s_a[:, block[:, None], block[None, :]]
            what = f"indicators of formative block {model.latent_names[k]!r} are collinear"
            w_new[:, block] = _solve(a, g[:, block, k][:, :, None], what)[:, :, 0]
        diff = np.sum((np.abs(w_a) - np.abs(w_new)) ** 2, axis=1)
        w[idx] = w_new
        iterations[idx] = iteration
        done = diff < tolerance
        active[idx[done]] = False
        if not active.any():
            break
    converged = ~active
    return IterationResult(weights=_normalise(s, w, h), iterations=iterations, converged=converged)


@dataclass(frozen=True)
class Estimates:
    """Everything that follows from normalised weights and ``S``, batched.

    ``corr_lv`` is the LV correlation matrix, ``crossloadings`` ``cor(x_i, Y_j)``, ``paths``
    ``[to, from]`` OLS coefficients, ``total`` the total effects ``(I - B)^-1 - I``.
    """

    weights: FloatArray  # (B, p)
    corr_lv: FloatArray  # (B, L, L)
    crossloadings: FloatArray  # (B, p, L)
    loadings: FloatArray  # (B, p)
    paths: FloatArray  # (B, L, L)
    r_squared: FloatArray  # (B, L), 0 for exogenous
    total: FloatArray  # (B, L, L)


def estimates(s: FloatArray, weights: FloatArray, model: CompiledModel) -> Estimates:
    """Loadings, paths, R² and effects from ``S`` and normalised weights (Lohmöller 1989)."""
    h = model.one_hot
    sw, corr_lv = _latent_covariance(s, weights, h)
    sd_x = np.sqrt(np.diagonal(s, axis1=1, axis2=2))
    crossloadings = sw / sd_x[:, :, None]
    loadings = np.take_along_axis(
        crossloadings, np.broadcast_to(model.block_of, crossloadings.shape[:2])[..., None], 2
    )[:, :, 0]
    batch, n_latent = s.shape[0], model.n_latent
    paths = np.zeros((batch, n_latent, n_latent))
    r_squared = np.zeros((batch, n_latent))
    for k in model.endogenous:
        predecessors = np.flatnonzero(model.path[k])
        a = corr_lv[:, predecessors[:, None], predecessors[None, :]]
        b = corr_lv[:, predecessors, k]
        what = f"predictors of {model.latent_names[k]!r} are collinear"
        beta = _solve(a, b[:, :, None], what)[:, :, 0]
        paths[:, k, predecessors] = beta
        r_squared[:, k] = np.sum(beta * b, axis=1)
    eye = np.eye(n_latent)
    total = np.linalg.inv(eye[None] - paths) - eye[None]
    return Estimates(
        weights=weights,
        corr_lv=corr_lv,
        crossloadings=crossloadings,
        loadings=loadings,
        paths=paths,
        r_squared=r_squared,
        total=total,
    )


def align_signs(weights: FloatArray, reference: FloatArray, model: CompiledModel) -> BoolArray:
    """Individual sign change (Tenenhaus et al. 2005, §3.4) in place; returns flips ``(B, L)``.

    A block's weights are multiplied by -1 when their inner product with the reference
    (original-sample) weights of that block is negative, so that each replicate's latent
    variable points the same way as the original one.
    """
    h = model.one_hot
    dots = (weights * reference[None, :]) @ h  # (B, L)
    flips: BoolArray = dots < 0
    weights *= np.where(flips, -1.0, 1.0) @ h.T
    return flips


def orient(s: FloatArray, weights: FloatArray, model: CompiledModel) -> BoolArray:
    """Orient every latent variable, in place; returns the flips ``(B, L)``.

    The sign of a composite is arbitrary (``w`` and ``-w`` fit equally well). R plspm 0.4.9
    (``get_scores``) fixes it after the iteration: with ``c_ik = cor(x_i, LV_k)`` over the
    indicators of block ``k``, ``sign(sum_i sign(c_ik))`` must be positive (most indicators
    correlate positively with their LV); a tie counts as negative and flips, as in R. A latent
    variable with an anchor indicator is oriented so that it correlates positively with the
    anchor instead. The rule is applied to every bootstrap replicate as well, so that the
    replicates' orientation follows the data, not the start of the iteration.

    ``cov(x_i, LV_k) = (S w)_i`` has the sign of the correlation, so ``S`` and the weights
    suffice.
    """
    h = model.one_hot
    sw = np.einsum("bij,bj,jk->bik", s, weights, h)  # cov(x_i, LV_k), (B, p, L)
    own = np.take_along_axis(sw, np.broadcast_to(model.block_of, sw.shape[:2])[..., None], 2)
    own = own[:, :, 0]  # (B, p): cov of each indicator with its own LV
    votes = np.sign(own) @ h  # (B, L)
    flips: BoolArray = votes <= 0
    for k, anchor in enumerate(model.anchors):
        if anchor >= 0:
            flips[:, k] = own[:, anchor] < 0
    weights *= np.where(flips, -1.0, 1.0) @ h.T
    return flips
