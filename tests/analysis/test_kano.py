"""Kano analysis: evaluation table, coefficients, Fong's test, continuous scores, waves, stage 1.

Sources of expected numbers are given in each test. The worked table used most is the one
published in the README of the R package stp25kano (Wolfgang Peter, github.com/stp4/stp25kano,
"Kano Analyse", section "Evaluation"): five attributes of n = 296 answers each with their
counts, Better (CS+), Worse (CS−), total strength, category strength and Fong's test — an
implementation independent of ours.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qiwang.analysis import AnalysisInputError, kano

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES_LONG = EXAMPLES / "kano_long.csv"
EXAMPLES_WIDE = EXAMPLES / "kano_wide.csv"

# (attribute, M, O, A, I, R, Q) and the published figures of stp25kano's README table:
# max category, M>O>A>I category, total strength %, category strength %, CS+, CS−,
# |m1 − m2| and Fong's critical value, significance.
STP25KANO = [
    ("Service app", 95, 123, 45, 33, 0, 0, "O", "O", 89, 9, 0.568, -0.736, 28, 19.4, True),
    ("Excellent service", 101, 54, 54, 81, 3, 3, "M", "M", 71, 7, 0.372, -0.534, 20, 18.5, True),
    ("Hotline", 15, 24, 121, 124, 6, 6, "I", "A", 54, 1, 0.511, -0.137, 3, 19.8, False),
    ("Loan machine", 65, 87, 93, 51, 0, 0, "A", "O", 83, 2, 0.608, -0.514, 6, 18.5, False),
    ("Ready-to-use return", 9, 18, 83, 177, 6, 3, "I", "I", 37, 32, 0.352, -0.094, 94, 19.9, True),
]


def stp25kano_counts() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"attribute": row[0], "M": row[1], "O": row[2], "A": row[3], "I": row[4]}
            | {"R": row[5], "Q": row[6]}
            for row in STP25KANO
        ]
    )


# --- evaluation table -------------------------------------------------------------------------


def test_evaluation_table_is_berger_et_al_1993():
    # Berger et al. (1993), Kano evaluation table; the same table is printed in the stp25kano
    # README. Rows functional, columns dysfunctional: like, must-be, neutral, live-with, dislike.
    expected = ["QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"]
    f, d = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    got = kano.classify_pairs(f.ravel(), d.ravel()).reshape(5, 5)
    assert ["".join(row) for row in got] == expected


def test_answers_accept_codes_english_and_chinese_labels():
    # given the same five answers written three ways (docs/analysis/kano.md scale)
    codes = [1, 2, 3, 4, 5]
    english = ["like", "Must-Be", "neutral", "live with", "DISLIKE"]
    chinese = ["我很喜欢", "理应如此", "无所谓", "能忍受", "我很不喜欢"]
    # then all parse to codes 1–5
    for values in (codes, english, chinese, [str(c) for c in codes]):
        assert kano.KANO_ANSWERS.parse(values, column="f").tolist() == codes


def test_unknown_answer_names_row_and_column():
    frame = pd.DataFrame(
        {"attribute": ["a", "a", "a"], "functional": ["like", "like", "maybe"]}
        | {"dysfunctional": ["dislike"] * 3}
    )
    with pytest.raises(AnalysisInputError) as caught:
        kano.analyze(frame)
    assert caught.value.row == 3
    assert caught.value.column == "functional"
    assert "'maybe'" in str(caught.value)


# --- coefficients against the stp25kano worked table ----------------------------------------


@pytest.mark.parametrize("row", STP25KANO, ids=[row[0] for row in STP25KANO])
def test_coefficients_match_stp25kano_worked_table(row):
    name, m, o, a, i, r, q, mode, category, ts, cs, better, worse, gap, fong, significant = row
    result = kano.analyze_category_counts(stp25kano_counts())[name]
    n = m + o + a + i + r + q
    assert result.n == n == 296
    assert result.counts == {"A": a, "O": o, "M": m, "I": i, "R": r, "Q": q}
    assert result.mode == mode
    assert result.category == category
    # exact definitions (Berger et al. 1993; Matzler & Hinterhuber 1998) …
    assert result.better == (a + o) / (a + o + m + i)
    assert result.worse == -(o + m) / (a + o + m + i)
    assert result.total_strength == (a + o + m) / n
    # … and the published rounded figures
    assert round(result.better, 3) == better
    assert round(result.worse, 3) == worse
    assert round(100 * result.total_strength) == ts
    assert round(100 * result.category_strength) == cs
    assert round(result.category_strength * n) == gap
    assert round(result.fong_critical_value, 1) == fong
    assert result.fong_significant is significant


def test_fong_critical_value_formula():
    # Fong (1996): |a − b| < 1.65 √((a + b)(2n − a − b) / (2n)) → not significant.
    result = kano.analyze_category_counts(
        {"attribute": ["x"], "A": [40], "O": [30], "M": [20], "I": [10], "R": [0], "Q": [0]}
    )["x"]
    assert result.fong_critical_value == 1.65 * math.sqrt(70 * (200 - 70) / 200)
    assert result.fong_significant is False  # 10 < 11.13
    assert result.category == "O"  # rule M > O > A > I between A and O


def test_tie_rule_prefers_must_be_then_one_dimensional():
    # Berger et al. (1993): when in doubt, M > O > A > I.
    result = kano.analyze_category_counts(
        {"attribute": ["tie", "close"], "A": [20, 0], "O": [20, 0]}
        | {"M": [0, 31], "I": [0, 29], "R": [0, 0], "Q": [0, 0]}
    )
    assert (result["tie"].mode, result["tie"].category) == ("O", "O")
    assert (result["close"].mode, result["close"].second, result["close"].category) == (
        "M",
        "I",
        "M",
    )


def test_tie_rule_never_reports_a_category_without_answers():
    result = kano.analyze_category_counts(
        {"attribute": ["one"], "A": [1], "O": [0], "M": [0], "I": [0], "R": [0], "Q": [0]}
    )["one"]
    assert result.fong_significant is False  # 1 < 1.65 √(1·1/2)
    assert result.category == "A"


def test_reverse_and_questionable_share_is_flagged():
    result = kano.analyze_category_counts(
        {"attribute": ["ok", "odd"], "A": [50, 40], "O": [30, 30], "M": [10, 10]}
        | {"I": [10, 8], "R": [0, 7], "Q": [0, 5]},
        problem_share=0.1,
    )
    assert result["ok"].has_questionnaire_problem is False
    assert result["odd"].has_questionnaire_problem is True  # 12 % > 10 %


# --- answers to results -----------------------------------------------------------------------


def answers(pairs: dict[str, list[tuple[object, object]]], **extra) -> pd.DataFrame:
    rows = [
        {"attribute": name, "functional": f, "dysfunctional": d}
        for name, items in pairs.items()
        for f, d in items
    ]
    frame = pd.DataFrame(rows)
    for key, values in extra.items():
        frame[key] = values
    return frame


def test_continuous_scores_use_dumouchel_asymmetric_scale():
    # Berger et al. (1993), DuMouchel's scores: functional like 4, must-be 2, neutral 0,
    # live-with −1, dislike −2; dysfunctional like −2, must-be −1, neutral 0, live-with 2,
    # dislike 4.
    frame = answers({"x": [("like", "dislike"), ("must-be", "dislike"), ("like", "neutral")]})
    frame["importance"] = [9.0, 3.0, np.nan]
    result = kano.analyze(frame, importance="importance")["x"]
    assert result.continuous is not None
    functional, dysfunctional = np.array([4.0, 2.0, 4.0]), np.array([4.0, 4.0, 0.0])
    assert result.continuous.functional_mean == pytest.approx(functional.mean(), abs=1e-15)
    assert result.continuous.functional_std == pytest.approx(functional.std(ddof=1), abs=1e-15)
    assert result.continuous.dysfunctional_mean == pytest.approx(dysfunctional.mean(), abs=1e-15)
    assert result.continuous.dysfunctional_std == pytest.approx(
        dysfunctional.std(ddof=1), abs=1e-15
    )
    # importance-weighted over the two answers that stated one: (9·4 + 3·2) / 12
    assert result.continuous.importance_n == 2
    assert result.continuous.importance_mean == 6.0
    assert result.continuous.importance_std == pytest.approx(np.std([9.0, 3.0], ddof=1))
    assert result.continuous.weighted_functional_mean == pytest.approx((9 * 4 + 3 * 2) / 12)
    assert result.continuous.weighted_dysfunctional_mean == pytest.approx(4.0)


def test_segments_are_analysed_separately():
    frame = answers(
        {"wifi": [("like", "neutral"), ("like", "neutral"), ("must-be", "dislike")]},
        tier=["gold", "gold", "silver"],
    )
    result = kano.analyze(frame, segment="tier")
    by_segment = {item.segment: item for item in result.attributes}
    assert by_segment["gold"].counts["A"] == 2
    assert by_segment["silver"].counts["M"] == 1
    assert result.to_dict()["attributes"][0]["segment"] == "gold"


def test_wide_layout_counts_like_long_layout():
    long = pd.read_csv(EXAMPLES_LONG)
    wave1 = long[long["wave"] == 1]
    wide = pd.read_csv(EXAMPLES_WIDE)
    from_long = kano.count_answers(wave1, importance="importance", segment="tier")
    from_wide = kano.count_answers_wide(wide, segment="tier")
    assert_same_counts(from_long, from_wide)


def assert_same_counts(left: kano.KanoCounts, right: kano.KanoCounts) -> None:
    assert left.keys == right.keys
    np.testing.assert_array_equal(left.pairs, right.pairs)
    for name in ("importance_sum", "importance_square_sum", "importance_count"):
        a, b = getattr(left, name), getattr(right, name)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12)


# --- DuckDB stage 1 ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_duckdb_stage_one_equals_pandas(tmp_path, suffix):
    frame = pd.read_csv(EXAMPLES_LONG)
    path = tmp_path / f"answers{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    options = {"importance": "importance", "segment": "tier"}
    assert_same_counts(
        kano.count_answers(frame, **options), kano.count_answers_duckdb(path, **options)
    )


def test_duckdb_stage_one_accepts_a_relation_with_codes():
    con = duckdb.connect()
    relation = con.sql(
        "SELECT * FROM (VALUES ('wifi', 1, 3), ('wifi', 1, 5), ('gym', 2, 5)) "
        "AS t(attribute, functional, dysfunctional)"
    )
    counts = kano.count_answers_duckdb(relation)
    assert counts.attributes == ("gym", "wifi")
    assert kano.analyze_counts(counts)["gym"].category == "M"


def test_duckdb_unknown_label_names_row(tmp_path):
    path = tmp_path / "bad.parquet"
    answers({"x": [("like", "dislike")] * 4 + [("like", "sometimes")]}).to_parquet(path)
    with pytest.raises(AnalysisInputError) as caught:
        kano.count_answers_duckdb(path)
    assert (caught.value.row, caught.value.column) == (5, "dysfunctional")


def test_duckdb_non_numeric_importance_names_row(tmp_path):
    path = tmp_path / "bad.csv"
    frame = answers({"x": [("like", "dislike")] * 3})
    frame["importance"] = ["5", "high", "7"]
    frame.to_csv(path, index=False)
    with pytest.raises(AnalysisInputError) as caught:
        kano.count_answers_duckdb(path, importance="importance")
    assert (caught.value.row, caught.value.column) == (2, "importance")


# --- waves and falling ------------------------------------------------------------------------


def counts_frame(a: int, o: int, m: int, i: int) -> dict[str, list[object]]:
    return {"attribute": ["x"], "A": [a], "O": [o], "M": [m], "I": [i], "R": [0], "Q": [0]}


def test_falling_needs_the_move_and_a_significant_test():
    before = kano.analyze_category_counts(counts_frame(60, 20, 10, 10))
    clear = kano.analyze_category_counts(counts_frame(15, 55, 20, 10))
    change = kano.compare_waves(before, clear).changes[0]
    # the test is Pearson's chi-square of homogeneity; scipy computes it independently
    table = np.array([[60, 20, 10, 10], [15, 55, 20, 10]])
    expected = stats.chi2_contingency(table, correction=False)
    assert change.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert change.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert change.dof == 3
    assert (change.category_before, change.category_after) == ("A", "O")
    assert change.is_falling is True


def test_no_falling_when_the_change_is_noise_or_upward():
    before = kano.analyze_category_counts(counts_frame(26, 14, 3, 7))  # A, Fong significant
    noisy = kano.analyze_category_counts(counts_frame(20, 22, 3, 5))  # O by the M>O>A>I rule
    change = kano.compare_waves(before, noisy).changes[0]
    assert (change.category_before, change.category_after) == ("A", "O")
    assert change.is_fall_move is True
    assert change.is_falling is False  # p ≥ 0.05
    upward = kano.compare_waves(
        kano.analyze_category_counts(counts_frame(5, 10, 80, 5)),
        kano.analyze_category_counts(counts_frame(5, 80, 10, 5)),
    ).changes[0]
    assert (upward.category_before, upward.category_after) == ("M", "O")
    assert upward.is_falling is False


# --- properties -------------------------------------------------------------------------------

category_counts = st.lists(st.integers(0, 500), min_size=6, max_size=6).filter(lambda c: sum(c))


@given(st.lists(category_counts, min_size=1, max_size=8))
def test_shares_sum_to_one_and_coefficients_stay_in_range(rows):
    table = pd.DataFrame(rows, columns=list(kano.CATEGORIES))
    table.insert(0, "attribute", [f"a{i}" for i in range(len(rows))])
    for item in kano.analyze_category_counts(table).attributes:
        assert math.isclose(sum(item.shares.values()), 1.0, rel_tol=1e-12)
        if not math.isnan(item.better):
            assert 0.0 <= item.better <= 1.0
            assert -1.0 <= item.worse <= 0.0
        assert 0.0 <= item.category_strength <= 1.0
        assert item.counts[item.category] > 0


answer_code = st.integers(1, 5)
answer_rows = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), answer_code, answer_code, st.integers(1, 9)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=50, deadline=None)
@given(answer_rows, st.randoms(use_true_random=False), st.integers(1, 59))
def test_results_invariant_to_row_order_and_chunking(rows, random, cut):
    frame = pd.DataFrame(rows, columns=["attribute", "functional", "dysfunctional", "imp"])
    whole = kano.count_answers(frame, importance="imp")
    shuffled = frame.sample(frac=1.0, random_state=random.randint(0, 2**31))
    assert_same_counts(whole, kano.count_answers(shuffled, importance="imp"))
    if 0 < cut < len(frame):
        merged = kano.count_answers(frame.iloc[:cut], importance="imp").merge(
            kano.count_answers(frame.iloc[cut:], importance="imp")
        )
        assert_same_counts(whole, merged)
        assert kano.analyze_counts(whole).to_dict() == kano.analyze_counts(merged).to_dict()
