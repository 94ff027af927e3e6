"""The expectation model on tables: final states, one pair's trajectory, parameter estimates.

Input: one row per observation with ``customer``, ``service``, ``time``, ``perception`` and
optionally a measured ``expectation``. The equations live in
:mod:`qiwang.analysis._expectation_model`; here rows become pair codes in time order, the
parameters left open are estimated from the data, and results become frames.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._expectation_model import (
    ExpectationParameters,
    Scan,
    predict_satisfaction,
    scan_expectations,
)
from qiwang.analysis._io import date_column, numeric_column, require_columns, text_codes

__all__ = [
    "ExpectationStates",
    "ExpectationTrajectory",
    "ParameterEstimate",
    "estimate_parameters",
    "expectation_trajectory",
    "predict_level",
    "resolve_parameters",
    "track_expectations",
]

MIN_TRANSITIONS = 3
"""Gains (and losses) needed to estimate the weight of each."""


@dataclass(frozen=True)
class _Prepared:
    customers: npt.NDArray[np.object_]  # per pair
    services: npt.NDArray[np.object_]  # per pair
    pair: npt.NDArray[np.int64]  # per row, rows in (pair, time) order
    time: pd.Series[Any]  # per row, as given
    perception: npt.NDArray[np.float64]
    expectation: npt.NDArray[np.float64] | None
    dropped: int


def _prepare(observations: pd.DataFrame, *, expectation: str | None = "expectation") -> _Prepared:
    """Validate the columns, code the pairs (sorted by customer, service), order by time."""
    if not isinstance(observations, pd.DataFrame):
        raise AnalysisInputError("observations must be a DataFrame")
    require_columns(observations, ["customer", "service", "time", "perception"])
    customer_codes, customer_values = text_codes(observations, "customer")
    service_codes, service_values = text_codes(observations, "service")
    time_key = _time_key(observations)
    perception = numeric_column(observations, "perception")
    measured = None
    if expectation is not None and expectation in observations.columns:
        measured = numeric_column(observations, expectation)
    key = customer_codes.astype(np.int64) * len(service_values) + service_codes
    # pair codes in (customer, service) order: hash the keys, then sort the distinct ones
    found, distinct = pd.factorize(key)
    ranking = np.argsort(distinct, kind="stable")
    position = np.empty(len(distinct), dtype=np.int64)
    position[ranking] = np.arange(len(distinct))
    unique_keys = np.asarray(distinct)[ranking]
    pair = position[found]
    order = np.lexsort((time_key, pair))  # stable: ties in time keep the file's order
    dropped = int(np.isnan(perception).sum())
    return _Prepared(
        customers=np.asarray(customer_values, dtype=object)[unique_keys // len(service_values)],
        services=np.asarray(service_values, dtype=object)[unique_keys % len(service_values)],
        pair=pair[order].astype(np.int64),
        time=observations["time"].iloc[order].reset_index(drop=True),
        perception=perception[order],
        expectation=None if measured is None else measured[order],
        dropped=dropped,
    )


def _time_key(observations: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Sortable time: numbers as they are, dates (YYYY-MM-DD) as day numbers."""
    values = observations["time"]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return numeric_column(observations, "time", allow_missing=False)
    if pd.api.types.is_datetime64_any_dtype(values):
        return date_column(observations, "time").astype(np.float64)
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return numbers.to_numpy(dtype=np.float64)
    try:
        return date_column(observations, "time").astype(np.float64)
    except AnalysisInputError as error:
        raise AnalysisInputError(
            f"{error.reason.replace('; write dates as YYYY-MM-DD', '')}: time values must be "
            "numbers (wave 1, 2, …) or dates (YYYY-MM-DD)",
            column="time",
            row=error.row,
        ) from None


def resolve_parameters(
    observations: pd.DataFrame, parameters: ExpectationParameters | None = None
) -> ExpectationParameters:
    """Fill the unset prior and noise parameters from the data (empirical Bayes).

    - ``prior_mean``: mean over pairs of the first measured expectation when the data have any,
      otherwise of the first perception;
    - ``prior_sd``: the standard deviation of those first values across pairs;
    - ``noise_sd``: the pooled within-pair standard deviation of the perceptions
      ``√(Σ (P − P̄_pair)² / Σ (n_pair − 1))``.

    When the data cannot tell (one pair, one observation, no spread), a missing standard
    deviation takes the other's value, and both default to ``max(0.1 · |prior_mean|, 1)``.
    """
    chosen = parameters or ExpectationParameters()
    prepared = _prepare(observations)
    return _resolve(prepared, chosen)


def _resolve(prepared: _Prepared, chosen: ExpectationParameters) -> ExpectationParameters:
    if chosen.is_resolved:
        return chosen
    frame = pd.DataFrame({"pair": prepared.pair, "perception": prepared.perception})
    if prepared.expectation is not None:
        frame["expectation"] = prepared.expectation
    source = (
        "expectation"
        if prepared.expectation is not None and not np.isnan(prepared.expectation).all()
        else "perception"
    )
    first = frame.dropna(subset=[source]).groupby("pair")[source].first()
    if first.empty:
        raise AnalysisInputError("there are no perceptions to estimate the prior from")
    prior_mean = chosen.prior_mean if chosen.prior_mean is not None else float(first.mean())
    spread = float(first.std(ddof=1)) if len(first) > 1 else float("nan")
    present = frame.dropna(subset=["perception"])
    grouped = present.groupby("pair")["perception"]
    deviations = present["perception"] - grouped.transform("mean")
    degrees = int((grouped.size() - 1).clip(lower=0).sum())
    noise = float(np.sqrt((deviations**2).sum() / degrees)) if degrees > 0 else float("nan")
    fallback = max(0.1 * abs(prior_mean), 1.0)
    prior_sd = chosen.prior_sd
    noise_sd = chosen.noise_sd
    if prior_sd is None:
        prior_sd = spread if spread > 0 else (noise_sd or (noise if noise > 0 else fallback))
    if noise_sd is None:
        noise_sd = noise if noise > 0 else prior_sd
    return chosen.with_values(prior_mean=prior_mean, prior_sd=prior_sd, noise_sd=noise_sd)


@dataclass(frozen=True)
class ExpectationStates:
    """Final expectation of every customer × service pair.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per pair, sorted by customer then service: ``customer``, ``service``,
        ``expectation``, ``uncertainty``, ``observations``, ``surprises``,
        ``last_perception``, ``last_gap``, ``ratchet_warning``, and for the level last
        perceived ``s_difference`` (S = P − E), ``c_ratio`` (c = P / E, NaN when E ≤ 0) and
        ``predicted_satisfaction``.
    parameters : ExpectationParameters
        Resolved parameters used.
    dropped : int
        Rows without a perception (a measured expectation alone, or empty).
    """

    frame: pd.DataFrame
    parameters: ExpectationParameters
    dropped: int = 0

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`frame`."""
        return self.frame.copy()

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dictionary per pair (NaN becomes ``None``)."""
        frame = self.frame.astype(object).where(self.frame.notna(), None)
        records = [
            {str(key): value for key, value in record.items()}
            for record in frame.to_dict("records")
        ]
        for record in records:
            record["observations"] = int(record["observations"])
            record["surprises"] = int(record["surprises"])
            record["ratchet_warning"] = bool(record["ratchet_warning"])
        return records

    def to_dict(self) -> dict[str, Any]:
        """``{"parameters": {...}, "dropped": n, "states": [...]}``."""
        return {
            "parameters": self.parameters.to_dict(),
            "dropped": self.dropped,
            "states": self.to_records(),
        }

    def summary(self) -> str:
        """Counts of pairs, observations and warnings."""
        frame = self.frame
        return (
            f"{len(frame)} customer × service pairs, {int(frame['observations'].sum())} "
            f"perceptions, {int(frame['ratchet_warning'].sum())} ratchet warnings, "
            f"{int((frame['predicted_satisfaction'] < 0).sum())} pairs predicted dissatisfied "
            "at their last level"
        )


def track_expectations(
    observations: pd.DataFrame,
    *,
    parameters: ExpectationParameters | None = None,
    one_off_services: Collection[str] = (),
    planned_level: float | None = None,
) -> ExpectationStates:
    """Final expectation state of every customer × service pair.

    Parameters
    ----------
    observations : pandas.DataFrame
        ``customer``, ``service``, ``time`` (numbers or YYYY-MM-DD dates), ``perception``
        (empty: no perception in that row) and optionally ``expectation`` (measured, e.g. the E
        item of a SERVQUAL wave; it replaces the model's expectation at that time).
    parameters : ExpectationParameters, optional
        Unset prior and noise parameters are estimated from the data
        (:func:`resolve_parameters`).
    one_off_services : collection of str
        Services delivered once: no ratchet warning.
    planned_level : float, optional
        Predict S, c and satisfaction for this level; default each pair's last perception.

    Returns
    -------
    ExpectationStates

    Notes
    -----
    Vectorised over pairs: one numpy step per observation rank (:func:`scan_expectations`).

    Examples
    --------
    >>> frame = pd.DataFrame({"customer": ["007"] * 3, "service": ["repair"] * 3,
    ...                       "time": [1, 2, 3], "perception": [70.0, 90.0, 90.0]})
    >>> parameters = ExpectationParameters(prior_mean=70, prior_sd=10, noise_sd=10)
    >>> state = track_expectations(frame, parameters=parameters).to_records()[0]
    >>> round(state["expectation"], 2), state["observations"]
    (80.0, 3)
    """
    prepared = _prepare(observations)
    resolved = _resolve(prepared, parameters or ExpectationParameters())
    one_off = {str(service) for service in one_off_services}
    repeated = np.array([service not in one_off for service in prepared.services], dtype=bool)
    scan = _scan(prepared, resolved, repeated=repeated)
    level = (
        scan.last_perception
        if planned_level is None
        else np.full(len(prepared.customers), float(planned_level))
    )
    s, c, predicted = _prediction(scan.expectation, scan.uncertainty, level, resolved)
    frame = pd.DataFrame(
        {
            "customer": prepared.customers,
            "service": prepared.services,
            "expectation": scan.expectation,
            "uncertainty": scan.uncertainty,
            "observations": scan.observations,
            "surprises": scan.surprises,
            "last_perception": scan.last_perception,
            "last_gap": scan.last_gap,
            "ratchet_warning": scan.ratchet_warning,
            "planned_level": level,
            "s_difference": s,
            "c_ratio": c,
            "predicted_satisfaction": predicted,
        }
    )
    return ExpectationStates(frame=frame, parameters=resolved, dropped=prepared.dropped)


def _scan(
    prepared: _Prepared,
    parameters: ExpectationParameters,
    *,
    repeated: npt.NDArray[np.bool_] | None = None,
    record: bool = False,
) -> Scan:
    return scan_expectations(
        prepared.pair,
        prepared.perception,
        parameters=parameters,
        n_pairs=len(prepared.customers),
        expectation=prepared.expectation,
        repeated=repeated,
        record=record,
    )


def _prediction(
    expectation: npt.NDArray[np.float64],
    uncertainty: npt.NDArray[np.float64],
    level: npt.NDArray[np.float64],
    parameters: ExpectationParameters,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    s = level - expectation
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = np.where(expectation > 0, level / expectation, np.nan)
    c = np.where(np.isfinite(c), c, np.nan)
    predicted = predict_satisfaction(expectation, uncertainty, level, parameters=parameters)
    return s, c, predicted


def predict_level(
    expectation: npt.ArrayLike,
    uncertainty: npt.ArrayLike,
    level: npt.ArrayLike,
    *,
    parameters: ExpectationParameters | None = None,
) -> pd.DataFrame:
    """S = P − E, c = P / E and the predicted satisfaction of a planned ``level``.

    Examples
    --------
    >>> predict_level(80, 0, 72).round(3).to_dict("records")
    [{'s_difference': -8.0, 'c_ratio': 0.9, 'predicted_satisfaction': -16.0}]
    """
    mean = np.atleast_1d(np.asarray(expectation, dtype=np.float64))
    sd = np.broadcast_to(np.asarray(uncertainty, dtype=np.float64), mean.shape)
    target = np.broadcast_to(np.asarray(level, dtype=np.float64), mean.shape)
    s, c, predicted = _prediction(mean, sd, target, parameters or ExpectationParameters())
    return pd.DataFrame({"s_difference": s, "c_ratio": c, "predicted_satisfaction": predicted})


@dataclass(frozen=True)
class ExpectationTrajectory:
    """One pair's expectation over time, for its chart.

    Attributes
    ----------
    customer, service : str
    frame : pandas.DataFrame
        One row per observation in time order: ``time``, ``perception``, ``measured_expectation``
        (when the data have one), ``expectation_before``, ``uncertainty_before``, ``gap``,
        ``gain``, ``surprise``, ``ratchet_warning``, ``expectation_after``,
        ``uncertainty_after``, ``predicted_satisfaction`` (of the perception, given the
        expectation before it).
    parameters : ExpectationParameters
    """

    customer: str
    service: str
    frame: pd.DataFrame
    parameters: ExpectationParameters

    def to_dict(self) -> dict[str, Any]:
        """``{"customer", "service", "parameters", "points": [...]}`` (NaN → ``None``)."""
        frame = self.frame.copy()
        frame["time"] = frame["time"].map(_plain_time)
        points = frame.astype(object).where(frame.notna(), None).to_dict("records")
        return {
            "customer": self.customer,
            "service": self.service,
            "parameters": self.parameters.to_dict(),
            "points": points,
        }


def _plain_time(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if isinstance(value, pd.Timestamp) else value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def expectation_trajectory(
    observations: pd.DataFrame,
    *,
    customer: str,
    service: str,
    parameters: ExpectationParameters | None = None,
) -> ExpectationTrajectory:
    """The per-observation path of one pair (same equations as :func:`track_expectations`).

    Unset parameters are estimated from **all** ``observations`` given (the population), so
    the pair's path matches its final state in :func:`track_expectations`.
    """
    prepared = _prepare(observations)
    resolved = _resolve(prepared, parameters or ExpectationParameters())
    matches = np.flatnonzero(
        (prepared.customers == str(customer)) & (prepared.services == str(service))
    )
    if matches.size == 0:
        raise AnalysisInputError(f"no observations of customer {customer!r} × service {service!r}")
    rows = prepared.pair == matches[0]
    perception = prepared.perception[rows]
    measured = None if prepared.expectation is None else prepared.expectation[rows]
    scan = scan_expectations(
        np.zeros(int(rows.sum()), dtype=np.int64),
        perception,
        parameters=resolved,
        n_pairs=1,
        expectation=measured,
        record=True,
    )
    assert scan.trajectory is not None
    frame = pd.DataFrame({"time": prepared.time[rows].reset_index(drop=True)})
    frame["perception"] = perception
    if measured is not None:
        frame["measured_expectation"] = measured
    for name, values in scan.trajectory.items():
        frame[name] = values
    return ExpectationTrajectory(str(customer), str(service), frame, resolved)


@dataclass(frozen=True)
class ParameterEstimate:
    """Update weights estimated from repeated waves (see :func:`estimate_parameters`).

    Attributes
    ----------
    parameters : ExpectationParameters
        Resolved parameters with the estimated weights (defaults where not estimable).
    transitions, gains, losses : int
        Usable (E, P) → E' steps, and how many had a positive / negative gap.
    gain_weight_se, loss_weight_se : float or None
        Standard errors of the estimates (``None`` when not estimated).
    estimated : tuple of str
        Names of the weights estimated from the data.
    reason : str or None
        ``"no_measured_expectations"`` or ``"too_few_transitions"`` when a weight kept its
        default.
    """

    parameters: ExpectationParameters
    transitions: int
    gains: int
    losses: int
    gain_weight_se: float | None
    loss_weight_se: float | None
    estimated: tuple[str, ...]
    reason: str | None

    @property
    def shows_ratchet(self) -> bool:
        """Both weights estimated and ``α⁺ − α⁻`` more than 1.96 standard errors above 0."""
        if self.gain_weight_se is None or self.loss_weight_se is None:
            return False
        difference = self.parameters.gain_weight - self.parameters.loss_weight
        return bool(difference > 1.96 * np.hypot(self.gain_weight_se, self.loss_weight_se))

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary."""
        return {
            "parameters": self.parameters.to_dict(),
            "transitions": self.transitions,
            "gains": self.gains,
            "losses": self.losses,
            "gain_weight_se": self.gain_weight_se,
            "loss_weight_se": self.loss_weight_se,
            "estimated": list(self.estimated),
            "reason": self.reason,
            "shows_ratchet": self.shows_ratchet,
        }

    def summary(self) -> str:
        """One line: the weights, their standard errors and the data behind them."""

        def weight(value: float, error: float | None) -> str:
            return f"{value:.3f}" + ("" if error is None else f" ± {error:.3f}")

        text = (
            f"gain weight {weight(self.parameters.gain_weight, self.gain_weight_se)}, "
            f"loss weight {weight(self.parameters.loss_weight, self.loss_weight_se)} from "
            f"{self.transitions} transitions ({self.gains} gains, {self.losses} losses)"
        )
        if self.reason is not None:
            text += f"; defaults kept: {self.reason.replace('_', ' ')}"
        return text + ("; the data show a ratchet" if self.shows_ratchet else "")


def estimate_parameters(
    observations: pd.DataFrame,
    *,
    parameters: ExpectationParameters | None = None,
    min_transitions: int = MIN_TRANSITIONS,
) -> ParameterEstimate:
    """Estimate the gain and loss weights ``α⁺``, ``α⁻`` from repeated survey waves.

    Needs pairs where a customer stated an expectation at two successive observations with a
    perception at the first: a transition ``(E_t, P_t) → E_{t+1}``. The model says
    ``E_{t+1} − E_t = α^± K_t (P_t − E_t)``, with ``K_t`` the Kalman gain at ``t`` from the
    customer's experience so far. Gains and losses have disjoint regressors, so least squares
    through the origin gives each weight separately:
    ``α̂⁺ = Σ x y / Σ x²`` over gains (``x = K_t g_t``, ``y = ΔE``), likewise for losses, with
    standard errors from the pooled residual variance. Estimates are clipped to [0, 1].

    With fewer than ``min_transitions`` gains (or losses) that weight keeps its value in
    ``parameters`` (default 1.0 / 0.5) and ``reason`` says why. Prior and noise parameters left
    unset are estimated as in :func:`resolve_parameters`.
    """
    if min_transitions < 2:
        raise AnalysisInputError("min_transitions must be at least 2")
    prepared = _prepare(observations)
    resolved = _resolve(prepared, parameters or ExpectationParameters())
    if prepared.expectation is None or np.isnan(prepared.expectation).all():
        return ParameterEstimate(resolved, 0, 0, 0, None, None, (), "no_measured_expectations")
    scan = _scan(prepared, resolved, record=True)
    assert scan.trajectory is not None
    measured = prepared.expectation
    same_pair = prepared.pair[1:] == prepared.pair[:-1]
    usable = (
        same_pair
        & ~np.isnan(measured[:-1])
        & ~np.isnan(measured[1:])
        & ~np.isnan(prepared.perception[:-1])
    )
    gap = (prepared.perception[:-1] - measured[:-1])[usable]
    x = scan.trajectory["gain"][:-1][usable] * gap
    y = (measured[1:] - measured[:-1])[usable]
    positive, negative = gap > 0, gap < 0
    weights: dict[str, float] = {}
    errors: dict[str, float | None] = {"gain_weight": None, "loss_weight": None}
    estimated = []
    fitted = np.zeros_like(y)
    for name, chosen in (("gain_weight", positive), ("loss_weight", negative)):
        denominator = float((x[chosen] ** 2).sum())
        if chosen.sum() >= min_transitions and denominator > 0:
            weights[name] = float((x[chosen] * y[chosen]).sum() / denominator)
            fitted[chosen] = weights[name] * x[chosen]
            estimated.append(name)
    degrees = int(positive.sum() + negative.sum()) - len(estimated)
    if estimated and degrees > 0:
        used = positive | negative
        residual = float(((y - fitted)[used] ** 2).sum()) / degrees
        for name, chosen in (("gain_weight", positive), ("loss_weight", negative)):
            if name in weights:
                errors[name] = float(np.sqrt(residual / float((x[chosen] ** 2).sum())))
    final = resolved.with_values(
        **{name: float(np.clip(value, 0.0, 1.0)) for name, value in weights.items()}
    )
    return ParameterEstimate(
        parameters=final,
        transitions=int(usable.sum()),
        gains=int(positive.sum()),
        losses=int(negative.sum()),
        gain_weight_se=errors["gain_weight"],
        loss_weight_se=errors["loss_weight"],
        estimated=tuple(estimated),
        reason=None if len(estimated) == 2 else "too_few_transitions",
    )
