"""The operations app's own periodic job: prune finished task rows, job runs, old heartbeats
and ended rate-limit windows."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.limits import prune_expired
from qiwang.operations.scheduler import Job, register

#: Finished task rows and job runs are kept this long (days).
KEEP_DAYS = 14


def register_own_jobs() -> None:
    register(
        Job(
            key="operations.prune",
            function="qiwang.operations.jobs.prune",
            label=_("Prune finished background tasks and old job runs"),
            at=datetime.time(3, 30),
            retry_seconds=3600,
            max_attempts=3,
        )
    )


def prune(*, slot: datetime.datetime) -> dict[str, Any]:
    """Delete finished task rows and job runs older than ``KEEP_DAYS`` days, and the heartbeat
    rows of workers gone for a week, and the rate-limit counters of ended windows (ADR 0012)."""
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.models import JobRun, JobStatus, WorkerHeartbeat
    from qiwang.operations.tasks import TASK_READY, TASK_RUNNING

    before = timezone.now() - datetime.timedelta(days=KEEP_DAYS)
    tasks, _counts = (
        DBTaskResult.objects.exclude(status__in=[TASK_READY, TASK_RUNNING])
        .filter(finished_at__lt=before)
        .delete()
    )
    runs, _counts = (
        JobRun.objects.exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        .filter(slot__lt=before)
        .delete()
    )
    workers, _counts = WorkerHeartbeat.objects.filter(
        seen_at__lt=timezone.now() - datetime.timedelta(days=7)
    ).delete()
    return {
        "tasks": tasks,
        "job_runs": runs,
        "workers": workers,
        "rate_counters": prune_expired(),
    }
