"""Fixtures of the free-text tests: a command-line runner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.fixture
def run_cli():
    """Run ``qiwang ARGS…``; return (exit code, stdout, stderr)."""
    from qiwang.cli import app

    def run(*args: object) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, [str(arg) for arg in args])
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture(autouse=True)
def _english_command_line(monkeypatch):
    """The ``qiwang analyze`` messages follow the language (zh-hans by default); these tests
    read the English sentences, so they run the commands with QIWANG_LANGUAGE=en."""
    monkeypatch.setenv("QIWANG_LANGUAGE", "en")
