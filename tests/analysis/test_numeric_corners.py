"""Numerically stable stage 1 and undefined ratios (issue 18, item 8).

References: numpy/scipy two-pass (centred) statistics on the unshifted data — the textbook
stable computation (Chan, Golub & LeVeque 1983) that statsmodels, pingouin and R use — and
the definition of c = P / E (docs/analysis/satisfaction.md), which has no meaning for a non-positive expectation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiwang.analysis import AnalysisInputError, drivers, satisfaction


def _pairs(offset: float, gap: float | None = None, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    e = rng.integers(1, 8, 300).astype(float)
    p = e + gap if gap is not None else rng.integers(1, 8, 300).astype(float)
    return pd.DataFrame(
        {
            "respondent": np.repeat(np.arange(150), 2),
            "attribute": ["speed", "price"] * 150,
            "expectation": e + offset,
            "perception": p + offset,
        }
    )


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_constant_gap_at_an_offset_of_1e7_has_a_zero_width_interval(engine, tmp_path):
    # every perception is its expectation + 1: the paired differences have variance 0
    frame = _pairs(1e7, gap=1.0)
    if engine == "duckdb":
        path = tmp_path / "gaps.parquet"
        frame.to_parquet(path)
        result = satisfaction.expectation_gap_duckdb(path, respondent="respondent")
    else:
        result = satisfaction.expectation_gap(frame, respondent="respondent")
    for stat in (*result.attributes, *result.overall):
        assert stat.gap == pytest.approx(1.0, abs=1e-8)
        assert stat.gap_std == 0.0
        assert stat.gap_low == stat.gap_high == stat.gap


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_gap_statistics_at_an_offset_of_1e7_equal_the_unshifted_ones(engine, tmp_path):
    plain, shifted = _pairs(0.0), _pairs(1e7)
    if engine == "duckdb":
        path = tmp_path / "gaps.parquet"
        shifted.to_parquet(path)
        got = satisfaction.expectation_gap_duckdb(path)
    else:
        got = satisfaction.expectation_gap(shifted)
    for stat in got.attributes:
        rows = plain[plain["attribute"] == stat.name]
        d = rows["perception"] - rows["expectation"]
        assert stat.expectation_std == pytest.approx(rows["expectation"].std(ddof=1), rel=1e-9)
        assert stat.perception_std == pytest.approx(rows["perception"].std(ddof=1), rel=1e-9)
        assert stat.gap_std == pytest.approx(d.std(ddof=1), rel=1e-9)


def test_ratio_is_undefined_for_a_negative_mean_expectation():
    frame = pd.DataFrame(
        {
            "attribute": ["heat"] * 3 + ["water"] * 3,
            "expectation": [-2.0, -1.0, 0.5, 3.0, 4.0, 5.0],
            "perception": [1.0, 0.0, 1.0, 3.0, 3.0, 4.0],
        }
    )
    result = satisfaction.expectation_gap(frame)
    heat, water = result.attributes
    assert np.isnan(heat.ratio) and heat.to_dict()["ratio"] is None
    assert heat.note == "c = P / E of 'heat' is undefined: the mean expectation is negative"
    assert water.ratio == pytest.approx(10 / 12) and "note" not in water.to_dict()


def test_ratio_is_undefined_for_a_mean_expectation_that_is_zero_up_to_rounding():
    # 0.1 + 0.2 − 0.3 is 5.6e-17 in binary floating point: P / E came out ≈ 1e17
    frame = pd.DataFrame(
        {"attribute": ["a"] * 3, "expectation": [0.1, 0.2, -0.3], "perception": [1.0, 2.0, 3.0]}
    )
    (stat,) = satisfaction.expectation_gap(frame).attributes
    assert np.isnan(stat.ratio)
    assert stat.note is not None and "'a'" in stat.note and "zero" in stat.note


@settings(max_examples=30, deadline=None)
@given(st.floats(-1e7, 1e7), st.integers(0, 2**16))
def test_key_drivers_are_invariant_to_an_offset(offset, seed):
    # R², Shapley values and relative weights depend on centred moments only
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(120, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["y"] = x @ [0.5, 0.3, 0.1] + rng.normal(size=120)
    reference = drivers.analyze(frame, target="y")
    moved = drivers.analyze(frame + offset, target="y")
    assert moved.r2 == pytest.approx(reference.r2, abs=1e-8)
    for name, weight in reference.weights.items():
        assert moved.weights[name] == pytest.approx(weight, abs=1e-8)


def test_key_drivers_accept_sd_one_columns_around_1e6_and_refuse_true_constants():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.normal(size=(200, 2)) + 1e6, columns=["speed", "overall"])
    drivers.analyze(frame, target="overall")  # used to say "the column is constant"
    frame["flat"] = 1e6 + 0.5
    with pytest.raises(AnalysisInputError, match="constant") as caught:
        drivers.analyze(frame, target="overall")
    assert caught.value.column == "flat"
