"""Confidence intervals that stay inside the range of the figure they bound.

- :func:`tango_difference` — Tango's (1998) asymptotic score interval for the difference of two
  proportions of one multinomial sample (the paired-proportions difference p₁₂ − p₂₁). The NPS is
  exactly such a difference: promoters and detractors are the two "discordant" cells, passives
  the rest. Inverting the score test keeps the interval inside [−1, 1] by construction and is far
  better than the Wald interval at small n (Fagerland, Lydersen & Laake 2014, 2017 ch. 8).
- :func:`wilson` — Wilson's (1927) score interval of one proportion, inside [0, 1].
- :func:`clip` — a last guard against floating-point spill over the range.
"""

from __future__ import annotations

import math

__all__ = ["clip", "tango_difference", "wilson"]

_ITERATIONS = 100


def clip(value: float, low: float, high: float) -> float:
    """``value`` limited to ``low … high`` (NaN stays NaN)."""
    if math.isnan(value):
        return value
    return min(max(value, low), high)


def wilson(successes: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval of ``successes / n`` (NaN, NaN when ``n`` is 0), within [0, 1] and
    around the estimate."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # the limits hold p mathematically; clipping to 0 … p and p … 1 removes rounding (5.6e-17
    # for 0 of 3)
    return clip(centre - half, 0.0, p), clip(centre + half, p, 1.0)


def _restricted_p21(b: int, c: int, n: int, delta: float) -> float:
    """Maximum-likelihood p₂₁ of the multinomial under p₁₂ − p₂₁ = ``delta`` (Tango 1998, eq. 4):
    the positive root of ``2n q² + W q − c Δ(1 − Δ) = 0`` with ``W = −b − c + (2n − b + c) Δ``.
    """
    w = -b - c + (2 * n - b + c) * delta
    return (-w + math.sqrt(max(w * w + 8 * n * c * delta * (1 - delta), 0.0))) / (4 * n)


def _score(b: int, c: int, n: int, delta: float) -> float:
    """Tango's score statistic ``(b − c − nΔ) / √(n (2 q̂₂₁ + Δ (1 − Δ)))``, ±∞ at a zero
    variance."""
    numerator = b - c - n * delta
    variance = n * (2 * _restricted_p21(b, c, n, delta) + delta * (1 - delta))
    if variance <= 0:
        return math.copysign(math.inf, numerator) if numerator else 0.0
    return numerator / math.sqrt(variance)


def tango_difference(b: int, c: int, n: int, z: float) -> tuple[float, float]:
    """Tango's score interval of ``(b − c) / n`` for counts ``b``, ``c`` of one multinomial
    sample of size ``n`` (the rest of the sample in other cells).

    The limits solve ``T(Δ) = ±z`` by bisection on Δ; ``T`` falls from +∞ at Δ = −1 to −∞ at
    Δ = 1, so both limits lie in [−1, 1] and around the estimate.

    Examples
    --------
    Cavo et al. (2012) in Fagerland, Lydersen & Laake (2017), ch. 8: b = 6, c = 16, n = 161,
    estimate −0.0621, 95 % CI −0.1240 to −0.0054.

    >>> low, high = tango_difference(6, 16, 161, 1.959963984540054)
    >>> round(low, 4), round(high, 4)
    (-0.124, -0.0054)
    """
    if n <= 0:
        return math.nan, math.nan
    estimate = (b - c) / n
    return (
        -1.0 if c == n else _solve(b, c, n, -1.0, estimate, z),
        1.0 if b == n else _solve(b, c, n, estimate, 1.0, -z),
    )


def _solve(b: int, c: int, n: int, left: float, right: float, target: float) -> float:
    """Δ in ``left … right`` where the (decreasing) score statistic equals ``target``."""
    for _ in range(_ITERATIONS):
        middle = (left + right) / 2
        if middle in (left, right):
            break
        if _score(b, c, n, middle) > target:
            left = middle
        else:
            right = middle
    return (left + right) / 2
