"""Each customer's expectation of each service, tracked over time.

An expectation and its uncertainty per customer × service, updated by every perception with an
asymmetric rule (a gain raises the expectation more than an equal loss lowers it: the ratchet),
uncertainty shrinking with experience (Bayesian normal updating) and growing only after a
surprise; predicted satisfaction that responds more to a shortfall than to an equal excess.

- :func:`track_expectations` — final states of all pairs (vectorised; millions of pairs);
- :func:`expectation_trajectory` — one pair's path, for its chart;
- :func:`estimate_parameters` — the update weights from repeated survey waves;
- :func:`update_expectation`, :func:`predict_satisfaction`, :func:`predict_level`,
  :func:`scan_expectations` — the equations themselves, on scalars or arrays.

Equations, defaults and sources: ``docs/analysis/expectations.md``.

Examples
--------
>>> from qiwang.analysis import expectations
>>> parameters = expectations.ExpectationParameters(prior_mean=70, prior_sd=10, noise_sd=10)
>>> step = expectations.update_expectation(70, 10, 90, parameters=parameters)
>>> step.expectation, step.ratchet_warning
(80.0, True)
"""

from qiwang.analysis._expectation_model import (
    ExpectationParameters,
    ExpectationUpdate,
    Scan,
    predict_satisfaction,
    scan_expectations,
    update_expectation,
)
from qiwang.analysis._expectations import (
    ExpectationStates,
    ExpectationTrajectory,
    ParameterEstimate,
    estimate_parameters,
    expectation_trajectory,
    predict_level,
    resolve_parameters,
    track_expectations,
)

__all__ = [
    "ExpectationParameters",
    "ExpectationStates",
    "ExpectationTrajectory",
    "ExpectationUpdate",
    "ParameterEstimate",
    "Scan",
    "estimate_parameters",
    "expectation_trajectory",
    "predict_level",
    "predict_satisfaction",
    "resolve_parameters",
    "scan_expectations",
    "track_expectations",
    "update_expectation",
]
