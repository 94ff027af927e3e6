"""Importance–performance analysis (Martilla & James 1977).

Stage 1, :func:`summarize` (long format), :func:`summarize_wide` (one row per respondent) or
:func:`summarize_duckdb` (long format in DuckDB over Parquet / CSV),
reduces ratings to counts and sums per attribute; stage 2, :func:`analyze_sums`, places each
attribute in a :class:`Quadrant` with stated or derived importance and either crosshair
convention (scale midpoint or grand means). :func:`analyze` does both for a DataFrame.

Examples
--------
>>> import pandas as pd
>>> from qiwang.analysis import ipa
>>> frame = pd.DataFrame({"speed_P": [3, 4, 2], "speed_I": [7, 6, 7],
...                       "decor_P": [6, 6, 5], "decor_I": [3, 2, 4]})
>>> result = ipa.analyze_sums(ipa.summarize_wide(frame))
>>> {a.attribute: a.quadrant for a in result.attributes}
{'decor': 'possible overkill', 'speed': 'concentrate here'}
"""

from qiwang.analysis._ipa import (
    IpaAttribute,
    IpaResult,
    IpaSums,
    Quadrant,
    analyze,
    analyze_sums,
    summarize,
    summarize_duckdb,
    summarize_wide,
)

__all__ = [
    "IpaAttribute",
    "IpaResult",
    "IpaSums",
    "Quadrant",
    "analyze",
    "analyze_sums",
    "summarize",
    "summarize_duckdb",
    "summarize_wide",
]
