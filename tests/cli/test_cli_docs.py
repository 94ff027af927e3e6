"""The examples of docs/cli.md ("Examples that run anywhere") run as written, in an empty
directory, with only the installed ``qiwang`` on the PATH (no path into the repository)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _block_after(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    return re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)


def _environment() -> dict[str, str]:
    """This process's environment without its database, with the venv's qiwang on PATH."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"
    return environment


def _run(script: str, cwd: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-euc", script],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_examples_that_run_anywhere_run(tmp_path):
    environment = _environment()
    environment["QIWANG_DATA_DIR"] = str(tmp_path / "var")
    environment.pop("QIWANG_LANGUAGE", None)  # the block sets it, as a reader would

    done = _run(_block_after("## Examples that run anywhere"), tmp_path, environment)

    assert done.returncode == 0, done.stderr
    assert "exit 2" in done.stdout
    assert json.loads((tmp_path / "promise.json").read_text())["breaches"] == 2
    assert json.loads((tmp_path / "due.json").read_text())["due"] == "2026-02-14T16:00:00+08:00"
    error = json.loads((tmp_path / "error.json").read_text())
    assert error["code"] == 2 and "row 1" in error["error"] and "20" in error["error"]


def test_the_database_examples_run(tmp_path):
    """The second block: a new database, a customer-import dry run (rejected: no branch yet),
    the day's tasks and the jobs, each as JSON. It named a customers.xlsx the reader never had."""
    environment = _environment()
    environment["QIWANG_LANGUAGE"] = "en"
    environment.pop("QIWANG_DATA_DIR", None)  # the block sets it

    done = _run(
        _block_after("Commands that use the database need it set up once"), tmp_path, environment
    )

    assert done.returncode == 0, done.stderr
    assert "exit 1" in done.stdout
    preview = json.loads((tmp_path / "preview.json").read_text())
    assert preview["dry_run"] is True and preview["written"] is False
    assert preview["rows"][0]["issues"][0]["field"] == "branch"
    assert preview["rows"][0]["issues"][0]["value"] == "HQ"
