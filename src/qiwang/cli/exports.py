"""``qiwang export responses``: answers for a data warehouse (Parquet, partitioned by wave)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import FAILED, emit_json, fail, use_json
from qiwang.cli.server import check_database, console, setup_django

export_app = typer.Typer(
    cls=QiwangGroup, help=_("Export data for other tools."), no_args_is_help=True
)


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
    personal_data: Annotated[
        bool,
        typer.Option(
            "--personal-data",
            help=_(
                "Add each customer's number, name, phone and e-mail (needs --user, a user whose "
                "role may see personal data; only their branches; audited)."
            ),
        ),
    ] = False,
    user: Annotated[
        str | None,
        typer.Option("--user", help=_("Export as this user (their role and branches apply).")),
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
    check_database(migrated=True)
    actor = None
    if personal_data:
        from qiwang.accounts.models import User
        from qiwang.accounts.permissions import Action, can

        if user is None:
            raise fail(_("--personal-data needs --user: the user the export is made for."))
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise fail(_("--user: no active user is called %s.") % user)
        if not can(actor, Action.VIEW_PERSONAL_DATA):
            raise fail(_("--user: %(user)s's role may not see personal data.") % {"user": user})
    elif user is not None:
        raise fail(_("--user is only used with --personal-data."))
    if wave:
        known = set(Wave.objects.filter(pk__in=wave).values_list("pk", flat=True))
        for wave_id in wave:
            if wave_id not in known:
                raise fail(_("--wave: there is no wave %s.") % wave_id)
    if dest.exists() and not dest.is_dir():
        raise fail(_("--dest: %(path)s is a file, not a directory.") % {"path": dest})
    try:
        result = warehouse.export_answers(dest, waves=wave or None, kind=kind, personal_for=actor)
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
                "personal_data": actor is not None,
            }
        )
        return
    console.print(
        _("Wrote %(rows)d answers of %(waves)d waves to %(dest)s.")
        % {"rows": result.total, "waves": len(result.rows), "dest": dest},
        highlight=False,
    )
