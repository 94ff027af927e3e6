"""NPS, CSAT and CES intervals stay inside the range of the figure (issue 14).

Where the expected numbers come from:

- Published: Fagerland, Lydersen & Laake (2017), *Statistical Analysis of Contingency Tables*,
  ch. 8 (also the R package contingencytables' tests): Cavo et al. (2012), n₁₂ = 6, n₂₁ = 16,
  N = 161 — estimate −0.0621, Tango score 95 % CI −0.1240 to −0.0054, Wald −0.1184 to −0.0058.
  As an NPS: 6 promoters, 16 detractors, 139 passives.
- Independent computation: Tango's statistic rebuilt here from the multinomial likelihood — the
  restricted maximum-likelihood p₂₁ by numerical maximisation (scipy ``minimize_scalar``, not
  the closed-form root qiwang uses), the limits by ``brentq``.
- The page's n = 3 case (2 promoters, 1 detractor) read −73.4 … 140.0 with the Wald interval:
  100 · (1/3 ± 1.96 · √(1 − 1/9) / √3).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from qiwang.analysis import satisfaction

Z95 = 1.959963984540054


def _nps(promoters: int, passives: int, detractors: int) -> satisfaction.NpsResult:
    answers = [10] * promoters + [8] * passives + [3] * detractors
    (result,) = satisfaction.nps(
        satisfaction.count_levels(pd.DataFrame({"r": answers}), ["r"], low=0, high=10)
    )
    return result


def _tango_reference(b: int, c: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Tango's score interval from the likelihood, numerically (independent of qiwang)."""
    m = n - b - c

    def p21(delta: float) -> float:
        # maximise b log(q + Δ) + c log q + m log(1 − 2q − Δ) over the admissible q
        low, high = max(0.0, -delta), (1 - delta) / 2
        if high - low < 1e-15:
            return low

        def minus_log_likelihood(q: float) -> float:
            terms = [(b, q + delta), (c, q), (m, 1 - 2 * q - delta)]
            return -sum(k * math.log(max(x, 1e-300)) for k, x in terms if k)

        found = optimize.minimize_scalar(
            minus_log_likelihood, bounds=(low, high), method="bounded", options={"xatol": 1e-13}
        )
        return float(found.x)

    def score(delta: float) -> float:
        return (b - c - n * delta) / math.sqrt(n * (2 * p21(delta) + delta * (1 - delta)))

    estimate = (b - c) / n
    eps = 1e-9
    lower = (
        -1.0
        if c == n
        else optimize.brentq(lambda d: score(d) - z, -1 + eps, min(estimate, 1 - eps))
    )
    upper = (
        1.0 if b == n else optimize.brentq(lambda d: score(d) + z, max(estimate, -1 + eps), 1 - eps)
    )
    return lower, upper


def test_nps_interval_equals_the_published_tango_example():
    result = _nps(promoters=6, passives=139, detractors=16)
    assert result.nps == pytest.approx(-6.21, abs=5e-3)
    assert result.low == pytest.approx(-12.40, abs=5e-3)
    assert result.high == pytest.approx(-0.54, abs=5e-3)


@pytest.mark.parametrize(
    ("promoters", "passives", "detractors"),
    [(2, 0, 1), (3, 0, 0), (0, 3, 0), (1, 7, 1), (40, 100, 20), (6, 139, 16), (0, 2, 5)],
)
def test_nps_interval_equals_an_independent_tango_computation(promoters, passives, detractors):
    n = promoters + passives + detractors
    result = _nps(promoters, passives, detractors)
    low, high = _tango_reference(promoters, detractors, n)
    assert result.low == pytest.approx(100 * low, abs=1e-5)
    assert result.high == pytest.approx(100 * high, abs=1e-5)


def test_the_n3_wave_of_the_results_page_is_no_longer_beyond_100():
    result = _nps(promoters=2, passives=0, detractors=1)
    wald = 100 * Z95 * math.sqrt(1 - 1 / 9) / math.sqrt(3)
    assert 100 / 3 + wald == pytest.approx(140.0, abs=0.05)  # what the page used to print
    assert -100 <= result.low < result.nps < result.high <= 100
    # the Tango limits of b = 2, c = 1, n = 3 (checked against the likelihood above)
    assert (result.low, result.high) == (
        pytest.approx(-58.47, abs=0.01),
        pytest.approx(87.70, abs=0.01),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 60),
    st.integers(0, 60),
    st.integers(0, 60),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_nps_interval_is_bounded_and_holds_the_estimate(promoters, passives, detractors, level):
    if promoters + passives + detractors == 0:
        return
    answers = [10] * promoters + [7] * passives + [0] * detractors
    (result,) = satisfaction.nps(
        satisfaction.count_levels(pd.DataFrame({"r": answers}), ["r"], low=0, high=10),
        confidence=level,
    )
    assert -100 <= result.low <= result.nps <= result.high <= 100


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=40))
def test_csat_interval_is_a_share_and_holds_the_estimate(answers):
    (result,) = satisfaction.csat(
        satisfaction.count_levels(pd.DataFrame({"q": answers}), ["q"], low=1, high=5)
    )
    assert 0 <= result.low <= result.csat <= result.high <= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=2, max_size=40))
def test_ces_interval_stays_on_the_scale(answers):
    (result,) = satisfaction.ces(
        satisfaction.count_levels(pd.DataFrame({"q": answers}), ["q"], low=1, high=7)
    )
    assert 1 <= result.low <= result.mean <= result.high <= 7


def test_ces_interval_of_two_far_answers_is_clipped_to_the_scale():
    # t interval by hand: mean 4, sd √18 = 4.243, t(0.975, 1) = 12.706 → 4 ± 38.1, i.e. far
    # outside 1 … 7; the scale's ends are what is left
    (result,) = satisfaction.ces(
        satisfaction.count_levels(pd.DataFrame({"q": [1, 7]}), ["q"], low=1, high=7)
    )
    t = stats.t.ppf(0.975, 1)
    assert 4 - t * math.sqrt(18) / math.sqrt(2) < 1
    assert (result.low, result.high) == (1.0, 7.0)


def test_ces_interval_inside_the_scale_is_the_t_interval():
    answers = np.array([7, 6, 6, 5, 4, 3, 7, 2])
    (result,) = satisfaction.ces(
        satisfaction.count_levels(pd.DataFrame({"q": answers}), ["q"], low=1, high=7)
    )
    low, high = stats.t.interval(0.95, 7, loc=answers.mean(), scale=stats.sem(answers))
    assert (result.low, result.high) == (pytest.approx(low), pytest.approx(high))
