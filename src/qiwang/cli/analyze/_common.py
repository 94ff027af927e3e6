"""What the expectation commands share: errors as one sentence, JSON and table output.

Bad input (an :class:`~qiwang.analysis.AnalysisInputError` or a misused option) prints one
message on standard error and exits with code 2; work that fails for any other reason prints one
sentence and exits with code 1. Neither prints a traceback or writes to standard output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop

# Texts translated inside f-strings or by value, listed for `make messages` (xgettext reads
# neither); see tests/cli/test_catalogue_extraction.py.
_EXTRACTED = (gettext_noop("Error:"),)


__all__ = ["console", "fail", "guard", "print_json", "working"]


def console() -> Console:
    """Standard output; piped output is not squeezed into 80 columns."""
    out = Console()
    if not out.is_terminal:
        out.width = max(out.width, 160)
    return out


def fail(message: str, *, code: int = 2) -> typer.Exit:
    """Print ``Error: message`` on standard error; return the exit to raise.

    A command that called :func:`qiwang.cli._output.use_json` gets the JSON error instead.
    """
    from qiwang.cli import _output

    if _output.json_wanted():
        return _output.fail(message, code)
    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]{_('Error:')}[/] {message.replace('[', chr(92) + '[')}", highlight=False
    )
    return typer.Exit(code=code)


@contextmanager
def guard() -> Iterator[None]:
    """Input errors → exit code 2; anything else unexpected → one sentence and exit code 1."""
    from qiwang.analysis import AnalysisInputError
    from qiwang.cli.analyze._messages import input_error

    try:
        yield
    except AnalysisInputError as error:
        raise fail(input_error(error)) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except MemoryError:
        raise fail(_("out of memory: the file is too large for this machine"), code=1) from None
    except Exception as error:  # noqa: BLE001 — the command line never shows a traceback
        message = _("the analysis failed: %(error)s") % {
            "error": f"{type(error).__name__}: {error}"
        }
        raise fail(message, code=1) from None


def print_json(payload: Any) -> None:
    """Indented UTF-8 JSON (no NaN: missing numbers are ``null``)."""
    typer.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=2))


@contextmanager
def working(description: str) -> Iterator[None]:
    """A spinner on standard error while long work runs (only on a terminal)."""
    err = Console(stderr=True)
    if not err.is_terminal:
        yield
        return
    with err.status(description):
        yield
