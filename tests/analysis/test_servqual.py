"""SERVQUAL: gaps by item and dimension, intervals, weighted score, stage 1 in pandas and DuckDB.

Formulas: the SERVQUAL score of an item is P − E (Parasuraman, Zeithaml & Berry 1988, p. 30);
a dimension score is the mean of its items' scores, the unweighted score the mean of the five
dimension scores, and the weighted score Σ (points_d / 100) · score_d per respondent, averaged
over respondents (Zeithaml, Parasuraman & Berry 1990, *Delivering Quality Service*, appendix
"computing SERVQUAL scores", steps 1–5). Expected numbers below are computed by hand or with an
independent routine (scipy's paired t interval), as stated in each test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qiwang.analysis import AnalysisInputError, servqual

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TWO_DIMENSIONS = servqual.Instrument.from_mapping({"speed": ["q1", "q2"], "care": ["q3"]})


def small_survey() -> pd.DataFrame:
    rows = [
        # respondent, item, E, P
        (1, "q1", 7, 5),
        (1, "q2", 6, 6),
        (1, "q3", 5, 6),
        (2, "q1", 6, 4),
        (2, "q2", 7, 4),
        (2, "q3", 6, 6),
        (3, "q1", 7, 7),
        (3, "q2", 5, 6),
        (3, "q3", 7, 5),
    ]
    return pd.DataFrame(rows, columns=["respondent", "item", "expectation", "perception"])


def test_default_instrument_is_22_items_in_five_dimensions():
    # Parasuraman, Zeithaml & Berry (1988): tangibles 4, reliability 5, responsiveness 4,
    # assurance 4, empathy 5 items.
    sizes = pd.Series(servqual.SERVQUAL_22.dimension_of()).value_counts().to_dict()
    assert sizes == {
        "tangibles": 4,
        "reliability": 5,
        "responsiveness": 4,
        "assurance": 4,
        "empathy": 5,
    }


def test_item_and_dimension_gaps_by_hand():
    result = servqual.analyze(small_survey(), instrument=TWO_DIMENSIONS)
    items = {s.name: s for s in result.items}
    # q1: E = (7 + 6 + 7)/3, P = (5 + 4 + 7)/3 → gap −4/3, ratio 16/20
    assert items["q1"].expectation_mean == pytest.approx(20 / 3)
    assert items["q1"].gap == pytest.approx(-4 / 3)
    assert items["q1"].ratio == pytest.approx(16 / 20)
    dims = {s.name: s for s in result.dimensions}
    # speed per respondent: E (6.5, 6.5, 6), P (5.5, 4, 6.5) → gaps (−1, −2.5, 0.5)
    assert dims["speed"].gap == pytest.approx(np.mean([-1, -2.5, 0.5]))
    assert dims["speed"].gap_std == pytest.approx(np.std([-1, -2.5, 0.5], ddof=1))
    # overall: mean over dimensions per respondent: (−1 + 1)/2, (−2.5 + 0)/2, (0.5 − 2)/2
    assert result.overall[0].gap == pytest.approx(np.mean([0.0, -1.25, -0.75]))
    assert [s.name for s in result.dimensions] == ["speed", "care"]  # instrument order


def test_gap_interval_equals_paired_t_interval():
    # independent: scipy's t interval on the paired differences
    result = servqual.analyze(small_survey(), instrument=TWO_DIMENSIONS, confidence=0.9)
    q1 = {s.name: s for s in result.items}["q1"]
    differences = np.array([5 - 7, 4 - 6, 7 - 7], dtype=float)
    low, high = stats.t.interval(
        0.9, len(differences) - 1, loc=differences.mean(), scale=stats.sem(differences)
    )
    assert (q1.gap_low, q1.gap_high) == (pytest.approx(low), pytest.approx(high))


def test_ratio_interval_is_the_delta_method():
    # Var(P̄/Ē) ≈ ∇ᵀ Σ ∇ with ∇ = (1/Ē, −P̄/Ē²) and Σ the covariance of the means,
    # written out independently here with numpy's covariance.
    result = servqual.analyze(small_survey(), instrument=TWO_DIMENSIONS)
    q2 = {s.name: s for s in result.items}["q2"]
    e, p = np.array([6.0, 7.0, 5.0]), np.array([6.0, 4.0, 6.0])
    covariance = np.cov(np.vstack([p, e])) / len(e)
    gradient = np.array([1 / e.mean(), -p.mean() / e.mean() ** 2])
    half = stats.t.ppf(0.975, len(e) - 1) * math.sqrt(gradient @ covariance @ gradient)
    assert q2.ratio_low == pytest.approx(p.mean() / e.mean() - half)
    assert q2.ratio_high == pytest.approx(p.mean() / e.mean() + half)


def test_weighted_score_follows_zeithaml_et_al_1990():
    frame = small_survey()
    points = {1: (60, 40), 2: (50, 50), 3: (20, 80)}
    frame["w_speed"] = frame["respondent"].map(lambda r: points[r][0])
    frame["w_care"] = frame["respondent"].map(lambda r: points[r][1])
    result = servqual.analyze(
        frame, instrument=TWO_DIMENSIONS, weights={"speed": "w_speed", "care": "w_care"}
    )
    # per respondent Σ w/100 · dimension gap: 0.6·(−1) + 0.4·1, 0.5·(−2.5) + 0.5·0,
    # 0.2·0.5 + 0.8·(−2)
    expected = np.mean([-0.2, -1.25, -1.5])
    assert result.weighted[0].gap == pytest.approx(expected)
    assert [(w.dimension, w.mean_points) for w in result.weights] == [
        ("speed", pytest.approx(130 / 3)),
        ("care", pytest.approx(170 / 3)),
    ]


def test_points_not_summing_to_100_name_the_row():
    frame = small_survey()
    frame["w_speed"], frame["w_care"] = 50, 50
    frame.loc[frame["respondent"] == 2, "w_care"] = 40
    with pytest.raises(AnalysisInputError) as caught:
        servqual.analyze(
            frame, instrument=TWO_DIMENSIONS, weights={"speed": "w_speed", "care": "w_care"}
        )
    assert caught.value.row == 4  # the first row of respondent 2
    assert "sum to 90, not 100" in str(caught.value)


def test_unknown_item_and_non_numeric_score_name_row_and_column():
    frame = small_survey()
    frame.loc[4, "item"] = "q9"
    with pytest.raises(AnalysisInputError) as caught:
        servqual.analyze(frame, instrument=TWO_DIMENSIONS)
    assert (caught.value.row, caught.value.column) == (5, "item")
    frame = small_survey().astype({"perception": object})
    frame.loc[6, "perception"] = "good"
    with pytest.raises(AnalysisInputError) as caught:
        servqual.analyze(frame, instrument=TWO_DIMENSIONS)
    assert (caught.value.row, caught.value.column) == (7, "perception")


def test_wide_long_and_duckdb_agree_on_the_example(tmp_path):
    long = pd.read_csv(EXAMPLES / "servqual_long.csv")
    wide = pd.read_csv(EXAMPLES / "servqual_wide.csv")
    path = tmp_path / "servqual.parquet"
    long.to_parquet(path)
    from_long = servqual.analyze_sums(servqual.summarize(long, segment="branch"))
    from_wide = servqual.analyze_sums(
        servqual.summarize_wide(wide, respondent="respondent", segment="branch")
    )
    from_duckdb = servqual.analyze_sums(servqual.summarize_duckdb(path, segment="branch"))
    for other in (from_wide, from_duckdb):
        for level in ("items", "dimensions", "overall"):
            a, b = getattr(from_long, level), getattr(other, level)
            assert [(s.segment, s.name, s.n) for s in a] == [(s.segment, s.name, s.n) for s in b]
            for x, y in zip(a, b, strict=True):
                assert x.gap == pytest.approx(y.gap, abs=1e-12)
                assert x.gap_std == pytest.approx(y.gap_std, abs=1e-9)
    assert len(from_wide.weighted) == 2  # the wide example has importance points


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 12), st.sampled_from(["q1", "q2", "q3"]), st.integers(1, 7)).map(
            lambda t: (*t, (t[2] * 5 + t[0]) % 7 + 1)
        ),
        min_size=2,
        max_size=40,
        unique_by=lambda t: (t[0], t[1]),
    ),
    st.integers(1, 39),
)
def test_item_sums_merge_across_chunks(rows, cut):
    frame = pd.DataFrame(rows, columns=["respondent", "item", "expectation", "perception"])
    whole = servqual.summarize(frame, instrument=TWO_DIMENSIONS).items
    if 0 < cut < len(frame):
        a = servqual.summarize(frame.iloc[:cut], instrument=TWO_DIMENSIONS).items
        b = servqual.summarize(frame.iloc[cut:], instrument=TWO_DIMENSIONS).items
        merged = a.merge(b)
        assert merged.keys == whole.keys
        np.testing.assert_array_equal(merged.n, whole.n)
        # sums kept around different shifts (each part's means) agree once re-centred
        assert whole.shift is not None
        moved = merged.shifted_to(whole.shift)
        for name in ("sum_e", "sum_e2", "sum_p", "sum_p2", "sum_ep"):
            np.testing.assert_allclose(moved[name], getattr(whole, name), rtol=1e-9, atol=1e-9)


WEIGHT_COLUMNS = {"speed": "w_speed", "care": "w_care"}


def _assert_same_sums(a: servqual.ServqualSums, b: servqual.ServqualSums) -> None:
    for level in ("items", "dimensions", "overall", "weighted"):
        x, y = getattr(a, level), getattr(b, level)
        assert x.keys == y.keys, level
        np.testing.assert_array_equal(x.n, y.n)
        for name in ("sum_e", "sum_e2", "sum_p", "sum_p2", "sum_ep"):
            np.testing.assert_allclose(getattr(x, name), getattr(y, name), rtol=1e-12, atol=1e-9)
    assert a.weights is not None and b.weights is not None
    assert a.weights.keys == b.weights.keys
    np.testing.assert_array_equal(a.weights.n, b.weights.n)
    np.testing.assert_allclose(a.weights.total, b.weights.total, rtol=1e-12)


def test_weighted_servqual_in_duckdb_equals_pandas_on_the_hand_example(tmp_path):
    # given the survey of test_weighted_score_follows_zeithaml_et_al_1990 as Parquet
    frame = small_survey()
    points = {1: (60, 40), 2: (50, 50), 3: (20, 80)}
    frame["w_speed"] = frame["respondent"].map(lambda r: points[r][0])
    frame["w_care"] = frame["respondent"].map(lambda r: points[r][1])
    path = tmp_path / "weighted.parquet"
    frame.to_parquet(path)
    # when stage 1 runs in pandas and in DuckDB
    options = {"instrument": TWO_DIMENSIONS, "weights": WEIGHT_COLUMNS}
    in_pandas = servqual.summarize(frame, **options)
    in_duckdb = servqual.summarize_duckdb(path, **options)
    # then the sums are equal and stage 2 gives the hand-computed weighted gap
    _assert_same_sums(in_pandas, in_duckdb)
    result = servqual.analyze_sums(in_duckdb)
    assert result.weighted[0].gap == pytest.approx(np.mean([-0.2, -1.25, -1.5]))


def test_weighted_servqual_in_duckdb_equals_pandas_on_the_wide_example(tmp_path):
    # given the wide example (22 items, importance points per dimension, two branches) in the
    # long layout, points repeated on each of a respondent's rows, as CSV
    wide = pd.read_csv(EXAMPLES / "servqual_wide.csv")
    dimensions = servqual.SERVQUAL_22.dimensions
    parts = []
    for code in servqual.SERVQUAL_22.codes:
        part = wide[["respondent", "branch"] + [f"{d}_W" for d in dimensions]].copy()
        part["item"] = code
        part["expectation"] = wide[f"{code}_E"]
        part["perception"] = wide[f"{code}_P"]
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    path = tmp_path / "servqual_points.csv"
    long.to_csv(path, index=False)
    weights = {d: f"{d}_W" for d in dimensions}
    # when
    in_pandas = servqual.summarize(long, weights=weights, segment="branch")
    in_duckdb = servqual.summarize_duckdb(path, weights=weights, segment="branch")
    # then
    _assert_same_sums(in_pandas, in_duckdb)
    assert len(in_duckdb.weighted.keys) == 2  # both branches


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"w_care": 40}, "sum to 90, not 100"),
        ({"w_care": None}, "must be given for every dimension"),
        ({"w_speed": 110, "w_care": -10}, "must not be negative"),
    ],
)
def test_bad_points_in_duckdb_name_the_same_row_as_pandas(tmp_path, change, message):
    frame = small_survey()
    frame["w_speed"], frame["w_care"] = 50.0, 50.0
    for column, value in change.items():
        frame.loc[frame["respondent"] == 2, column] = value
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path)
    caught = []
    for run in (servqual.summarize, servqual.summarize_duckdb):
        with pytest.raises(AnalysisInputError) as error:
            run(
                frame if run is servqual.summarize else path,
                instrument=TWO_DIMENSIONS,
                weights=WEIGHT_COLUMNS,
            )
        caught.append(error.value)
    assert [(e.row, e.column) for e in caught] == [(4, "w_speed"), (4, "w_speed")]
    assert all(message in str(e) for e in caught)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 8),
            st.sampled_from(["q1", "q2", "q3"]),
            st.one_of(st.none(), st.integers(1, 7)),
            st.integers(1, 7),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda t: (t[0], t[1]),
    ),
    st.lists(st.integers(0, 100), min_size=8, max_size=8),
    st.lists(st.sampled_from(["north", "south"]), min_size=8, max_size=8),
)
def test_weighted_stage_one_in_duckdb_equals_pandas(tmp_path_factory, rows, speed, branch):
    # given random answers (some expectations missing), points and segments per respondent
    frame = pd.DataFrame(rows, columns=["respondent", "item", "expectation", "perception"])
    frame["expectation"] = frame["expectation"].astype(float)
    frame["branch"] = frame["respondent"].map(lambda r: branch[r - 1])
    frame["w_speed"] = frame["respondent"].map(lambda r: float(speed[r - 1]))
    frame["w_care"] = 100.0 - frame["w_speed"]
    if frame[["expectation", "perception"]].dropna().empty:
        return
    path = tmp_path_factory.mktemp("weighted") / "survey.parquet"
    frame.to_parquet(path)
    options = {"instrument": TWO_DIMENSIONS, "weights": WEIGHT_COLUMNS, "segment": "branch"}
    _assert_same_sums(
        servqual.summarize(frame, **options), servqual.summarize_duckdb(path, **options)
    )
