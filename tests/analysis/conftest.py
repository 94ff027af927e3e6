"""Shared helpers of the analysis tests: where the reference data lives, a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
