"""Stage 1 on the engine that holds the data: DuckDB (files), PostgreSQL (a table) or Spark.

One SQL definition of each stage 1, transpiled by sqlglot for the engine; stage 2 is the usual
``analyze_counts`` / ``analyze_sums``. See ``docs/analysis/engines.md``.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> from qiwang.analysis import engines, kano
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "answers.parquet")
>>> pd.DataFrame({"attribute": ["wifi", "wifi"], "functional": [1, 1],
...               "dysfunctional": [3, 4]}).to_parquet(path)
>>> counts = engines.count_kano_answers(engines.open_table(path, engine="duckdb"))
>>> kano.analyze_counts(counts).attributes[0].category
'A'
"""

from __future__ import annotations

from qiwang.analysis._counter_poisson import poisson_weight, poisson_weights
from qiwang.analysis._engines import ENGINES, Engine, StageOneTable, open_table, spark_session
from qiwang.analysis._portable import (
    count_kano_answers,
    cross_products,
    distinct_values,
    numeric_columns,
    summarize_ipa,
    summarize_servqual,
    unpivot_ipa,
    unpivot_kano,
    unpivot_servqual,
)
from qiwang.analysis._portable_csi import (
    PortableSums,
    bootstrap_portable,
    engine_sums,
    fit_portable,
    frame_sums,
)

__all__ = [
    "ENGINES",
    "Engine",
    "PortableSums",
    "bootstrap_portable",
    "engine_sums",
    "fit_portable",
    "frame_sums",
    "poisson_weight",
    "poisson_weights",
    "StageOneTable",
    "count_kano_answers",
    "cross_products",
    "distinct_values",
    "numeric_columns",
    "open_table",
    "spark_session",
    "summarize_ipa",
    "summarize_servqual",
    "unpivot_ipa",
    "unpivot_kano",
    "unpivot_servqual",
]
