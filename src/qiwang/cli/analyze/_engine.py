"""``--engine duckdb|spark|postgres`` for the analyze commands: where stage 1 runs.

Without ``--engine`` the commands keep their file paths (pandas for small files, DuckDB for long
CSV / Parquet). With it, stage 1 is the portable SQL of :mod:`qiwang.analysis.engines` on the
named engine; INPUT is then a Parquet / CSV file or a directory of Parquet part files (duckdb,
spark), or a table name ``TABLE`` / ``SCHEMA.TABLE`` (postgres, with ``--database-url`` or
``DATABASE_URL``). The JSON output is the same whatever the engine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qiwang.cli._i18n import gettext as _

if TYPE_CHECKING:
    from qiwang.analysis.engines import StageOneTable

ENGINE_NAMES = ("duckdb", "spark", "postgres")

EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help=_(
            "Run stage 1 on duckdb, spark or postgres (INPUT: a file, a directory of Parquet "
            "parts, or with postgres a table name)."
        ),
        show_default=False,
    ),
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help=_("Spark master URL (default: SPARK_MASTER, else local[*])."),
        show_default=False,
    ),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help=_("PostgreSQL URL for --engine postgres (default: DATABASE_URL)."),
        show_default=False,
    ),
]


def check_engine(engine: str | None, *, command: str, supported: tuple[str, ...]) -> str | None:
    """``None`` when ``engine`` is absent or usable, else a message (for exit code 2)."""
    if engine is None:
        return None
    if engine not in ENGINE_NAMES:
        return _("--engine must be one of %(engines)s, not %(engine)s") % {
            "engines": ", ".join(ENGINE_NAMES),
            "engine": repr(engine),
        }
    if engine not in supported:
        return _(
            "qiwang analyze %(command)s does not run on --engine %(engine)s yet: its stage 1 (the "
            "cross-product matrices) runs on %(supported)s only"
        ) % {"command": command, "engine": engine, "supported": ", ".join(supported)}
    return None


def open_input(
    input_file: Path, engine: str, *, spark_master: str | None, database_url: str | None
) -> StageOneTable:
    """INPUT on ``engine`` as a :class:`StageOneTable` (raises AnalysisInputError)."""
    from qiwang.analysis import AnalysisInputError, engines

    if engine == "postgres":
        url = database_url or os.environ.get("DATABASE_URL")
        if not url or not url.startswith(("postgres://", "postgresql://")):
            raise AnalysisInputError(
                _(
                    "--engine postgres needs --database-url postgres://… (or DATABASE_URL) and "
                    "INPUT naming a table"
                )
            )
        return engines.open_table(url, engine="postgres", table=str(input_file))
    name = "spark" if engine == "spark" else "duckdb"
    return engines.open_table(input_file, engine=name, spark_master=spark_master)
