"""Corner cases of the PLS estimate found by independent checks (issue 18, item 8).

References: R plspm 0.4.9 (``get_scores``: orientation of latent variables), semTools and cSEM
(HTMT on absolute correlations by default), psych ``alpha()`` ``raw_alpha`` / pingouin
``cronbach_alpha`` / SPSS (raw Cronbach's alpha from item variances and the variance of the sum).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qiwang.analysis import csi
from qiwang.analysis._csi_models import ModelError


def reversed_value_model(anchors: dict[str, str] | None = None) -> csi.ModelSpec:
    spec: dict[str, object] = {
        "blocks": {
            "Image": [f"IMAG{i}" for i in range(1, 6)],
            "Value": ["PERV1", "PERV2"],
            "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
        },
        "paths": [["Image", "Value"], ["Value", "Satisfaction"], ["Image", "Satisfaction"]],
        "scheme": "path",
    }
    if anchors:
        spec["anchors"] = anchors
    return csi.ModelSpec.from_mapping(spec)


@pytest.fixture(scope="module")
def mobi_reversed(mobi: pd.DataFrame) -> pd.DataFrame:
    frame = mobi.copy()
    frame["PERV2"] = 11 - frame["PERV2"]  # the 1–10 item PERV2 reverse-coded
    return frame


def test_orientation_follows_r_plspm_with_a_reverse_coded_item(mobi_reversed):
    # given mobi with PERV2 reversed, Image -> Value -> Satisfaction (and Image -> Satisfaction),
    # for which R plspm 0.4.9 reports Image -> Value +0.518 and Value -> Satisfaction +0.341
    # (its get_scores flips an LV unless most of its indicators correlate positively with it;
    # a tie, as in this two-item block, flips)
    result = csi.fit(mobi_reversed, reversed_value_model())
    paths = result.inner_model.set_index(["from", "to"])["estimate"]
    # then the signs and values are R's
    assert paths["Image", "Value"] == pytest.approx(0.518, abs=5e-4)
    assert paths["Value", "Satisfaction"] == pytest.approx(0.341, abs=5e-4)
    loadings = result.outer_model["loading"]
    assert loadings["PERV1"] > 0 > loadings["PERV2"]
    # and every block reports loadings consistent with its weights' orientation
    assert result.scores is not None
    value = result.scores["Value"].to_numpy()
    observed = np.corrcoef(value, mobi_reversed["PERV1"].to_numpy())[0, 1]
    assert observed == pytest.approx(loadings["PERV1"], abs=1e-9)


def test_anchor_orients_the_latent_variable_towards_the_named_indicator(mobi_reversed):
    # given the same data with Value anchored on the reversed item PERV2
    result = csi.fit(mobi_reversed, reversed_value_model({"Value": "PERV2"}))
    paths = result.inner_model.set_index(["from", "to"])["estimate"]
    # then Value now points with PERV2, so both paths through it change sign and nothing else
    assert paths["Image", "Value"] == pytest.approx(-0.518, abs=5e-4)
    assert paths["Value", "Satisfaction"] == pytest.approx(-0.341, abs=5e-4)
    assert result.outer_model.loc["PERV2", "loading"] > 0
    plain = csi.fit(mobi_reversed, reversed_value_model())
    assert paths["Image", "Satisfaction"] == pytest.approx(
        plain.inner_model.set_index(["from", "to"])["estimate"]["Image", "Satisfaction"], abs=1e-12
    )


def test_anchor_must_be_an_indicator_of_its_block():
    with pytest.raises(ModelError, match="anchor of 'Value'"):
        reversed_value_model({"Value": "IMAG1"})


def test_bootstrap_replicates_are_oriented_by_the_same_rule(mobi_reversed):
    # given the reversed-item model bootstrapped with R plspm's orientation in every replicate
    boot = csi.bootstrap(mobi_reversed, reversed_value_model(), resamples=200, seed=7)
    paths = boot.paths.set_index(["from", "to"])
    # then the interval of a strong path does not straddle zero (no mixture of the two signs)
    low, high = paths.loc[("Image", "Value"), ["ci_low", "ci_high"]]
    assert 0 < low < 0.518 < high
    low, high = paths.loc[("Value", "Satisfaction"), ["ci_low", "ci_high"]]
    assert 0 < low < 0.341 < high
    assert boot.sign_changes == 0


def test_htmt_uses_absolute_correlations_so_reverse_coding_does_not_change_it(mobi, mobi_reversed):
    # semTools::htmt(absolute = TRUE) and cSEM use |r|: reversing an item changes no ratio
    before = csi.fit(mobi, reversed_value_model()).htmt
    after = csi.fit(mobi_reversed, reversed_value_model()).htmt
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), rtol=0, atol=1e-12)
    assert np.isfinite(after.to_numpy()[~np.eye(3, dtype=bool)]).all()


def test_htmt_of_a_single_indicator_block_is_undefined_and_named(mobi):
    spec = csi.ModelSpec.from_mapping(
        {
            "blocks": {"Image": [f"IMAG{i}" for i in range(1, 6)], "Complaints": ["CUSCO"]},
            "paths": [["Image", "Complaints"]],
        }
    )
    result = csi.fit(mobi, spec)
    assert np.isnan(result.htmt.loc["Image", "Complaints"])
    assert any("'Complaints'" in w and "one indicator" in w for w in result.warnings)
    assert result.to_dict()["warnings"] == list(result.warnings)


def _raw_alpha_from_rows(items: pd.DataFrame) -> float:
    # psych::alpha raw_alpha, pingouin.cronbach_alpha: k/(k-1) (1 - sum var_i / var(sum))
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def _std_alpha_from_rows(items: pd.DataFrame) -> float:
    # psych::alpha std.alpha: k r̄ / (1 + (k-1) r̄) with r̄ the mean inter-item correlation
    k = items.shape[1]
    r = items.corr().to_numpy()
    mean_r = (r.sum() - k) / (k * (k - 1))
    return k * mean_r / (1 + (k - 1) * mean_r)


def test_raw_and_standardised_alpha_beside_each_other(mobi):
    result = csi.fit(mobi, reversed_value_model())
    for lv, items in result.model.blocks.items():
        frame = mobi[list(items)]
        row = result.reliability.loc[lv]
        assert row["cronbach_alpha_raw"] == pytest.approx(_raw_alpha_from_rows(frame), abs=1e-12)
        assert row["cronbach_alpha"] == pytest.approx(_std_alpha_from_rows(frame), abs=1e-12)
    assert not result.warnings


def test_negative_alpha_is_reported_as_it_is_with_a_warning(mobi_reversed):
    result = csi.fit(mobi_reversed, reversed_value_model())
    row = result.reliability.loc["Value"]
    frame = mobi_reversed[["PERV1", "PERV2"]]
    # psych/pingouin/SPSS report the negative value; it used to be floored at 0
    assert row["cronbach_alpha_raw"] == pytest.approx(_raw_alpha_from_rows(frame), abs=1e-12)
    assert row["cronbach_alpha_raw"] < 0
    assert row["cronbach_alpha"] == pytest.approx(_std_alpha_from_rows(frame), abs=1e-12)
    assert row["cronbach_alpha"] < 0
    assert any("'Value'" in w and "negative" in w for w in result.warnings)


def test_mean_imputation_drops_a_respondent_whose_whole_block_is_missing(mobi, tmp_path):
    # plspm-python drops such a row; Qiwang does the same (docs/analysis/csi.md, "Missing
    # values") and imputes the remaining holes value by value
    frame = mobi.astype(float).reset_index(drop=True)
    frame.loc[3, ["PERV1", "PERV2"]] = np.nan  # the whole Value block
    frame.loc[7, "IMAG2"] = np.nan  # one value: imputed
    model = reversed_value_model()
    result = csi.fit(frame, model, missing="mean")
    assert result.moments.rows_read == len(frame)
    assert result.moments.rows_dropped == 1
    assert result.count == len(frame) - 1
    expected = csi.fit(frame.drop(index=3), model, missing="mean")
    np.testing.assert_allclose(
        result.inner_model["estimate"], expected.inner_model["estimate"], rtol=0, atol=1e-12
    )
    path = tmp_path / "holes.parquet"
    frame.to_parquet(path)
    from_file = csi.fit(path, model, missing="mean")
    assert from_file.moments.rows_dropped == 1
    np.testing.assert_allclose(
        from_file.inner_model["estimate"], result.inner_model["estimate"], rtol=0, atol=1e-10
    )
    boot = csi.bootstrap(frame, model, resamples=20, seed=1, missing="mean")
    assert boot.estimate.count == len(frame) - 1
