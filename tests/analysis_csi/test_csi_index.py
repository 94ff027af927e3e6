"""The ACSI 0–100 index and importance–performance map inputs.

Index: Fornell, Johnson, Anderson, Cha & Bryant (1996), "The American Customer Satisfaction
Index", J. Marketing 60(4), p. 10: ``(E[ξ] - min ξ) / (max ξ - min ξ) × 100`` with ``ξ`` the
LV built from unstandardised weights ``w̃`` (rescaled to sum to 1) on the raw items, i.e.
``(Σ w̃ x̄ - Σ w̃ min) / Σ w̃ (max - min) × 100``. IPMA: Ringle & Sarstedt (2016), Industrial
Management & Data Systems 116(9): importance = unstandardised total effect on 0–100 scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from csi_reference import reference, satisfaction_model

from qiwang.analysis import csi


def test_index_from_r_plspm_unscaled_weights(satisfaction, satisfaction_fit):
    # given R plspm's unscaled weights (they apply to raw 0–10 items)
    weights = reference("satisfaction.outer-model.csv", index_col=0)
    # when the index is computed by hand from them
    expected = {}
    for lv, block in weights.groupby("block"):
        tilde = block["weight"] / block["weight"].sum()
        expected[lv] = float((tilde * satisfaction[block.index].mean()).sum()) / 10 * 100
    # then it equals ours
    for lv, value in expected.items():
        assert satisfaction_fit.index[lv] == pytest.approx(value, abs=1e-9)
    assert satisfaction_fit.scale["source"].iloc[0] == "model"


def test_standardised_fit_unstandardises_weights_by_item_sd(satisfaction):
    result = csi.fit(satisfaction, satisfaction_model(satisfaction), scaled=True)
    block = [f"sat{i}" for i in range(1, 5)]
    raw = result.outer_model.loc[block, "weight"] / satisfaction[block].std(ddof=0)
    tilde = raw / raw.sum()
    np.testing.assert_allclose(result.index_weights.loc[block], tilde, atol=1e-12)
    expected = (tilde * satisfaction[block].mean()).sum() * 10
    assert result.index["SAT"] == pytest.approx(expected, abs=1e-9)


def test_scale_argument_and_observed_fallback(satisfaction):
    model = satisfaction_model(satisfaction).replace(scale=None)
    observed = csi.fit(satisfaction, model, scaled=False)
    given = csi.fit(satisfaction, model, scaled=False, scale=(0, 20))
    assert observed.scale["source"].iloc[0] == "observed"
    np.testing.assert_array_equal(observed.scale["maximum"], 10)  # every item reaches 10
    assert given.scale["source"].iloc[0] == "given"
    # where every item was observed down to 0, (Σ w̃ x̄ - 0) / 20 is half of (Σ w̃ x̄ - 0) / 10
    full_range = [
        lv
        for lv, items in model.blocks.items()
        if (observed.scale.loc[list(items), "minimum"] == 0).all()
    ]
    assert len(full_range) >= 3
    np.testing.assert_allclose(given.index[full_range], observed.index[full_range] / 2, atol=1e-12)
    other = [lv for lv in model.blocks if lv not in full_range]
    assert np.all(given.index[other] > observed.index[other] / 2)


def test_ipma_direct_effect_equals_ols_on_rescaled_scores(satisfaction, satisfaction_fit):
    fit = satisfaction_fit
    scores = {}
    for lv in fit.model.blocks:
        items = list(fit.model.blocks[lv])
        scores[lv] = (satisfaction[items] * fit.index_weights.loc[items]).sum(axis=1) * 10
    frame = pd.DataFrame(scores)
    # SAT affects LOY only directly, so its total effect is the OLS coefficient of rescaled LOY
    # on its predecessors' rescaled scores
    design = np.column_stack([np.ones(250), frame[["IMAG", "SAT"]]])
    beta = np.linalg.lstsq(design, frame["LOY"], rcond=None)[0]
    ipma = fit.ipma("LOY")
    assert ipma.loc["SAT", "importance"] == pytest.approx(beta[2], abs=1e-9)
    assert ipma.loc["IMAG", "importance"] != pytest.approx(beta[1], abs=1e-3)  # total ≠ direct
    assert ipma.loc["SAT", "performance"] == pytest.approx(frame["SAT"].mean(), abs=1e-9)
    assert set(ipma.index) == {"IMAG", "EXPE", "QUAL", "VAL", "SAT"}
