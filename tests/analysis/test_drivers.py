"""Key drivers: Shapley values (LMG) and Johnson's relative weights.

Reference values and where they come from:

- relaimpo ``calc.relimp(mpg ~ am + vs + cyl, data = mtcars, type = "lmg")``: R² 0.7619773,
  lmg am 0.1774892, vs 0.2027032, cyl 0.3817849 — printed in the README of the R package domir
  (github.com/jluchman/domir, "Comparison with Existing Relative Importance Packages"), where
  domir's ``domin`` and dominanceanalysis agree.
- rwa ``rwa_multiregress(mtcars, "mpg", c("cyl", "disp", "hp", "wt"))``: Raw.RelWeight
  0.2096904, 0.1883043, 0.1799590, 0.2706812 — the rwa vignette "regression methods"
  (martinctc.github.io/rwa/articles/regression-methods.html).
- swiss, ``Fertility ~ .``: no published LMG table could be confirmed for this repository, so the
  expected values are computed here by brute force from the raw rows (ordinary least squares with
  numpy on every subset, averaged over all 5! orders of entry) — an implementation that shares
  nothing with the one under test. R² = 0.7067350 equals ``summary(lm(Fertility ~ ., swiss))``'s
  "Multiple R-squared: 0.7067" printed in R's documentation of ``swiss``.
"""

from __future__ import annotations

import itertools
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiwang.analysis import AnalysisInputError, drivers


@pytest.fixture
def mtcars(shared_data):
    return pd.read_csv(shared_data / "r_datasets_mtcars.csv", index_col=0)


@pytest.fixture
def swiss(shared_data):
    return pd.read_csv(shared_data / "r_datasets_swiss.csv", index_col=0)


def ols_r2(frame: pd.DataFrame, target: str, predictors: tuple[str, ...]) -> float:
    """R² of an OLS fit with intercept on the raw rows (numpy lstsq)."""
    y = frame[target].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(y))] + [frame[c].to_numpy(dtype=float) for c in predictors])
    coefficients, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coefficients
    return 1.0 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def brute_force_lmg(frame: pd.DataFrame, target: str, predictors: list[str]) -> dict[str, float]:
    """LMG by its definition: average sequential R² gain over all p! orders (Grömping 2006)."""
    cache: dict[frozenset[str], float] = {frozenset(): 0.0}

    def r2(subset: frozenset[str]) -> float:
        if subset not in cache:
            cache[subset] = ols_r2(frame, target, tuple(sorted(subset)))
        return cache[subset]

    gains = dict.fromkeys(predictors, 0.0)
    orders = list(itertools.permutations(predictors))
    for order in orders:
        entered: frozenset[str] = frozenset()
        for name in order:
            gains[name] += r2(entered | {name}) - r2(entered)
            entered = entered | {name}
    return {name: gain / len(orders) for name, gain in gains.items()}


def brute_force_relative_weights(
    frame: pd.DataFrame, target: str, predictors: list[str]
) -> dict[str, float]:
    """Johnson (2000) from the raw rows: Z = P Qᵀ from the SVD X = P Δ Qᵀ of the standardised
    predictors, β from regressing y on Z, Λ from regressing X on Z, εⱼ = Σₖ Λₖⱼ² βₖ²."""
    x = frame[predictors].to_numpy(dtype=float)
    y = frame[target].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    y = (y - y.mean()) / y.std(ddof=1)
    p_matrix, _, q_transposed = np.linalg.svd(x, full_matrices=False)
    z = math.sqrt(len(y) - 1) * p_matrix @ q_transposed  # orthonormal up to unit variance
    beta, *_ = np.linalg.lstsq(z, y, rcond=None)
    loadings, *_ = np.linalg.lstsq(z, x, rcond=None)  # x ≈ z @ loadings
    epsilon = (loadings**2).T @ (beta**2)
    return dict(zip(predictors, epsilon, strict=True))


def test_lmg_matches_relaimpo_on_mtcars(mtcars):
    result = drivers.analyze(mtcars, target="mpg", predictors=["am", "vs", "cyl"])
    # published values (relaimpo / domir, see module docstring), 7 decimals
    assert round(result.r2, 7) == 0.7619773
    assert {k: round(v, 7) for k, v in result.weights.items()} == {
        "am": 0.1774892,
        "vs": 0.2027032,
        "cyl": 0.3817849,
    }
    assert math.isclose(sum(result.weights.values()), result.r2, rel_tol=1e-12)


def test_lmg_matches_brute_force_on_swiss(swiss):
    predictors = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
    result = drivers.analyze(swiss, target="Fertility")
    expected = brute_force_lmg(swiss, "Fertility", predictors)
    assert [driver.name for driver in result.drivers] == predictors
    for name in predictors:
        assert result.weights[name] == pytest.approx(expected[name], abs=1e-12)
    assert result.r2 == pytest.approx(ols_r2(swiss, "Fertility", tuple(predictors)), abs=1e-12)
    assert round(result.r2, 4) == 0.7067  # R's summary(lm(Fertility ~ ., swiss))
    # the values, for the record: Agriculture 0.05709, Examination 0.17117, Education 0.26013,
    # Catholic 0.10557, Infant.Mortality 0.11277
    assert [round(result.weights[name], 5) for name in predictors] == [
        0.05709,
        0.17117,
        0.26013,
        0.10557,
        0.11277,
    ]


def test_relative_weights_match_rwa_on_mtcars(mtcars):
    predictors = ["cyl", "disp", "hp", "wt"]
    result = drivers.analyze(mtcars, target="mpg", predictors=predictors, method="relative-weights")
    # rwa vignette (see module docstring), 7 decimals
    assert [round(driver.weight, 7) for driver in result.drivers] == [
        0.2096904,
        0.1883043,
        0.1799590,
        0.2706812,
    ]
    assert math.isclose(sum(result.weights.values()), result.r2, rel_tol=1e-12)


def test_relative_weights_match_johnsons_definition_on_swiss(swiss):
    predictors = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
    result = drivers.analyze(swiss, target="Fertility", method="relative-weights")
    expected = brute_force_relative_weights(swiss, "Fertility", predictors)
    for name in predictors:
        assert result.weights[name] == pytest.approx(expected[name], abs=1e-12)
    assert math.isclose(sum(result.weights.values()), 0.7067350015927254, rel_tol=1e-10)


def test_duckdb_cross_products_equal_pandas(swiss, tmp_path):
    path = tmp_path / "swiss.parquet"
    swiss.to_parquet(path)
    columns = list(swiss.columns)
    from_pandas = drivers.cross_products(swiss, columns)
    from_duckdb = drivers.cross_products_duckdb(path, columns)
    assert from_duckdb.n == from_pandas.n == 47
    np.testing.assert_allclose(from_duckdb.mean, from_pandas.mean, rtol=1e-13)
    np.testing.assert_allclose(from_duckdb.scatter, from_pandas.scatter, rtol=1e-10)
    a = drivers.shapley(from_pandas, target="Fertility")
    b = drivers.shapley(from_duckdb, target="Fertility")
    assert a.weights == pytest.approx(b.weights, abs=1e-12)


def test_duckdb_non_numeric_names_row():
    relation = duckdb.connect().sql(
        "SELECT * FROM (VALUES ('1', '2'), ('2', 'x'), ('3', '5')) AS t(y, a)"
    )
    with pytest.raises(AnalysisInputError) as caught:
        drivers.cross_products_duckdb(relation, ["y", "a"])
    assert (caught.value.row, caught.value.column) == (2, "a")


def test_empty_cells_are_dropped_listwise(swiss):
    holed = swiss.copy()
    holed.iloc[3, 2] = np.nan
    result = drivers.analyze(holed, target="Fertility")
    assert (result.n, result.rows_dropped) == (46, 1)


def test_constant_predictor_is_named():
    frame = pd.DataFrame({"y": [1, 2, 3, 4, 5], "a": [2, 1, 4, 3, 5], "flat": [3] * 5})
    with pytest.raises(AnalysisInputError) as caught:
        drivers.analyze(frame, target="y")
    assert caught.value.column == "flat"
    assert "constant" in str(caught.value)


def test_collinear_predictors_are_named():
    frame = pd.DataFrame({"y": [1, 3, 2, 5, 4, 6], "a": [1, 2, 3, 4, 5, 7]})
    frame["b"] = 2 * frame["a"] + 1
    with pytest.raises(AnalysisInputError, match="'a', 'b' are collinear"):
        drivers.analyze(frame, target="y", method="relative-weights")


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 6),
    st.integers(12, 60),
    st.integers(1, 11),
)
def test_weights_sum_to_r2_and_survive_chunking(seed, p, n, cut):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))
    y = x @ rng.normal(size=p) + rng.normal(size=n)
    frame = pd.DataFrame(np.column_stack([y, x]), columns=["y"] + [f"x{i}" for i in range(p)])
    columns = list(frame.columns)
    whole = drivers.cross_products(frame, columns)
    merged = drivers.cross_products(frame.iloc[:cut], columns).merge(
        drivers.cross_products(frame.iloc[cut:], columns)
    )
    shuffled = drivers.cross_products(frame.sample(frac=1.0, random_state=seed % 1000), columns)
    for moments in (merged, shuffled):
        np.testing.assert_allclose(moments.scatter, whole.scatter, rtol=1e-9, atol=1e-9)
    for method in (drivers.shapley, drivers.relative_weights):
        result = method(whole, target="y")
        assert math.isclose(sum(result.weights.values()), result.r2, rel_tol=1e-9, abs_tol=1e-12)
        assert all(weight >= -1e-12 for weight in result.weights.values())
        again = method(merged, target="y")
        assert again.weights == pytest.approx(result.weights, abs=1e-9)
