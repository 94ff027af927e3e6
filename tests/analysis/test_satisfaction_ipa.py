"""Satisfaction measures (scales, S and c, outcome, CSAT, NPS, CES) and importance–performance.

Sources: scales and the outcome rule are docs/analysis/satisfaction.md and ipa.md; NPS is
Reichheld (2003, Harvard Business Review: promoters 9–10, detractors 0–6); CSAT is the top-2-box
share; IPA is Martilla & James (1977, Journal of Marketing 41(1): quadrants "concentrate here",
"keep up the good work", "low priority", "possible overkill"). Intervals are checked against
scipy's independent implementations.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qiwang.analysis import AnalysisInputError, ipa, satisfaction


def test_labelled_scales_convert_to_0_100():
    five = ["很不满意", "不满意", "一般", "满意", "很满意"]
    seven = ["很不满意", "不满意", "不太满意", "一般", "较满意", "满意", "很满意"]
    assert satisfaction.to_score(five).tolist() == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert satisfaction.to_score(seven, levels=7).tolist() == pytest.approx(
        [100 * k / 6 for k in range(7)]
    )
    assert satisfaction.to_score(["Very satisfied", 1]).tolist() == [100.0, 0.0]
    with pytest.raises(AnalysisInputError, match="row 2, column 'value'"):
        satisfaction.to_score(["满意", "还行"])


def test_difference_ratio_and_outcome_per_attribute_and_overall():
    frame = pd.DataFrame(
        {
            "respondent": [1, 1, 2, 2],
            "attribute": ["speed", "price", "speed", "price"],
            "expectation": [80, 60, 70, 50],
            "perception": [60, 62, 50, 70],
        }
    )
    result = satisfaction.expectation_gap(frame, respondent="respondent", tolerance=5)
    by_name = {s.name: s for s in result.attributes}
    # S = P − E (seed [003]); c = P / E (seed [001])
    assert by_name["speed"].gap == -20.0
    assert by_name["speed"].ratio == pytest.approx(55 / 75)
    assert by_name["speed"].outcome == "churn risk"  # P < E: 不再光顾
    assert by_name["price"].gap == 11.0
    assert by_name["price"].outcome == "regular"  # P > E: 成为常客
    # overall: respondent means (70 → 61, 60 → 60): gaps −9 and 0, mean −4.5 → within ±5
    assert result.overall[0].gap == -4.5
    assert result.overall[0].outcome == "indifferent"  # P ≈ E: 印象薄弱


def test_csat_is_top_two_box_with_wilson_interval():
    answers = ["很满意"] * 30 + ["满意"] * 42 + ["一般"] * 18 + ["不满意"] * 7 + ["很不满意"] * 3
    counts = satisfaction.count_levels(
        pd.DataFrame({"q": answers}), ["q"], low=1, high=5, scale=satisfaction.FIVE_LEVEL
    )
    (result,) = satisfaction.csat(counts)
    assert (result.n, result.top_two, result.csat) == (100, 72, 0.72)
    expected = stats.binomtest(72, 100).proportion_ci(0.95, method="wilson")
    assert result.low == pytest.approx(expected.low, abs=1e-12)
    assert result.high == pytest.approx(expected.high, abs=1e-12)
    assert result.mean_score == pytest.approx((30 * 100 + 42 * 75 + 18 * 50 + 7 * 25) / 100)


def test_nps_counts_promoters_and_detractors():
    scores = [10] * 5 + [9] * 15 + [8] * 10 + [7] * 10 + [6] * 5 + [3] * 5
    (result,) = satisfaction.nps(
        satisfaction.count_levels(pd.DataFrame({"r": scores}), ["r"], low=0, high=10)
    )
    assert (result.promoters, result.passives, result.detractors) == (20, 20, 10)
    assert result.nps == 100 * (20 - 10) / 50
    # Tango's score interval for 20 promoters, 10 detractors of 50: −1.505 … 39.549, from the
    # likelihood-based reference in test_bounded_intervals.py; at n = 50 it is close to the
    # normal interval on the +100 / 0 / −100 scores (−0.7 … 40.7)
    assert (result.low, result.high) == (
        pytest.approx(-1.505, abs=1e-3),
        pytest.approx(39.549, abs=1e-3),
    )
    values = np.array([100] * 20 + [0] * 20 + [-100] * 10, dtype=float)
    half = stats.norm.ppf(0.975) * values.std(ddof=0) / math.sqrt(len(values))
    assert abs(result.low - (20 - half)) < 2 and abs(result.high - (20 + half)) < 2.5


def test_ces_mean_interval_and_share_easy():
    answers = [7, 6, 6, 5, 4, 3, 7, 2]
    (result,) = satisfaction.ces(
        satisfaction.count_levels(pd.DataFrame({"effort": answers}), ["effort"], low=1, high=7)
    )
    assert result.mean == np.mean(answers)
    low, high = stats.t.interval(0.95, 7, loc=np.mean(answers), scale=stats.sem(answers))
    assert (result.low, result.high) == (pytest.approx(low), pytest.approx(high))
    assert result.share_easy == 5 / 8  # 5, 6, 7 of 7


def test_level_counts_reject_values_off_the_scale():
    with pytest.raises(AnalysisInputError) as caught:
        satisfaction.count_levels(pd.DataFrame({"r": [3, 11]}), ["r"], low=0, high=10)
    assert (caught.value.row, caught.value.column) == (2, "r")


def test_level_counts_merge_across_chunks():
    frame = pd.DataFrame({"r": [0, 10, 9, 9, 4, 7, 10], "tier": list("aabbbab")})
    whole = satisfaction.count_levels(frame, ["r"], low=0, high=10, segment="tier")
    merged = satisfaction.count_levels(frame.iloc[:3], ["r"], low=0, high=10, segment="tier").merge(
        satisfaction.count_levels(frame.iloc[3:], ["r"], low=0, high=10, segment="tier")
    )
    assert merged.keys == whole.keys
    np.testing.assert_array_equal(merged.counts, whole.counts)


# --- importance–performance -------------------------------------------------------------------


def ipa_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "attribute": ["speed"] * 3 + ["decor"] * 3 + ["price"] * 3 + ["staff"] * 3,
            "importance": [7, 6, 7, 2, 3, 2, 3, 2, 3, 6, 7, 6],
            "performance": [3, 2, 3, 6, 6, 7, 2, 3, 2, 6, 6, 7],
        }
    )


def test_ipa_quadrants_with_the_midpoint_crosshair():
    result = ipa.analyze(ipa_frame(), crosshair="midpoint", scale=(1, 7))
    quadrants = {a.attribute: a.quadrant for a in result.attributes}
    assert quadrants == {
        "speed": "concentrate here",
        "staff": "keep up the good work",
        "price": "low priority",
        "decor": "possible overkill",
    }
    assert result.importance_crosshair == {"": 4.0}


def test_ipa_grand_mean_crosshair_is_the_mean_over_attributes():
    result = ipa.analyze(ipa_frame(), crosshair="mean")
    means = ipa_frame().groupby("attribute")[["importance", "performance"]].mean()
    assert result.importance_crosshair[""] == pytest.approx(means["importance"].mean())
    assert result.performance_crosshair[""] == pytest.approx(means["performance"].mean())


def test_ipa_derived_importance_is_the_correlation_with_overall():
    rng = np.random.default_rng(3)
    wide = pd.DataFrame({"speed_P": rng.integers(1, 8, 50), "decor_P": rng.integers(1, 8, 50)})
    wide["overall"] = wide["speed_P"] + rng.integers(0, 2, 50)
    result = ipa.analyze_sums(ipa.summarize_wide(wide, overall="overall"), importance="derived")
    by_name = {a.attribute: a for a in result.attributes}
    assert by_name["speed"].importance == pytest.approx(
        stats.pearsonr(wide["speed_P"], wide["overall"]).statistic
    )
    with pytest.raises(ValueError, match="use the mean crosshair"):
        ipa.analyze_sums(
            ipa.summarize_wide(wide, overall="overall"),
            importance="derived",
            crosshair="midpoint",
            scale=(1, 7),
        )


# --- DuckDB stage 1 equals pandas -------------------------------------------------------------


def test_level_counts_in_duckdb_equal_pandas(tmp_path):
    frame = pd.DataFrame(
        {
            "overall": ["满意", "很满意", "一般", None, "不满意", "满意"],
            "recommend": [10, 9, 7, 6, None, 10],
            "tier": ["a", "b", "a", "b", "a", "a"],
        }
    )
    path = tmp_path / "answers.parquet"
    frame.to_parquet(path)
    for columns, low, high, scale in (
        (["overall"], 1, 5, satisfaction.FIVE_LEVEL),
        (["recommend"], 0, 10, None),
    ):
        expected = satisfaction.count_levels(
            frame, columns, low=low, high=high, scale=scale, segment="tier"
        )
        got = satisfaction.count_levels_duckdb(
            path, columns, low=low, high=high, scale=scale, segment="tier"
        )
        assert got.keys == expected.keys
        np.testing.assert_array_equal(got.counts, expected.counts)


def test_level_counts_in_duckdb_name_the_bad_row(tmp_path):
    path = tmp_path / "answers.csv"
    pd.DataFrame({"overall": ["满意", "满意", "还行"]}).to_csv(path, index=False)
    with pytest.raises(AnalysisInputError) as caught:
        satisfaction.count_levels_duckdb(
            path, ["overall"], low=1, high=5, scale=satisfaction.FIVE_LEVEL
        )
    assert (caught.value.row, caught.value.column) == (3, "overall")


def test_ipa_sums_in_duckdb_equal_pandas(tmp_path):
    frame = ipa_frame()
    frame["overall"] = [5, 4, 6, 6, 5, 7, 3, 3, 2, 6, 7, 6]
    frame.loc[2, "importance"] = np.nan
    path = tmp_path / "ipa.parquet"
    frame.to_parquet(path)
    options = {"overall": "overall"}
    expected = ipa.summarize(frame, **options)
    got = ipa.summarize_duckdb(path, **options)
    assert got.keys == expected.keys
    np.testing.assert_array_equal(got.importance_n, expected.importance_n)
    np.testing.assert_allclose(got.importance_sum, expected.importance_sum)
    np.testing.assert_allclose(got.performance_sum, expected.performance_sum)
    np.testing.assert_allclose(got.pairs, expected.pairs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got.pair_shift, expected.pair_shift, rtol=1e-15)
    a = ipa.analyze_sums(got, importance="derived")
    b = ipa.analyze_sums(expected, importance="derived")
    assert [x.quadrant for x in a.attributes] == [x.quadrant for x in b.attributes]
    np.testing.assert_allclose(
        [x.importance for x in a.attributes], [x.importance for x in b.attributes], rtol=1e-12
    )


def _assert_same_gaps(a: satisfaction.GapResult, b: satisfaction.GapResult) -> None:
    for level in ("attributes", "overall"):
        x, y = getattr(a, level), getattr(b, level)
        assert [(s.segment, s.name, s.n, s.outcome) for s in x] == [
            (s.segment, s.name, s.n, s.outcome) for s in y
        ], level
        for s, t in zip(x, y, strict=True):
            for field in ("expectation_mean", "perception_mean", "gap", "gap_std", "ratio"):
                assert getattr(s, field) == pytest.approx(getattr(t, field), abs=1e-9, nan_ok=True)


def test_expectation_gap_in_duckdb_equals_pandas_on_the_worked_example(tmp_path):
    # given the worked example of test_difference_ratio_and_outcome_per_attribute_and_overall
    frame = pd.DataFrame(
        {
            "respondent": [1, 1, 2, 2],
            "attribute": ["speed", "price", "speed", "price"],
            "expectation": [80, 60, 70, 50],
            "perception": [60, 62, 50, 70],
        }
    )
    path = tmp_path / "gaps.parquet"
    frame.to_parquet(path)
    # when stage 1 runs in DuckDB
    result = satisfaction.expectation_gap_duckdb(path, respondent="respondent", tolerance=5)
    # then the hand-computed gaps come out, as from pandas
    assert [(s.name, s.gap) for s in result.attributes] == [("price", 11.0), ("speed", -20.0)]
    assert result.overall[0].gap == -4.5
    _assert_same_gaps(
        satisfaction.expectation_gap(frame, respondent="respondent", tolerance=5), result
    )


def test_labelled_expectation_gap_in_duckdb_equals_pandas(tmp_path):
    # given 5-level labels (Chinese, English and codes mixed) in a CSV, with a segment
    frame = pd.DataFrame(
        {
            "attribute": ["speed", "speed", "price", "price", "speed", "price"],
            "expectation": ["满意", "很满意", "一般", "Satisfied", "4", None],
            "perception": ["一般", "满意", "满意", "一般", "很满意", "不满意"],
            "branch": ["东区", "西区", "东区", "西区", "东区", "西区"],
        }
    )
    path = tmp_path / "labels.csv"
    frame.to_csv(path, index=False)
    options = {"levels": 5, "segment": "branch", "tolerance": 5}
    # when / then
    in_pandas = satisfaction.expectation_gap(pd.read_csv(path), **options)
    in_duckdb = satisfaction.expectation_gap_duckdb(path, **options)
    _assert_same_gaps(in_pandas, in_duckdb)
    assert sum(s.n for s in in_duckdb.attributes) == 5  # the row without expectation is skipped


def test_bad_label_in_duckdb_names_the_same_row_and_column_as_pandas(tmp_path):
    frame = pd.DataFrame(
        {
            "attribute": ["speed", "price", "speed"],
            "expectation": ["满意", "一般", "满意"],
            "perception": ["一般", "还行", "不错"],
        }
    )
    path = tmp_path / "labels.csv"
    frame.to_csv(path, index=False)
    errors = []
    for run, source in (
        (satisfaction.expectation_gap, frame),
        (satisfaction.expectation_gap_duckdb, path),
    ):
        with pytest.raises(AnalysisInputError) as caught:
            run(source, levels=5)
        errors.append((caught.value.row, caught.value.column))
    assert errors == [(2, "perception"), (2, "perception")]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),
            st.sampled_from(["speed", "price", "care"]),
            st.one_of(st.none(), st.integers(0, 100)),
            st.integers(0, 100),
            st.sampled_from(["north", "south"]),
        ),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_expectation_gap_stage_one_in_duckdb_equals_pandas(tmp_path_factory, rows, by_respondent):
    frame = pd.DataFrame(
        rows, columns=["respondent", "attribute", "expectation", "perception", "branch"]
    )
    frame["expectation"] = frame["expectation"].astype(float)
    if frame["expectation"].isna().all():
        return
    path = tmp_path_factory.mktemp("gaps") / "answers.parquet"
    frame.to_parquet(path)
    options = {
        "respondent": "respondent" if by_respondent else None,
        "segment": "branch",
        "tolerance": 2.0,
    }
    _assert_same_gaps(
        satisfaction.expectation_gap(frame, **options),
        satisfaction.expectation_gap_duckdb(path, **options),
    )


# --- corners found by independent checks (issue 18, item 8) -------------------------------------


def _wide_with_offset(offset: float, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wide = pd.DataFrame({"speed_P": rng.integers(1, 8, 200), "decor_P": rng.integers(1, 8, 200)})
    wide["overall"] = wide["speed_P"] + rng.integers(0, 3, 200)
    return wide + offset


def test_derived_importance_is_exact_at_an_offset_of_1e7(tmp_path):
    # scipy.stats.pearsonr (two-pass, centred) on the unshifted data is the reference; the
    # one-pass formula Σxy − ΣxΣy/n gave r = −1.20 here
    plain = _wide_with_offset(0.0)
    shifted = _wide_with_offset(1e7)
    expected = stats.pearsonr(plain["speed_P"], plain["overall"]).statistic
    result = ipa.analyze_sums(ipa.summarize_wide(shifted, overall="overall"), importance="derived")
    by_name = {a.attribute: a for a in result.attributes}
    assert by_name["speed"].importance == pytest.approx(expected, abs=1e-9)
    long = shifted.melt(id_vars="overall", var_name="attribute", value_name="performance")
    long["attribute"] = long["attribute"].str.removesuffix("_P")
    path = tmp_path / "ipa.parquet"
    long.to_parquet(path)
    got = ipa.analyze_sums(
        ipa.summarize_duckdb(path, importance=None, overall="overall"), importance="derived"
    )
    assert {a.attribute: a.importance for a in got.attributes}["speed"] == pytest.approx(
        expected, abs=1e-9
    )


def test_ipa_sums_merge_with_different_shifts_is_exact():
    wide = _wide_with_offset(1e7)
    whole = ipa.summarize_wide(wide, overall="overall")
    merged = ipa.summarize_wide(wide.iloc[:70], overall="overall").merge(
        ipa.summarize_wide(wide.iloc[70:], overall="overall")
    )
    a = ipa.analyze_sums(whole, importance="derived")
    b = ipa.analyze_sums(merged, importance="derived")
    for x, y in zip(a.attributes, b.attributes, strict=True):
        assert x.importance == pytest.approx(y.importance, abs=1e-9)


def test_constant_performance_gets_no_quadrant_and_is_named():
    wide = _wide_with_offset(0.0)
    wide["decor_P"] = 4
    result = ipa.analyze_sums(ipa.summarize_wide(wide, overall="overall"), importance="derived")
    decor = {a.attribute: a for a in result.attributes}["decor"]
    assert decor.quadrant is None
    assert "performance is constant" in (decor.note or "")
    assert any("'decor'" in w for w in result.warnings)
    assert result.to_dict()["attributes"][0]["importance"] is None


def test_constant_overall_rating_is_refused_with_the_reason():
    wide = _wide_with_offset(0.0)
    wide["overall"] = 5
    with pytest.raises(AnalysisInputError, match="overall rating is constant"):
        ipa.analyze_sums(ipa.summarize_wide(wide, overall="overall"), importance="derived")
