"""ECSI on `mobi` with the PyPI ``plspm`` package (0.5.7), timed; prints one JSON object.

Runs inside ``benchmarks/.venv-plspm`` (plspm needs pandas 2.2 and numpy 1.26); started by
``bench_csi.py``, which passes the model as Qiwang's ECSI preset resolves it, so that both
programs estimate the same model. Uses ``default_scale=Scale.NUM``, which standardises each
column and reproduces R plspm / SmartPLS; ``scaled=True`` would divide all columns by one
pooled standard deviation.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd
import plspm.config as c
from plspm.mode import Mode
from plspm.plspm import Plspm
from plspm.scale import Scale
from plspm.scheme import Scheme


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument(
        "--model", required=True, help='JSON {"blocks": {LV: [columns]}, "paths": [[from, to]]}'
    )
    parser.add_argument("--resamples", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    mobi = pd.read_csv(args.data, index_col=0)
    model = json.loads(args.model)
    paths = [tuple(pair) for pair in model["paths"]]
    structure = c.Structure()
    for source, target in paths:
        structure.add_path([source], [target])
    config = c.Config(structure.path(), default_scale=Scale.NUM)
    for lv, columns in model["blocks"].items():
        config.add_lv(lv, Mode.A, *[c.MV(col) for col in columns])
    start = time.perf_counter()
    estimate = Plspm(mobi, config, Scheme.PATH)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    boot = Plspm(
        mobi,
        config,
        Scheme.PATH,
        bootstrap=True,
        bootstrap_iterations=args.resamples,
        processes=args.processes,
    )
    boot_seconds = time.perf_counter() - start
    coefficients = estimate.path_coefficients()
    summary = boot.bootstrap().paths()
    print(
        json.dumps(
            {
                "fit_seconds": fit_seconds,
                "bootstrap_seconds": boot_seconds,
                "resamples": args.resamples,
                "processes": args.processes,
                "paths": {f"{s} -> {t}": float(coefficients.loc[t, s]) for s, t in paths},
                "bootstrap_std_error": {
                    f"{s} -> {t}": float(summary.loc[f"{s} -> {t}", "std.error"]) for s, t in paths
                },
            }
        )
    )


if __name__ == "__main__":
    main()
