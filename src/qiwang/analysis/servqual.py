"""SERVQUAL (Parasuraman, Zeithaml & Berry 1988): expectation–perception gaps.

Stage 1 — :func:`summarize` (pandas, long format), :func:`summarize_wide` (pandas, one row per
respondent) or :func:`summarize_duckdb` (Parquet / CSV / any DuckDB relation) — reduces the
answers to sums per item, per dimension and overall; stage 2, :func:`analyze_sums`, returns
means, gaps P − E, ratios P / E and confidence intervals in a :class:`ServqualResult`.
:func:`analyze` does both for a DataFrame. The default instrument is :data:`SERVQUAL_22`; any other
is data (:meth:`Instrument.from_mapping`, :meth:`Instrument.from_frame`).

Examples
--------
>>> from qiwang.analysis import servqual
>>> servqual.SERVQUAL_22.dimensions
('tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy')
>>> len(servqual.SERVQUAL_22.items)
22
"""

from qiwang.analysis._gaps import GapStatistic, GapSums, Outcome
from qiwang.analysis._servqual import (
    DIMENSION_NAMES_ZH,
    DIMENSIONS,
    SERVQUAL_22,
    DimensionWeight,
    Instrument,
    ServqualItem,
    ServqualResult,
    ServqualSums,
    WeightSums,
    analyze,
    analyze_sums,
    summarize,
    summarize_duckdb,
    summarize_wide,
)

__all__ = [
    "DIMENSIONS",
    "DIMENSION_NAMES_ZH",
    "SERVQUAL_22",
    "DimensionWeight",
    "GapStatistic",
    "GapSums",
    "Instrument",
    "Outcome",
    "ServqualItem",
    "ServqualResult",
    "ServqualSums",
    "WeightSums",
    "analyze",
    "analyze_sums",
    "summarize",
    "summarize_duckdb",
    "summarize_wide",
]
