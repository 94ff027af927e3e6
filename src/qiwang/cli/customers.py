"""``qiwang customers …``: the daily contact-task job, runnable from cron."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from qiwang.cli.server import check_database, console, setup_django

customers_app = typer.Typer(
    help="Customers: generate the day's contact tasks.", no_args_is_help=True
)


@customers_app.command("generate-tasks")
def generate_tasks(
    day: Annotated[
        str | None, typer.Option(help="Day to generate (YYYY-MM-DD); default: today.")
    ] = None,
    enqueue: Annotated[
        bool, typer.Option(help="Put the job on the background queue instead of running it now.")
    ] = False,
    reschedule: Annotated[
        bool,
        typer.Option(help="With --enqueue: the job queues itself again for every following day."),
    ] = False,
) -> None:
    """Create the day's contact tasks from the tier plans and escalate overdue ones.

    Safe to run twice: tasks already generated for the day are not duplicated.
    """
    setup_django()
    check_database()
    from django.utils import timezone
    from django.utils.translation import gettext as _

    if day is None:
        target = timezone.localdate()
    else:
        try:
            target = datetime.date.fromisoformat(day)
        except ValueError:
            console.print(_("--day: %s is not a date (YYYY-MM-DD).") % day, style="red")
            raise typer.Exit(code=2) from None
    if enqueue:
        from qiwang.customers.tasks import generate_daily_contact_tasks

        result = generate_daily_contact_tasks.enqueue(target.isoformat(), reschedule=reschedule)
        console.print(
            _("Queued the contact tasks of %(day)s (job %(id)s).")
            % {"day": target, "id": result.id}
        )
        return
    from qiwang.customers.services import generate_contact_tasks, refresh_lifecycles

    refresh_lifecycles(target)
    outcome = generate_contact_tasks(target)
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


@customers_app.command("import")
def import_customers(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK) or Excel (.xlsx) file.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would happen; write nothing.")
    ] = False,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Import as this user (their role and branches apply); default: every branch.",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Encoding of a CSV file (UTF-8, GBK, Big5, Shift_JIS, UTF-16); default: detected.",
        ),
    ] = None,
) -> None:
    """Create or update customers from a file, all or nothing (rows matched by customer number).

    Exit code 2 when any row is rejected (nothing is written) or the file cannot be read.
    """
    setup_django()
    check_database()
    from django.utils.translation import gettext as _

    from qiwang.accounts.models import User
    from qiwang.customers.services.io import apply_import, preview_import
    from qiwang.errors import ServiceError

    actor = None
    if user is not None:
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            console.print(_("--user: no active user is called %s.") % user, style="red")
            raise typer.Exit(code=2)
    try:
        content = file.read_bytes()
    except OSError as error:
        console.print(
            _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}, style="red"
        )
        raise typer.Exit(code=2) from None
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
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
            console.print(str(error), style="red")
            raise typer.Exit(code=2) from None
    table = Table(title=file.name)
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
    if preview.rejected or preview.file_issues:
        console.print(_("Nothing was imported: fix the rejected rows and run again."), style="red")
        raise typer.Exit(code=2)
    if dry_run:
        console.print(_("Dry run: nothing was written."))
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
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
            console.print(str(error), style="red")
            raise typer.Exit(code=2) from None
    console.print(
        _("Imported: %(created)d created, %(updated)d updated.")
        % {"created": result.created, "updated": result.updated},
        style="green",
    )
