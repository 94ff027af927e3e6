"""Structural rules of docs/ARCHITECTURE.md, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "qiwang"

# docs/ARCHITECTURE.md: an app may import only apps above it in this list.
APP_ORDER = [
    "accounts",
    "operations",
    "customers",
    "catalogue",
    "surveys",
    "webhooks",
    "complaints",
    "insights",
    "core",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_analysis_package_never_imports_django():
    code = (
        "import importlib, pkgutil, sys, qiwang.analysis as a\n"
        "for m in pkgutil.walk_packages(a.__path__, 'qiwang.analysis.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'django' or n.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == ""


def test_analysis_source_mentions_no_django_or_apps():
    for path in (SRC / "analysis").rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith("django"), f"{path}: imports {name}"
            assert not any(name.startswith(f"qiwang.{app}") for app in APP_ORDER), f"{path}: {name}"


def test_apps_import_only_apps_above_them():
    for position, app in enumerate(APP_ORDER):
        folder = SRC / app
        if not folder.exists():
            continue
        below = APP_ORDER[position + 1 :]
        for path in folder.rglob("*.py"):
            for name in _imports(path):
                offending = [other for other in below if name.startswith(f"qiwang.{other}")]
                assert not offending, f"{path.relative_to(SRC)} imports {name}"


def test_cli_never_imports_views():
    for path in (SRC / "cli").rglob("*.py"):
        for name in _imports(path):
            assert not name.endswith(".views"), f"{path}: imports {name}"
