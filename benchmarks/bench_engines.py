"""Benchmark: the portable Kano stage 1 on DuckDB and on Spark local[2], each against its floor.

A directory of Parquet part files (``--pairs`` answer pairs, 100 attributes, answers as int8 codes
1–5, ``--parts`` files) is generated in a temporary directory. On each engine:

- **floor**: the engine's bare ``SELECT attribute, functional, dysfunctional, count(*) … GROUP BY``
  over the directory, rows collected to the driver;
- **qiwang**: ``kano.analyze_counts(engines.count_kano_answers(engines.open_table(DIR, …)))`` —
  the sqlglot-transpiled stage 1 (the same GROUP BY), answer mapping, stage 2 in numpy.

Median of ``--repeat`` interleaved runs; Spark's session start is not timed (it is paid once per
process). Not a test: the figures are printed and recorded by hand in docs/benchmarks.md.

Usage::

    .venv/bin/python benchmarks/bench_engines.py [--pairs 5000000] [--parts 8] [--repeat 3]
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

from qiwang.analysis import engines, kano

FLOOR = (
    "SELECT attribute, functional, dysfunctional, count(*) FROM qiwang_input "
    "GROUP BY attribute, functional, dysfunctional"
)


def generate(folder: Path, pairs: int, parts: int, seed: int = 18) -> None:
    rng = np.random.default_rng(seed)
    names = np.array([f"attribute-{k:03d}" for k in range(100)])
    for k, size in enumerate(np.diff(np.linspace(0, pairs, parts + 1).astype(np.int64))):
        table = pa.table(
            {
                "attribute": pa.array(names[rng.integers(0, 100, size)]).dictionary_encode(),
                "functional": pa.array(rng.integers(1, 6, size, dtype=np.int8)),
                "dysfunctional": pa.array(rng.integers(1, 6, size, dtype=np.int8)),
            }
        )
        pq.write_table(table, folder / f"part-{k:05d}.parquet")


def median_time(run: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5_000_000)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    os.environ.setdefault("QIWANG_SPARK_PARTITIONS", "2")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "answers"
        folder.mkdir()
        generate(folder, options.pairs, options.parts)
        spark = engines.spark_session("local[2]")
        frame = spark.read.parquet(str(folder))
        frame.createOrReplaceTempView("qiwang_input")
        connection = duckdb.connect()
        relation = connection.read_parquet(str(folder / "*.parquet"))

        runs: dict[str, Callable[[], object]] = {
            "DuckDB floor": lambda: relation.query("qiwang_input", FLOOR).fetchall(),
            "DuckDB qiwang": lambda: kano.analyze_counts(
                engines.count_kano_answers(engines.open_table(folder, engine="duckdb"))
            ),
            "Spark floor": lambda: spark.sql(FLOOR).collect(),
            "Spark qiwang": lambda: kano.analyze_counts(
                engines.count_kano_answers(engines.open_table(folder, engine="spark"))
            ),
        }
        for run in runs.values():  # warm-up: JVM JIT, file cache
            run()
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(options.repeat):
            for name, run in runs.items():
                times[name] += median_time(run, 1)
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{options.pairs:,} answer pairs in {options.parts} Parquet parts")
    print("| engine | method | seconds | pairs / s |")
    print("|---|---|---:|---:|")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in medians.items():
        engine, method = name.split()
        print(f"| {engine} | {method} | {seconds:.3f} | {options.pairs / seconds:,.0f} |")
    for engine in ("DuckDB", "Spark"):
        ratio = medians[f"{engine} qiwang"] / medians[f"{engine} floor"]
        print(f"{engine}: qiwang / floor = {ratio:.2f}x")


if __name__ == "__main__":
    main()
