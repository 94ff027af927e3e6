"""Benchmark: Kano analysis of 10 million answer pairs from Parquet.

Compares, on the same file (100 attributes × 100,000 respondents = 10,000,000 pairs):

- **floor**: DuckDB's bare ``SELECT attribute, functional, dysfunctional, count(*) … GROUP BY``;
- **qiwang**: :func:`qiwang.analysis.kano.count_answers_duckdb` (that same GROUP BY plus answer
  validation) followed by :func:`~qiwang.analysis.kano.analyze_counts` (stage 2, numpy);
- **naive**: pandas reading the file and classifying row by row (``DataFrame.apply`` with the
  evaluation table), then counting categories per attribute — how one would write it by hand.

The naive version is slow; by default it runs on a sample of rows and the full time is
extrapolated linearly (the output says so). ``--naive-rows 0`` runs it on every row.

Usage::

    .venv/bin/python benchmarks/bench_kano.py [--respondents 100000] [--attributes 100]
        [--repeat 7] [--naive-rows 1000000] [--labels]

``--labels`` stores answers as English labels instead of codes 1–5. Not a test: nothing is
asserted; the figures are printed and recorded by hand in docs/benchmarks.md.
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
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qiwang.analysis import kano

LABELS = np.array(["like", "must-be", "neutral", "live-with", "dislike"])
TABLE = {
    (f, d): kano.CATEGORIES[kano.EVALUATION_TABLE[f - 1, d - 1]]
    for f in range(1, 6)
    for d in range(1, 6)
}
LABEL_CODE = {label: code for code, label in enumerate(LABELS, start=1)}


def make_file(path: Path, *, respondents: int, attributes: int, labels: bool) -> int:
    """Write the benchmark Parquet file; return the number of answer pairs."""
    rng = np.random.default_rng(20240601)
    names = pa.array([f"attribute_{a:03d}" for a in range(attributes)])
    writer = None
    chunk = max(1, 1_000_000 // attributes)
    for start in range(0, respondents, chunk):
        stop = min(respondents, start + chunk)
        n = (stop - start) * attributes
        respondent = np.repeat(np.arange(start, stop, dtype=np.int32), attributes)
        attribute = np.tile(np.arange(attributes, dtype=np.int32), stop - start)
        functional = rng.integers(1, 6, n, dtype=np.int8)
        dysfunctional = rng.integers(1, 6, n, dtype=np.int8)
        columns = {
            "respondent": pa.array(respondent),
            "attribute": pa.DictionaryArray.from_arrays(pa.array(attribute), names),
            "functional": pa.array(LABELS[functional - 1] if labels else functional),
            "dysfunctional": pa.array(LABELS[dysfunctional - 1] if labels else dysfunctional),
        }
        table = pa.table(columns)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    return respondents * attributes


def floor(path: Path) -> object:
    con = duckdb.connect()
    return con.sql(
        f"SELECT attribute, functional, dysfunctional, count(*) FROM read_parquet('{path}') "
        "GROUP BY attribute, functional, dysfunctional"
    ).fetchall()


def qiwang(path: Path) -> object:
    return kano.analyze_counts(kano.count_answers_duckdb(path))


def naive(path: Path, rows: int | None) -> object:
    frame = pd.read_parquet(path)
    if rows:
        frame = frame.iloc[:rows]

    def classify(row: pd.Series) -> str:
        f, d = row["functional"], row["dysfunctional"]
        if isinstance(f, str):
            f, d = LABEL_CODE[f], LABEL_CODE[d]
        return TABLE[(int(f), int(d))]

    frame["category"] = frame.apply(classify, axis=1)
    counts = frame.groupby(["attribute", "category"], observed=True).size().unstack(fill_value=0)
    core = counts.reindex(columns=list("AOMI"), fill_value=0).sum(axis=1)
    better = (counts.get("A", 0) + counts.get("O", 0)) / core
    worse = -(counts.get("O", 0) + counts.get("M", 0)) / core
    return counts.idxmax(axis=1), better, worse


def timed(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(functions: list[Callable[[], object]], repeat: int) -> list[float]:
    """Median seconds of each function, runs alternating so that load drifts hit all alike."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for i, function in enumerate(functions):
            start = time.perf_counter()
            function()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--attributes", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--naive-rows",
        type=int,
        default=1_000_000,
        help="rows for the naive version (0: all), extrapolated linearly to the whole file",
    )
    parser.add_argument("--labels", action="store_true", help="answers as labels, not codes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "kano_pairs.parquet"
        start = time.perf_counter()
        pairs = make_file(
            path, respondents=args.respondents, attributes=args.attributes, labels=args.labels
        )
        made = time.perf_counter() - start
        size = path.stat().st_size / 2**20
        print(
            f"file: {pairs:,} answer pairs ({args.attributes} attributes × "
            f"{args.respondents:,} respondents), answers as {'labels' if args.labels else 'codes'}, "
            f"{size:.0f} MiB Parquet, written in {made:.1f} s"
        )
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
            f"numpy {np.__version__}, pandas {pd.__version__}"
        )

        # sanity: the same counts both ways
        counts = kano.count_answers_duckdb(path)
        assert int(counts.pairs.sum()) == pairs

        floor(path)  # warm the file cache
        floor_s, qiwang_s = interleaved([lambda: floor(path), lambda: qiwang(path)], args.repeat)
        naive_rows = args.naive_rows if 0 < args.naive_rows < pairs else pairs
        naive_sample_s = timed(lambda: naive(path, naive_rows), 1)
        naive_s = naive_sample_s * pairs / naive_rows
        extrapolated = naive_rows < pairs

        print()
        print(f"{'method':<62}{'seconds':>10}{'pairs/s':>16}")
        rows = [
            ("DuckDB bare GROUP BY count (floor)", floor_s),
            ("Qiwang kano (DuckDB stage 1 + numpy stage 2)", qiwang_s),
            (
                "naive pandas per-row apply"
                + (f" (extrapolated from {naive_rows:,} rows)" if extrapolated else ""),
                naive_s,
            ),
        ]
        for name, seconds in rows:
            print(f"{name:<62}{seconds:>10.3f}{pairs / seconds:>16,.0f}")
        if extrapolated:
            print(
                f"  naive measured: {naive_sample_s:.2f} s for {naive_rows:,} rows, "
                f"× {pairs / naive_rows:.0f} for the whole file"
            )
        print()
        print(f"Qiwang / floor: {qiwang_s / floor_s:.2f}× (target ≤ 2×)")
        print(f"naive / Qiwang: {naive_s / qiwang_s:.0f}× (target ≥ 20×)")
        print(f"(median of {args.repeat} interleaved runs for floor and Qiwang; naive run once)")


if __name__ == "__main__":
    main()
