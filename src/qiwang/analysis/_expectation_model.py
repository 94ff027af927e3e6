"""The expectation model: equations, parameters and the vectorised scan.

Each customer × service pair holds an expectation ``μ`` and the customer's uncertainty about it
(variance ``v``, reported as the standard deviation ``√v``). Each perception ``P`` updates them:

- gap ``g = P − μ``, predictive variance ``s² = v + τ²`` (``τ`` the perception noise);
- Kalman gain ``K = v / s²`` (Bayesian normal updating, Rust et al. 1999);
- ``μ' = μ + w K g`` with ``w = α⁺`` for a gain (``g > 0``) and ``α⁻`` for a loss: the ratchet
  (``α⁻ = 0`` is Boulding et al.'s *should* expectation, which rises but does not fall;
  ``α⁺ = α⁻ = 1`` the symmetric Bayesian *will* expectation);
- ``v' = v τ² / s²``, plus ``ρ (g² − s²)`` when the perception is a **surprise**
  (``|g| > z s``), capped at the prior variance.

Predicted satisfaction for a level ``L`` is the expected asymmetric disconfirmation under the
customer's expectation distribution ``N(μ, v)``: ``β⁺ E[(L − X)⁺] − β⁻ E[(X − L)⁺]`` with
``β⁻ > β⁺`` (Anderson & Sullivan 1993; Mittal, Ross & Baldasare 1998).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "ExpectationParameters",
    "ExpectationUpdate",
    "Scan",
    "predict_satisfaction",
    "scan_expectations",
    "update_expectation",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ExpectationParameters:
    """Parameters of the expectation model (defaults in ``docs/analysis/expectations.md``).

    Attributes
    ----------
    prior_mean, prior_sd : float or None
        Expectation of a customer before any experience, and its standard deviation. ``None``:
        estimated from the data (empirical Bayes, see :func:`resolve_parameters`).
    noise_sd : float or None
        Standard deviation ``τ`` of one perception around the service's level. ``None``: the
        pooled within-pair standard deviation of the perceptions.
    gain_weight : float, default 1.0
        ``α⁺`` in [0, 1]: share of the Bayesian step taken after a gain.
    loss_weight : float, default 0.5
        ``α⁻`` in [0, 1]: share taken after a loss. ``α⁻ < α⁺`` is the ratchet.
    surprise_z : float, default 2.0
        A perception is a surprise when ``|g| > surprise_z · s``.
    surprise_inflation : float, default 0.5
        ``ρ`` in [0, 1]: share of the excess squared gap ``g² − s²`` added to the uncertainty
        after a surprise.
    ratchet_z : float, default 1.0
        Ratchet warning when a repeated service's gain exceeds ``ratchet_z · s``.
    excess_weight, shortfall_weight : float, default 1.0 and 2.0
        ``β⁺`` and ``β⁻`` of the predicted satisfaction.
    """

    prior_mean: float | None = None
    prior_sd: float | None = None
    noise_sd: float | None = None
    gain_weight: float = 1.0
    loss_weight: float = 0.5
    surprise_z: float = 2.0
    surprise_inflation: float = 0.5
    ratchet_z: float = 1.0
    excess_weight: float = 1.0
    shortfall_weight: float = 2.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise AnalysisInputError(f"parameter {item.name} = {value!r} is not a number")
            if not math.isfinite(float(value)):
                raise AnalysisInputError(f"parameter {item.name} = {value!r} is not finite")
            object.__setattr__(self, item.name, float(value))
        for name in ("gain_weight", "loss_weight", "surprise_inflation"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise AnalysisInputError(f"parameter {name} must lie in [0, 1]")
        for name in ("surprise_z", "ratchet_z", "excess_weight", "shortfall_weight"):
            if getattr(self, name) < 0.0:
                raise AnalysisInputError(f"parameter {name} must not be negative")
        for name in ("prior_sd", "noise_sd"):
            value = getattr(self, name)
            if value is not None and value <= 0.0:
                raise AnalysisInputError(f"parameter {name} must be positive")

    @property
    def is_resolved(self) -> bool:
        """Prior mean, prior and noise standard deviations are all set."""
        return None not in (self.prior_mean, self.prior_sd, self.noise_sd)

    def require_resolved(self) -> tuple[float, float, float]:
        """``(prior_mean, prior_variance, noise_variance)``; raises when one is unset."""
        if self.prior_mean is None or self.prior_sd is None or self.noise_sd is None:
            raise AnalysisInputError(
                "prior_mean, prior_sd and noise_sd must be set (or estimated from data first)"
            )
        return self.prior_mean, self.prior_sd**2, self.noise_sd**2

    def with_values(self, **values: Any) -> ExpectationParameters:
        """A copy with some parameters replaced."""
        return replace(self, **values)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True)
class _StepResult:
    expectation: FloatArray
    variance: FloatArray
    gap: FloatArray
    gain: FloatArray
    surprise: npt.NDArray[np.bool_]
    ratchet: npt.NDArray[np.bool_]


def _step(
    expectation: FloatArray,
    variance: FloatArray,
    perception: FloatArray,
    parameters: ExpectationParameters,
    repeated: npt.NDArray[np.bool_] | bool = True,
) -> _StepResult:
    """One perception update of many pairs at once (the model's equations, vectorised)."""
    _, prior_variance, noise_variance = parameters.require_resolved()
    predictive = variance + noise_variance
    gap = perception - expectation
    gain = variance / predictive
    weight = np.where(gap > 0, parameters.gain_weight, parameters.loss_weight)
    updated = expectation + weight * gain * gap
    posterior = np.minimum(variance * noise_variance / predictive, variance)  # ≤ v, also in floats
    spread = np.sqrt(predictive)
    surprise = np.abs(gap) > parameters.surprise_z * spread
    inflation = np.where(
        surprise, parameters.surprise_inflation * np.maximum(gap * gap - predictive, 0.0), 0.0
    )
    new_variance = np.minimum(posterior + inflation, np.maximum(prior_variance, variance))
    ratchet = (gap > parameters.ratchet_z * spread) & repeated
    return _StepResult(updated, new_variance, gap, gain, surprise, np.asarray(ratchet))


@dataclass(frozen=True)
class ExpectationUpdate:
    """The state after one perception.

    Attributes
    ----------
    expectation, uncertainty : float
        ``μ'`` and ``√v'``.
    gap : float
        ``P − μ`` before the update (positive: better than expected).
    gain : float
        Kalman gain ``K = v / (v + τ²)``.
    surprise : bool
        ``|gap| > surprise_z · √(v + τ²)``.
    ratchet_warning : bool
        ``gap > ratchet_z · √(v + τ²)`` on a repeated service.
    """

    expectation: float
    uncertainty: float
    gap: float
    gain: float
    surprise: bool
    ratchet_warning: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary."""
        return dict(self.__dict__)


def update_expectation(
    expectation: float,
    uncertainty: float,
    perception: float,
    *,
    parameters: ExpectationParameters,
    repeated: bool = True,
) -> ExpectationUpdate:
    """Update one expectation ``(μ, √v)`` by one perception.

    Parameters
    ----------
    expectation, uncertainty : float
        The state before (uncertainty as a standard deviation, ≥ 0).
    perception : float
    parameters : ExpectationParameters
        With ``prior_sd`` and ``noise_sd`` set (the prior variance caps the uncertainty).
    repeated : bool, default True
        The service is delivered again (one-off services raise no ratchet warning).

    Examples
    --------
    >>> parameters = ExpectationParameters(prior_mean=70, prior_sd=10, noise_sd=10)
    >>> gain = update_expectation(70, 10, 90, parameters=parameters)
    >>> loss = update_expectation(70, 10, 50, parameters=parameters)
    >>> gain.expectation, loss.expectation  # K = 0.5: +10 after a gain, −5 after a loss
    (80.0, 65.0)
    >>> round(gain.uncertainty, 3), gain.ratchet_warning
    (7.071, True)
    """
    for name, value in (
        ("expectation", expectation),
        ("uncertainty", uncertainty),
        ("perception", perception),
    ):
        if not math.isfinite(float(value)):
            raise AnalysisInputError(f"{name} {value!r} is not a finite number")
    if uncertainty < 0:
        raise AnalysisInputError(f"uncertainty {uncertainty!r} must not be negative")
    result = _step(
        np.array([float(expectation)]),
        np.array([float(uncertainty) ** 2]),
        np.array([float(perception)]),
        parameters,
        repeated,
    )
    return ExpectationUpdate(
        expectation=float(result.expectation[0]),
        uncertainty=float(math.sqrt(result.variance[0])),
        gap=float(result.gap[0]),
        gain=float(result.gain[0]),
        surprise=bool(result.surprise[0]),
        ratchet_warning=bool(result.ratchet[0]),
    )


def predict_satisfaction(
    expectation: npt.ArrayLike,
    uncertainty: npt.ArrayLike,
    level: npt.ArrayLike,
    *,
    parameters: ExpectationParameters | None = None,
) -> FloatArray:
    """Expected asymmetric disconfirmation of a service ``level`` (element-wise).

    ``β⁺ E[(L − X)⁺] − β⁻ E[(X − L)⁺]`` for ``X ~ N(μ, σ²)``. With ``d = L − μ``:
    ``E[(L − X)⁺] = d Φ(d/σ) + σ φ(d/σ)`` and ``E[(X − L)⁺] = −d Φ(−d/σ) + σ φ(d/σ)``;
    with ``σ = 0`` it is ``β⁺ max(d, 0) − β⁻ max(−d, 0)``. In the units of the perceptions.

    Examples
    --------
    >>> predict_satisfaction([70, 70], [0, 0], [80, 60]).tolist()  # β⁺ = 1, β⁻ = 2
    [10.0, -20.0]
    """
    chosen = parameters or ExpectationParameters()
    mean = np.asarray(expectation, dtype=np.float64)
    sd = np.asarray(uncertainty, dtype=np.float64)
    target = np.asarray(level, dtype=np.float64)
    difference = target - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, difference / np.where(sd > 0, sd, 1.0), 0.0)
    density = np.where(sd > 0, sd * stats.norm.pdf(z), 0.0)
    above = np.where(sd > 0, difference * stats.norm.cdf(z) + density, np.maximum(difference, 0))
    below = np.where(sd > 0, -difference * stats.norm.cdf(-z) + density, np.maximum(-difference, 0))
    return np.asarray(
        chosen.excess_weight * above - chosen.shortfall_weight * below, dtype=np.float64
    )


@dataclass(frozen=True)
class Scan:
    """Final states of every pair after :func:`scan_expectations` (arrays indexed by pair).

    ``trajectory`` holds per-row arrays (``expectation_before``, ``uncertainty_before``,
    ``gap``, ``gain``, ``surprise``, ``ratchet_warning``, ``expectation_after``,
    ``uncertainty_after``, ``predicted_satisfaction``) when the scan recorded them.
    """

    expectation: FloatArray
    uncertainty: FloatArray
    observations: npt.NDArray[np.int64]
    surprises: npt.NDArray[np.int64]
    last_perception: FloatArray
    last_gap: FloatArray
    ratchet_warning: npt.NDArray[np.bool_]
    trajectory: dict[str, npt.NDArray[Any]] | None = None


def scan_expectations(
    pair: npt.ArrayLike,
    perception: npt.ArrayLike,
    *,
    parameters: ExpectationParameters,
    n_pairs: int | None = None,
    expectation: npt.ArrayLike | None = None,
    repeated: npt.ArrayLike | None = None,
    record: bool = False,
) -> Scan:
    """Run the model over every pair at once: one numpy step per observation rank.

    Parameters
    ----------
    pair : array of int
        Pair code (0 … n_pairs − 1) of each row. Rows must be in time order within each pair
        (rows of different pairs may interleave).
    perception : array of float
        NaN: no perception in this row (only a measured expectation, or nothing).
    parameters : ExpectationParameters
        Resolved (prior mean, prior and noise standard deviations set).
    n_pairs : int, optional
        Number of pairs (default ``max(pair) + 1``); pairs without rows keep the prior.
    expectation : array of float, optional
        A measured expectation (NaN where none): it replaces the model's expectation before
        the row's perception is applied; the customer's uncertainty is unchanged.
    repeated : array of bool, optional
        Per pair: the service is delivered repeatedly (default all). One-off services raise no
        ratchet warning.
    record : bool, default False
        Also return the per-row trajectory.

    Notes
    -----
    The k-th observation of every pair is processed in one vectorised step (``k = 0, 1, …``),
    so the cost is a handful of numpy operations per rank, never a Python loop per row.
    """
    prior_mean, prior_variance, _ = parameters.require_resolved()
    codes = np.asarray(pair, dtype=np.int64)
    values = np.asarray(perception, dtype=np.float64)
    if codes.shape != values.shape or codes.ndim != 1:
        raise AnalysisInputError("pair and perception must be one-dimensional and equally long")
    count = int(codes.max()) + 1 if codes.size else 0
    size = count if n_pairs is None else int(n_pairs)
    if codes.size and (codes.min() < 0 or count > size):
        raise AnalysisInputError("pair codes must lie in 0 … n_pairs − 1")
    measured = None if expectation is None else np.asarray(expectation, dtype=np.float64)
    repeats = np.ones(size, dtype=bool) if repeated is None else np.asarray(repeated, dtype=bool)
    mean = np.full(size, prior_mean)
    variance = np.full(size, prior_variance)
    observations = np.zeros(size, dtype=np.int64)
    surprises = np.zeros(size, dtype=np.int64)
    last_perception = np.full(size, np.nan)
    last_gap = np.full(size, np.nan)
    ratchet = np.zeros(size, dtype=bool)
    trajectory = _empty_trajectory(codes.size) if record else None
    # rank of each row within its pair, then rows grouped by rank (stable radix sort on a
    # small integer); a pair appears once per rank, so the order inside a rank is free
    if codes.size and bool(np.all(codes[1:] >= codes[:-1])):
        starts = np.searchsorted(codes, np.arange(size), side="left")
        rank = np.arange(codes.size) - starts[codes]
    else:
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(size), side="left")
        rank = np.empty(codes.size, dtype=np.int64)
        rank[order] = np.arange(codes.size) - starts[codes[order]]
    longest = int(rank.max(initial=-1)) + 1
    small = rank.astype(np.int16) if longest < np.iinfo(np.int16).max else rank
    by_rank = np.argsort(small, kind="stable")
    bounds = np.searchsorted(small[by_rank], np.arange(longest + 1))
    for step in range(len(bounds) - 1):
        rows = by_rank[bounds[step] : bounds[step + 1]]
        if measured is not None:
            told = rows[~np.isnan(measured[rows])]
            mean[codes[told]] = measured[told]
        rows = rows[~np.isnan(values[rows])]
        if rows.size == 0:
            continue
        index = codes[rows]
        result = _step(mean[index], variance[index], values[rows], parameters, repeats[index])
        if trajectory is not None:
            trajectory["expectation_before"][rows] = mean[index]
            trajectory["uncertainty_before"][rows] = np.sqrt(variance[index])
            trajectory["predicted_satisfaction"][rows] = predict_satisfaction(
                mean[index], np.sqrt(variance[index]), values[rows], parameters=parameters
            )
            trajectory["gap"][rows] = result.gap
            trajectory["gain"][rows] = result.gain
            trajectory["surprise"][rows] = result.surprise
            trajectory["ratchet_warning"][rows] = result.ratchet
            trajectory["expectation_after"][rows] = result.expectation
            trajectory["uncertainty_after"][rows] = np.sqrt(result.variance)
        mean[index] = result.expectation
        variance[index] = result.variance
        observations[index] += 1
        surprises[index] += result.surprise
        last_perception[index] = values[rows]
        last_gap[index] = result.gap
        ratchet[index] = result.ratchet
    return Scan(
        expectation=mean,
        uncertainty=np.sqrt(variance),
        observations=observations,
        surprises=surprises,
        last_perception=last_perception,
        last_gap=last_gap,
        ratchet_warning=ratchet,
        trajectory=trajectory,
    )


def _empty_trajectory(rows: int) -> dict[str, npt.NDArray[Any]]:
    numbers = (
        "expectation_before",
        "uncertainty_before",
        "gap",
        "gain",
        "expectation_after",
        "uncertainty_after",
        "predicted_satisfaction",
    )
    out: dict[str, npt.NDArray[Any]] = {name: np.full(rows, np.nan) for name in numbers}
    out["surprise"] = np.zeros(rows, dtype=bool)
    out["ratchet_warning"] = np.zeros(rows, dtype=bool)
    return out
