"""``qiwang jobs``: the periodic jobs — their last run, outcome and next slot; one beat; one run.

For a deployment without a long-running worker, a cron or systemd timer can call
``qiwang jobs tick --run`` every minute (docs/deploy.md): it queues the due slots and runs them.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import FAILED, MISUSE, emit_json, fail, use_json
from qiwang.cli.server import check_database, console, setup_django

jobs_app = typer.Typer(
    cls=QiwangGroup,
    help=_(
        "Periodic jobs: status, one beat, one run. Without a subcommand: each job's schedule, "
        "last run, outcome and next slot, and the workers."
    ),
    invoke_without_command=True,
)
JSON_HELP = _("Print one JSON document (errors as JSON on standard error).")


def _prepare() -> None:
    """Django, a reachable database, and the scheduler's tables: a database nobody has migrated
    yet gets one sentence and exit code 2, not a traceback."""
    setup_django()
    check_database()
    from django.db import connection
    from django.utils.translation import gettext as _

    from qiwang.operations.models import JobRun

    if JobRun._meta.db_table not in connection.introspection.table_names():
        raise fail(
            _(
                "the database has no Qiwang tables yet: run `qiwang serve` (it migrates first) "
                "or `qiwang manage migrate`, then try again."
            ),
            MISUSE,
        )


def _when(value) -> str:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.localtime(value).strftime("%m-%d %H:%M") if value else "—"


@jobs_app.callback()
def status(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of a table."))
    ] = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    use_json(as_json)
    _prepare()
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
        emit_json(payload)
        return
    table = Table(title=_("Periodic jobs"))
    # The whole key (for `qiwang jobs run KEY`) and whole times; the error folds instead.
    table.add_column(_("Job"), no_wrap=True)
    table.add_column(_("Every / at"), no_wrap=True)
    table.add_column(_("Last slot"), no_wrap=True)
    table.add_column(_("Outcome"), no_wrap=True)
    table.add_column(_("Next slot"), no_wrap=True)
    table.add_column(_("Error"), overflow="fold", min_width=12)
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


@jobs_app.command(
    "tick",
    help=_("One beat: re-queue what dead workers left, queue the due job slots (and run them)."),
)
def tick_command(
    run: Annotated[
        bool, typer.Option("--run", help=_("Also run the queued tasks now (for a cron timer)."))
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    _prepare()
    from django.conf import settings
    from django.utils.translation import gettext as _

    from qiwang.operations.scheduler import reap, tick
    from qiwang.operations.worker import run_worker

    reaped = reap(dead_seconds=settings.QIWANG_WORKER_DEAD_SECONDS)
    queued = tick(beat="cli")
    if run:
        run_worker(batch=True, schedule=False)
    if as_json:
        emit_json(
            {
                "queued": len(queued),
                "requeued_tasks": reaped.requeued_tasks,
                "abandoned_runs": reaped.abandoned_runs,
                "ran": run,
            }
        )
        return
    console.print(
        _("%(queued)d job slot(s) queued, %(tasks)d task(s) re-queued, %(runs)d run(s) abandoned.")
        % {"queued": len(queued), "tasks": reaped.requeued_tasks, "runs": reaped.abandoned_runs}
    )


@jobs_app.command(
    "run",
    help=_(
        "Queue the job's current slot and run it now, in this process. Exit code 1 when the "
        "run fails, 2 when the job is unknown; when another process already ran or queued this "
        "slot, says so and exits 0."
    ),
)
def run_command(
    key: Annotated[str, typer.Argument(help=_("The job's key, e.g. surveys.fold."))],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    _prepare()
    from django.utils.translation import gettext as _

    from qiwang.operations.models import JobStatus
    from qiwang.operations.scheduler import JOBS, run_job, tick

    job = JOBS.get(key)
    if job is None:
        raise fail(
            _("there is no job %(key)s; jobs: %(keys)s")
            % {"key": key, "keys": ", ".join(sorted(JOBS))},
            MISUSE,
        )
    queued = tick(jobs=[job], beat="cli")
    if not queued:
        if as_json:
            emit_json({"job": key, "ran": False, "status": None, "result": None})
            return
        console.print(_("The current slot of %s is already queued or done.") % key)
        return
    run = run_job(queued[0].pk, worker="cli")
    if run is None or run.status != JobStatus.SUCCEEDED:
        if as_json:
            emit_json(
                {
                    "job": key,
                    "ran": run is not None,
                    "status": run.status if run else None,
                    "result": None,
                }
            )
        raise fail(
            _("%(key)s failed: %(error)s") % {"key": key, "error": run.error if run else "?"},
            FAILED,
        )
    if as_json:
        emit_json({"job": key, "ran": True, "status": run.status, "result": run.result})
        return
    console.print(_("%(key)s succeeded: %(result)s") % {"key": key, "result": run.result})
