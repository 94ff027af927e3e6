"""Key-driver analysis, stage 2: decompose a linear model's R² among its predictors.

Two methods, both exact functions of the correlation matrix (hence of :class:`CrossProducts`):

- **Shapley value regression / LMG** (Lindeman, Merenda & Gold 1980; Grömping 2006): each
  predictor's R² increment averaged over all orders of entry, computed from the R² of all
  ``2^p`` subset models, ``R²(S) = r_Sᵀ R_SS⁻¹ r_S``.
- **Relative weights** (Johnson 2000): with ``R_xx = V diag(λ) Vᵀ`` and
  ``Λ = V diag(√λ) Vᵀ``, ``β = Λ⁻¹ r_xy`` and ``εⱼ = Σₖ Λⱼₖ² βₖ²``.

Both return raw weights that sum to the model's R².
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._cross_products import CrossProducts, cross_products
from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "MAX_SHAPLEY_PREDICTORS",
    "METHODS",
    "Driver",
    "DriverResult",
    "analyze",
    "relative_weights",
    "shapley",
    "subset_r2",
]

MAX_SHAPLEY_PREDICTORS = 20
"""Shapley values need the R² of all ``2^p`` subsets; beyond 20 predictors use relative weights."""

METHODS = ("shapley", "relative-weights")
"""Method names accepted by :func:`analyze` and the command line."""

Method = Literal["shapley", "relative-weights"]


@dataclass(frozen=True)
class Driver:
    """One predictor's share of R².

    Attributes
    ----------
    name : str
    weight : float
        Raw weight: the part of R² attributed to this predictor (the weights sum to R²).
    share : float
        ``weight / R²`` (sums to 1).
    correlation : float
        Pearson correlation with the target (its sign tells the direction of the effect).
    """

    name: str
    weight: float
    share: float
    correlation: float


@dataclass(frozen=True)
class DriverResult:
    """R² of the linear model ``target ~ predictors`` and its decomposition.

    Attributes
    ----------
    target : str
    method : {"shapley", "relative-weights"}
    r2 : float
        Coefficient of determination of the full model (with intercept).
    n : int
        Rows used.
    drivers : tuple of Driver
        One per predictor, in the order given.
    rows_dropped : int
        Rows left out for an empty cell (listwise deletion).
    """

    target: str
    method: str
    r2: float
    n: int
    drivers: tuple[Driver, ...]
    rows_dropped: int = 0

    @property
    def weights(self) -> dict[str, float]:
        """``{predictor: raw weight}``."""
        return {driver.name: driver.weight for driver in self.drivers}

    def to_dict(self) -> dict[str, Any]:
        """``{"r2", "drivers": [{"name", "weight", "share", "correlation"}], …}`` for JSON."""
        return {
            "target": self.target,
            "method": self.method,
            "r2": self.r2,
            "n": self.n,
            "rows_dropped": self.rows_dropped,
            "drivers": [driver.__dict__.copy() for driver in self.drivers],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per predictor, largest weight first."""
        frame = pd.DataFrame([driver.__dict__ for driver in self.drivers])
        return frame.sort_values("weight", ascending=False, ignore_index=True)


def _prepare(
    moments: CrossProducts, target: str, predictors: Sequence[str] | None
) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    names = (
        [column for column in moments.columns if column != target]
        if predictors is None
        else list(predictors)
    )
    if not names:
        raise AnalysisInputError("key-driver analysis needs at least one predictor")
    if target in names:
        raise AnalysisInputError(f"{target!r} is both target and predictor", column=target)
    if len(set(names)) != len(names):
        raise AnalysisInputError("a predictor is listed twice")
    chosen = moments.select([target, *names])
    variances = np.diag(chosen.scatter)
    for column, variance, mean in zip(chosen.columns, variances, chosen.mean, strict=True):
        # zero up to rounding: centring loses about eps·|x| per value, so a centred sum of
        # squares below (1e-13)² Σx² is indistinguishable from 0 (offsets of 1e6 stay exact)
        if not variance > 1e-26 * (variance + chosen.n * mean * mean):
            raise AnalysisInputError(
                "the column is constant; a constant cannot explain or be explained", column=column
            )
    if chosen.n <= len(names) + 1:
        raise AnalysisInputError(
            f"{chosen.n} complete rows are too few for {len(names)} predictors "
            f"(need at least {len(names) + 2})"
        )
    correlation = chosen.correlation()
    r_xx = correlation[1:, 1:]
    r_xy = correlation[1:, 0]
    eigenvalues, eigenvectors = np.linalg.eigh(r_xx)
    if eigenvalues[0] < 1e-10:
        involved = [names[i] for i in np.flatnonzero(np.abs(eigenvectors[:, 0]) > 0.1)]
        raise AnalysisInputError(
            "the predictors " + ", ".join(repr(name) for name in involved) + " are collinear "
            "(one is a linear combination of the others); drop one",
            column=involved[0] if involved else None,
        )
    return names, r_xx, r_xy


def subset_r2(
    r_xx: npt.NDArray[np.float64], r_xy: npt.NDArray[np.float64], *, batch: int = 20_000
) -> npt.NDArray[np.float64]:
    """R² of every subset model, indexed by bit mask (bit ``j`` set ⇔ predictor ``j`` in).

    ``R²(S) = r_Sᵀ R_SS⁻¹ r_S`` for the predictor correlation matrix ``R`` and the
    predictor–target correlations ``r``; ``R²(∅) = 0``.
    """
    p = len(r_xy)
    r2 = np.zeros(1 << p)
    for size in range(1, p + 1):
        combos = itertools.combinations(range(p), size)
        while True:
            chunk = np.array(list(itertools.islice(combos, batch)), dtype=np.int64)
            if chunk.size == 0:
                break
            sub = r_xx[chunk[:, :, None], chunk[:, None, :]]
            rhs = r_xy[chunk]
            solution = np.linalg.solve(sub, rhs[:, :, None])[:, :, 0]
            masks = (np.int64(1) << chunk).sum(axis=1)
            r2[masks] = (rhs * solution).sum(axis=1)
    return r2


def shapley(
    moments: CrossProducts, *, target: str, predictors: Sequence[str] | None = None
) -> DriverResult:
    """Shapley value regression (LMG): R² increments averaged over all orders of entry.

    ``φⱼ = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · (R²(S ∪ {j}) − R²(S))``.

    Parameters
    ----------
    moments : CrossProducts
        Stage-1 summaries containing the target and the predictors.
    target : str
        The outcome (overall satisfaction, loyalty …).
    predictors : sequence of str, optional
        Default: every other column of ``moments``.

    Returns
    -------
    DriverResult
        Weights equal ``lmg`` of R's relaimpo (``calc.relimp(type = "lmg", rela = FALSE)``).

    Raises
    ------
    AnalysisInputError
        A constant column, collinear predictors, too few rows, or more than
        :data:`MAX_SHAPLEY_PREDICTORS` predictors.

    References
    ----------
    Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). *Introduction to Bivariate and
    Multivariate Analysis*, p. 119 ff. Grömping, U. (2006). Relative importance for linear
    regression in R: the package relaimpo. *Journal of Statistical Software* 17(1).
    """
    names, r_xx, r_xy = _prepare(moments, target, predictors)
    p = len(names)
    if p > MAX_SHAPLEY_PREDICTORS:
        raise AnalysisInputError(
            f"Shapley values of {p} predictors need 2^{p} regressions; use at most "
            f"{MAX_SHAPLEY_PREDICTORS} predictors or the relative-weights method"
        )
    r2 = subset_r2(r_xx, r_xy)
    masks = np.arange(1 << p, dtype=np.int64)
    sizes = np.bitwise_count(masks).astype(np.int64)
    factorial = np.array([math.factorial(k) for k in range(p + 1)], dtype=np.float64)
    weights = np.zeros(p)
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        s = sizes[without]
        coefficient = factorial[s] * factorial[p - s - 1] / factorial[p]
        weights[j] = float(coefficient @ (r2[without | (1 << j)] - r2[without]))
    return _result(moments, target, "shapley", float(r2[-1]), names, weights, r_xy)


def relative_weights(
    moments: CrossProducts, *, target: str, predictors: Sequence[str] | None = None
) -> DriverResult:
    """Johnson's (2000) relative weights.

    With the eigen-decomposition ``R_xx = V diag(λ) Vᵀ`` let ``Λ = V diag(√λ) Vᵀ`` (the
    loadings of the predictors on their closest orthonormal counterparts ``Z``),
    ``β = Λ⁻¹ r_xy`` (the regression of the target on ``Z``) and ``εⱼ = Σₖ Λⱼₖ² βₖ²``.

    Parameters
    ----------
    moments : CrossProducts
    target : str
    predictors : sequence of str, optional

    Returns
    -------
    DriverResult
        Weights equal ``Raw.RelWeight`` of R's rwa package.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. *Multivariate Behavioral Research* 35(1), 1–19.
    """
    names, r_xx, r_xy = _prepare(moments, target, predictors)
    eigenvalues, eigenvectors = np.linalg.eigh(r_xx)
    loadings = eigenvectors @ np.diag(np.sqrt(eigenvalues)) @ eigenvectors.T
    beta = np.linalg.solve(loadings, r_xy)
    weights = (loadings**2) @ (beta**2)
    r2 = float(r_xy @ np.linalg.solve(r_xx, r_xy))
    return _result(moments, target, "relative-weights", r2, names, weights, r_xy)


def _result(
    moments: CrossProducts,
    target: str,
    method: str,
    r2: float,
    names: list[str],
    weights: npt.NDArray[np.float64],
    r_xy: npt.NDArray[np.float64],
) -> DriverResult:
    return DriverResult(
        target=target,
        method=method,
        r2=r2,
        n=moments.n,
        rows_dropped=moments.rows_dropped,
        drivers=tuple(
            Driver(
                name=name,
                weight=float(weights[j]),
                share=float(weights[j] / r2) if r2 > 0 else math.nan,
                correlation=float(r_xy[j]),
            )
            for j, name in enumerate(names)
        ),
    )


def analyze(
    data: pd.DataFrame,
    *,
    target: str,
    predictors: Sequence[str] | None = None,
    method: Method = "shapley",
) -> DriverResult:
    """Key-driver analysis of a DataFrame: :func:`cross_products`, then the chosen method.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    target : str
        The outcome column.
    predictors : sequence of str, optional
        Predictor columns (default: every other column).
    method : {"shapley", "relative-weights"}, default "shapley"

    Returns
    -------
    DriverResult

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"overall": [3, 4, 5, 4, 2, 5], "speed": [2, 4, 5, 3, 1, 5],
    ...                       "price": [4, 3, 5, 5, 2, 4]})
    >>> result = analyze(frame, target="overall")
    >>> round(sum(result.weights.values()), 12) == round(result.r2, 12)
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    names = (
        [str(column) for column in data.columns if column != target]
        if predictors is None
        else list(predictors)
    )
    moments = cross_products(data, [target, *names])
    compute = shapley if method == "shapley" else relative_weights
    return compute(moments, target=target, predictors=names)
