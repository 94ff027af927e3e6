"""Satisfaction measures (docs/customers.md and §5).

- the 5- and 7-level labelled scales (很不满意 … 很满意) and their conversion to 0–100
  (:func:`to_score`, :data:`FIVE_LEVEL`, :data:`SEVEN_LEVEL`);
- S = P − E and c = P / E per attribute and overall with the outcome class regular / churn risk /
  indifferent under a tolerance (:func:`expectation_gap`);
- CSAT (top-2-box), NPS and CES from answer counts per level (:func:`count_levels`, or
  :func:`count_levels_duckdb` over Parquet / CSV, then
  :func:`csat`, :func:`nps`, :func:`ces`).

Examples
--------
>>> import pandas as pd
>>> from qiwang.analysis import satisfaction
>>> answers = pd.DataFrame({"overall": ["满意", "很满意", "一般", "不满意", "满意"]})
>>> counts = satisfaction.count_levels(answers, ["overall"], low=1, high=5,
...                                    scale=satisfaction.FIVE_LEVEL)
>>> satisfaction.csat(counts)[0].csat
0.6
"""

from qiwang.analysis._gaps import GapStatistic, Outcome, classify_outcome
from qiwang.analysis._satisfaction import (
    CesResult,
    CsatResult,
    GapResult,
    LevelCounts,
    NpsResult,
    ces,
    count_levels,
    count_levels_duckdb,
    csat,
    expectation_gap,
    expectation_gap_duckdb,
    nps,
    scale_for,
    to_score,
)
from qiwang.analysis._scales import FIVE_LEVEL, SEVEN_LEVEL, LabelledScale

__all__ = [
    "FIVE_LEVEL",
    "SEVEN_LEVEL",
    "CesResult",
    "CsatResult",
    "GapResult",
    "GapStatistic",
    "LabelledScale",
    "LevelCounts",
    "NpsResult",
    "Outcome",
    "ces",
    "classify_outcome",
    "count_levels",
    "count_levels_duckdb",
    "csat",
    "expectation_gap",
    "expectation_gap_duckdb",
    "nps",
    "scale_for",
    "to_score",
]
