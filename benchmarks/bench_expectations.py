"""Benchmark: the expectation tracker over 1,000,000 customer × service pairs.

Each pair has ``--observations`` perceptions (default 3: 3,000,000 rows). Compared on the same
data in the same run:

- **array floor**: ``np.lexsort`` of the rows by (pair, time) plus ``np.bincount`` of the
  perceptions per pair — one sort and one aggregate, the least any per-pair computation over
  unsorted rows must do;
- **scan**: :func:`qiwang.analysis.expectations.scan_expectations` on the same integer pair codes
  (the model's equations, one numpy step per observation rank);
- **frame floor**: pandas ``groupby(["customer", "service"])["perception"].agg(["mean",
  "count", "last"])`` on the DataFrame with text ids;
- **track**: :func:`~qiwang.analysis.expectations.track_expectations` on that DataFrame (text ids
  coded, time order, empirical-Bayes prior, scan, predictions, result frame);
- **naive**: a Python loop calling ``update_expectation`` per row, timed on ``--naive-rows`` rows
  and extrapolated linearly.

Usage::

    .venv/bin/python benchmarks/bench_expectations.py [--pairs 1000000] [--observations 3]
        [--repeat 3] [--naive-rows 100000]

Not a test: the figures are printed and recorded by hand in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from qiwang.analysis.expectations import (
    ExpectationParameters,
    scan_expectations,
    track_expectations,
    update_expectation,
)

PARAMETERS = ExpectationParameters(prior_mean=70.0, prior_sd=10.0, noise_sd=8.0)


def make_rows(pairs: int, observations: int) -> pd.DataFrame:
    """Rows in random order: customers with 4 services each, ``observations`` waves."""
    rng = np.random.default_rng(20240614)
    rows = pairs * observations
    pair = np.repeat(np.arange(pairs, dtype=np.int64), observations)
    wave = np.tile(np.arange(observations, dtype=np.int64), pairs)
    level = rng.normal(70, 8, pairs)
    perception = np.clip(level[pair] + rng.normal(0, 8, rows), 0, 100)
    shuffle = rng.permutation(rows)
    pair, wave, perception = pair[shuffle], wave[shuffle], perception[shuffle]
    customer = pair // 4
    services = np.array(["维修", "保洁", "安保", "绿化"], dtype=object)
    return pd.DataFrame(
        {
            "customer": pd.Series(customer).map("{:07d}".format).to_numpy(dtype=object),
            "service": services[pair % 4],
            "time": wave,
            "perception": perception,
            "pair": pair,
        }
    )


def timed(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--observations", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-rows", type=int, default=100_000)
    options = parser.parse_args()
    frame = make_rows(options.pairs, options.observations)
    rows = len(frame)
    pair = frame["pair"].to_numpy()
    wave = frame["time"].to_numpy()
    perception = frame["perception"].to_numpy()
    data = frame.drop(columns="pair")

    def array_floor() -> object:
        order = np.lexsort((wave, pair))
        return np.bincount(pair[order], weights=perception[order], minlength=options.pairs)

    def scan() -> object:
        order = np.lexsort((wave, pair))
        return scan_expectations(
            pair[order], perception[order], parameters=PARAMETERS, n_pairs=options.pairs
        )

    def frame_floor() -> object:
        return data.groupby(["customer", "service"])["perception"].agg(["mean", "count", "last"])

    def track() -> object:
        return track_expectations(data, parameters=PARAMETERS)

    results = {}
    for name, function in (
        ("array floor", array_floor),
        ("scan", scan),
        ("frame floor", frame_floor),
        ("track", track),
    ):
        results[name] = timed(function, options.repeat)

    sample = min(options.naive_rows, rows)
    order = np.lexsort((wave[:sample], pair[:sample]))
    started = time.perf_counter()
    state: dict[int, tuple[float, float]] = {}
    for index in order.tolist():
        key = int(pair[index])
        mean, sd = state.get(key, (70.0, 10.0))
        step = update_expectation(mean, sd, float(perception[index]), parameters=PARAMETERS)
        state[key] = (step.expectation, step.uncertainty)
    naive = (time.perf_counter() - started) * rows / sample

    print(
        f"{options.pairs:,} pairs × {options.observations} observations = {rows:,} rows; "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}; median of {options.repeat}"
    )
    print("| method | seconds | rows / s |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds:.3f} | {rows / seconds:,.0f} |")
    print(
        f"| naive Python loop (extrapolated from {sample:,} rows) | {naive:.1f} | "
        f"{rows / naive:,.0f} |"
    )
    print(f"scan / array floor = {results['scan'] / results['array floor']:.2f}×")
    print(f"track / frame floor = {results['track'] / results['frame floor']:.2f}×")
    print(f"naive / track = {naive / results['track']:.0f}×")


if __name__ == "__main__":
    main()
