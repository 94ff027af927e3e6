"""Benchmark: the ECSI bootstrap (Poisson replicates keyed by respondent) on DuckDB and Spark.

A directory of Parquet part files is generated: ``--rows`` respondents, the 24 ECSI indicators
(IMAG1–5, CUEX1–3, PERQ1–7, PERV1–2, CUSA1–3, CUSCO, CUSL1–3) as 1–10 ratings drawn from the
ECSI path structure, and an integer ``respondent`` key. On each engine:

- **floor**: the engine's bare scan — ``count(*)`` and the sum of every indicator in one
  aggregate over the directory: what any analysis that reads each rating once must do;
- **moments**: one aggregate of every sum and sum of products of the indicators (300 of
  them): the original sample's moment matrix, without replicates;
- **qiwang**: ``engines.bootstrap_portable(engines.open_table(DIR, engine=…), "ecsi",
  key="respondent", resamples=--resamples, seed=1)`` — the moment sums of the original sample and
  of every replicate (Poisson(1) weights from (seed, respondent, replicate); above 2e7
  row × replicates they are summed per hash bucket of the key, 4,096 buckets), then the PLS fits
  of stage 2 in numpy.

The two engines must give the same intervals (same seed, same keys): the script checks it.
Median of ``--repeat`` interleaved runs after a warm-up; Spark's session start is not timed.
Not a test: the figures are printed and recorded by hand in docs/benchmarks.md.

Usage::

    .venv/bin/python benchmarks/bench_engines_csi.py [--rows 10000000] [--resamples 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from qiwang.analysis import engines

BLOCKS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": [f"PERQ{k}" for k in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
#: Standardised paths of the ECSI model, roughly the published mobile-phone estimates.
PATHS = {
    "Expectation": {"Image": 0.5},
    "Quality": {"Expectation": 0.55},
    "Value": {"Expectation": 0.05, "Quality": 0.55},
    "Satisfaction": {"Image": 0.18, "Expectation": 0.06, "Quality": 0.5, "Value": 0.2},
    "Complaints": {"Satisfaction": 0.53},
    "Loyalty": {"Image": 0.2, "Satisfaction": 0.47, "Complaints": 0.06},
}
ITEMS = [item for items in BLOCKS.values() for item in items]


def generate(folder: Path, rows: int, parts: int, seed: int = 18) -> None:
    rng = np.random.default_rng(seed)
    start = 0
    for k, size in enumerate(np.diff(np.linspace(0, rows, parts + 1).astype(np.int64))):
        scores: dict[str, np.ndarray] = {}
        for lv in BLOCKS:
            explained = sum(
                (weight * scores[cause] for cause, weight in PATHS.get(lv, {}).items()),
                np.zeros(size),
            )
            share = sum(w * w for w in PATHS.get(lv, {}).values())
            scores[lv] = explained + rng.standard_normal(size) * np.sqrt(max(1 - share, 0.2))
        columns: dict[str, object] = {"respondent": np.arange(start, start + size, dtype=np.int64)}
        for lv, items in BLOCKS.items():
            for item in items:
                z = 0.8 * scores[lv] + 0.6 * rng.standard_normal(size)
                columns[item] = np.clip(np.rint(7.5 + 1.6 * z), 1, 10).astype(np.int8)
        pq.write_table(pa.table(columns), folder / f"part-{k:05d}.parquet")
        start += size


def floor_sql() -> str:
    sums = ", ".join(f"sum({item})" for item in ITEMS)
    return f"SELECT count(*), {sums} FROM qiwang_input"  # noqa: S608 - fixed column names


def moments_sql() -> str:
    """The second floor: every sum and sum of products of the indicators (the original sample's
    moment matrix), one aggregate, no replicates — the arithmetic a PLS stage 1 cannot avoid."""
    products = [f"sum(CAST({a} AS DOUBLE) * {b})" for i, a in enumerate(ITEMS) for b in ITEMS[i:]]
    sums = ", ".join([f"sum({item})" for item in ITEMS] + products)
    return f"SELECT count(*), {sums} FROM qiwang_input"  # noqa: S608 - fixed column names


def timed(run: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = run()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--parts", type=int, default=16)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    os.environ.setdefault("QIWANG_SPARK_PARTITIONS", "2")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ecsi"
        folder.mkdir()
        generate(folder, options.rows, options.parts)
        spark = engines.spark_session("local[2]")
        spark.read.parquet(str(folder)).createOrReplaceTempView("qiwang_input")
        relation = duckdb.connect().read_parquet(str(folder / "*.parquet"))

        def qiwang(engine: str) -> Callable[[], object]:
            return lambda: engines.bootstrap_portable(
                engines.open_table(folder, engine=engine),  # type: ignore[arg-type]
                "ecsi",
                key="respondent",
                resamples=options.resamples,
                seed=1,
            )

        runs: dict[str, Callable[[], object]] = {
            "DuckDB floor": lambda: relation.query("qiwang_input", floor_sql()).fetchall(),
            "DuckDB moments": lambda: relation.query("qiwang_input", moments_sql()).fetchall(),
            "DuckDB qiwang": qiwang("duckdb"),
            "Spark floor": lambda: spark.sql(floor_sql()).collect(),
            "Spark moments": lambda: spark.sql(moments_sql()).collect(),
            "Spark qiwang": qiwang("spark"),
        }
        results = {name: run() for name, run in runs.items()}  # warm-up
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(options.repeat):
            for name, run in runs.items():
                seconds, _value = timed(run)
                times[name].append(seconds)
    duck, spark_result = results["DuckDB qiwang"], results["Spark qiwang"]
    same = np.array_equal(
        duck.paths[["ci_low", "ci_high"]].to_numpy(),  # type: ignore[attr-defined]
        spark_result.paths[["ci_low", "ci_high"]].to_numpy(),  # type: ignore[attr-defined]
    )
    gap = float(
        np.max(
            np.abs(
                duck.paths[["ci_low", "ci_high"]].to_numpy()  # type: ignore[attr-defined]
                - spark_result.paths[["ci_low", "ci_high"]].to_numpy()  # type: ignore[attr-defined]
            )
        )
    )
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(
        f"{options.rows:,} respondents × {len(ITEMS)} indicators in {options.parts} Parquet parts;"
        f" {options.resamples} replicates"
    )
    print("| engine | method | seconds | rows / s |")
    print("|---|---|---:|---:|")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in medians.items():
        engine, method = name.split()
        print(f"| {engine} | {method} | {seconds:.3f} | {options.rows / seconds:,.0f} |")
    for engine in ("DuckDB", "Spark"):
        ratio = medians[f"{engine} qiwang"] / medians[f"{engine} floor"]
        moments = medians[f"{engine} qiwang"] / medians[f"{engine} moments"]
        print(f"{engine}: qiwang / floor = {ratio:.2f}x; qiwang / moments = {moments:.2f}x")
    print(f"path intervals identical on DuckDB and Spark: {same} (largest difference {gap:.2e})")


if __name__ == "__main__":
    main()
