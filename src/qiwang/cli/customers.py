"""``qiwang customers …``: the daily contact-task job, runnable from cron."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import (
    FAILED,
    MISUSE,
    emit_json,
    err_console,
    fail,
    read_input,
    use_json,
)
from qiwang.cli.server import check_database, console, setup_django

customers_app = typer.Typer(
    cls=QiwangGroup,
    help=_("Customers: contact tasks, imports and personal-data requests."),
    no_args_is_help=True,
)

JSON_HELP = _("Print one JSON document (errors as JSON on standard error).")


@customers_app.command(
    "generate-tasks",
    help=_(
        "Create the day's contact tasks from the tier plans and escalate overdue ones, on "
        "working days of the working-day calendar (nothing on a day off; exit code 2 for a "
        "year the calendar does not know). Safe to run twice: tasks already generated for "
        "the day are not duplicated."
    ),
)
def generate_tasks(
    day: Annotated[
        str | None, typer.Option(help=_("Day to generate (YYYY-MM-DD); default: today."))
    ] = None,
    enqueue: Annotated[
        bool,
        typer.Option(help=_("Put the job on the background queue instead of running it now.")),
    ] = False,
    reschedule: Annotated[
        bool,
        typer.Option(
            help=_("With --enqueue: the job queues itself again for every following day.")
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    from django.utils import timezone
    from django.utils.translation import gettext as _

    if day is None:
        target = timezone.localdate()
    else:
        try:
            target = datetime.date.fromisoformat(day)
        except ValueError:
            raise fail(_("--day: %s is not a date (YYYY-MM-DD).") % day, MISUSE) from None
    if enqueue:
        from qiwang.customers.tasks import generate_daily_contact_tasks

        result = generate_daily_contact_tasks.enqueue(target.isoformat(), reschedule=reschedule)
        if as_json:
            emit_json({"day": target.isoformat(), "queued": True, "job": str(result.id)})
            return
        console.print(
            _("Queued the contact tasks of %(day)s (job %(id)s).")
            % {"day": target, "id": result.id}
        )
        return
    from qiwang.customers.services import generate_contact_tasks, refresh_lifecycles

    refresh_lifecycles(target)
    outcome = generate_contact_tasks(target)
    if outcome.unknown_year is not None:
        raise fail(
            _(
                "--day: the working-day calendar has no data for %(year)s, so no task was "
                "created (holidays are never guessed). Load the year first: qiwang calendar "
                "import FILE, or Working-day calendar in the web."
            )
            % {"year": outcome.unknown_year},
            MISUSE,
        )
    if as_json:
        emit_json(
            {
                "day": target.isoformat(),
                "queued": False,
                "created": outcome.created,
                "greetings": outcome.greetings,
                "escalated": outcome.escalated,
            }
        )
        return
    if not outcome.working_day:
        console.print(
            _(
                "%(day)s is not a working day (a weekend or public holiday in the working-day "
                "calendar): no tasks are due; plan days are made up on the next working day."
            )
            % {"day": target}
        )
        return
    console.print(
        _(
            "%(day)s: %(created)d contact tasks and %(greetings)d greeting tasks created, "
            "%(escalated)d overdue tasks escalated."
        )
        % {
            "day": target,
            "created": outcome.created,
            "greetings": outcome.greetings,
            "escalated": outcome.escalated,
        }
    )


@customers_app.command(
    "import",
    help=_(
        "Create or update customers from a file, all or nothing (rows matched by customer "
        "number). Exit code 1 when any row is rejected (nothing is written), 2 when the file "
        "cannot be read or an option is wrong."
    ),
)
def import_customers(
    file: Annotated[Path, typer.Argument(help=_("CSV (UTF-8 or GBK) or Excel (.xlsx) file."))],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("Only show what would happen; write nothing."))
    ] = False,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help=_("Import as this user (their role and branches apply); default: every branch."),
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help=_(
                "Encoding of a CSV file (UTF-8, GBK, Big5, Shift_JIS, UTF-16); default: detected."
            ),
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    from django.utils.translation import gettext as _

    from qiwang.accounts.models import User
    from qiwang.customers.services.io import apply_import, preview_import
    from qiwang.errors import ServiceError

    actor = None
    if user is not None:
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise fail(_("--user: no active user is called %s.") % user, MISUSE)
    content = read_input(file)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        disable=as_json or not err_console.is_terminal,
    ) as progress:
        checking = progress.add_task(_("Checking rows"), total=None)

        def advance(done: int, total: int) -> None:
            progress.update(checking, completed=done, total=total)

        try:
            preview = preview_import(
                actor=actor,
                content=content,
                filename=file.name,
                encoding=encoding,
                progress=advance,
            )
        except ServiceError as error:
            progress.stop()
            raise fail(str(error), FAILED) from None
    rejected = preview.rejected + len(preview.file_issues)
    payload = _preview_payload(preview, file.name, dry_run=dry_run)
    if as_json:
        if rejected or dry_run:
            emit_json(payload)
        if rejected:
            raise fail(_("Nothing was imported: fix the rejected rows and run again."), FAILED)
        if dry_run:
            return
    else:
        _print_preview(preview, file.name)
        if rejected:
            raise fail(_("Nothing was imported: fix the rejected rows and run again."), FAILED)
        if dry_run:
            console.print(_("Dry run: nothing was written."))
            return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        disable=as_json or not err_console.is_terminal,
    ) as progress:
        writing = progress.add_task(_("Writing"), total=preview.created + preview.updated)
        try:
            result = apply_import(
                actor=actor,
                content=content,
                filename=file.name,
                expected_fingerprint=preview.fingerprint,
                expected_plan=preview.plan_digest,
                encoding=encoding,
                progress=lambda done, total: progress.update(writing, completed=done, total=total),
            )
        except ServiceError as error:
            progress.stop()
            raise fail(str(error), FAILED) from None
    if as_json:
        emit_json(
            {**payload, "written": True, "created": result.created, "updated": result.updated}
        )
        return
    console.print(
        _("Imported: %(created)d created, %(updated)d updated.")
        % {"created": result.created, "updated": result.updated},
        style="green",
    )


def _issue_dict(issue) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "row": issue.row,
        "field": issue.field,
        "value": None if issue.value is None else str(issue.value),
        "reason": str(issue.reason),
    }


def _preview_payload(preview, filename: str, *, dry_run: bool) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The ``--json`` document: counts, file-level issues and one entry per row."""
    rejected = preview.rejected + len(preview.file_issues)
    return {
        "file": filename,
        "dry_run": dry_run,
        "written": False,
        "created": preview.created,
        "updated": preview.updated,
        "unchanged": preview.unchanged,
        "rejected": rejected,
        "file_issues": [_issue_dict(issue) for issue in preview.file_issues],
        "rows": [
            {
                "row": row.row,
                "code": row.code,
                "action": row.action,
                "issues": [_issue_dict(issue) for issue in row.issues],
                "changes": {
                    name: None if new is None else str(new)
                    for name, (_old, new) in row.changes.items()
                },
            }
            for row in preview.rows
        ],
    }


def _print_preview(preview, filename: str) -> None:  # type: ignore[no-untyped-def]
    from django.utils.translation import gettext as _

    table = Table(title=filename)
    for heading in (_("Row"), _("Customer number"), _("Result"), _("Details")):
        table.add_column(heading)
    labels = {
        "create": _("create"),
        "update": _("update"),
        "unchanged": _("unchanged"),
        "reject": _("rejected"),
    }
    for issue in preview.file_issues:
        table.add_row(
            str(issue.row), "", labels["reject"], f"{issue.field} {issue.value!r}: {issue.reason}"
        )
    for row in preview.rows:
        if row.action == "reject":
            details = "; ".join(f"{i.field} {i.value!r}: {i.reason}" for i in row.issues)
        else:
            details = ", ".join(f"{name}: {new}" for name, (_old, new) in row.changes.items())
        style = {"reject": "red", "create": "green"}.get(row.action)
        table.add_row(str(row.row), row.code, labels[row.action], details, style=style)
    console.print(table)
    console.print(
        _(
            "%(created)d to create, %(updated)d to update, %(unchanged)d unchanged, %(rejected)d rejected."
        )
        % {
            "created": preview.created,
            "updated": preview.updated,
            "unchanged": preview.unchanged,
            "rejected": preview.rejected + len(preview.file_issues),
        }
    )
