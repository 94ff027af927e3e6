"""Shared helpers of the analysis tests: where the reference data lives, a CLI runner."""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
EXAMPLES = REPO_ROOT / "examples"


@pytest.fixture
def shared_data() -> Path:
    """``<repo>/../shared/data``: the real data sets of the project."""
    return SHARED_DATA


@pytest.fixture
def examples() -> Path:
    """``<repo>/examples``: the example input files of the command line."""
    return EXAMPLES


@pytest.fixture
def run_cli():
    """Run ``qiwang ARGS…``; return (exit code, stdout, stderr)."""
    from qiwang.cli import app

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, [str(arg) for arg in args])
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def run_cli_json(run_cli):
    """Run ``qiwang ARGS… --json`` expecting success; return the parsed JSON."""

    def run(*args: str) -> Any:
        code, out, err = run_cli(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    return run


# --- engines (Spark, PostgreSQL) for the portable stage 1 -----------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("QIWANG_TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(scope="session")
def spark() -> Any:
    """One local SparkSession for every Spark test (2 cores, 2 shuffle partitions, no UI)."""
    pytest.importorskip("pyspark")
    from qiwang.analysis import engines

    os.environ["QIWANG_SPARK_PARTITIONS"] = "2"
    return engines.spark_session("local[2]")


@pytest.fixture
def postgres() -> Iterator[Any]:
    """A function loading a DataFrame into a fresh PostgreSQL table; returns (url, table)."""
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL: set QIWANG_TEST_POSTGRES_URL (CI does)")
    import psycopg

    tables: list[str] = []
    connection = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)

    def load(frame: pd.DataFrame) -> tuple[str, str]:
        name = f"qw_engine_{uuid.uuid4().hex[:10]}"
        types = {
            column: "double precision"
            if pd.api.types.is_float_dtype(frame[column])
            else "bigint"
            if pd.api.types.is_integer_dtype(frame[column])
            else "text"
            for column in frame.columns
        }
        connection.execute(
            f"CREATE TABLE {name} (" + ", ".join(f'"{c}" {t}' for c, t in types.items()) + ")"
        )
        tables.append(name)
        rows = [
            tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in frame.astype(object).itertuples(index=False)
        ]
        with connection.cursor() as cursor, cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return url, name

    yield load
    for name in tables:
        connection.execute(f"DROP TABLE IF EXISTS {name}")
    connection.close()


@pytest.fixture(autouse=True)
def _english_command_line(monkeypatch):
    """The ``qiwang analyze`` messages follow the language (zh-hans by default); these tests
    read the English sentences, so they run the commands with QIWANG_LANGUAGE=en."""
    monkeypatch.setenv("QIWANG_LANGUAGE", "en")
