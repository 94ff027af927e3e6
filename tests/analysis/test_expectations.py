"""The expectation model: equations against the papers' forms, properties, the vectorised
tracker against a scalar loop, parameter estimation and the command."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from qiwang.analysis import AnalysisInputError
from qiwang.analysis.expectations import (
    ExpectationParameters,
    estimate_parameters,
    expectation_trajectory,
    predict_level,
    predict_satisfaction,
    scan_expectations,
    track_expectations,
    update_expectation,
)

NO_SURPRISE = 1e9  # a surprise_z no gap reaches: pure Bayesian updating


def _parameters(**values) -> ExpectationParameters:
    base = {"prior_mean": 70.0, "prior_sd": 10.0, "noise_sd": 10.0}
    base.update(values)
    return ExpectationParameters(**base)


# --------------------------------------------------------------------------------------------
# the papers' forms
# --------------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    perceptions=st.lists(st.floats(0, 100), min_size=1, max_size=12),
    prior_mean=st.floats(0, 100),
    prior_sd=st.floats(0.5, 30),
    noise_sd=st.floats(0.5, 30),
)
def test_symmetric_weights_give_rust_et_al_conjugate_normal_posterior(
    perceptions, prior_mean, prior_sd, noise_sd
):
    # Rust, Inman, Jia & Zahorik (1999), Marketing Science 18(1): a normal prior expectation
    # updated by normal experiences; after n experiences x_i the posterior is
    # mean = (μ0/σ0² + Σx/τ²) / (1/σ0² + n/τ²), variance = 1 / (1/σ0² + n/τ²)
    parameters = ExpectationParameters(
        prior_mean=prior_mean,
        prior_sd=prior_sd,
        noise_sd=noise_sd,
        gain_weight=1.0,
        loss_weight=1.0,
        surprise_z=NO_SURPRISE,
    )
    mean, sd = prior_mean, prior_sd
    for value in perceptions:
        step = update_expectation(mean, sd, value, parameters=parameters)
        mean, sd = step.expectation, step.uncertainty
    precision = 1 / prior_sd**2 + len(perceptions) / noise_sd**2
    expected_mean = (prior_mean / prior_sd**2 + sum(perceptions) / noise_sd**2) / precision
    assert mean == pytest.approx(expected_mean, rel=1e-9, abs=1e-9)
    assert sd == pytest.approx(math.sqrt(1 / precision), rel=1e-9)


def test_zero_loss_weight_is_boulding_et_al_should_expectation():
    # Boulding, Kalra, Staelin & Zeithaml (1993), JMR 30(1): the "should" expectation rises
    # when the service delivered exceeds it and does not fall when it falls short
    parameters = _parameters(loss_weight=0.0, surprise_z=NO_SURPRISE)
    path = [70.0]
    sd = 10.0
    for value in [80, 40, 90, 20, 75]:
        step = update_expectation(path[-1], sd, value, parameters=parameters)
        path.append(step.expectation)
        sd = step.uncertainty
    assert all(later >= earlier for earlier, later in zip(path, path[1:], strict=False))
    # a rise is the Bayesian step K·g: from 70 with v = 100, τ² = 100, P = 80 → 75
    assert path[1] == 75.0
    assert path[2] == path[1]


def test_predicted_satisfaction_is_anderson_sullivan_asymmetric_disconfirmation():
    # Anderson & Sullivan (1993), Marketing Science 12(2); Mittal, Ross & Baldasare (1998),
    # J. Marketing 62(1): negative disconfirmation weighs more than positive. With no
    # uncertainty: β⁺·d above the expectation, −β⁻·|d| below (β⁺ = 1, β⁻ = 2 by default)
    values = predict_satisfaction([70] * 4, [0] * 4, [80, 70, 65, 50])
    assert values.tolist() == [10.0, 0.0, -10.0, -40.0]


@pytest.mark.parametrize(("mean", "sd", "level"), [(70, 5, 70), (70, 8, 80), (60, 12, 45)])
def test_predicted_satisfaction_under_uncertainty_equals_numerical_integration(mean, sd, level):
    # expected β⁺(L − X)⁺ − β⁻(X − L)⁺ for X ~ N(μ, σ²), by quadrature (independent of the
    # closed form d Φ(d/σ) + σ φ(d/σ))
    def integrand(x):
        return (max(level - x, 0) - 2 * max(x - level, 0)) * stats.norm.pdf(x, mean, sd)

    expected, _ = integrate.quad(integrand, mean - 12 * sd, mean + 12 * sd, points=[level])
    assert predict_satisfaction(mean, sd, level)[()] == pytest.approx(expected, abs=1e-7)


def test_uncertainty_lowers_predicted_satisfaction_at_the_expectation():
    # Rust et al. (1999): with a loss-averse response, a wider expectation distribution lowers
    # the expected evaluation of the same service: (β⁺ − β⁻) σ φ(0) at d = 0
    assert predict_satisfaction(70, 10, 70)[()] == pytest.approx(-10 * stats.norm.pdf(0))


def test_worked_example_of_the_docs():
    # docs/analysis/expectations.md: μ = 70, σ = 10, τ = 10 → s² = 200, K = 0.5
    parameters = _parameters()
    gain = update_expectation(70, 10, 90, parameters=parameters)
    loss = update_expectation(70, 10, 50, parameters=parameters)
    assert (gain.expectation, loss.expectation) == (80.0, 65.0)
    assert gain.gain == 0.5
    assert gain.uncertainty == pytest.approx(math.sqrt(50))
    # gap 20 > 1 · √200 = 14.1: ratchet warning; 20 < 2 · √200 = 28.3: no surprise
    assert (gain.ratchet_warning, gain.surprise) == (True, False)
    # a surprise: P = 100, gap 30 > 28.3 → v' = 50 + 0.5 · (900 − 200) = 400, capped at 100
    shock = update_expectation(70, 10, 100, parameters=parameters)
    assert shock.surprise is True
    assert shock.uncertainty == 10.0
    # S = P − E and c = P / E at a planned level of 72 against E = 80 (no uncertainty)
    assert predict_level(80, 0, 72).round(6).to_dict("records") == [
        {"s_difference": -8.0, "c_ratio": 0.9, "predicted_satisfaction": -16.0}
    ]


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------

states = st.tuples(st.floats(-100, 200), st.floats(0, 50), st.floats(-100, 200))
weights = st.tuples(st.floats(0.05, 1), st.floats(0, 1)).map(sorted)


@settings(max_examples=300, deadline=None)
@given(state=states, noise=st.floats(0.1, 50), pair=weights)
def test_moves_toward_the_perception_never_past_it(state, noise, pair):
    mean, sd, perception = state
    loss_weight, gain_weight = pair
    parameters = _parameters(noise_sd=noise, gain_weight=gain_weight, loss_weight=loss_weight)
    step = update_expectation(mean, sd, perception, parameters=parameters)
    assert min(mean, perception) <= step.expectation <= max(mean, perception)
    weight = gain_weight if perception > mean else loss_weight
    step_size = weight * sd**2 / (sd**2 + noise**2) * abs(perception - mean)
    if step_size > 1e-9 * max(1.0, abs(mean), abs(perception)):
        assert step.expectation != mean  # it moves
        assert step.expectation != perception  # and stops short


@settings(max_examples=300, deadline=None)
@given(
    mean=st.floats(-100, 200),
    sd=st.floats(0.01, 50),
    distance=st.floats(0.01, 100),
    noise=st.floats(0.1, 50),
    pair=weights.filter(lambda pair: pair[1] - pair[0] > 1e-3),
)
def test_a_gain_moves_the_expectation_more_than_an_equal_loss(mean, sd, distance, noise, pair):
    loss_weight, gain_weight = pair
    parameters = _parameters(noise_sd=noise, gain_weight=gain_weight, loss_weight=loss_weight)
    up = update_expectation(mean, sd, mean + distance, parameters=parameters)
    down = update_expectation(mean, sd, mean - distance, parameters=parameters)
    assert up.expectation - mean > mean - down.expectation


@settings(max_examples=300, deadline=None)
@given(state=states, noise=st.floats(0.1, 50), z=st.floats(0, 4), rho=st.floats(0, 1))
def test_uncertainty_never_grows_without_a_surprise(state, noise, z, rho):
    # surprise: |P − μ| > surprise_z · √(v + τ²), the perception outside the customer's
    # predictive interval
    mean, sd, perception = state
    parameters = _parameters(noise_sd=noise, surprise_z=z, surprise_inflation=rho)
    step = update_expectation(mean, sd, perception, parameters=parameters)
    assert step.surprise == (abs(perception - mean) > z * math.sqrt(sd**2 + noise**2))
    if not step.surprise:
        assert step.uncertainty <= sd
    assert step.uncertainty <= max(sd, parameters.prior_sd) + 1e-12


def test_the_prior_returns_on_no_observations():
    parameters = _parameters()
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "b"],
            "service": ["x", "x", "x"],
            "time": [1, 2, 1],
            "perception": [None, None, 90.0],
        }
    )
    result = track_expectations(frame, parameters=parameters).to_records()
    assert result[0]["customer"] == "a"
    assert (result[0]["expectation"], result[0]["uncertainty"]) == (70.0, 10.0)
    assert result[0]["observations"] == 0
    assert result[0]["last_gap"] is None
    # a pair code with no rows at all keeps the prior too
    scan = scan_expectations(np.array([1]), np.array([80.0]), parameters=parameters, n_pairs=3)
    assert scan.expectation.tolist()[0::2] == [70.0, 70.0]


# --------------------------------------------------------------------------------------------
# the vectorised tracker
# --------------------------------------------------------------------------------------------

rows = st.lists(
    st.tuples(
        st.sampled_from(["007", "010", "c"]),
        st.sampled_from(["维修", "保洁"]),
        st.integers(0, 20),
        st.one_of(st.none(), st.floats(0, 100)),
        st.one_of(st.none(), st.floats(0, 100)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(data=rows, z=st.sampled_from([0.5, 2.0]))
def test_vectorised_tracker_equals_a_scalar_loop(data, z):
    frame = pd.DataFrame(data, columns=["customer", "service", "time", "perception", "expectation"])
    parameters = _parameters(surprise_z=z)
    result = track_expectations(frame, parameters=parameters).frame.set_index(
        ["customer", "service"]
    )
    assert list(result.index) == sorted(result.index)
    ordered = frame.reset_index().sort_values(["customer", "service", "time", "index"])
    for (customer, service), group in ordered.groupby(["customer", "service"]):
        mean, sd, count, last_gap, ratchet = 70.0, 10.0, 0, None, False
        for row in group.itertuples():
            if not pd.isna(row.expectation):
                mean = row.expectation
            if pd.isna(row.perception):
                continue
            step = update_expectation(mean, sd, row.perception, parameters=parameters)
            mean, sd, count = step.expectation, step.uncertainty, count + 1
            last_gap, ratchet = step.gap, step.ratchet_warning
        state = result.loc[(customer, service)]
        assert state["expectation"] == pytest.approx(mean, abs=1e-9)
        assert state["uncertainty"] == pytest.approx(sd, abs=1e-9)
        assert state["observations"] == count
        assert bool(state["ratchet_warning"]) == ratchet
        if last_gap is None:
            assert np.isnan(state["last_gap"])
        else:
            assert state["last_gap"] == pytest.approx(last_gap, abs=1e-9)


def test_trajectory_ends_in_the_final_state_and_orders_dates():
    frame = pd.DataFrame(
        {
            "customer": ["007"] * 3 + ["008"] * 2,
            "service": ["维修"] * 5,
            "time": ["2025-09-01", "2025-03-01", "2025-06-01", "2025-03-01", "2025-06-01"],
            "perception": [95.0, 70.0, 72.0, 60.0, 65.0],
        }
    )
    path = expectation_trajectory(frame, customer="007", service="维修")
    assert [str(time) for time in path.frame["time"]] == ["2025-03-01", "2025-06-01", "2025-09-01"]
    final = track_expectations(frame).frame.iloc[0]
    assert path.frame["expectation_after"].iloc[-1] == pytest.approx(final["expectation"])
    assert path.frame["ratchet_warning"].tolist() == [False, False, True]
    assert path.to_dict()["points"][0]["time"] == "2025-03-01"
    with pytest.raises(AnalysisInputError, match="no observations of customer '009'"):
        expectation_trajectory(frame, customer="009", service="维修")


def test_ratchet_warning_after_a_large_gain_on_a_repeated_service_only():
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "a", "a"],
            "service": ["repair", "repair", "move-in", "move-in"],
            "time": [1, 2, 1, 2],
            "perception": [70.0, 95.0, 70.0, 95.0],
        }
    )
    states = track_expectations(frame, parameters=_parameters(), one_off_services=["move-in"])
    warnings = dict(zip(states.frame["service"], states.frame["ratchet_warning"], strict=True))
    assert warnings == {"move-in": False, "repair": True}


def test_empirical_bayes_defaults():
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "b"],
            "service": ["x"] * 4,
            "time": [1, 2, 1, 2],
            "perception": [60.0, 64.0, 80.0, 84.0],
        }
    )
    parameters = track_expectations(frame).parameters
    # prior: mean and sd of first perceptions 60, 80; noise: pooled within-pair sd
    assert parameters.prior_mean == 70.0
    assert parameters.prior_sd == pytest.approx(np.std([60, 80], ddof=1))
    assert parameters.noise_sd == pytest.approx(math.sqrt((4 + 4 + 4 + 4) / 2))


# --------------------------------------------------------------------------------------------
# estimation
# --------------------------------------------------------------------------------------------


def _simulate(truth: ExpectationParameters, customers: int, waves: int, seed: int):
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(customers):
        mean, sd = truth.prior_mean + rng.normal(0, 5), truth.prior_sd
        level = rng.normal(70, 8)
        for wave in range(waves):
            perception = rng.normal(level, 8)
            rows.append((f"{customer:04d}", "repair", wave, perception, mean))
            step = update_expectation(mean, sd, perception, parameters=truth)
            mean, sd = step.expectation, step.uncertainty
    return pd.DataFrame(rows, columns=["customer", "service", "time", "perception", "expectation"])


def test_estimate_recovers_the_weights_from_noise_free_waves():
    truth = _parameters(gain_weight=0.8, loss_weight=0.3)
    frame = _simulate(truth, customers=60, waves=4, seed=11)
    given = ExpectationParameters(prior_mean=70, prior_sd=10, noise_sd=10)
    estimate = estimate_parameters(frame, parameters=given)
    assert estimate.parameters.gain_weight == pytest.approx(0.8, abs=1e-9)
    assert estimate.parameters.loss_weight == pytest.approx(0.3, abs=1e-9)
    assert estimate.transitions == 60 * 3
    assert estimate.gains + estimate.losses == estimate.transitions
    assert estimate.shows_ratchet is True
    assert estimate.reason is None
    assert estimate.summary().startswith("gain weight 0.800 ± 0.000, loss weight 0.300 ± 0.000")


def test_estimate_with_measurement_noise_is_close():
    truth = _parameters(gain_weight=0.9, loss_weight=0.4)
    frame = _simulate(truth, customers=800, waves=4, seed=12)
    frame["expectation"] += np.random.default_rng(3).normal(0, 1.0, len(frame))
    estimate = estimate_parameters(
        frame, parameters=ExpectationParameters(prior_mean=70, prior_sd=10, noise_sd=10)
    )
    assert estimate.parameters.gain_weight == pytest.approx(0.9, abs=0.1)
    assert estimate.parameters.loss_weight == pytest.approx(0.4, abs=0.1)


def test_estimate_with_too_little_data_keeps_the_defaults():
    frame = pd.DataFrame(
        {
            "customer": ["a", "a"],
            "service": ["x", "x"],
            "time": [1, 2],
            "perception": [80.0, 70.0],
            "expectation": [70.0, 75.0],
        }
    )
    estimate = estimate_parameters(frame)
    assert estimate.reason == "too_few_transitions"
    assert estimate.estimated == ()
    assert (estimate.parameters.gain_weight, estimate.parameters.loss_weight) == (1.0, 0.5)
    no_measure = estimate_parameters(frame.drop(columns="expectation"))
    assert no_measure.reason == "no_measured_expectations"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"gain_weight": 1.5}, "gain_weight must lie in"),
        ({"prior_sd": 0}, "prior_sd must be positive"),
        ({"noise_sd": float("nan")}, "noise_sd = nan is not finite"),
        ({"shortfall_weight": -1}, "shortfall_weight must not be negative"),
    ],
)
def test_parameters_are_validated(values, message):
    with pytest.raises(AnalysisInputError, match=message):
        ExpectationParameters(**values)


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------

CONTRACT = {"customer", "service", "expectation", "uncertainty", "observations", "ratchet_warning"}


def test_expectations_command_json_contract(run_cli_json, examples):
    payload = run_cli_json("analyze", "expectations", examples / "expectation_waves.csv")
    frame = pd.read_csv(examples / "expectation_waves.csv", dtype={"customer": str})
    assert isinstance(payload, list)
    assert len(payload) == frame.groupby(["customer", "service"]).ngroups
    keys = [(item["customer"], item["service"]) for item in payload]
    assert keys == sorted(keys)
    for item in payload:
        assert set(item) >= CONTRACT
        assert isinstance(item["ratchet_warning"], bool)
        assert item["observations"] == 4
    expected = track_expectations(frame).to_records()
    assert payload == expected
    flagged = {(item["customer"], item["service"]) for item in payload if item["ratchet_warning"]}
    assert ("007", "维修") in flagged  # built into the example: 98 points in the last wave


def test_expectations_command_trajectory_and_estimate(run_cli, run_cli_json, examples):
    path = run_cli_json(
        "analyze",
        "expectations",
        examples / "expectation_waves.csv",
        "--customer",
        "007",
        "--service",
        "维修",
    )
    assert [point["time"] for point in path["points"]] == [
        "2025-03-15",
        "2025-06-15",
        "2025-09-15",
        "2025-12-15",
    ]
    code, out, _ = run_cli(
        "analyze", "expectations", examples / "expectation_waves.csv", "--estimate"
    )
    assert code == 0
    assert "Estimated: gain weight" in out and "ratchet" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("customer,service,time\na,x,1\n", "column 'perception': missing column"),
        (
            "customer,service,time,perception\na,x,1,good\n",
            "row 1, column 'perception': 'good' is not a number",
        ),
        (
            "customer,service,time,perception\na,x,soon,70\n",
            "row 1, column 'time': 'soon' is not a date",
        ),
        ("customer,service,time,perception\n,x,1,70\n", "row 1, column 'customer': an empty cell"),
        ("", "the file is empty"),
    ],
)
def test_expectations_command_bad_input(run_cli, tmp_path, content, message):
    path = tmp_path / "observations.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run_cli("analyze", "expectations", path, "--json")
    assert (code, out) == (2, "")
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_expectations_command_customer_needs_service(run_cli, examples):
    code, _, err = run_cli(
        "analyze", "expectations", examples / "expectation_waves.csv", "--customer", "007"
    )
    assert code == 2
    assert "--customer and --service go together" in " ".join(err.split())
