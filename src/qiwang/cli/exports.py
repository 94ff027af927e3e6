"""``qiwang export responses``: answers for a data warehouse (Parquet, partitioned by wave)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import FAILED, emit_json, fail, use_json
from qiwang.cli.server import check_database, console, setup_django

export_app = typer.Typer(help=_("Export data for other tools."), no_args_is_help=True)


@export_app.command(
    "responses",
    help=_(
        "One row per answer of complete responses, without personal data, partitioned by wave. "
        "Columns: wave (from the directory), wave_name, response, customer (internal id), "
        "branch, tier, kind, attribute, dimension, value, second, importance, submitted_at. "
        "Free-text answers are not exported. Read it with "
        "`qiwang analyze … --engine duckdb|spark DEST`."
    ),
)
def responses(
    dest: Annotated[
        Path, typer.Option("--dest", help=_("Directory to write (wave=<id>/part-*.parquet)."))
    ],
    fmt: Annotated[str, typer.Option("--format", help=_("File format: parquet."))] = "parquet",
    wave: Annotated[
        list[int] | None, typer.Option("--wave", help=_("Only this wave (its id); repeatable."))
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=_("Only questions of this kind (kano, servqual, scale5 …).")),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help=_("Print one JSON document (errors as JSON on standard error).")
        ),
    ] = False,
) -> None:
    use_json(as_json)
    setup_django()
    from django.utils.translation import gettext as _

    from qiwang.surveys import warehouse
    from qiwang.surveys.models import Wave

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
            _("--dest: cannot write %(path)s: %(reason)s") % {"path": dest, "reason": error},
            FAILED,
        ) from None
    if as_json:
        emit_json(
            {
                "dest": str(dest),
                "format": fmt,
                "rows": result.total,
                "waves": {str(wave_id): count for wave_id, count in result.rows.items()},
                "files": [str(path) for path in result.files],
            }
        )
        return
    console.print(
        _("Wrote %(rows)d answers of %(waves)d waves to %(dest)s.")
        % {"rows": result.total, "waves": len(result.rows), "dest": dest},
        highlight=False,
    )
