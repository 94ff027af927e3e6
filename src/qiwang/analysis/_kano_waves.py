"""Kano categories across survey waves: detect an attribute "falling" (掉落, DOMAIN.md §2).

As time passes a delighter becomes expected, then basic: A → O → M. An attribute *falls* between
two waves when its reported category moves A → O, O → M or A → M **and** the distribution of its
answers over the six categories differs significantly between the waves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qiwang.analysis._kano import CATEGORIES, KanoAttributeResult, KanoResult

__all__ = ["FALLS", "TEST_NAME", "KanoChange", "KanoComparison", "compare_waves"]

FALLS: frozenset[tuple[str, str]] = frozenset({("A", "O"), ("O", "M"), ("A", "M")})
"""Category moves that count as falling: attractive → one-dimensional → must-be."""

TEST_NAME = "Pearson chi-square test of homogeneity, 2 waves × categories (A O M I R Q)"
"""The test behind :attr:`KanoChange.p_value` (categories with no answer in either wave are
dropped; no continuity correction)."""


@dataclass(frozen=True)
class KanoChange:
    """How one attribute (in one segment) changed between two waves.

    Attributes
    ----------
    attribute : str
    segment : str or None
    category_before, category_after : str
        Reported categories in the earlier and the later wave.
    is_fall_move : bool
        Whether the move is A → O, O → M or A → M (regardless of significance).
    is_falling : bool
        ``is_fall_move`` and ``p_value < alpha``: the warning to act on.
    statistic : float
        Chi-square statistic of :data:`TEST_NAME`.
    dof : int
        Its degrees of freedom.
    p_value : float
    n_before, n_after : int
        Answers in each wave.
    better_change, worse_change : float
        Later minus earlier Better and Worse coefficients.
    """

    attribute: str
    segment: str | None
    category_before: str
    category_after: str
    is_fall_move: bool
    is_falling: bool
    statistic: float
    dof: int
    p_value: float
    n_before: int
    n_after: int
    better_change: float
    worse_change: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (NaN becomes ``None``)."""
        return {
            key: (None if isinstance(value, float) and np.isnan(value) else value)
            for key, value in self.__dict__.items()
            if not (key == "segment" and value is None)
        }


@dataclass(frozen=True)
class KanoComparison:
    """Changes of every attribute present in both waves.

    Attributes
    ----------
    changes : tuple of KanoChange
    before, after : str
        Labels of the two waves.
    alpha : float
        Significance level of the falling flag.
    test : str
        The test used (:data:`TEST_NAME`).
    """

    changes: tuple[KanoChange, ...]
    before: str
    after: str
    alpha: float
    test: str = TEST_NAME

    @property
    def falling(self) -> tuple[KanoChange, ...]:
        """The changes flagged as falling."""
        return tuple(change for change in self.changes if change.is_falling)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary for JSON."""
        return {
            "before": self.before,
            "after": self.after,
            "alpha": self.alpha,
            "test": self.test,
            "changes": [change.to_dict() for change in self.changes],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per attribute."""
        return pd.DataFrame([change.__dict__ for change in self.changes])


def _homogeneity(
    before: KanoAttributeResult, after: KanoAttributeResult
) -> tuple[float, int, float]:
    table = np.array(
        [[before.counts[c] for c in CATEGORIES], [after.counts[c] for c in CATEGORIES]],
        dtype=np.float64,
    )
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 0, 1.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    dof = table.shape[1] - 1
    return statistic, dof, float(stats.chi2.sf(statistic, dof))


def compare_waves(
    before: KanoResult,
    after: KanoResult,
    *,
    alpha: float = 0.05,
    before_label: str = "before",
    after_label: str = "after",
) -> KanoComparison:
    """Compare two waves of the same Kano survey and flag falling attributes.

    Parameters
    ----------
    before, after : KanoResult
        Results of the earlier and the later wave (same segmentation).
    alpha : float, default 0.05
        Significance level for the falling flag.
    before_label, after_label : str
        Names of the waves, for display.

    Returns
    -------
    KanoComparison
        One :class:`KanoChange` per (segment, attribute) present in both waves.

    Notes
    -----
    The category of each wave is the reported ``category`` (Fong's test and the M > O > A > I
    rule). Falling needs the move *and* a significant change of the answer distribution,
    tested by :data:`TEST_NAME`, so that sampling noise between two close categories does not
    raise a warning.

    Examples
    --------
    >>> from qiwang.analysis.kano import analyze_category_counts
    >>> wave1 = analyze_category_counts({"attribute": ["wifi"], "A": [60], "O": [20], "M": [10],
    ...                                  "I": [10], "R": [0], "Q": [0]})
    >>> wave2 = analyze_category_counts({"attribute": ["wifi"], "A": [15], "O": [55], "M": [20],
    ...                                  "I": [10], "R": [0], "Q": [0]})
    >>> compare_waves(wave1, wave2).falling[0].attribute
    'wifi'
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must lie in (0, 1)")
    later = {(item.segment, item.attribute): item for item in after.attributes}
    changes = []
    for item in before.attributes:
        other = later.get((item.segment, item.attribute))
        if other is None:
            continue
        statistic, dof, p_value = _homogeneity(item, other)
        move = (item.category, other.category) in FALLS
        changes.append(
            KanoChange(
                attribute=item.attribute,
                segment=item.segment,
                category_before=item.category,
                category_after=other.category,
                is_fall_move=move,
                is_falling=move and p_value < alpha,
                statistic=statistic,
                dof=dof,
                p_value=p_value,
                n_before=item.n,
                n_after=other.n,
                better_change=other.better - item.better,
                worse_change=other.worse - item.worse,
            )
        )
    return KanoComparison(
        changes=tuple(changes), before=before_label, after=after_label, alpha=alpha
    )
