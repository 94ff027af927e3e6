"""Kano categories across survey waves: detect an attribute "falling" (掉落).

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
dropped; no continuity correction). When Cochran's rule fails the same statistic's p-value comes
from a permutation test conditional on the margins (:attr:`KanoChange.is_permutation_test`)."""


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
    min_expected : float
        The smallest expected count of the test's table.
    sparse_share : float
        The share of the table's expected counts below 5.
    is_permutation_test : bool
        Cochran's rule failed (more than 20 % of the expected counts below 5, or one below 1;
        Cochran 1954, Agresti 2013 §3.2), so ``p_value`` is the Monte Carlo permutation test's
        (:func:`permutation_p_value`), not the chi-square approximation's, which small samples
        make far too small.
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
    min_expected: float = float("nan")
    sparse_share: float = 0.0
    is_permutation_test: bool = False

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


#: Draws of the Monte Carlo permutation test used when Cochran's rule fails.
PERMUTATIONS = 5_000


def _statistic(table: np.ndarray) -> np.ndarray:
    """Pearson chi-square of 2 × k tables, vectorised over a leading axis."""
    rows = table.sum(axis=-1, keepdims=True)
    columns = table.sum(axis=-2, keepdims=True)
    expected = rows * columns / table.sum(axis=(-2, -1), keepdims=True)
    return ((table - expected) ** 2 / expected).sum(axis=(-2, -1))  # type: ignore[no-any-return]


def permutation_p_value(table: np.ndarray, *, draws: int = PERMUTATIONS, seed: int = 0) -> float:
    """Monte Carlo p-value of the chi-square statistic conditional on the margins (a permutation
    test of homogeneity; Hope 1968): the first row is redrawn from the multivariate
    hypergeometric distribution given the column totals; ``p = (1 + #{X² ≥ observed}) /
    (draws + 1)``. Valid whatever the expected counts, unlike the chi-square approximation."""
    observed = float(_statistic(table))
    columns = table.sum(axis=0).astype(np.int64)
    first = int(table[0].sum())
    rng = np.random.default_rng(seed)
    drawn = rng.multivariate_hypergeometric(columns, first, size=draws).astype(np.float64)
    tables = np.stack([drawn, columns[None, :] - drawn], axis=1)
    replicated = _statistic(tables)
    extreme = int((replicated >= observed - 1e-9 * max(observed, 1.0)).sum())
    return (1 + extreme) / (draws + 1)


def _homogeneity(
    before: KanoAttributeResult, after: KanoAttributeResult
) -> tuple[float, int, float, float, float, bool]:
    """Statistic, degrees of freedom, p-value, smallest expected count, share of expected counts
    below 5, and whether the p-value is the permutation test's (Cochran's rule failed)."""
    table = np.array(
        [[before.counts[c] for c in CATEGORIES], [after.counts[c] for c in CATEGORIES]],
        dtype=np.float64,
    )
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 0, 1.0, float("nan"), 0.0, False
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(_statistic(table))
    dof = table.shape[1] - 1
    sparse = float((expected < 5).mean())
    minimum = float(expected.min())
    if minimum < 1 or sparse > 0.2:
        return statistic, dof, permutation_p_value(table), minimum, sparse, True
    return statistic, dof, float(stats.chi2.sf(statistic, dof)), minimum, sparse, False


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
        statistic, dof, p_value, min_expected, sparse, exact = _homogeneity(item, other)
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
                min_expected=min_expected,
                sparse_share=sparse,
                is_permutation_test=exact,
            )
        )
    return KanoComparison(
        changes=tuple(changes), before=before_label, after=after_label, alpha=alpha
    )
