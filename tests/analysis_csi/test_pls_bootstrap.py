"""Poisson bootstrap: reference intervals, one-pass replicate moments, seeds, BCa, signs."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from csi_reference import reference, satisfaction_model
from scipy import stats

from qiwang.analysis import csi
from qiwang.analysis._pls import align_signs
from qiwang.analysis._pls_bootstrap import (
    _child,
    _intervals,
    poisson1,
    replicate_sums,
    unpack,
)

RESAMPLES = 1000
REFERENCE_RESAMPLES = 100  # R plspm's default `br`; the reference files do not say otherwise


@pytest.fixture(scope="module")
def satisfaction_boot(satisfaction):
    return csi.bootstrap(
        satisfaction, satisfaction_model(satisfaction), scaled=False, resamples=RESAMPLES, seed=7
    )


@pytest.mark.parametrize(
    ("file", "table"),
    [
        ("satisfaction_boot_paths.csv", "paths"),
        ("satisfaction_boot_total_effects.csv", "total_effects"),
        ("satisfaction_boot_weights.csv", "outer_weights"),
        ("satisfaction_boot_loadings.csv", "loadings"),
        ("satisfaction_boot_rsquared.csv", "r_squared"),
    ],
)
def test_bootstrap_within_sampling_tolerance_of_r_plspm(satisfaction_boot, file, table):
    # given R plspm's (multinomial) bootstrap summaries, from about 100 resamples
    expected = reference(file, index_col=0)
    actual = getattr(satisfaction_boot, table).loc[expected.index]
    se = expected["std.error"].to_numpy()
    # then the original estimates agree exactly
    np.testing.assert_allclose(actual["original"], expected["original"], atol=1e-9)
    # and the Monte-Carlo summaries agree within sampling tolerance. Both bootstraps estimate
    # the same distribution (Poisson and multinomial weights are asymptotically equivalent);
    # the Monte-Carlo standard error of a bootstrap mean is se/sqrt(B) for each side, of a
    # standard error about se*sqrt((kurtosis - 1)/(4B)) (kurtosis <= 5 here), of a 2.5 %
    # quantile about 0.28 se*sqrt(100/B). We allow 4 Monte-Carlo standard errors.
    both = np.sqrt(1 / REFERENCE_RESAMPLES + 1 / RESAMPLES)
    assert np.all(np.abs(actual["mean"] - expected["mean"]) <= 4 * se * both)
    assert np.all(np.abs(actual["std_error"] / se - 1) <= 4 * np.sqrt(1.0) * both)
    quantile_mc = 0.28 * np.sqrt(100) * both
    assert np.all(np.abs(actual["ci_low"] - expected["perc.025"]) <= 4 * se * quantile_mc)
    assert np.all(np.abs(actual["ci_high"] - expected["perc.975"]) <= 4 * se * quantile_mc)


def test_each_replicate_is_a_poisson_weighted_moment_matrix(satisfaction):
    # given 250 rows (one random-number block) and the weights that block draws
    x = satisfaction.drop(columns="gender").to_numpy(dtype=float)
    sums = replicate_sums(
        [x[:100], x[100:]],  # chunking must not matter
        n_columns=x.shape[1],
        n_rows=len(x),
        resamples=20,
        seed=11,
        missing="error",
    )
    weights = poisson1(_child(sums.entropy, 0), (len(x), 20)).astype(float)
    # when the replicate sums are unpacked
    count, mean, cov = unpack(sums.replicates, sums.shift)
    # then replicate b equals sum_i w_ib x_i x_i' computed directly
    for b in (0, 7, 19):
        w = weights[:, b]
        n_b = w.sum()
        m_b = w @ x / n_b
        c_b = (x - m_b).T @ ((x - m_b) * w[:, None]) / n_b
        assert count[b] == n_b
        np.testing.assert_allclose(mean[b], m_b, rtol=1e-12)
        np.testing.assert_allclose(cov[b], c_b, rtol=1e-9, atol=1e-12)
    # and the original moments are the unweighted ones
    count0, mean0, cov0 = unpack(sums.total[None], sums.shift)
    np.testing.assert_allclose(cov0[0], np.cov(x, rowvar=False, ddof=0), rtol=1e-10)


def test_poisson_variates_follow_poisson_one():
    draws = poisson1(np.random.default_rng(3), (1_000_000,))
    counts = np.bincount(draws, minlength=8)[:8].astype(float)
    counts[7] += (draws >= 8).sum()
    pmf = stats.poisson.pmf(np.arange(7), 1.0)
    expected = np.append(pmf, 1 - pmf.sum()) * draws.size
    _, p_value = stats.chisquare(counts, expected)
    assert p_value > 1e-4
    assert draws.mean() == pytest.approx(1.0, abs=0.005)


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_same_seed_same_intervals_whatever_the_source(tmp_path, satisfaction, suffix):
    # given the same data as a DataFrame and as a file (read by pyarrow or DuckDB in other
    # chunk sizes)
    model = satisfaction_model(satisfaction)
    path = tmp_path / f"satisfaction.{suffix}"
    if suffix == "parquet":
        satisfaction.to_parquet(path)
    else:
        satisfaction.to_csv(path, index=False)
    # when both are bootstrapped with one seed
    a = csi.bootstrap(satisfaction, model, scaled=False, resamples=50, seed=5)
    b = csi.bootstrap(path, model, scaled=False, resamples=50, seed=5)
    c = csi.bootstrap(satisfaction, model, scaled=False, resamples=50, seed=6)
    # then the results are identical, and another seed gives other results
    pd.testing.assert_frame_equal(a.paths, b.paths, check_exact=False, atol=1e-10)
    pd.testing.assert_frame_equal(a.index, b.index, check_exact=False, atol=1e-8)
    assert not np.allclose(a.paths["mean"], c.paths["mean"])
    assert a.seed == 5


def test_bucket_weights_estimate_the_same_spread(satisfaction, satisfaction_boot):
    # Poisson weights on 125 random buckets of 2 rows: a bootstrap of i.i.d. bucket totals
    boot = csi.bootstrap(
        satisfaction,
        satisfaction_model(satisfaction),
        scaled=False,
        resamples=RESAMPLES,
        seed=8,
        buckets=125,
    )
    assert boot.method == "buckets"
    assert boot.buckets == 125
    ratio = boot.paths["std_error"] / satisfaction_boot.paths["std_error"]
    # SE estimates from 1,000 replicates each, the bucket one on 125 units: within 30 %
    assert np.all(np.abs(ratio - 1) < 0.3)


def test_bca_matches_scipy_for_a_skewed_mean():
    # given a skewed sample, its multinomial bootstrap means and jackknife means
    rng = np.random.default_rng(0)
    sample = rng.exponential(size=40)
    resamples = 40_000
    draws = sample[rng.integers(0, 40, size=(resamples, 40))].mean(axis=1)
    jackknife = (sample.sum() - sample) / 39
    # when our BCa formula gives the interval
    low, high = _intervals(
        draws[:, None],
        np.array([sample.mean()]),
        jackknife[:, None],
        interval="bca",
        level=0.95,
    )
    # then it agrees with scipy.stats.bootstrap(method="BCa") within Monte-Carlo error
    ref = stats.bootstrap(
        (sample,), np.mean, n_resamples=resamples, method="BCa", random_state=1
    ).confidence_interval
    se = sample.std() / np.sqrt(40)
    assert low[0] == pytest.approx(ref.low, abs=0.05 * se)
    assert high[0] == pytest.approx(ref.high, abs=0.05 * se)
    # and differs from the percentile interval (the sample is skewed)
    p_low, _ = _intervals(
        draws[:, None], np.array([sample.mean()]), None, interval="percentile", level=0.95
    )
    assert abs(p_low[0] - low[0]) > 0.05 * se


def test_bca_bootstrap_of_a_model_runs_with_jackknife(satisfaction):
    boot = csi.bootstrap(
        satisfaction,
        satisfaction_model(satisfaction),
        scaled=False,
        resamples=200,
        seed=1,
        interval="bca",
    )
    percentile = csi.bootstrap(
        satisfaction, satisfaction_model(satisfaction), scaled=False, resamples=200, seed=1
    )
    assert boot.interval == "bca"
    assert np.all(boot.paths["ci_low"] < boot.paths["original"])
    assert np.all(boot.paths["ci_high"] > boot.paths["original"])
    assert not np.allclose(boot.paths["ci_low"], percentile.paths["ci_low"])


def test_individual_sign_change_aligns_blocks_with_the_original(satisfaction_fit):
    # given replicate weights where one block came out with the opposite sign
    model = satisfaction_fit.model.compile()
    original = satisfaction_fit.outer_model["weight"].to_numpy()
    replicate = np.vstack([original, original]) * 1.01
    sat = model.block_of == model.latent_names.index("SAT")
    replicate[1, sat] *= -1
    # when signs are aligned
    flips = align_signs(replicate, original, model)
    # then that block is flipped back and counted
    assert flips.sum() == 1
    assert flips[1, model.latent_names.index("SAT")]
    np.testing.assert_allclose(replicate, np.vstack([original, original]) * 1.01)


def test_index_interval_covers_the_index(satisfaction_boot):
    table = satisfaction_boot.index
    assert np.all((table["ci_low"] < table["original"]) & (table["original"] < table["ci_high"]))
    assert satisfaction_boot.valid == RESAMPLES


# seminr's bootstrap summary of the test-summary.R model (bootstrap_model(nboot = 500,
# seed = 123)), its fixture tests/fixtures/V_3_6_0/boot_report_paths.csv (sem-in-r/seminr,
# commit 8fd6c8f), copied verbatim.
SEMINR_BOOT_PATHS_CSV = """\
"","Original Est.","Bootstrap Mean","Bootstrap SD","T Stat.","2.5% CI","97.5% CI","Bootstrap P Val"
"Image  ->  Satisfaction",0.447003896753384,0.448638651551904,0.0569259275804892,7.85237791903087,0.329979162176453,0.556764224609957,0
"Expectation  ->  Satisfaction",0.171830104491587,0.171113435491871,0.0619900261088522,2.77189921149346,0.0546416559521134,0.283964288192345,0
"Value  ->  Satisfaction",0.316425319256027,0.312848946465102,0.0717381375043804,4.41083822724985,0.174920077851846,0.438022907321881,0
"""  # noqa: E501
SEMINR_RESAMPLES = 500


def test_bootstrap_within_sampling_tolerance_of_seminr_boot_report_paths(mobi):
    # given seminr's 500-resample bootstrap of a four-LV mobi model (standardised, path scheme)
    expected = pd.read_csv(io.StringIO(SEMINR_BOOT_PATHS_CSV), index_col=0)
    expected.index = [name.replace("  ->  ", " -> ") for name in expected.index]
    model = csi.ModelSpec.from_mapping(
        {
            "blocks": {
                "Image": [f"IMAG{i}" for i in range(1, 6)],
                "Expectation": [f"CUEX{i}" for i in range(1, 4)],
                "Value": ["PERV1", "PERV2"],
                "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
            },
            "paths": [["Image", "Satisfaction"], ["Expectation", "Satisfaction"]]
            + [["Value", "Satisfaction"]],
            "scheme": "path",
        }
    )
    # when we bootstrap it with Poisson weights
    boot = csi.bootstrap(mobi, model, resamples=RESAMPLES, seed=123, tolerance=1e-10)
    table = boot.paths.set_index(boot.paths["from"] + " -> " + boot.paths["to"])
    actual = table.loc[expected.index]
    se = expected["Bootstrap SD"].to_numpy()
    # then the original estimates agree to 6 decimals (seminr stops on its own rule)
    np.testing.assert_allclose(actual["original"], expected["Original Est."], atol=1e-6)
    # and mean, SD and percentile bounds within 4 Monte-Carlo standard errors (as above)
    both = np.sqrt(1 / SEMINR_RESAMPLES + 1 / RESAMPLES)
    assert np.all(np.abs(actual["mean"] - expected["Bootstrap Mean"]) <= 4 * se * both)
    assert np.all(np.abs(actual["std_error"] / se - 1) <= 4 * both)
    quantile_mc = 0.28 * np.sqrt(100) * both
    assert np.all(np.abs(actual["ci_low"] - expected["2.5% CI"]) <= 4 * se * quantile_mc)
    assert np.all(np.abs(actual["ci_high"] - expected["97.5% CI"]) <= 4 * se * quantile_mc)


def test_progress_reports_rows_read_up_to_the_total(tmp_path, satisfaction):
    # given the data as a Parquet file, read in chunks of 262,144 rows, and as a DataFrame
    path = tmp_path / "satisfaction.parquet"
    pd.concat([satisfaction] * 1200, ignore_index=True).to_parquet(path)
    calls: list[tuple[int, int]] = []
    # when bootstrapped with a progress callback
    csi.bootstrap(
        path,
        satisfaction_model(satisfaction),
        scaled=False,
        resamples=10,
        seed=1,
        progress=lambda done, total: calls.append((done, total)),
    )
    # then rows read grow chunk by chunk to the total of 300,000
    assert [total for _, total in calls] == [300_000] * len(calls)
    assert [done for done, _ in calls] == [262_144, 300_000]


def test_grouped_jackknife_sums_leave_out_each_group_once(satisfaction):
    # given more rows than jackknife groups (1,500 > 1,000): delete-a-group jackknife
    x = np.tile(satisfaction.drop(columns="gender").to_numpy(dtype=float), (6, 1))
    x = x + np.random.default_rng(2).normal(scale=0.01, size=x.shape)
    sums = replicate_sums(
        [x], n_columns=x.shape[1], n_rows=len(x), resamples=3, seed=4, missing="error",
        jackknife=True,
    )  # fmt: skip
    # then each jackknife replicate is the total minus one group, every row in exactly one
    # group: the replicates add up to (G - 1) totals, and their counts to (G - 1) n
    assert sums.jackknife is not None
    groups = sums.jackknife.shape[0]
    assert groups == 1000
    np.testing.assert_allclose(
        sums.jackknife.sum(axis=0), (groups - 1) * sums.total, rtol=1e-9, atol=1e-6
    )
    counts = sums.jackknife[:, 0]
    assert counts.sum() == (groups - 1) * len(x)
    assert np.all(counts <= len(x))


def test_bca_with_grouped_jackknife_on_a_larger_sample(satisfaction):
    # given 1,500 rows (delete-a-group jackknife over 1,000 groups)
    rng = np.random.default_rng(5)
    items = satisfaction.drop(columns="gender")
    big = items.sample(n=1500, replace=True, random_state=5).reset_index(drop=True)
    big = big + rng.normal(scale=0.05, size=big.shape)
    model = satisfaction_model(satisfaction)
    bca = csi.bootstrap(big, model, scaled=False, resamples=400, seed=2, interval="bca")
    percentile = csi.bootstrap(big, model, scaled=False, resamples=400, seed=2)
    # then BCa moves the bounds a little (same draws) and still brackets the estimates
    shift = np.abs(bca.paths["ci_low"] - percentile.paths["ci_low"])
    assert np.all(shift < percentile.paths["std_error"])
    assert shift.max() > 0
    assert np.all(bca.paths["ci_low"] < bca.paths["original"])
    assert np.all(bca.paths["original"] < bca.paths["ci_high"])


def test_an_unseeded_run_reports_the_seed_that_reproduces_it(satisfaction):
    model = satisfaction_model(satisfaction)
    first = csi.bootstrap(satisfaction, model, scaled=False, resamples=30)
    again = csi.bootstrap(satisfaction, model, scaled=False, resamples=30, seed=first.seed)
    pd.testing.assert_frame_equal(first.paths, again.paths)
    other = csi.bootstrap(satisfaction, model, scaled=False, resamples=30)
    assert other.seed != first.seed
