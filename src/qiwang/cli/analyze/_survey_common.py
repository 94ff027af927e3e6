"""What the survey commands (kano, drivers, servqual, ipa) share: options, output, errors
and the DuckDB input helpers.

Bad input prints one message on standard error and exits with code 2 (a JSON object
``{"error": …, "code": 2}`` when the command was given ``--json``); other failures exit with
code 1. Nothing is written to standard output then.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop

# Texts translated inside f-strings or by value, listed for `make messages` (xgettext reads
# neither); see tests/cli/test_catalogue_extraction.py.
_EXTRACTED = (gettext_noop("Error:"),)


EXAMPLES = Path(__file__).resolve().parents[4] / "examples"

InputArgument = Annotated[
    Path,
    typer.Argument(
        help=_(
            "CSV, XLSX or Parquet file; with --engine also a directory of Parquet part files, "
            "or with --engine postgres a table name."
        ),
        exists=False,
        dir_okay=True,
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]


def _out() -> Console:
    console = Console()
    if not console.is_terminal:  # piped: do not squeeze tables into 80 columns
        console.width = max(console.width, 160)
    return console


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    from qiwang.cli import _output

    if _output.json_wanted():
        return _output.fail(message.replace(r"\[", "["), _output.MISUSE)
    _err().print(f"[bold red]{_('Error:')}[/] {message}", highlight=False, markup=True)
    return typer.Exit(code=2)


@contextmanager
def _guard() -> Iterator[None]:
    """Turn input errors into one message on stderr and exit code 2."""
    from qiwang.analysis import AnalysisInputError
    from qiwang.cli.analyze._messages import input_error

    try:
        yield
    except AnalysisInputError as error:
        raise _fail(_escape(input_error(error))) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 — the command line never shows a traceback
        from qiwang.cli import _output

        failure = f"{type(error).__name__}: {error}"
        if _output.json_wanted():
            message = _("the analysis failed: %(error)s") % {"error": failure}
            raise _output.fail(message, _output.FAILED) from None
        message = _("the analysis failed: %(error)s") % {"error": _escape(failure)}
        _err().print(f"[bold red]{_('Error:')}[/] {message}", highlight=False)
        raise typer.Exit(code=1) from None


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


@contextmanager
def _progress(description: str) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr that appears only on a terminal and when the work takes more than
    a second (piped, a stopped bar would still leave an empty line before the error)."""
    err = _err()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = progress.add_task(description, total=None)
    lock = threading.Lock()
    state = {"started": False, "done": False}

    def start() -> None:
        with lock:
            if not state["done"]:
                progress.start()
                state["started"] = True

    timer = threading.Timer(1.0, start)
    timer.daemon = True
    timer.start()
    try:
        yield lambda text: progress.update(task, description=text)
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["started"]:
                progress.stop()


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=2))


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.1f}%"


def _split_names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise _fail(_("--predictors lists no column"))
    return names


def _has_numbers(values: Any) -> bool:
    import pandas as pd

    return bool(pd.to_numeric(values, errors="coerce").notna().any())


def _duckdb_input(path: Path) -> Any | None:
    """A DuckDB relation over a UTF-8 CSV or a Parquet file (stage 1 then runs in DuckDB).

    ``None`` for XLSX and for CSV in another encoding (GB18030): those are read by pandas.
    """
    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis._duckdb import open_source, select
    from qiwang.analysis._io import SUFFIXES

    kind = SUFFIXES.get(path.suffix.lower())
    if kind not in {"csv", "parquet"} or not path.is_file() or path.stat().st_size == 0:
        return None
    if kind == "csv":
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not just a character cut at the end
                return None
        if head.startswith(b"\xef\xbb\xbf"):  # a BOM: pandas strips it from the first name
            return None
    relation = open_source(path)
    if any(str(c) != str(c).strip() for c in relation.columns):
        return None  # pandas strips spaces around column names; keep one behaviour
    if not select(relation, "SELECT 1 FROM qiwang_input LIMIT 1"):
        raise AnalysisInputError(f"{path.name} has no data rows")  # translated by _messages
    return relation


def _duckdb_segments(relation: Any, column: str) -> list[tuple[str, Any]]:
    """``(value, filtered relation)`` for each non-empty value of ``column``, sorted."""
    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis._duckdb import quote_identifier, quote_literal, select

    if column not in relation.columns:
        raise AnalysisInputError(
            f"missing column {column!r}; the columns are {', '.join(relation.columns)}",
            column=column,
        )
    name = quote_identifier(column)
    values = [
        row[0]
        for row in select(
            relation,
            f"SELECT DISTINCT {name} FROM qiwang_input "  # noqa: S608
            f"WHERE {name} IS NOT NULL ORDER BY 1",
        )
    ]
    return [
        (
            str(value),
            relation.filter(f"CAST({name} AS VARCHAR) = {quote_literal(str(value))}"),
        )
        for value in values
    ]


def _duckdb_numeric_columns(relation: Any, exclude: set[str]) -> list[str]:
    """Columns holding at least one number (as :func:`_has_numbers` on a DataFrame)."""
    from qiwang.analysis._duckdb import quote_identifier, select

    columns = [str(c) for c in relation.columns if str(c) not in exclude]
    if not columns:
        return []
    counts = select(
        relation,
        "SELECT "  # noqa: S608 - quoted identifiers
        + ", ".join(f"count(TRY_CAST({quote_identifier(c)} AS DOUBLE))" for c in columns)
        + " FROM qiwang_input",
    )[0]
    return [c for c, n in zip(columns, counts, strict=True) if n]
