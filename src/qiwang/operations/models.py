"""What the scheduler and the workers leave behind: one row per job slot, one per worker.

A :class:`JobRun` exists once per (job, slot) — the unique key that keeps two beats (two worker
processes, or a cron timer beside a worker) from running the same slot twice. A
:class:`WorkerHeartbeat` row per running ``qiwang worker`` says it is alive; a worker whose
heartbeat stops is dead, and what it left RUNNING is found and re-queued. :class:`Counter` keeps
the few totals the metrics read from the database (shared by every process).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Counter", "JobRun", "JobStatus", "WorkerHeartbeat"]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    ABANDONED = "abandoned", _("abandoned (worker stopped)")


class JobRun(models.Model):
    """One slot of one periodic job: queued by a beat, run by a worker."""

    job = models.CharField(_("job"), max_length=80)
    slot = models.DateTimeField(_("slot"))
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=120, blank=True)
    task_id = models.CharField(max_length=40, blank=True)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="job_run_once_per_slot")
        ]
        indexes = [models.Index(fields=["job", "-slot"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S}"

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class WorkerHeartbeat(models.Model):
    """A running ``qiwang worker``: refreshed every few seconds by its beat thread."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=120)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    beat = models.BooleanField(default=True)
    current_task = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class Counter(models.Model):
    """A total shared by every process (``qiwang_…_total`` metrics read it)."""

    name = models.CharField(max_length=80, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def count(name: str, by: int = 1) -> None:
    """Add ``by`` to the shared counter ``name`` (created on first use)."""
    updated = Counter.objects.filter(name=name).update(value=models.F("value") + by)
    if not updated:
        from django.db import IntegrityError, transaction

        try:
            with transaction.atomic():
                Counter.objects.create(name=name, value=by)
        except IntegrityError:
            Counter.objects.filter(name=name).update(value=models.F("value") + by)
