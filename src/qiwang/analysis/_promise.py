"""Commitment targets, exact binomial intervals and the over-promise check.

A commitment ("repair visit within 24 h", "indoor temperature ≥ 18 °C") is a :class:`Target`:
a comparison and a threshold. Each delivery is kept or broken against it. :func:`check_promise`
turns a delivery history into the breach probability of a proposed target with its exact
(Clopper–Pearson) interval, and recommends the tightest target whose breach probability's upper
bound stays within the allowed breach rate — "do not over-promise, leave margin" as a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "COMPARISONS",
    "KeepingRate",
    "PromiseCheck",
    "Target",
    "check_promise",
    "clopper_pearson",
    "clopper_pearson_arrays",
    "keeping_rate",
    "minimum_observations",
]

Comparison = Literal["<=", "<", ">=", ">"]
COMPARISONS: tuple[Comparison, ...] = ("<=", "<", ">=", ">")
"""The comparisons a target may use: the value must be at most / below / at least / above."""

_SYMBOLS = {"≤": "<=", "≦": "<=", "⩽": "<=", "≥": ">=", "≧": ">=", "⩾": ">=", "＜": "<", "＞": ">"}
_TARGET = re.compile(
    r"^\s*(?P<comparison><=|>=|<|>)\s*"
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$"
)


@dataclass(frozen=True)
class Target:
    """A measurable commitment: each value is kept when ``value <comparison> threshold``.

    Attributes
    ----------
    comparison : {"<=", "<", ">=", ">"}
        ``<=`` / ``<`` for "within" targets (response time, repair time), ``>=`` / ``>`` for
        "at least" targets (temperature, on-time share).
    threshold : float
        A finite number.
    unit : str or None
        Free text ("h", "s", "°C", "%"); carried along, never converted.

    Examples
    --------
    >>> target = Target.parse("≤ 24 h")
    >>> target.comparison, target.threshold, target.unit
    ('<=', 24.0, 'h')
    >>> target.kept([20, 24, 25]).tolist()
    [True, True, False]
    >>> str(Target(">=", 18, "°C"))
    '>=18 °C'
    """

    comparison: Comparison
    threshold: float
    unit: str | None = None

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise AnalysisInputError(
                f"unknown comparison {self.comparison!r}: use one of {', '.join(COMPARISONS)}"
            )
        if not isinstance(self.threshold, int | float | np.number) or not math.isfinite(
            float(self.threshold)
        ):
            raise AnalysisInputError(f"the threshold {self.threshold!r} is not a finite number")
        object.__setattr__(self, "threshold", float(self.threshold))
        if self.unit is not None and not self.unit.strip():
            object.__setattr__(self, "unit", None)

    @classmethod
    def parse(cls, text: str) -> Target:
        """Read ``"<=24"``, ``"< 30 s"``, ``"≥18 °C"``, ``">= 98 %"``.

        Spaces are free; ``≤ ≥ ＜ ＞`` stand for ``<= >= < >``; text after the number is the unit.

        Raises
        ------
        AnalysisInputError
            Naming the text when it is not a comparison followed by a finite number.
        """
        if not isinstance(text, str):
            raise AnalysisInputError(f"the target {text!r} is not text such as '<=24'")
        normalised = "".join(_SYMBOLS.get(character, character) for character in text)
        match = _TARGET.match(normalised)
        if match is None:
            raise AnalysisInputError(
                f"cannot read the target {text!r}: write a comparison (<=, <, >=, >, ≤, ≥) "
                "followed by a number and an optional unit, e.g. '<=24' or '>=18 °C'"
            )
        threshold = float(match["number"])
        if not math.isfinite(threshold):
            raise AnalysisInputError(f"the target {text!r} has no finite threshold")
        unit = match["unit"] or None
        return cls(match["comparison"], threshold, unit)  # type: ignore[arg-type]

    @property
    def is_upper_bound(self) -> bool:
        """True for ``<=`` and ``<``: values must stay at or below the threshold."""
        return self.comparison in ("<=", "<")

    @property
    def is_strict(self) -> bool:
        """True for ``<`` and ``>``: a value equal to the threshold is a breach."""
        return self.comparison in ("<", ">")

    def kept(self, values: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Element-wise: is each value within the target? NaN is never kept."""
        array = np.asarray(values, dtype=np.float64)
        if self.comparison == "<=":
            return array <= self.threshold
        if self.comparison == "<":
            return array < self.threshold
        if self.comparison == ">=":
            return array >= self.threshold
        return array > self.threshold

    def with_threshold(self, threshold: float, *, comparison: Comparison | None = None) -> Target:
        """The same kind of target at another threshold."""
        return Target(comparison or self.comparison, threshold, self.unit)

    def __str__(self) -> str:
        number = f"{self.threshold:g}"
        return f"{self.comparison}{number}" + (f" {self.unit}" if self.unit else "")

    def to_dict(self) -> dict[str, Any]:
        """``{"comparison", "threshold", "unit", "text"}``."""
        return {
            "comparison": self.comparison,
            "threshold": self.threshold,
            "unit": self.unit,
            "text": str(self),
        }


def _check_confidence(confidence: float) -> float:
    if not isinstance(confidence, int | float) or not 0.0 < float(confidence) < 1.0:
        raise AnalysisInputError(f"the confidence {confidence!r} must lie strictly between 0 and 1")
    return float(confidence)


def clopper_pearson_arrays(
    k: npt.ArrayLike, n: npt.ArrayLike, *, confidence: float = 0.95
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """:func:`clopper_pearson` element-wise over arrays of counts (broadcast together).

    ``n = 0`` gives the vacuous interval ``[0, 1]``.
    """
    alpha = 1.0 - _check_confidence(confidence)
    successes = np.asarray(k, dtype=np.float64)
    trials = np.asarray(n, dtype=np.float64)
    successes, trials = np.broadcast_arrays(successes, trials)
    if np.any(~np.isfinite(successes) | ~np.isfinite(trials)):
        raise AnalysisInputError("counts must be finite")
    if np.any(successes != np.round(successes)) or np.any(trials != np.round(trials)):
        raise AnalysisInputError("counts must be whole numbers")
    if np.any(successes < 0) or np.any(successes > trials):
        raise AnalysisInputError("each count k must satisfy 0 <= k <= n")
    with np.errstate(invalid="ignore", divide="ignore"):
        low = stats.beta.ppf(alpha / 2, successes, trials - successes + 1)
        high = stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes)
    low = np.where(successes == 0, 0.0, low)
    high = np.where(successes == trials, 1.0, high)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def clopper_pearson(k: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided interval of a binomial proportion ``k / n`` (Clopper & Pearson 1934).

    ``low = B(α/2; k, n − k + 1)`` and ``high = B(1 − α/2; k + 1, n − k)`` where ``B(q; a, b)`` is
    the beta quantile and ``α = 1 − confidence``; ``low = 0`` when ``k = 0``, ``high = 1`` when
    ``k = n``. Each tail has probability at most ``α/2``, so the interval covers the true
    proportion at least ``confidence`` of the time, for every ``n``.

    Parameters
    ----------
    k : int
        Successes (here: breaches, or kept promises), ``0 <= k <= n``.
    n : int
        Trials; ``n = 0`` gives the vacuous interval ``(0.0, 1.0)``.
    confidence : float, default 0.95

    References
    ----------
    Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated
    in the case of the binomial. *Biometrika* 26(4), 404–413.

    Examples
    --------
    >>> low, high = clopper_pearson(5, 10)  # R: binom.test(5, 10)$conf.int
    >>> round(low, 6), round(high, 6)
    (0.187086, 0.812914)
    >>> clopper_pearson(0, 20)[1] > 0.05  # no breach in 20 is not proof of a 5 % rate
    True
    """
    low, high = clopper_pearson_arrays(k, n, confidence=confidence)
    return float(low), float(high)


def minimum_observations(allowed_breach: float, *, confidence: float = 0.95) -> int:
    """Fewest deliveries for which zero breaches can show ``breach rate <= allowed_breach``.

    With no breach the upper bound is ``1 − (α/2)^(1/n)``; it falls to ``allowed_breach`` at
    ``n = ln(α/2) / ln(1 − allowed_breach)``.

    Examples
    --------
    >>> minimum_observations(0.05)
    72
    """
    alpha = 1.0 - _check_confidence(confidence)
    _check_allowed(allowed_breach)
    n = math.ceil(math.log(alpha / 2) / math.log(1.0 - allowed_breach) - 1e-9)
    while n > 1 and 1.0 - (alpha / 2) ** (1.0 / (n - 1)) <= allowed_breach:
        n -= 1
    while 1.0 - (alpha / 2) ** (1.0 / n) > allowed_breach:
        n += 1
    return n


def _check_allowed(allowed_breach: float) -> float:
    if not isinstance(allowed_breach, int | float) or not 0.0 < float(allowed_breach) < 1.0:
        raise AnalysisInputError(
            f"the allowed breach rate {allowed_breach!r} must lie strictly between 0 and 1"
        )
    return float(allowed_breach)


@dataclass(frozen=True)
class KeepingRate:
    """Share of promises kept, with its exact interval.

    Attributes
    ----------
    kept, n : int
    rate : float or None
        ``kept / n``; ``None`` without deliveries.
    interval : (float, float)
        Clopper–Pearson interval of the rate (``(0, 1)`` without deliveries).
    confidence : float
    """

    kept: int
    n: int
    rate: float | None
    interval: tuple[float, float]
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary; ``interval`` as a list."""
        return {
            "kept": self.kept,
            "n": self.n,
            "rate": self.rate,
            "interval": list(self.interval),
            "confidence": self.confidence,
        }

    def summary(self) -> str:
        """One line: ``kept/n = rate (low–high, confidence)``."""
        if self.rate is None:
            return "no deliveries"
        low, high = self.interval
        return (
            f"{self.kept}/{self.n} kept = {100 * self.rate:.1f}% "
            f"({100 * low:.1f}–{100 * high:.1f}%, {100 * self.confidence:g}% exact interval)"
        )


def keeping_rate(kept: int, n: int, *, confidence: float = 0.95) -> KeepingRate:
    """Promise-keeping rate ``kept / n`` with its Clopper–Pearson interval.

    Examples
    --------
    >>> keeping_rate(47, 50).summary()
    '47/50 kept = 94.0% (83.5–98.7%, 95% exact interval)'
    """
    low, high = clopper_pearson(kept, n, confidence=confidence)
    return KeepingRate(
        kept=int(kept),
        n=int(n),
        rate=(kept / n) if n else None,
        interval=(low, high),
        confidence=float(confidence),
    )


@dataclass(frozen=True)
class PromiseCheck:
    """The over-promise check of one target against a delivery history.

    Attributes
    ----------
    target : Target
        The proposed target.
    n : int
        Deliveries judged (missing values left out, see ``dropped``).
    breaches : int
        Deliveries that broke the target.
    breach_probability : float
        ``breaches / n``.
    interval : (float, float)
        Clopper–Pearson interval of the breach probability.
    allowed_breach, confidence : float
    within_allowed : bool
        The interval's upper end is at most ``allowed_breach``: the target can be promised.
    recommended_target : float or None
        Tightest threshold (among the observed values) whose breach probability's upper bound is
        at most ``allowed_breach``; ``None`` when none is (see ``reason``).
    recommended_comparison : {"<=", ">="} or None
        The comparison the recommended threshold is stated with (always non-strict, see Notes of
        :func:`check_promise`).
    recommended_breaches : int or None
        Breaches of the recommended target in the history.
    recommended_upper : float or None
        The upper end of the recommended target's interval (``<= allowed_breach``).
    reason : str or None
        Why there is no recommendation: ``"too_few_deliveries"`` (even the loosest observed
        value cannot show the allowed rate; ``minimum_n`` deliveries are needed).
    minimum_n : int
        Deliveries needed before a target with no breach at all can be recommended.
    dropped : int
        Missing values left out before judging.
    """

    target: Target
    n: int
    breaches: int
    breach_probability: float
    interval: tuple[float, float]
    allowed_breach: float
    confidence: float
    within_allowed: bool
    recommended_target: float | None
    recommended_comparison: Comparison | None
    recommended_breaches: int | None
    recommended_upper: float | None
    reason: str | None
    minimum_n: int
    dropped: int = 0
    warnings: tuple[str, ...] = field(default=())

    @property
    def recommended(self) -> Target | None:
        """The recommended target as a :class:`Target` (``None`` without a recommendation)."""
        if self.recommended_target is None or self.recommended_comparison is None:
            return None
        return self.target.with_threshold(
            self.recommended_target, comparison=self.recommended_comparison
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``qiwang analyze promise --json`` (and a few keys more)."""
        recommended = self.recommended
        return {
            "n": self.n,
            "breaches": self.breaches,
            "breach_probability": self.breach_probability,
            "interval": list(self.interval),
            "recommended_target": self.recommended_target,
            "recommended_target_text": None if recommended is None else str(recommended),
            "recommended_comparison": self.recommended_comparison,
            "recommended_breaches": self.recommended_breaches,
            "recommended_upper": self.recommended_upper,
            "reason": self.reason,
            "minimum_n": self.minimum_n,
            "target": self.target.to_dict(),
            "within_allowed": self.within_allowed,
            "allowed_breach": self.allowed_breach,
            "confidence": self.confidence,
            "dropped": self.dropped,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """A few lines a manager can read."""
        low, high = self.interval
        level = f"{100 * self.confidence:g}%"
        lines = [
            f"Target {self.target}: {self.breaches} of {self.n} deliveries broke it "
            f"({100 * self.breach_probability:.1f}%; {level} exact interval "
            f"{100 * low:.1f}–{100 * high:.1f}%).",
            (
                f"Upper bound {100 * high:.1f}% is within the allowed {100 * self.allowed_breach:g}%."
                if self.within_allowed
                else f"Upper bound {100 * high:.1f}% exceeds the allowed "
                f"{100 * self.allowed_breach:g}%: this would over-promise."
            ),
        ]
        recommended = self.recommended
        if recommended is not None:
            lines.append(
                f"Recommended target: {recommended} ({self.recommended_breaches} breaches, "
                f"upper bound {100 * (self.recommended_upper or 0.0):.1f}%)."
            )
        else:
            lines.append(
                f"No target can be recommended: {self.n} deliveries are too few; even with no "
                f"breach at least {self.minimum_n} are needed to show a rate within "
                f"{100 * self.allowed_breach:g}%."
            )
        lines.extend(self.warnings)
        return "\n".join(lines)


def check_promise(
    values: npt.ArrayLike | Sequence[float],
    target: Target | str,
    *,
    allowed_breach: float = 0.05,
    confidence: float = 0.95,
) -> PromiseCheck:
    """Breach probability of ``target`` in a delivery history, and the target to recommend.

    Parameters
    ----------
    values : array-like of float
        One measured value per delivery (hours to the repair visit, °C, seconds). NaN values are
        dropped and counted in ``dropped``.
    target : Target or str
        The proposed target (a string goes through :meth:`Target.parse`).
    allowed_breach : float, default 0.05
        Breach rate the organisation accepts; the recommendation's upper bound stays within it.
    confidence : float, default 0.95
        Of the two-sided Clopper–Pearson interval.

    Returns
    -------
    PromiseCheck

    Notes
    -----
    ``n`` values, ``b`` breaches (values that fail :meth:`Target.kept`), breach probability
    ``b / n`` and its Clopper–Pearson interval ``[L, U]``. The target is within the allowed rate
    when ``U <= allowed_breach``.

    **Recommended target.** Candidate thresholds are the observed values. For an upper-bound target
    (``<=`` or ``<``) a candidate ``c`` is judged as ``value <= c``, so its breaches are the
    values strictly above ``c`` and every value tied with ``c`` is kept; the recommendation is the
    smallest candidate whose upper bound ``U(b(c), n) <= allowed_breach``. For a lower-bound target
    (``>=`` or ``>``) the mirror image: ``value >= c``, breaches strictly below ``c``, the largest
    such candidate. The recommendation is always stated non-strictly (``<=`` / ``>=``) because a
    strict threshold has no tightest value — ``< c`` keeps the values tied at ``c`` for no ``c``
    among the observations, and any number just above ``c`` would do. Between two observed values
    the breach count does not change, so no threshold outside the candidates is tighter with the
    same history. Because ``U`` grows with the breach count, the largest acceptable count ``b*``
    is found by bisection and the threshold is the ``(n − b*)``-th smallest value (``<=``) or the
    ``(b* + 1)``-th smallest (``>=``).

    With no breach ``U = 1 − (α/2)^(1/n)``; when that exceeds the allowed rate no target can be
    recommended from the data (``reason = "too_few_deliveries"``, with ``minimum_n``): e.g. 20
    deliveries, none late, still leave ``U = 0.168`` at 95 %.

    The recommendation is chosen on the same data it is judged on; treat it as a ceiling for the
    promise, not a guarantee.

    References
    ----------
    Clopper, C. J. & Pearson, E. S. (1934). *Biometrika* 26(4), 404–413.

    Examples
    --------
    >>> hours = [3, 5, 8, 12, 20, 22, 23, 24, 26, 30] * 10
    >>> check = check_promise(hours, "<=24")
    >>> check.n, check.breaches, check.breach_probability
    (100, 20, 0.2)
    >>> check.recommended_target, check.recommended_breaches
    (30.0, 0)
    """
    if isinstance(target, str):
        target = Target.parse(target)
    allowed = _check_allowed(allowed_breach)
    level = _check_confidence(confidence)
    array = np.asarray(values, dtype=np.float64).ravel()
    if np.isinf(array).any():
        raise AnalysisInputError("the values must be finite numbers (found an infinity)")
    missing = np.isnan(array)
    present = np.sort(array[~missing])
    n = int(present.size)
    if n == 0:
        raise AnalysisInputError("there are no values to judge the target against")
    breaches = int(n - np.count_nonzero(target.kept(present)))
    low, high = clopper_pearson(breaches, n, confidence=level)
    minimum_n = minimum_observations(allowed, confidence=level)
    limit = _largest_acceptable_breaches(n, allowed, level)
    warnings = []
    if missing.any():
        warnings.append(f"{int(missing.sum())} empty values were left out")
    recommended: float | None = None
    comparison: Comparison | None = None
    recommended_breaches: int | None = None
    recommended_upper: float | None = None
    reason: str | None = None
    if limit is None:
        reason = "too_few_deliveries"
    else:
        if target.is_upper_bound:
            recommended = float(present[n - 1 - limit])
            recommended_breaches = int(np.count_nonzero(present > recommended))
            comparison = "<="
        else:
            recommended = float(present[limit])
            recommended_breaches = int(np.count_nonzero(present < recommended))
            comparison = ">="
        recommended_upper = clopper_pearson(recommended_breaches, n, confidence=level)[1]
    return PromiseCheck(
        target=target,
        n=n,
        breaches=breaches,
        breach_probability=breaches / n,
        interval=(low, high),
        allowed_breach=allowed,
        confidence=level,
        within_allowed=high <= allowed,
        recommended_target=recommended,
        recommended_comparison=comparison,
        recommended_breaches=recommended_breaches,
        recommended_upper=recommended_upper,
        reason=reason,
        minimum_n=minimum_n,
        dropped=int(missing.sum()),
        warnings=tuple(warnings),
    )


def _upper(breaches: int, n: int, confidence: float) -> float:
    return clopper_pearson(breaches, n, confidence=confidence)[1]


def _largest_acceptable_breaches(n: int, allowed: float, confidence: float) -> int | None:
    """Largest ``b`` in ``0 … n`` with ``U(b, n) <= allowed`` (``U`` increases with ``b``)."""
    if _upper(0, n, confidence) > allowed:
        return None
    low, high = 0, n  # U(low) <= allowed; U(n) = 1 > allowed
    while high - low > 1:
        middle = (low + high) // 2
        if _upper(middle, n, confidence) <= allowed:
            low = middle
        else:
            high = middle
    return low
