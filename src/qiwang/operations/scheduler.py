"""Periodic jobs defined as data, one run per (job, slot), run by ``qiwang worker``.

A :class:`Job` names a plain function and a schedule: every N seconds (slots aligned on the
epoch, so every process computes the same slots) or daily at a local time. Apps register their
jobs in their ``AppConfig.ready`` with :func:`register`; nothing else is needed for a new job
(complaints' SLA scans, for instance).

The beat (:func:`tick`, called every few seconds by each worker's beat thread, or once by a cron
or systemd timer through ``qiwang jobs tick``) inserts a :class:`~qiwang.operations.models.JobRun`
for the current slot of each job and queues the task that runs it, in one transaction. The row is
unique per (job, slot): a second beat — a second worker, a timer beside a worker — gets an
``IntegrityError`` and queues nothing, so a slot never runs twice. A job whose previous run has
not finished is not queued again (no pile-up); its next free slot runs.

A run that raises is logged, recorded as failed with its error (the job page, ``qiwang jobs``
and the metrics count it) and the job runs again at its next slot; a daily job retries the same
slot every ``retry_seconds`` until it succeeds or ``max_attempts`` is reached. A run whose worker
died is marked abandoned by :func:`reap` and the next slot runs.
"""

from __future__ import annotations

import datetime
import logging
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from qiwang.operations.models import JobRun, JobStatus, WorkerHeartbeat, count

logger = logging.getLogger("qiwang.jobs")

__all__ = [
    "JOBS",
    "Job",
    "current_slot",
    "next_slot",
    "reap",
    "register",
    "run_job",
    "tick",
]

#: A worker whose heartbeat is older than this is dead (seconds); see ``QIWANG_WORKER_DEAD_SECONDS``.
DEFAULT_DEAD_SECONDS = 60


@dataclass(frozen=True)
class Job:
    """A periodic job.

    ``function`` is a dotted path to ``f(slot: datetime) -> dict | None`` (the slot's start,
    aware). Give exactly one of ``every`` (seconds, or a callable returning seconds — read at each
    beat, so a setting can drive it) and ``at`` (a local time of day: once a day). Jobs must be
    idempotent: a slot whose worker died is not re-run, but the next slot is, and a daily job may
    retry its slot.
    """

    key: str
    function: str
    label: str | Promise
    every: int | Callable[[], int] | None = None
    at: datetime.time | None = None
    retry_seconds: int | None = None
    max_attempts: int = 1
    description: str | Promise = ""
    enabled: Callable[[], bool] = field(default=lambda: True)

    def __post_init__(self) -> None:
        if (self.every is None) == (self.at is None):
            raise ValueError(f"job {self.key}: give exactly one of every= and at=")
        if not self.key or len(self.key) > 80:
            raise ValueError(f"job key {self.key!r}: 1 to 80 characters")

    @property
    def interval(self) -> int | None:
        if self.every is None:
            return None
        seconds = self.every() if callable(self.every) else self.every
        return max(1, int(seconds))

    def schedule_text(self) -> str:
        if self.at is not None:
            return f"{self.at:%H:%M}"
        from django.utils.translation import gettext as _

        seconds = self.interval or 0
        if seconds % 3600 == 0:
            return _("%(n)s h") % {"n": seconds // 3600}
        if seconds % 60 == 0:
            return _("%(n)s min") % {"n": seconds // 60}
        return _("%(n)s s") % {"n": seconds}


#: Every registered job by key (filled by the apps' ``AppConfig.ready``).
JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add ``job`` (a second registration with the same key replaces the first)."""
    JOBS[job.key] = job
    return job


# --- slots -------------------------------------------------------------------------------------


def current_slot(job: Job, now: datetime.datetime | None = None) -> datetime.datetime:
    """The start of the latest slot of ``job`` at or before ``now``."""
    now = now or timezone.now()
    interval = job.interval
    if interval is not None:
        seconds = int(now.timestamp()) // interval * interval
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    assert job.at is not None
    local = timezone.localtime(now)
    today = timezone.make_aware(datetime.datetime.combine(local.date(), job.at))
    if today <= now:
        return today
    return timezone.make_aware(
        datetime.datetime.combine(local.date() - datetime.timedelta(days=1), job.at)
    )


def next_slot(job: Job, now: datetime.datetime | None = None) -> datetime.datetime:
    """The start of the first slot after the current one."""
    slot = current_slot(job, now)
    interval = job.interval
    if interval is not None:
        return slot + datetime.timedelta(seconds=interval)
    assert job.at is not None
    local = timezone.localtime(slot)
    return timezone.make_aware(
        datetime.datetime.combine(local.date() + datetime.timedelta(days=1), job.at)
    )


# --- the beat ----------------------------------------------------------------------------------


def _queue(run: JobRun) -> None:
    """Queue the task that runs ``run`` (inside the caller's transaction on the database queue)."""
    from qiwang.operations.tasks import run_scheduled_job

    result = run_scheduled_job.enqueue(run.pk)
    JobRun.objects.filter(pk=run.pk).update(task_id=str(result.id))


def tick(
    *, now: datetime.datetime | None = None, beat: str = "", jobs: Iterable[Job] | None = None
) -> list[JobRun]:
    """Queue the current slot of every due job; return the runs this call queued.

    Safe to call from any number of processes at once: the unique (job, slot) key lets exactly
    one of them queue a slot."""
    now = now or timezone.now()
    chosen = [job for job in (jobs if jobs is not None else JOBS.values()) if job.enabled()]
    if not chosen:
        return []
    slots = {job.key: current_slot(job, now) for job in chosen}
    existing = {
        (run.job, run.slot): run
        for run in JobRun.objects.filter(_any(Q(job=key, slot=slot) for key, slot in slots.items()))
    }
    busy = set(
        JobRun.objects.filter(
            job__in=list(slots), status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).values_list("job", flat=True)
    )
    queued: list[JobRun] = []
    for job in chosen:
        slot = slots[job.key]
        run = existing.get((job.key, slot))
        if run is not None:
            retried = _maybe_retry(job, run, now)
            if retried is not None:
                queued.append(retried)
            continue
        if job.key in busy:
            continue  # the previous run is still queued or running: no pile-up
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=job.key, slot=slot, queued_at=now, worker=beat)
                _queue(run)
        except IntegrityError:
            continue  # another beat queued this slot first
        logger.info("queued job %s for slot %s", job.key, slot.isoformat())
        queued.append(run)
    return queued


def _any(conditions: Iterable[Q]) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


def _maybe_retry(job: Job, run: JobRun, now: datetime.datetime) -> JobRun | None:
    """Queue the same slot again when the job retries within a slot (daily jobs)."""
    if job.retry_seconds is None or run.attempts >= job.max_attempts:
        return None
    if run.status not in (JobStatus.FAILED, JobStatus.ABANDONED) or run.finished_at is None:
        return None
    if run.finished_at > now - datetime.timedelta(seconds=job.retry_seconds):
        return None
    with transaction.atomic():
        changed = JobRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts).update(
            status=JobStatus.QUEUED,
            attempts=run.attempts + 1,
            queued_at=now,
            started_at=None,
            finished_at=None,
        )
        if not changed:
            return None
        _queue(run)
    run.refresh_from_db()
    logger.info("retrying job %s slot %s (attempt %d)", job.key, run.slot, run.attempts)
    return run


# --- running -----------------------------------------------------------------------------------


def run_job(run_id: int, *, worker: str = "") -> JobRun | None:
    """Run one queued slot. Only a QUEUED run starts (a re-delivered task finds it RUNNING or
    finished and does nothing). Exceptions are logged, counted and recorded, never raised: the
    next slot (or a retry) runs the job again."""
    started = timezone.now()
    claimed = JobRun.objects.filter(pk=run_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=started, worker=worker[:120], error=""
    )
    if not claimed:
        return JobRun.objects.filter(pk=run_id).first()
    run = JobRun.objects.get(pk=run_id)
    job = JOBS.get(run.job)
    clock = time.perf_counter()
    try:
        if job is None:
            raise LookupError(f"no job is registered as {run.job!r}")
        function: Callable[..., Any] = import_string(job.function)
        result = function(slot=run.slot) or {}
    except Exception as error:
        if _is_connection_error(error):
            raise  # the worker reconnects and re-queues; the reaper marks this run abandoned
        logger.exception("job %s slot %s failed", run.job, run.slot.isoformat())
        JobRun.objects.filter(pk=run_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error="".join(traceback.format_exception_only(error)).strip()[:2000],
        )
        count(f"job_failures:{run.job}")
    else:
        JobRun.objects.filter(pk=run_id).update(
            status=JobStatus.SUCCEEDED,
            finished_at=timezone.now(),
            result=_jsonable(result),
        )
        logger.info(
            "job %s slot %s succeeded in %.3f s",
            run.job,
            run.slot.isoformat(),
            time.perf_counter() - clock,
        )
    run.refresh_from_db()
    return run


def _jsonable(result: Any) -> dict[str, Any]:
    import json

    try:
        json.dumps(result)
    except (TypeError, ValueError):
        return {"result": str(result)[:500]}
    return result if isinstance(result, dict) else {"result": result}


def _is_connection_error(error: BaseException) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(error, (OperationalError, InterfaceError))


# --- finding what dead workers left behind ------------------------------------------------------


@dataclass(frozen=True)
class ReapResult:
    requeued_tasks: int
    abandoned_runs: int


def dead_before(now: datetime.datetime, dead_seconds: int) -> datetime.datetime:
    return now - datetime.timedelta(seconds=dead_seconds)


def reap(
    *, now: datetime.datetime | None = None, dead_seconds: int = DEFAULT_DEAD_SECONDS
) -> ReapResult:
    """Re-queue tasks left RUNNING by dead workers, and mark abandoned the job runs whose task is
    no longer running.

    A worker is dead when its heartbeat is older than ``dead_seconds`` (or it said it stopped). A
    task claimed by a worker with no heartbeat row at all (a plain ``db_worker``) counts as left
    behind once it has been running for 15 minutes and ``dead_seconds``. Each task is re-queued by
    a compare-and-set on its RUNNING status, so two reapers re-queue it once; it keeps its id and
    arguments (a webhook delivery keeps its id, the receiver's idempotency key)."""
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.tasks import TASK_READY, TASK_RUNNING

    now = now or timezone.now()
    limit = dead_before(now, dead_seconds)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=limit, stopped_at__isnull=True).values_list(
            "worker_id", flat=True
        )
    )
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    unknown_limit = limit - datetime.timedelta(minutes=15)
    requeued = 0
    for task_id, worker_ids, started_at in DBTaskResult.objects.filter(
        status=TASK_RUNNING
    ).values_list("id", "worker_ids", "started_at"):
        owner = worker_ids[-1] if worker_ids else ""
        if owner in alive:
            continue
        if owner not in known and started_at is not None and started_at > unknown_limit:
            continue
        changed = DBTaskResult.objects.filter(pk=task_id, status=TASK_RUNNING).update(
            status=TASK_READY, started_at=None
        )
        if changed:
            requeued += 1
            logger.warning("re-queued task %s left running by worker %s", task_id, owner or "?")
    if requeued:
        count("tasks_requeued", requeued)
    abandoned = 0
    running_tasks = {
        str(pk)
        for pk in DBTaskResult.objects.filter(status=TASK_RUNNING).values_list("pk", flat=True)
    }
    for run in JobRun.objects.filter(status=JobStatus.RUNNING):
        if run.task_id and run.task_id in running_tasks:
            continue
        if not run.task_id and run.started_at and run.started_at > limit:
            continue  # run inline (``qiwang jobs run``): trust it for dead_seconds
        changed = JobRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.ABANDONED,
            finished_at=now,
            error="The worker running this slot stopped before it finished.",
        )
        if changed:
            abandoned += 1
            count(f"job_abandoned:{run.job}")
            logger.warning("job %s slot %s abandoned: its worker stopped", run.job, run.slot)
    # A queued run whose task has gone (failed while the database was away, pruned) never
    # starts: abandon it too, so that the next slot is not blocked behind it.
    for run in JobRun.objects.filter(status=JobStatus.QUEUED, queued_at__lt=limit):
        if (
            run.task_id
            and DBTaskResult.objects.filter(
                pk=run.task_id, status__in=[TASK_READY, TASK_RUNNING]
            ).exists()
        ):
            continue
        if JobRun.objects.filter(pk=run.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.ABANDONED,
            finished_at=now,
            error="The task of this slot was lost before it ran.",
        ):
            abandoned += 1
    return ReapResult(requeued, abandoned)
