"""``qiwang analyze csi … --key COLUMN --bootstrap N``: the same JSON on pandas, DuckDB (a directory
of Parquet parts), Spark and PostgreSQL — estimates and bootstrap intervals alike, because the
Poisson weights are a function of (seed, key, replicate) only (issue 18 items 2 and 3).

The reference is the command on the CSV file with ``--key`` and no ``--engine``: the portable
stage 1 on a pandas frame, in Python; the engines run the transpiled SQL. Without ``--key`` the
file path takes the older generator-based bootstrap, so its intervals differ — the test checks
that too, so that it cannot pass by comparing a command with itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tests.analysis.test_engines import write_parts
from tests.analysis.test_engines_cli import _same_json

ITEMS = {
    "IMAG": 5,
    "CUEX": 3,
    "PERQ": 7,
    "PERV": 2,
    "CUSA": 3,
    "CUSCO": 1,
    "CUSL": 3,
}


def ecsi_frame(rows: int = 300, seed: int = 5) -> pd.DataFrame:
    """ECSI-shaped 1–10 ratings: one latent score per block on a common factor, items from it."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(rows)
    columns: dict[str, np.ndarray] = {"respondent": np.arange(1000, 1000 + rows)}
    for prefix, count in ITEMS.items():
        latent = 0.7 * common + 0.7 * rng.standard_normal(rows)
        for k in range(1, count + 1):
            name = prefix if count == 1 else f"{prefix}{k}"
            z = 0.8 * latent + 0.6 * rng.standard_normal(rows)
            columns[name] = np.clip(np.rint(7 + 1.5 * z), 1, 10).astype(np.int64)
    return pd.DataFrame(columns)


def test_csi_bootstrap_json_is_the_same_on_every_engine(tmp_path, run_cli_json, spark, postgres):
    frame = ecsi_frame()
    csv = tmp_path / "ecsi.csv"
    frame.to_csv(csv, index=False)
    parts = write_parts(frame, tmp_path / "ecsi", 4)
    common = ("--model", "ecsi", "--bootstrap", "40", "--seed", "7", "--key", "respondent")
    expected = run_cli_json("analyze", "csi", csv, *common)
    url, name = postgres(frame)

    for args in (
        (parts, "--engine", "duckdb"),
        (parts, "--engine", "spark", "--spark-master", "local[2]"),
        (name, "--engine", "postgres", "--database-url", url),
    ):
        _same_json(run_cli_json("analyze", "csi", *args, *common), expected)

    intervals = [row["ci_low"] for row in expected["paths"]]
    assert all(value is not None for value in intervals)
    unkeyed = run_cli_json("analyze", "csi", csv, *common[:-2])
    assert [row["ci_low"] for row in unkeyed["paths"]] != intervals
    np.testing.assert_allclose(
        [row["estimate"] for row in unkeyed["paths"]],
        [row["estimate"] for row in expected["paths"]],
        rtol=1e-10,
    )
