"""The task that runs one slot of a periodic job (queued by :func:`qiwang.operations.scheduler.tick`)."""

from __future__ import annotations

from django_tasks import task
from django_tasks_db.compat import TaskResultStatus

from qiwang.operations.scheduler import run_job

TASK_READY = TaskResultStatus.READY
TASK_RUNNING = TaskResultStatus.RUNNING


@task()
def run_scheduled_job(run_id: int) -> dict[str, object]:
    """Run the queued slot ``run_id`` (a no-op when it already ran or was abandoned)."""
    from qiwang.operations.worker import current_worker_id

    run = run_job(run_id, worker=current_worker_id())
    if run is None:
        return {"run": run_id, "status": "missing"}
    return {"run": run.pk, "job": run.job, "status": run.status}
