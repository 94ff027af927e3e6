"""Kano analysis (Berger et al. 1993; Matzler & Hinterhuber 1998; Sauerwein et al. 1996).

Stage 1 counts (functional, dysfunctional) answer pairs per attribute — :func:`count_answers`
(pandas, long format), :func:`count_answers_wide` (pandas, wide format) or
:func:`count_answers_duckdb` (Parquet / CSV / any DuckDB relation). Stage 2,
:func:`analyze_counts`, classifies them with the evaluation table and returns a
:class:`KanoResult`; :func:`analyze` does both for a DataFrame. :func:`compare_waves` flags
attributes that fall (A → O → M) between survey waves.

Examples
--------
>>> import pandas as pd
>>> from qiwang.analysis import kano
>>> answers = pd.DataFrame({
...     "attribute": ["wifi", "wifi", "wifi", "parking", "parking"],
...     "functional": ["like", 1, "我很喜欢", "must-be", 3],
...     "dysfunctional": ["neutral", 4, "无所谓", "dislike", "dislike"],
... })
>>> result = kano.analyze(answers)
>>> result["wifi"].category, result["parking"].category
('A', 'M')
"""

from __future__ import annotations

import pandas as pd

from qiwang.analysis._kano import (
    CATEGORIES,
    DYSFUNCTIONAL_SCORES,
    EVALUATION_TABLE,
    FONG_Z,
    FUNCTIONAL_SCORES,
    TIE_PRIORITY,
    KanoAttributeResult,
    KanoCategory,
    KanoContinuous,
    KanoCounts,
    KanoResult,
    analyze_category_counts,
    analyze_counts,
    classify_pairs,
)
from qiwang.analysis._kano_aggregate import (
    count_answers,
    count_answers_duckdb,
    count_answers_wide,
    wide_attributes,
)
from qiwang.analysis._kano_waves import (
    FALLS,
    TEST_NAME,
    KanoChange,
    KanoComparison,
    compare_waves,
)
from qiwang.analysis._scales import KANO_ANSWERS

__all__ = [
    "CATEGORIES",
    "DYSFUNCTIONAL_SCORES",
    "EVALUATION_TABLE",
    "FALLS",
    "FONG_Z",
    "FUNCTIONAL_SCORES",
    "KANO_ANSWERS",
    "TEST_NAME",
    "TIE_PRIORITY",
    "KanoAttributeResult",
    "KanoCategory",
    "KanoChange",
    "KanoComparison",
    "KanoContinuous",
    "KanoCounts",
    "KanoResult",
    "analyze",
    "analyze_category_counts",
    "analyze_counts",
    "classify_pairs",
    "compare_waves",
    "count_answers",
    "count_answers_duckdb",
    "count_answers_wide",
    "wide_attributes",
]


def analyze(
    data: pd.DataFrame,
    *,
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    importance: str | None = None,
    segment: str | None = None,
    problem_share: float = 0.1,
) -> KanoResult:
    """Kano analysis of a long-format DataFrame: :func:`count_answers` then :func:`analyze_counts`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per (respondent, attribute).
    attribute, functional, dysfunctional : str
        Column names; answers as codes 1–5 or English / Chinese labels.
    importance : str, optional
        Column of self-stated importance, for the continuous scores.
    segment : str, optional
        Column to segment by (tier, branch …).
    problem_share : float, default 0.1
        Flag attributes whose R + Q share exceeds this.

    Returns
    -------
    KanoResult
    """
    counts = count_answers(
        data,
        attribute=attribute,
        functional=functional,
        dysfunctional=dysfunctional,
        importance=importance,
        segment=segment,
    )
    return analyze_counts(counts, problem_share=problem_share)
