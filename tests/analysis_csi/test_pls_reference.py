"""PLS estimates against R plspm and seminr, to at least 6 decimals.

Reference files: ``shared/data/reference_pls/plspm-python/`` (from plspm-python's test suite):
``satisfaction.*`` are R plspm 0.4 outputs for the bank `satisfaction` data, centroid scheme,
``scaled = FALSE``, mode A, default ``tol = 1e-6`` and ``maxiter = 100``; ``seminr-mobi-basic-*``
are seminr outputs (path weighting, standardised data) for a five-LV model on `mobi`.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from csi_reference import SATISFACTION_BLOCKS, reference, satisfaction_model

from qiwang.analysis import csi

DECIMALS_6 = 1e-6
EXACT = 1e-9  # R plspm's own stopping rule is reproduced, so agreement is to rounding


def test_outer_model_matches_r_plspm_centroid_unscaled(satisfaction_fit):
    # given R plspm's outer model (weight, loading, communality, redundancy)
    expected = reference("satisfaction.outer-model.csv", index_col=0)
    # when / then
    actual = satisfaction_fit.outer_model.loc[expected.index]
    for column in ["weight", "loading", "communality", "redundancy"]:
        np.testing.assert_allclose(actual[column], expected[column], rtol=0, atol=EXACT)
    assert list(actual["latent"]) == list(expected["block"])


def test_unscaled_weights_give_unit_variance_scores_like_r_plspm(satisfaction_fit):
    # R plspm rescales unscaled weights so that var(X_c w) = 1 with divisor n
    scores = satisfaction_fit.scores
    np.testing.assert_allclose(scores.var(ddof=0), 1.0, atol=1e-12)
    expected = reference("satisfaction.scores.csv")
    np.testing.assert_allclose(scores[expected.columns], expected, rtol=0, atol=EXACT)


def test_crossloadings_match_r_plspm(satisfaction_fit):
    expected = reference("satisfaction.crossloadings.csv", index_col=0)
    actual = satisfaction_fit.crossloadings.loc[expected.index, list(SATISFACTION_BLOCKS)]
    np.testing.assert_allclose(actual, expected[list(SATISFACTION_BLOCKS)], rtol=0, atol=EXACT)


def test_inner_model_regression_matches_r_plspm(satisfaction_fit):
    # R's lm() on the LV scores for SAT: estimate, std. error, t value, Pr(>|t|)
    expected = reference("satisfaction.inner-model.csv", index_col=0)
    inner = satisfaction_fit.inner_model
    actual = inner[inner["to"] == "SAT"].set_index("from").loc[expected.index]
    np.testing.assert_allclose(actual["estimate"], expected["Estimate"], atol=EXACT)
    np.testing.assert_allclose(actual["std_error"], expected["Std. Error"], atol=EXACT)
    np.testing.assert_allclose(actual["t_value"], expected["t value"], atol=1e-7)
    np.testing.assert_allclose(actual["p_value"], expected["Pr(>|t|)"], rtol=1e-7)


def test_effects_match_r_plspm(satisfaction_fit):
    expected = reference("satisfaction.effects.csv", index_col=0)
    actual = satisfaction_fit.effects.loc[expected.index]
    assert list(actual["from"]) == list(expected["from"])
    for column in ["direct", "indirect", "total"]:
        np.testing.assert_allclose(actual[column], expected[column], atol=EXACT)
    assert len(satisfaction_fit.effects) == len(expected)


def test_inner_summary_and_gof_match_r_plspm(satisfaction_fit):
    expected = reference("satisfaction.inner-summary.csv", index_col=0)
    actual = satisfaction_fit.inner_summary.loc[expected.index]
    assert list(actual["type"]) == [t.lower() for t in expected["type"]]
    for column in ["r_squared", "block_communality", "mean_redundancy", "ave"]:
        np.testing.assert_allclose(actual[column], expected[column], atol=EXACT)
    # GoF from plspm-python's regression test (R plspm value)
    assert satisfaction_fit.goodness_of_fit == pytest.approx(0.609741624338411, abs=EXACT)


def test_unidimensionality_matches_r_plspm(satisfaction_fit):
    expected = reference("satisfaction_unidim.csv", index_col=0)
    actual = satisfaction_fit.reliability.loc[expected.index]
    assert list(actual["indicators"]) == list(expected["mvs"])
    pairs = {
        "cronbach_alpha": "cronbach_alpha",
        "dillon_goldstein_rho": "dillon_goldstein_rho",
        "eigenvalue_1": "eig_1st",
        "eigenvalue_2": "eig_2nd",
    }
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(actual[ours], expected[theirs], atol=EXACT)


@pytest.mark.parametrize(
    ("scheme", "file"),
    [
        ("path", "satisfaction.outer-model-path.csv"),
        ("factorial", "satisfaction.outer-model-factorial.csv"),
    ],
)
def test_path_and_factorial_schemes_match_r_plspm(satisfaction, scheme, file):
    expected = reference(file, index_col=0)
    result = csi.fit(satisfaction, satisfaction_model(satisfaction), scheme=scheme, scaled=False)
    actual = result.outer_model.loc[expected.index]
    for column in ["weight", "loading", "communality", "redundancy"]:
        np.testing.assert_allclose(actual[column], expected[column], atol=EXACT)


def test_mode_b_inner_summary_matches_r_plspm(satisfaction):
    # given every block formative (mode B), centroid, unscaled
    expected = reference("satisfaction.modeb.inner-summary.csv", index_col=0)
    model = satisfaction_model(satisfaction, mode="B")
    # when
    result = csi.fit(satisfaction, model, scaled=False)
    # then
    actual = result.inner_summary.loc[expected.index]
    np.testing.assert_allclose(actual["r_squared"], expected["r_squared"], atol=EXACT)
    np.testing.assert_allclose(
        actual["block_communality"], expected["block_communality"], atol=EXACT
    )
    np.testing.assert_allclose(actual["mean_redundancy"], expected["mean_Redundancy"], atol=EXACT)
    assert actual["ave"].isna().all()  # R plspm reports no AVE for formative blocks


def mobi_basic_model(mobi: pd.DataFrame) -> csi.ModelSpec:
    """seminr's `mobi` basic model as in plspm-python's tests/test_regression_seminr.py."""

    def items(prefix: str) -> list[str]:
        return [c for c in mobi.columns if c.rstrip("0123456789") == prefix]

    return csi.ModelSpec.from_mapping(
        {
            "blocks": {
                "Expectation": items("CUEX"),
                "Quality": items("PERQ"),
                "Loyalty": items("CUSL"),
                "Image": items("IMAG"),
                "Complaints": items("CUSCO"),
            },
            "modes": {"Quality": "B"},
            "paths": [
                ["Expectation", "Loyalty"],
                ["Quality", "Loyalty"],
                ["Image", "Expectation"],
                ["Complaints", "Loyalty"],
            ],
            "scheme": "path",
        }
    )


def test_seminr_mobi_basic_model_to_six_decimals(mobi):
    # given seminr's estimates (standardised data, path weighting, mode B for Quality).
    # seminr stops when sum(|w_new - w_old|) < 1e-7, a different rule from R plspm's, so we
    # iterate to the fixed point (tolerance 1e-14) rather than mimic it.
    expected_outer = reference("seminr-mobi-basic-outer-model.csv", index_col=0)
    expected_paths = reference("seminr-mobi-basic-paths.csv", index_col=0)
    # when
    result = csi.fit(mobi, mobi_basic_model(mobi), tolerance=1e-14, max_iterations=300)
    # then
    actual = result.outer_model.loc[expected_outer.index]
    np.testing.assert_allclose(actual["weight"], expected_outer["weight"], atol=DECIMALS_6)
    np.testing.assert_allclose(actual["loading"], expected_outer["loading"], atol=DECIMALS_6)
    paths = result.path_coefficients.loc[expected_paths.index, expected_paths.columns]
    np.testing.assert_allclose(paths, expected_paths, atol=DECIMALS_6)


# seminr's summary tests (sem-in-r/seminr, tests/testthat/test-summary.R): four mode A composites
# on `mobi`, Satisfaction <- Image, Expectation, Value, path weighting, standardised data. The
# expected tables are seminr's fixture files, copied verbatim:
# tests/fixtures/V_3_6_0/reliability.csv (commit a36aa3c) and tests/fixtures/V_3_5_X/htmt.csv
# (commit f337c1a).
SEMINR_RELIABILITY_CSV = """\
"","alpha","rhoC","AVE","rhoA"
"Image",0.722834595427083,0.818325774056256,0.477979834838268,0.745291554480322
"Expectation",0.451902555978063,0.733177801505283,0.480507046633952,0.461657986928213
"Value",0.823631979352573,0.917897281748515,0.84831067540365,0.857527048393235
"Satisfaction",0.779195021918597,0.871457927643628,0.693363990925202,0.784023593590752
"""
SEMINR_HTMT_CSV = """\
"","Image","Expectation","Value","Satisfaction"
"Image",NA,0.88803042750925,0.651659392487802,0.910100923782741
"Expectation",NA,NA,0.588628982316289,0.865108193553153
"Value",NA,NA,NA,0.740808927759395
"Satisfaction",NA,NA,NA,NA
"""


def mobi_summary_model(mobi: pd.DataFrame) -> csi.ModelSpec:
    """The model of seminr's tests/testthat/test-summary.R."""
    return csi.ModelSpec.from_mapping(
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


def test_reliability_matches_seminr_reliability_csv(mobi):
    # given seminr's reliability table (alpha, rhoC, AVE, rhoA) from its fixture reliability.csv
    expected = pd.read_csv(io.StringIO(SEMINR_RELIABILITY_CSV), index_col=0)
    # when the same model is fitted to the fixed point (seminr's stopping rule differs; see above)
    result = csi.fit(mobi, mobi_summary_model(mobi), tolerance=1e-14, max_iterations=300)
    # then Cronbach's α, composite reliability ρc, AVE and ρ_A agree to 6 decimals or better
    actual = result.reliability.loc[expected.index]
    pairs = {
        "cronbach_alpha": "alpha",
        "composite_reliability": "rhoC",
        "ave": "AVE",
        "rho_a": "rhoA",
    }
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(actual[ours], expected[theirs], rtol=0, atol=1e-9)


def test_htmt_matches_seminr_htmt_csv(mobi):
    # given seminr's HTMT matrix (upper triangle) from its fixture htmt.csv
    expected = pd.read_csv(io.StringIO(SEMINR_HTMT_CSV), index_col=0)
    # when
    result = csi.fit(mobi, mobi_summary_model(mobi))
    # then every heterotrait-monotrait ratio agrees (HTMT depends on the data only)
    lvs = list(expected.index)
    for i, a in enumerate(lvs):
        for b in lvs[i + 1 :]:
            assert result.htmt.loc[a, b] == pytest.approx(expected.loc[a, b], abs=1e-12)
            assert result.htmt.loc[b, a] == pytest.approx(expected.loc[a, b], abs=1e-12)
