"""The output convention of every ``qiwang`` command, written once.

- **Standard output** carries the result only: a table or sentences, or with ``--json`` exactly one
  JSON document (UTF-8, indented, no NaN) with stable keys.
- **Standard error** carries everything else: errors, notes, progress bars and spinners. With
  ``--json`` an error is one JSON object ``{"error": "…", "code": N}`` on standard error.
- **Exit codes**: :data:`SUCCESS` (0); :data:`FAILED` (1) when the work failed or rows were
  rejected; :data:`MISUSE` (2) for bad options, bad arguments or a file that cannot be read.

A command that accepts ``--json`` calls :func:`use_json` first; :func:`fail` (also reached from
:func:`qiwang.cli.server.setup_django` and ``check_database``) then answers in JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

__all__ = [
    "FAILED",
    "MISUSE",
    "SUCCESS",
    "emit_json",
    "err_console",
    "fail",
    "json_wanted",
    "note",
    "read_input",
    "use_json",
    "write_output",
]

SUCCESS = 0
FAILED = 1
MISUSE = 2

#: Standard error: errors, notes and progress never mix with the result on standard output.
err_console = Console(stderr=True)

_state = {"json": False}


def use_json(enabled: bool) -> None:
    """Whether this invocation's errors are JSON (set by each command from its ``--json``)."""
    _state["json"] = bool(enabled)


def json_wanted() -> bool:
    """True when the running command was given ``--json``."""
    return _state["json"]


def fail(message: str, code: int = MISUSE) -> typer.Exit:
    """Print ``message`` on standard error (JSON with ``--json``); return the exit to raise.

    >>> raise fail("--day: 2026-02-30 is not a date", MISUSE)  # doctest: +SKIP
    """
    if _state["json"]:
        typer.echo(json.dumps({"error": message, "code": code}, ensure_ascii=False), err=True)
    else:
        Console(stderr=True, soft_wrap=True).print(
            f"[bold red]qiwang:[/] {message.replace('[', chr(92) + '[')}", highlight=False
        )
    return typer.Exit(code=code)


def note(message: str) -> None:
    """A remark on standard error that is not an error (never in JSON output)."""
    Console(stderr=True, soft_wrap=True).print(message, highlight=False, markup=False)


def emit_json(payload: Any) -> None:
    """One JSON document on standard output (UTF-8, indented; missing numbers are ``null``)."""
    typer.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=2, default=str))


def read_input(path: Path, name: str = "FILE") -> bytes:
    """The bytes of the input file ``path``; a missing file, a directory or an unreadable file is
    misuse: one sentence naming ``name`` and the path (no operating-system text in English)."""
    from qiwang.cli._i18n import gettext as _

    values = {"name": name, "file": path}
    if path.is_dir():
        raise fail(_("%(name)s: %(file)s is a directory, not a file.") % values, MISUSE)
    if not path.exists():
        raise fail(_("%(name)s: %(file)s does not exist.") % values, MISUSE)
    try:
        return path.read_bytes()
    except PermissionError:
        raise fail(_("%(name)s: %(file)s cannot be read (permission denied).") % values) from None
    except OSError as error:
        raise fail(
            _("%(name)s: %(file)s cannot be read (%(reason)s).")
            % {**values, "reason": error.strerror or type(error).__name__}
        ) from None


def write_output(path: Path, data: bytes, name: str = "--output") -> None:
    """Write ``data`` to ``path``; a directory, a missing folder or a refused write is misuse,
    one sentence naming ``name`` and the path (no operating-system text in English)."""
    from qiwang.cli._i18n import gettext as _

    values = {"name": name, "file": path}
    if path.is_dir():
        raise fail(_("%(name)s: %(file)s is a directory, not a file.") % values, MISUSE)
    if not path.parent.is_dir():
        raise fail(_("%(name)s: the folder of %(file)s does not exist.") % values, MISUSE)
    try:
        path.write_bytes(data)
    except PermissionError:
        raise fail(
            _("%(name)s: %(file)s cannot be written (permission denied).") % values
        ) from None
    except OSError as error:
        raise fail(
            _("%(name)s: %(file)s cannot be written (%(reason)s).")
            % {**values, "reason": error.strerror or type(error).__name__}
        ) from None
