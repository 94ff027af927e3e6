"""``qiwang analyze … --engine duckdb|spark|postgres``: the same JSON whatever the engine.

The reference is the command without ``--engine`` on the example CSV (pandas / DuckDB stage 1 of
the existing paths, which share no SQL with the portable stage 1); Spark runs in the test run's
one local session (see ``test_engines.py``), PostgreSQL when a test database is configured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.analysis.test_engines import _numbers, ipa_frame, write_parts


def _same_json(got: object, expected: object) -> None:
    np.testing.assert_allclose(_numbers(got), _numbers(expected), rtol=1e-12, atol=1e-12)
    assert _strings(got) == _strings(expected)


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in [k, *_strings(value[k])]]
    if isinstance(value, list):
        return [x for item in value for x in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_kano_json_is_the_same_on_every_engine(tmp_path, examples, run_cli_json, spark, postgres):
    frame = pd.read_csv(examples / "kano_long.csv")
    parts = write_parts(frame, tmp_path / "kano", 5)
    expected = run_cli_json("analyze", "kano", examples / "kano_long.csv")
    url, name = postgres(frame)
    for args in (
        (parts, "--engine", "duckdb"),
        (parts, "--engine", "spark", "--spark-master", "local[2]"),
        (name, "--engine", "postgres", "--database-url", url),
    ):
        _same_json(run_cli_json("analyze", "kano", *args), expected)


def test_kano_waves_on_spark_equal_the_file_path(tmp_path, run_cli_json, spark):
    frame = pd.DataFrame(
        {
            "attribute": ["wifi", "lift"] * 40,
            "functional": ([1, 2, 1, 3] * 20),
            "dysfunctional": ([3, 5, 4, 5] * 20),
            "wave": ["2025-1"] * 40 + ["2025-2"] * 40,
        }
    )
    path = tmp_path / "waves.parquet"
    frame.to_parquet(path, index=False)
    expected = run_cli_json("analyze", "kano", path, "--wave", "wave")
    got = run_cli_json("analyze", "kano", path, "--wave", "wave", "--engine", "spark")
    _same_json(got, expected)


def test_drivers_json_is_the_same_on_every_engine(tmp_path, examples, run_cli_json, postgres):
    frame = pd.read_csv(examples / "drivers.csv")
    parts = write_parts(frame, tmp_path / "drivers", 3)
    options = ("--target", "overall", "--by", "tier")
    expected = run_cli_json("analyze", "drivers", examples / "drivers.csv", *options)
    url, name = postgres(frame)
    for args in (
        (parts, "--engine", "duckdb"),
        (parts, "--engine", "spark"),
        (name, "--engine", "postgres", "--database-url", url),
    ):
        _same_json(run_cli_json("analyze", "drivers", *args, *options), expected)


def test_servqual_and_ipa_json_are_the_same_on_spark_and_duckdb(tmp_path, examples, run_cli_json):
    servqual_parts = write_parts(
        pd.read_csv(examples / "servqual_long.csv"), tmp_path / "servqual", 3
    )
    expected = run_cli_json("analyze", "servqual", examples / "servqual_long.csv")
    for engine in ("duckdb", "spark"):
        got = run_cli_json("analyze", "servqual", servqual_parts, "--engine", engine)
        _same_json(got, expected)
    frame = ipa_frame(rows=300)
    path = tmp_path / "ipa.parquet"
    frame.to_parquet(path, index=False)
    options = ("--importance", "derived", "--overall", "overall", "--by", "zone")
    expected = run_cli_json("analyze", "ipa", path, *options)
    for engine in ("duckdb", "spark"):
        _same_json(run_cli_json("analyze", "ipa", path, *options, "--engine", engine), expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kano", "{examples}/kano_long.csv", "--engine", "hive"), "--engine must be one of"),
        (
            ("csi", "{examples}/drivers.csv", "--engine", "duckdb", "--bootstrap", "10"),
            "--bootstrap with --engine needs --key COLUMN",
        ),
        (
            (
                "kano",
                "answers",
                "--engine",
                "postgres",
                "--database-url",
                "postgres://u:pw@127.0.0.1:1/x",
            ),
            "cannot connect to the database postgres://u:***@127.0.0.1:1/x",
        ),
        (
            (
                "kano",
                "{examples}/kano_long.csv",
                "--engine",
                "duckdb",
                "--attribute-column",
                "item",
            ),
            "missing column 'item'",
        ),
        (("ipa", "{examples}/nowhere", "--engine", "duckdb"), "no such file or directory"),
    ],
)
def test_bad_engine_input_is_one_message_and_exit_code_2(examples, run_cli, args, message):
    code, out, err = run_cli("analyze", *(a.format(examples=examples) for a in args))
    assert code == 2
    assert out == ""
    assert message in " ".join(err.split())
    assert "Traceback" not in err
