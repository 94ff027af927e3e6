"""``qiwang jobs``: the periodic jobs — their last run, outcome and next slot; one beat; one run.

For a deployment without a long-running worker, a cron or systemd timer can call
``qiwang jobs tick --run`` every minute (docs/deploy.md): it queues the due slots and runs them.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from qiwang.cli.server import check_database, console, err_console, setup_django

jobs_app = typer.Typer(
    help="Periodic jobs: status, one beat, one run.", invoke_without_command=True
)


def _when(value) -> str:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


@jobs_app.callback()
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show each job's schedule, last run, outcome and next slot, and the workers."""
    if ctx.invoked_subcommand is not None:
        return
    setup_django()
    check_database()
    from django.utils.translation import gettext as _

    from qiwang.operations.status import job_states, worker_states

    states = job_states()
    workers = worker_states()
    if as_json:
        payload = {
            "jobs": [state.to_dict() for state in states],
            "workers": [
                {
                    "worker": w.heartbeat.worker_id,
                    "alive": w.alive,
                    "seen_at": w.heartbeat.seen_at.isoformat(),
                    "beat": w.heartbeat.beat,
                    "current_task": w.heartbeat.current_task,
                }
                for w in workers
            ],
        }
        console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    table = Table(title=_("Periodic jobs"))
    for heading in (
        _("Job"),
        _("Every / at"),
        _("Last slot"),
        _("Outcome"),
        _("Next slot"),
        _("Error"),
    ):
        table.add_column(heading)
    for state in states:
        last = state.last
        table.add_row(
            state.job.key,
            state.job.schedule_text(),
            _when(last.slot) if last else "—",
            last.get_status_display() if last else _("never run"),
            _when(state.next_slot),
            (last.error.splitlines()[-1][:80] if last and last.error else ""),
            style="red" if not state.healthy else None,
        )
    console.print(table)
    alive = [w for w in workers if w.alive]
    if alive:
        console.print(
            _("%(n)d worker(s) alive: %(names)s")
            % {"n": len(alive), "names": ", ".join(w.heartbeat.worker_id for w in alive)}
        )
    else:
        console.print(_("No worker is alive: start `qiwang worker`."), style="red")


@jobs_app.command("tick")
def tick_command(
    run: Annotated[
        bool, typer.Option("--run", help="Also run the queued tasks now (for a cron timer).")
    ] = False,
) -> None:
    """One beat: re-queue what dead workers left, queue the due job slots (and run them)."""
    setup_django()
    check_database()
    from django.conf import settings
    from django.utils.translation import gettext as _

    from qiwang.operations.scheduler import reap, tick
    from qiwang.operations.worker import run_worker

    reaped = reap(dead_seconds=settings.QIWANG_WORKER_DEAD_SECONDS)
    queued = tick(beat="cli")
    console.print(
        _("%(queued)d job slot(s) queued, %(tasks)d task(s) re-queued, %(runs)d run(s) abandoned.")
        % {"queued": len(queued), "tasks": reaped.requeued_tasks, "runs": reaped.abandoned_runs}
    )
    if run:
        run_worker(batch=True, schedule=False)


@jobs_app.command("run")
def run_command(
    key: Annotated[str, typer.Argument(help="The job's key, e.g. surveys.fold.")],
) -> None:
    """Queue the job's current slot and run it now, in this process.

    Exit code 1 when the run fails, 2 when the job is unknown; when another process already
    ran or queued this slot, says so and exits 0."""
    setup_django()
    check_database()
    from django.utils.translation import gettext as _

    from qiwang.operations.models import JobStatus
    from qiwang.operations.scheduler import JOBS, run_job, tick

    job = JOBS.get(key)
    if job is None:
        err_console.print(
            _("qiwang: there is no job %(key)s; jobs: %(keys)s")
            % {"key": key, "keys": ", ".join(sorted(JOBS))}
        )
        raise typer.Exit(code=2)
    queued = tick(jobs=[job], beat="cli")
    if not queued:
        console.print(_("The current slot of %s is already queued or done.") % key)
        return
    run = run_job(queued[0].pk, worker="cli")
    if run is None or run.status != JobStatus.SUCCEEDED:
        err_console.print(
            _("%(key)s failed: %(error)s") % {"key": key, "error": run.error if run else "?"}
        )
        raise typer.Exit(code=1)
    console.print(_("%(key)s succeeded: %(result)s") % {"key": key, "result": run.result})
