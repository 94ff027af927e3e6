"""``qiwang export responses``: answers for a data warehouse (Parquet, partitioned by wave)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli.server import check_database, console, err_console, setup_django

export_app = typer.Typer(help="Export data for other tools.", no_args_is_help=True)


@export_app.command("responses")
def responses(
    dest: Annotated[
        Path, typer.Option("--dest", help="Directory to write (wave=<id>/part-*.parquet).")
    ],
    fmt: Annotated[str, typer.Option("--format", help="File format: parquet.")] = "parquet",
    wave: Annotated[
        list[int] | None, typer.Option("--wave", help="Only this wave (its id); repeatable.")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="Only questions of this kind (kano, servqual, scale5 …)."),
    ] = None,
) -> None:
    """One row per answer of complete responses, without personal data, partitioned by wave.

    Columns: wave (from the directory), wave_name, response, customer (internal id), branch,
    tier, kind, attribute, dimension, value, second, importance, submitted_at. Free-text answers
    are not exported. Read it with `qiwang analyze … --engine duckdb|spark DEST`.
    """
    setup_django()
    from django.utils.translation import gettext as _

    from qiwang.surveys import warehouse
    from qiwang.surveys.models import Wave

    def fail(message: str) -> typer.Exit:
        err_console.print(message, style="red", highlight=False)
        return typer.Exit(code=2)

    if fmt != "parquet":
        raise fail(_("--format: only parquet is supported, not %(format)s.") % {"format": fmt})
    if kind is not None and kind not in warehouse.KINDS:
        raise fail(
            _("--kind: %(kind)s is not a question kind (%(kinds)s).")
            % {"kind": kind, "kinds": ", ".join(warehouse.KINDS)}
        )
    check_database()
    if wave:
        known = set(Wave.objects.filter(pk__in=wave).values_list("pk", flat=True))
        for wave_id in wave:
            if wave_id not in known:
                raise fail(_("--wave: there is no wave %s.") % wave_id)
    if dest.exists() and not dest.is_dir():
        raise fail(_("--dest: %(path)s is a file, not a directory.") % {"path": dest})
    try:
        result = warehouse.export_answers(dest, waves=wave or None, kind=kind)
    except warehouse.DestinationNotEmptyError as error:
        raise fail(
            _("--dest: %(path)s already exists; choose an empty directory.") % {"path": error}
        ) from None
    except OSError as error:
        raise fail(
            _("--dest: cannot write %(path)s: %(reason)s") % {"path": dest, "reason": error}
        ) from None
    console.print(
        _("Wrote %(rows)d answers of %(waves)d waves to %(dest)s.")
        % {"rows": result.total, "waves": len(result.rows), "dest": dest},
        highlight=False,
    )
