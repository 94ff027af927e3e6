"""``qiwang customers …``: the daily contact-task job, runnable from cron."""

from __future__ import annotations

import datetime
from typing import Annotated

import typer

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
        _("%(day)s: %(created)d contact tasks created, %(escalated)d overdue tasks escalated.")
        % {"day": target, "created": outcome.created, "escalated": outcome.escalated}
    )
