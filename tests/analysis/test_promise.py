"""Commitment targets, Clopper–Pearson intervals and the over-promise check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiwang.analysis import AnalysisInputError
from qiwang.analysis.promise import (
    Target,
    check_promise,
    clopper_pearson,
    clopper_pearson_arrays,
    keeping_rate,
    minimum_observations,
)


def _binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def _bisect(function, target: float) -> float:
    """Root of a monotone ``function(p) = target`` on [0, 1] by bisection."""
    low, high = 0.0, 1.0
    rising = function(1.0) > function(0.0)
    for _ in range(80):
        middle = (low + high) / 2
        if (function(middle) < target) == rising:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _clopper_pearson_by_definition(k: int, n: int, alpha: float) -> tuple[float, float]:
    """Clopper & Pearson's (1934) definition, with no beta function: the p at which each
    binomial tail equals α/2 (upper: P(X ≤ k; p) = α/2; lower: P(X ≥ k; p) = α/2)."""
    low = 0.0 if k == 0 else _bisect(lambda p: 1 - _binomial_cdf(k - 1, n, p), alpha / 2)
    high = 1.0 if k == n else _bisect(lambda p: _binomial_cdf(k, n, p), alpha / 2)
    return low, high


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # R 4.3: binom.test(k, n)$conf.int (Clopper–Pearson), printed to 7 digits
        (5, 10, 0.1870860, 0.8129140),
        (1, 10, 0.002528579, 0.4450161),
        (0, 20, 0.0, 0.1684335),
        (20, 20, 0.8315665, 1.0),
    ],
)
def test_clopper_pearson_matches_r_binom_test(k, n, low, high):
    result = clopper_pearson(k, n)
    assert result[0] == pytest.approx(low, abs=5e-8)
    assert result[1] == pytest.approx(high, abs=5e-8)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 60),
    data=st.data(),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_clopper_pearson_matches_its_definition(n, data, confidence):
    k = data.draw(st.integers(0, n))
    expected = _clopper_pearson_by_definition(k, n, 1 - confidence)
    assert clopper_pearson(k, n, confidence=confidence) == pytest.approx(expected, abs=1e-9)


def test_clopper_pearson_arrays_equal_the_scalar_function():
    low, high = clopper_pearson_arrays([0, 3, 10], [10, 10, 10], confidence=0.9)
    expected = [clopper_pearson(k, 10, confidence=0.9) for k in (0, 3, 10)]
    assert list(zip(low.tolist(), high.tolist(), strict=True)) == expected


def test_clopper_pearson_without_trials_is_vacuous():
    assert clopper_pearson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (1.5, 5)])
def test_clopper_pearson_rejects_impossible_counts(k, n):
    with pytest.raises(AnalysisInputError):
        clopper_pearson(k, n)


def test_keeping_rate_reports_share_and_interval():
    rate = keeping_rate(47, 50)
    assert rate.rate == 0.94
    assert rate.interval == clopper_pearson(47, 50)
    assert keeping_rate(0, 0).rate is None


@pytest.mark.parametrize(
    ("text", "comparison", "threshold", "unit"),
    [
        ("<=24", "<=", 24.0, None),
        ("  <  30 s ", "<", 30.0, "s"),
        ("≥18 °C", ">=", 18.0, "°C"),
        ("≤ 2.5", "<=", 2.5, None),
        ("> -3", ">", -3.0, None),
        (">= 98 %", ">=", 98.0, "%"),
    ],
)
def test_target_parse_reads_comparison_threshold_and_unit(text, comparison, threshold, unit):
    target = Target.parse(text)
    assert (target.comparison, target.threshold, target.unit) == (comparison, threshold, unit)


@pytest.mark.parametrize("text", ["24", "=24", "<=", "<= twenty", "<=inf", "<=nan", ""])
def test_target_parse_names_the_text_it_cannot_read(text):
    with pytest.raises(AnalysisInputError, match=f"target {text!r}"):
        Target.parse(text)


def test_target_kept_distinguishes_strict_from_non_strict():
    values = [23.0, 24.0, 25.0, float("nan")]
    assert Target("<=", 24).kept(values).tolist() == [True, True, False, False]
    assert Target("<", 24).kept(values).tolist() == [True, False, False, False]
    assert Target(">=", 24).kept(values).tolist() == [False, True, True, False]
    assert Target(">", 24).kept(values).tolist() == [False, False, True, False]


def test_check_promise_worked_example_of_the_docs():
    # given 100 repair visits: ten distinct durations, ten visits each (docs/analysis/promise.md)
    hours = [3, 5, 8, 12, 20, 22, 23, 24, 26, 30] * 10
    # when 24 h is proposed
    check = check_promise(hours, "<=24")
    # then 20 visits (26 h and 30 h) broke it; its interval is R's binom.test(20, 100)
    assert (check.n, check.breaches, check.breach_probability) == (100, 20, 0.2)
    assert check.interval == pytest.approx((0.1266556, 0.2918427), abs=5e-8)
    assert check.within_allowed is False
    # and no threshold below the longest visit keeps the upper bound within 5 %: 26 h leaves 10
    # breaches (upper bound 0.176), so only 30 h (no breach, upper bound 1 − 0.025^(1/100) = 0.036)
    assert check.recommended_target == 30.0
    assert check.recommended_breaches == 0
    assert check.recommended_upper == pytest.approx(1 - 0.025 ** (1 / 100))


def test_check_promise_mirror_image_for_at_least_targets():
    # given temperatures, two of 200 below 18 °C
    readings = [17.5, 17.9] + [18.0] * 10 + [19.0] * 188
    check = check_promise(readings, ">=18 °C")
    assert check.breaches == 2
    # then the recommendation is the highest reading whose breaches keep U <= 5 %: 19 °C would
    # leave 12 breaches (U = 0.10), 18 °C leaves 2 (U = 0.036), so 18 °C, stated as ">="
    assert check.recommended_target == 18.0
    assert check.recommended_comparison == ">="
    assert str(check.recommended) == ">=18 °C"
    assert check.recommended_upper == clopper_pearson(2, 200)[1]


def test_check_promise_ties_at_the_threshold():
    # given 100 visits of exactly 24 h and 100 of 10 h
    values = [24.0] * 100 + [10.0] * 100
    # then "<=24" keeps every one of them, "<24" breaks the hundred ties
    assert check_promise(values, "<=24").breaches == 0
    assert check_promise(values, "<24").breaches == 100
    # and the recommendation of either is "<=24": every tie kept, no strict value is tightest
    for text in ("<=24", "<24"):
        check = check_promise(values, text)
        assert (check.recommended_target, check.recommended_comparison) == (24.0, "<=")


def test_check_promise_with_too_few_deliveries_recommends_nothing():
    # given 20 deliveries, none late: the 95 % two-sided upper bound is 0.168 (R binom.test)
    check = check_promise([5.0] * 20, "<=24")
    assert check.breaches == 0
    assert check.interval[1] == pytest.approx(0.1684335, abs=5e-8)
    assert check.recommended_target is None
    assert check.reason == "too_few_deliveries"
    # and 72 is the first n with 1 − 0.025^(1/n) <= 0.05
    assert check.minimum_n == 72
    assert 1 - 0.025 ** (1 / 71) > 0.05 >= 1 - 0.025 ** (1 / 72)
    assert check.to_dict()["recommended_target"] is None


def test_minimum_observations_at_other_rates():
    # ln(0.005) / ln(0.99) = 527.2 → 528 for a 1 % rate at 99 %
    assert minimum_observations(0.01, confidence=0.99) == 528


def test_check_promise_drops_missing_values_and_counts_them():
    check = check_promise([1.0, float("nan"), 2.0] * 40, "<=24")
    assert (check.n, check.dropped) == (80, 40)
    assert check.warnings == ("40 empty values were left out",)


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        ([], {}, "no values"),
        ([float("nan")], {}, "no values"),
        ([1.0, float("inf")], {}, "finite"),
        ([1.0], {"allowed_breach": 0.0}, "allowed breach rate 0.0"),
        ([1.0], {"allowed_breach": 1.5}, "allowed breach rate 1.5"),
        ([1.0], {"confidence": 1.0}, "confidence 1.0"),
    ],
)
def test_check_promise_rejects_bad_input(values, options, message):
    with pytest.raises(AnalysisInputError, match=message):
        check_promise(values, "<=24", **options)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.integers(0, 40), min_size=1, max_size=400),
    comparison=st.sampled_from(["<=", "<", ">=", ">"]),
    threshold=st.integers(0, 40),
    allowed=st.sampled_from([0.01, 0.05, 0.1, 0.3]),
)
def test_recommended_target_is_the_tightest_acceptable_observed_value(
    values, comparison, threshold, allowed
):
    # brute force: judge every observed value as a non-strict threshold in the target's direction
    array = np.array(values, dtype=float)
    check = check_promise(array, Target(comparison, threshold), allowed_breach=allowed)
    upper_bound = comparison in ("<=", "<")
    acceptable = []
    for candidate in sorted(set(values)):
        breaches = int((array > candidate).sum() if upper_bound else (array < candidate).sum())
        if clopper_pearson(breaches, len(values))[1] <= allowed:
            acceptable.append(candidate)
    if not acceptable:
        assert check.recommended_target is None
        assert len(values) < check.minimum_n
    else:
        expected = min(acceptable) if upper_bound else max(acceptable)
        assert check.recommended_target == expected
        assert check.recommended_upper <= allowed
    assert check.breaches == int((~Target(comparison, threshold).kept(array)).sum())


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------

CONTRACT = {"n", "breaches", "breach_probability", "interval", "recommended_target"}


def test_promise_command_json_contract(run_cli_json, examples):
    payload = run_cli_json(
        "analyze", "promise", examples / "repair_visits.csv", "--value", "hours", "--target", "<=24"
    )
    assert set(payload) >= CONTRACT
    hours = pd.read_csv(examples / "repair_visits.csv")["hours"].to_numpy()
    expected = check_promise(hours, "<=24")
    assert payload["n"] == len(hours) == expected.n
    assert payload["breaches"] == int((hours > 24).sum())
    assert payload["breach_probability"] == payload["breaches"] / payload["n"]
    assert payload["interval"] == list(clopper_pearson(payload["breaches"], payload["n"]))
    assert payload["recommended_target"] == expected.recommended_target
    assert payload["recommended_target_text"] == f"<={expected.recommended_target:g}"


def test_promise_command_reads_xlsx_and_parquet_alike(run_cli_json, examples, tmp_path):
    frame = pd.read_csv(examples / "indoor_temperature.csv")
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    args = ["--value", "celsius", "--target", ">=18", "--allowed-breach", "0.1"]
    from_csv = run_cli_json("analyze", "promise", examples / "indoor_temperature.csv", *args)
    assert run_cli_json("analyze", "promise", tmp_path / "t.xlsx", *args) == from_csv
    assert run_cli_json("analyze", "promise", tmp_path / "t.parquet", *args) == from_csv
    assert from_csv["breaches"] == int((frame["celsius"] < 18).sum())


def test_promise_command_counts_dropped_empty_cells(run_cli_json, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("visit,hours\nA,3\nB,\nC,30\nD,5\n", encoding="utf-8")
    payload = run_cli_json("analyze", "promise", path, "--value", "hours", "--target", "<=24")
    assert (payload["n"], payload["breaches"], payload["dropped"]) == (3, 1, 1)
    assert payload["warnings"] == ["1 empty values were left out"]


def test_promise_command_table_names_the_verdict(run_cli, examples):
    code, out, _ = run_cli(
        "analyze", "promise", examples / "repair_visits.csv", "--value", "hours", "--target", "<=48"
    )
    assert code == 0
    assert "within the allowed rate" in out and "recommended target" in out


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("hours\n3\nlate\n", ["--target", "<=24"], "row 2, column 'hours': 'late' is not a number"),
        ("minutes\n3\n", ["--target", "<=24"], "column 'hours': missing column"),
        ("hours\n3\n", ["--target", "24h"], "cannot read the target '24h'"),
        ("hours\n3\n", ["--target", "<=24", "--allowed-breach", "2"], "allowed breach rate 2.0"),
        ("hours\n3\n", ["--target", "<=24", "--confidence", "0"], "confidence 0.0"),
        ("hours\n\n", ["--target", "<=24"], "no data rows"),
        ("", ["--target", "<=24"], "the file is empty"),
    ],
)
def test_promise_command_bad_input_exits_2_with_one_message(
    run_cli, tmp_path, content, args, message
):
    path = tmp_path / "visits.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run_cli("analyze", "promise", path, "--value", "hours", *args)
    assert code == 2
    assert out == ""
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_promise_command_missing_file(run_cli, tmp_path):
    code, out, err = run_cli(
        "analyze", "promise", tmp_path / "nope.csv", "--value", "hours", "--target", "<=24"
    )
    assert (code, out) == (2, "")
    assert "no such file" in err
