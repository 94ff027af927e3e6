"""What the jobs page, ``qiwang jobs`` and the metrics show: each job's last run, outcome and
next slot, and the workers' heartbeats (reads only)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from qiwang.operations.models import JobRun, JobStatus, WorkerHeartbeat
from qiwang.operations.scheduler import JOBS, Job, current_slot, next_slot


@dataclass(frozen=True)
class JobState:
    job: Job
    last: JobRun | None
    last_success: JobRun | None
    next_slot: datetime.datetime
    outcomes: dict[str, int]

    @property
    def healthy(self) -> bool:
        return self.last is None or self.last.status not in (JobStatus.FAILED, JobStatus.ABANDONED)

    def to_dict(self) -> dict[str, Any]:
        def run(value: JobRun | None) -> dict[str, Any] | None:
            if value is None:
                return None
            return {
                "slot": value.slot.isoformat(),
                "status": value.status,
                "attempts": value.attempts,
                "started_at": value.started_at.isoformat() if value.started_at else None,
                "finished_at": value.finished_at.isoformat() if value.finished_at else None,
                "duration_seconds": value.duration,
                "error": value.error,
                "result": value.result,
            }

        return {
            "job": self.job.key,
            "label": str(self.job.label),
            "schedule": self.job.schedule_text(),
            "last_run": run(self.last),
            "last_success": run(self.last_success),
            "next_slot": self.next_slot.isoformat(),
            "outcomes": self.outcomes,
        }


def job_states(now: datetime.datetime | None = None) -> list[JobState]:
    now = now or timezone.now()
    outcomes: dict[str, dict[str, int]] = {}
    for job, status, n in JobRun.objects.values_list("job", "status").annotate(n=Count("pk")):
        outcomes.setdefault(job, {})[status] = n
    states = []
    for key in sorted(JOBS):
        job = JOBS[key]
        last = JobRun.objects.filter(job=key).order_by("-slot").first()
        success = (
            JobRun.objects.filter(job=key, status=JobStatus.SUCCEEDED).order_by("-slot").first()
        )
        slot = current_slot(job, now)
        upcoming = next_slot(job, now)
        if last is None or last.slot < slot:
            upcoming = slot  # the current slot has not been queued yet: due now
        states.append(JobState(job, last, success, upcoming, outcomes.get(key, {})))
    return states


@dataclass(frozen=True)
class WorkerState:
    heartbeat: WorkerHeartbeat
    alive: bool


def worker_states(now: datetime.datetime | None = None) -> list[WorkerState]:
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=settings.QIWANG_WORKER_DEAD_SECONDS)
    recent = now - datetime.timedelta(days=1)
    return [
        WorkerState(beat, beat.stopped_at is None and beat.seen_at >= limit)
        for beat in WorkerHeartbeat.objects.filter(seen_at__gte=recent).order_by("-seen_at")[:50]
    ]
