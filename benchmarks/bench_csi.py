"""Benchmark of the CSI engine (issue 4). Run from the repository root:

    .venv/bin/python benchmarks/bench_csi.py mobi      # ECSI on 250 rows, 5,000 resamples,
                                                       # Qiwang versus PyPI plspm 0.5.7
    .venv/bin/python benchmarks/bench_csi.py large     # ECSI on 10 million rows from Parquet,
                                                       # 200 resamples

``mobi`` runs PyPI ``plspm`` in its own virtual environment (it needs pandas 2.2 and numpy 1.26):

    python3 -m venv benchmarks/.venv-plspm
    benchmarks/.venv-plspm/bin/pip install plspm==0.5.7 "pandas==2.2.*" "numpy==1.26.*"

``large`` writes its synthetic data to ``benchmarks/out/`` (ignored by git) once. Each part prints
a JSON summary; the figures in ``docs/benchmarks.md`` come from these runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
PLSPM_PYTHON = ROOT / "benchmarks" / ".venv-plspm" / "bin" / "python"

sys.path.insert(0, str(ROOT / "src"))

from qiwang.analysis import csi  # noqa: E402


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average": os.getloadavg(),
    }


def bench_mobi(resamples: int, plspm_resamples: int, repeat: int) -> dict[str, object]:
    path = DATA / "ecsi_mobi.csv"
    mobi = pd.read_csv(path, index_col=0)
    model = csi.preset("ecsi", list(mobi.columns))
    times = []
    boot = None
    for _ in range(repeat):
        start = time.perf_counter()
        boot = csi.bootstrap(mobi, "ecsi", resamples=resamples, seed=1)
        times.append(time.perf_counter() - start)
    assert boot is not None
    start = time.perf_counter()
    csi.fit(mobi, "ecsi")
    fit_seconds = time.perf_counter() - start
    ours = {
        "fit_seconds": fit_seconds,
        "bootstrap_seconds_best": min(times),
        "bootstrap_seconds_all": times,
        "resamples": resamples,
        "valid": boot.valid,
        "paths": {str(k): float(v) for k, v in boot.paths["original"].items()},
        "bootstrap_std_error": {str(k): float(v) for k, v in boot.paths["std_error"].items()},
    }
    result: dict[str, object] = {"machine": machine(), "qiwang": ours}
    if plspm_resamples and PLSPM_PYTHON.exists():
        run = subprocess.run(  # noqa: S603 - our own script in our own venv
            [
                str(PLSPM_PYTHON),
                str(ROOT / "benchmarks" / "plspm_ecsi.py"),
                str(path),
                "--model",
                json.dumps(
                    {
                        "blocks": {lv: list(cols) for lv, cols in model.blocks.items()},
                        "paths": [list(pair) for pair in model.paths],
                    }
                ),
                "--resamples",
                str(plspm_resamples),
                "--processes",
                "2",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        theirs = json.loads(run.stdout.strip().splitlines()[-1])
        result["plspm"] = theirs
        per_resample_ours = min(times) / resamples
        per_resample_theirs = theirs["bootstrap_seconds"] / plspm_resamples
        result["speedup_per_resample"] = per_resample_theirs / per_resample_ours
        result["max_abs_path_difference"] = max(
            abs(ours["paths"][k] - v)  # type: ignore[index]
            for k, v in theirs["paths"].items()
        )
    return result


def synthetic_ecsi(rows: int, path: Path, seed: int = 0) -> Path:
    """ECSI-shaped 1–10 ratings: LVs from the ECSI paths (mobi's estimates), items from LVs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    mobi = pd.read_csv(DATA / "ecsi_mobi.csv", index_col=0)
    model = csi.preset("ecsi", list(mobi.columns))
    fit = csi.fit(mobi, model)
    lvs = list(model.blocks)
    beta = fit.path_coefficients.loc[lvs, lvs].to_numpy()  # [from, to]
    order = lvs  # the preset lists LVs in causal order
    rng = np.random.default_rng(seed)
    writer = None
    chunk = 1_000_000
    means = mobi.mean()
    sds = mobi.std()
    loadings = fit.outer_model["loading"]
    try:
        for start in range(0, rows, chunk):
            m = min(chunk, rows - start)
            scores: dict[str, np.ndarray] = {}
            for lv in order:
                j = lvs.index(lv)
                explained = sum(beta[i, j] * scores[lvs[i]] for i in range(len(lvs)) if beta[i, j])
                r2 = float(fit.inner_summary.loc[lv, "r_squared"])
                noise = rng.standard_normal(m) * np.sqrt(max(1 - r2, 0.05))
                scores[lv] = (explained if isinstance(explained, np.ndarray) else 0.0) + noise
            columns = {}
            for lv, items in model.blocks.items():
                for item in items:
                    lam = float(np.clip(loadings[item], 0.2, 0.95))
                    z = lam * scores[lv] + np.sqrt(1 - lam**2) * rng.standard_normal(m)
                    value = np.rint(means[item] + sds[item] * z)
                    columns[item] = np.clip(value, 1, 10).astype(np.int8)
            table = pa.table(columns)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=1_000_000)
    finally:
        if writer is not None:
            writer.close()
    return path


def bench_large(rows: int, resamples: int, row_weights: bool) -> dict[str, object]:
    path = synthetic_ecsi(rows, OUT / f"ecsi_synthetic_{rows}.parquet")
    load_before = os.getloadavg()
    start = time.perf_counter()
    estimate = csi.fit(path, "ecsi")
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    boot = csi.bootstrap(path, "ecsi", resamples=resamples, seed=1)
    boot_seconds = time.perf_counter() - start
    result: dict[str, object] = {
        "machine": machine(),
        "load_average_before": load_before,
        "rows": rows,
        "parquet_bytes": path.stat().st_size,
        "fit_from_duckdb_moments_seconds": fit_seconds,
        "bootstrap_seconds": boot_seconds,
        "resamples": resamples,
        "valid": boot.valid,
        "method": boot.method,
        "buckets": boot.buckets,
        "satisfaction_index": float(estimate.index["Satisfaction"]),
        "satisfaction_index_ci": [
            float(boot.index.loc["Satisfaction", "ci_low"]),
            float(boot.index.loc["Satisfaction", "ci_high"]),
        ],
        "path_std_error_max": float(boot.paths["std_error"].max()),
    }
    if row_weights:
        # the same bootstrap with a Poisson weight per row (no buckets), for the time and for
        # the agreement of the standard errors
        start = time.perf_counter()
        rows_boot = csi.bootstrap(path, "ecsi", resamples=resamples, seed=1, buckets=0)
        result["row_weights_bootstrap_seconds"] = time.perf_counter() - start
        ratio = boot.paths["std_error"] / rows_boot.paths["std_error"]
        result["path_std_error_ratio_buckets_over_rows"] = [
            float(ratio.min()),
            float(ratio.max()),
        ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["mobi", "large"])
    parser.add_argument("--resamples", type=int, default=None)
    parser.add_argument("--plspm-resamples", type=int, default=5000, help="0 skips plspm")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--row-weights", action="store_true", help="large: also bootstrap with per-row weights"
    )
    args = parser.parse_args()
    if args.part == "mobi":
        result = bench_mobi(args.resamples or 5000, args.plspm_resamples, args.repeat)
    else:
        result = bench_large(args.rows, args.resamples or 200, args.row_weights)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
