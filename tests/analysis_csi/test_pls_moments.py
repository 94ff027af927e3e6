"""Estimation from moments equals estimation from rows; chunked moments merge exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from csi_reference import satisfaction_model
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from qiwang.analysis import csi
from qiwang.analysis._moments import moments_from_array

rows = st.integers(min_value=3, max_value=60)
values = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=rows, p=st.integers(min_value=1, max_value=6))
def test_merging_chunk_moments_equals_one_pass(data, n, p):
    # given a matrix cut into random chunks
    x = data.draw(arrays(np.float64, (n, p), elements=values))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=5)))
    pieces = np.split(x, cuts)
    # when moments of the chunks are merged (Chan et al. 1979)
    merged = moments_from_array(pieces[0]) if len(pieces[0]) else None
    for piece in pieces[1:]:
        if len(piece) == 0:
            continue
        m = moments_from_array(piece)
        merged = m if merged is None else merged.merge(m)
    one_pass = moments_from_array(x)
    # then they equal the one-pass moments
    assert merged is not None
    assert merged.count == one_pass.count == n
    scale = max(1.0, float(np.abs(x).max()))
    np.testing.assert_allclose(merged.mean, one_pass.mean, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(
        merged.comoment, one_pass.comoment, rtol=1e-8, atol=1e-8 * scale**2 * n
    )
    np.testing.assert_array_equal(merged.minimum, x.min(axis=0))
    np.testing.assert_array_equal(merged.maximum, x.max(axis=0))


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(5, 80), chunk=st.integers(1, 30))
def test_chunked_frame_moments_equal_numpy(data, n, chunk):
    x = data.draw(arrays(np.float64, (n, 3), elements=values))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    m = csi.moments_from_frame(frame, ["c", "a"], chunk_size=chunk)
    expected = np.cov(x[:, [2, 0]], rowvar=False, ddof=0)
    scale = max(1.0, float(np.abs(x).max()))
    np.testing.assert_allclose(m.covariance(), expected, rtol=1e-8, atol=1e-8 * scale**2)
    np.testing.assert_allclose(m.mean, x[:, [2, 0]].mean(axis=0), rtol=1e-9, atol=1e-9 * scale)


def _latent_data(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.5 * a + rng.normal(size=n)
    c = 0.4 * a + 0.3 * b + rng.normal(size=n)
    cols = {}
    for name, lv in (("a", a), ("b", b), ("c", c)):
        for j in range(3):
            cols[f"{name}{j + 1}"] = np.round(5 + 2 * lv + rng.normal(scale=1 + j, size=n))
    return pd.DataFrame(cols)


TOY = csi.ModelSpec.from_mapping(
    {
        "blocks": {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2", "c3"]},
        "modes": {"B": "B"},
        "paths": [["A", "B"], ["A", "C"], ["B", "C"]],
    }
)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(30, 300),
    chunk=st.integers(7, 100),
    scheme=st.sampled_from(["path", "centroid", "factorial"]),
    scaled=st.booleans(),
)
def test_estimates_from_moments_equal_estimates_from_rows(seed, n, chunk, scheme, scaled):
    # given rows, and their moments accumulated in chunks
    frame = _latent_data(seed, n)
    moments = csi.moments_from_frame(frame, list(frame.columns), chunk_size=chunk)
    # when the model is fitted from each
    from_rows = csi.fit(frame, TOY, scheme=scheme, scaled=scaled)
    from_moments = csi.fit(moments, TOY, scheme=scheme, scaled=scaled)
    # then every estimate agrees, and scores computed from rows reproduce the LV correlations
    pd.testing.assert_frame_equal(
        from_rows.outer_model, from_moments.outer_model, check_exact=False, atol=1e-9
    )
    pd.testing.assert_frame_equal(
        from_rows.path_coefficients, from_moments.path_coefficients, check_exact=False, atol=1e-9
    )
    pd.testing.assert_series_equal(from_rows.index, from_moments.index, atol=1e-9)
    assert from_moments.scores is None
    scores = from_rows.scores
    np.testing.assert_allclose(
        np.corrcoef(scores, rowvar=False), from_rows.latent_correlations, atol=1e-9
    )
    # paths are OLS of the scores, as R plspm computes them
    y = scores["C"].to_numpy()
    design = np.column_stack([np.ones(n), scores[["A", "B"]].to_numpy()])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(
        beta[1:], from_rows.path_coefficients.loc[["A", "B"], "C"], atol=1e-9
    )


def test_duckdb_moments_over_parquet_equal_pandas(tmp_path, satisfaction):
    # given the satisfaction data as Parquet
    path = tmp_path / "satisfaction.parquet"
    satisfaction.to_parquet(path)
    columns = [c for c in satisfaction.columns if c != "gender"]
    # when moments come from one DuckDB aggregate scan
    from_sql = csi.moments_from_duckdb(path, columns)
    from_pandas = csi.moments_from_frame(satisfaction, columns)
    # then they equal the pandas moments
    assert from_sql.count == from_pandas.count == 250
    np.testing.assert_allclose(from_sql.mean, from_pandas.mean, rtol=1e-12)
    np.testing.assert_allclose(from_sql.comoment, from_pandas.comoment, rtol=1e-10)
    np.testing.assert_array_equal(from_sql.minimum, from_pandas.minimum)


def test_fit_from_parquet_file_equals_fit_from_frame(tmp_path, satisfaction, satisfaction_fit):
    path = tmp_path / "satisfaction.parquet"
    satisfaction.to_parquet(path)
    result = csi.fit(path, satisfaction_model(satisfaction), scaled=False)
    np.testing.assert_allclose(
        result.outer_model["weight"], satisfaction_fit.outer_model["weight"], atol=1e-12
    )


def _with_holes(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    holed = frame.astype(float).copy()
    mask = rng.random(holed.shape) < 0.05
    holed = holed.mask(mask)
    return holed


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_mean_imputation_from_pairwise_sums_equals_imputing_first(tmp_path, engine):
    # given data with 5 % missing values
    frame = _with_holes(_latent_data(3, 200), seed=4)
    columns = list(frame.columns)
    imputed = frame.fillna(frame.mean())
    # when moments are computed with mean imputation
    if engine == "pandas":
        m = csi.moments_from_frame(frame, columns, missing="mean", chunk_size=37)
    else:
        path = tmp_path / "holes.parquet"
        frame.to_parquet(path)
        m = csi.moments_from_duckdb(path, columns, missing="mean")
    # then they equal the moments of the imputed data
    expected = csi.moments_from_frame(imputed, columns)
    np.testing.assert_allclose(m.mean, expected.mean, rtol=1e-12)
    np.testing.assert_allclose(m.comoment, expected.comoment, rtol=1e-10, atol=1e-9)
    assert sum(m.values_imputed) == int(frame.isna().sum().sum())


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_listwise_deletion_drops_incomplete_rows(tmp_path, engine):
    frame = _with_holes(_latent_data(5, 120), seed=6)
    columns = list(frame.columns)
    complete = frame.dropna()
    if engine == "pandas":
        m = csi.moments_from_frame(frame, columns, missing="listwise", chunk_size=50)
    else:
        path = tmp_path / "holes.parquet"
        frame.to_parquet(path)
        m = csi.moments_from_duckdb(path, columns, missing="listwise")
    assert m.count == len(complete)
    assert m.rows_dropped == len(frame) - len(complete)
    np.testing.assert_allclose(m.comoment, csi.moments_from_frame(complete, columns).comoment)
