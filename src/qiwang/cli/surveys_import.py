"""``qiwang surveys import FILE --wave N``: responses from another tool's export, all or nothing.

The file (CSV, TSV, XLSX or SPSS .sav) is read as on the import page: Qualtrics' extra header
rows skipped, columns suggested from the headers (and from the last import from the same tool),
scale labels recoded. ``--mapping FILE`` gives the columns and the recode as JSON (see
``qiwang.surveys.import_calls``). ``--dry-run`` checks every row and writes nothing; ``--json``
prints the report as JSON: ``rows``, ``imported``, ``dry_run``, ``errors`` (``row``, ``column``,
``message``, ``header``, ``value``), ``unmapped``, ``source``, ``mapping``, ``recode``. Exit codes follow the command
line's convention: 1 when the file or any row is refused (nothing is written), 2 on misuse (no
such wave or user, an unreadable file, a malformed mapping); messages go to standard error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext
from qiwang.cli._output import FAILED, MISUSE, err_console
from qiwang.cli.server import check_database, console, setup_django
from qiwang.cli.surveys import surveys_app


def _print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@surveys_app.command(
    "import", help=gettext("Import survey responses from a file into a wave: every row or none.")
)
def import_survey_responses(
    file: Annotated[
        Path, typer.Argument(help=gettext("CSV, TSV, Excel (.xlsx) or SPSS (.sav) file."))
    ],
    wave: Annotated[int, typer.Option("--wave", help=gettext("The wave to import into (its id)."))],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help=gettext(
                'JSON: {"columns": {file header: wave column}, '
                '"recode": {wave column: {file value: code}}}.'
            ),
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=gettext("Only check every row; write nothing."))
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help=gettext("Print JSON instead of a report."))
    ] = False,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", help=gettext("Import as this user (their role and branches apply).")
        ),
    ] = None,
) -> None:
    setup_django()
    check_database(migrated=True)
    from django.utils.translation import gettext as _

    from qiwang.accounts.models import User
    from qiwang.errors import ConflictError, ServiceError
    from qiwang.surveys.import_calls import parse_mapping_file
    from qiwang.surveys.imports import import_responses
    from qiwang.surveys.models import Wave

    def refuse(messages: dict[str, list[str]], code: int = MISUSE) -> None:
        # A refusal of the whole file has no field: "" as in the report, not "__all__".
        messages = {("" if key == "__all__" else key): values for key, values in messages.items()}
        if as_json:
            errors = [
                {"row": 0, "column": key, "message": message}
                for key, values in messages.items()
                for message in values
            ]
            _print_json(
                {"rows": 0, "imported": 0, "dry_run": dry_run, "errors": errors, "unmapped": []}
            )
        else:
            for key, values in messages.items():
                for message in values:
                    err_console.print(f"{key}: {message}" if key else message, style="red")
        raise typer.Exit(code=code)

    target = Wave.objects.select_related("version").filter(pk=wave).first()
    if target is None:
        refuse({"wave": [_("--wave: there is no wave %s.") % wave]})
        return
    actor = None
    if user is not None:
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            refuse({"user": [_("--user: no active user is called %s.") % user]})
    try:
        content = file.read_bytes()
        mapping_text = mapping.read_bytes() if mapping is not None else None
    except OSError as error:
        refuse(
            {
                "file": [
                    _("Cannot read %(file)s: %(error)s")
                    % {"file": error.filename, "error": error.strerror}
                ]
            }
        )
        return
    try:
        columns, recode = (
            parse_mapping_file(mapping_text) if mapping_text is not None else ({}, None)
        )
    except ServiceError as error:
        refuse(error.errors)
        return
    try:
        report = import_responses(
            actor=actor,
            wave=target,
            content=content,
            filename=file.name,
            mapping=columns,
            recode=recode,
            dry_run=dry_run,
        )
    except ConflictError as error:  # already imported, or changed while importing
        refuse(error.errors, FAILED)
        return
    except ServiceError as error:  # an unreadable file, a mapping naming what is not there
        refuse(error.errors)
        return
    if as_json:
        _print_json(report.to_dict())
    else:
        if report.errors:
            table = Table(title=file.name)
            for heading in (_("Row"), _("Column"), _("Value"), _("Problem")):
                table.add_column(heading)
            for problem in report.errors:
                table.add_row(
                    str(problem.row),
                    problem.header or problem.column,
                    problem.value,
                    problem.message,
                )
            err_console.print(table)
        if report.imported:
            console.print(
                _("Imported %(n)d responses from %(file)s.")
                % {"n": report.imported, "file": file.name}
            )
        elif not report.errors:
            console.print(
                _("%(n)d rows checked; none has a problem (dry run: nothing was written).")
                % {"n": report.rows}
            )
        else:
            console.print(
                _("%(count)s rows cannot be imported; nothing was imported.")
                % {"count": len({e.row for e in report.errors})},
                style="red",
            )
    if report.errors:
        raise typer.Exit(code=FAILED)
