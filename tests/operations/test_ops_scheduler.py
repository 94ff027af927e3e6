"""The scheduler: one run per (job, slot) whatever the number of beats, failures recorded and
retried at the next slot, dead workers' tasks re-queued, and a killed job followed by its next
slot (a real worker process killed with SIGKILL)."""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from qiwang.operations import scheduler
from qiwang.operations.models import Counter, JobRun, JobStatus, WorkerHeartbeat
from qiwang.operations.scheduler import Job, current_slot, next_slot, reap, run_job, tick

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime.datetime(2026, 11, 23, 8, 0, 7, tzinfo=datetime.UTC)


def _job(key="test.record", function="tests.operations.jobs_for_tests.record", **kw):
    kw.setdefault("every", 60)
    return Job(key=key, function=function, label=key, **kw)


def _run_queued(now=None):
    """What a worker does with the queued slots (the same function its task calls)."""
    for run in JobRun.objects.filter(status=JobStatus.QUEUED):
        run_job(run.pk, worker="test")


def test_interval_slots_are_aligned_on_the_epoch_and_daily_slots_on_local_time():
    # given a 60 s job and a daily job at 00:05 in Asia/Shanghai (UTC+8)
    every, daily = _job(), _job(key="d", every=None, at=datetime.time(0, 5))

    # then the 60 s slot of 08:00:07 UTC starts at 08:00:00, the next at 08:01:00
    assert current_slot(every, T0) == datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)
    assert next_slot(every, T0) == datetime.datetime(2026, 11, 23, 8, 1, tzinfo=datetime.UTC)
    # 08:00 UTC is 16:00 in Shanghai: today's 00:05 local slot is 2026-11-22 16:05 UTC
    assert current_slot(daily, T0) == datetime.datetime(2026, 11, 22, 16, 5, tzinfo=datetime.UTC)
    assert next_slot(daily, T0) == datetime.datetime(2026, 11, 23, 16, 5, tzinfo=datetime.UTC)
    # at 00:04 local time the current slot is still yesterday's
    early = datetime.datetime(2026, 11, 22, 16, 4, tzinfo=datetime.UTC)
    assert current_slot(daily, early) == datetime.datetime(2026, 11, 21, 16, 5, tzinfo=datetime.UTC)


def test_a_doubled_beat_never_doubles_a_run(db):
    from django_tasks_db.models import DBTaskResult

    job = _job()
    # when two beats tick in the same slot (two workers, or a timer beside a worker)
    first = tick(now=T0, jobs=[job], beat="a")
    second = tick(now=T0 + datetime.timedelta(seconds=20), jobs=[job], beat="b")

    # then one run and one task exist for the slot
    assert len(first) == 1 and second == []
    assert JobRun.objects.filter(job=job.key).count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_failing_job_is_recorded_counted_and_runs_again_at_the_next_slot(db):
    job = scheduler.register(
        _job(key="test.explode", function="tests.operations.jobs_for_tests.explode")
    )
    try:
        tick(now=T0, jobs=[job])
        _run_queued()
        failed = JobRun.objects.get(job=job.key)
        # then the failure is recorded with its error and counted
        assert failed.status == JobStatus.FAILED
        assert "RuntimeError: boom at 08:00:00" in failed.error
        assert Counter.objects.get(name="job_failures:test.explode").value == 1
        # and the same slot is not queued again, the next one is
        assert tick(now=T0 + datetime.timedelta(seconds=30), jobs=[job]) == []
        again = tick(now=T0 + datetime.timedelta(seconds=60), jobs=[job])
        assert [run.slot for run in again] == [T0.replace(minute=1, second=0)]
    finally:
        scheduler.JOBS.pop(job.key)


def test_a_job_still_running_is_not_queued_again(db):
    job = _job()
    tick(now=T0, jobs=[job])
    JobRun.objects.update(status=JobStatus.RUNNING)

    assert tick(now=T0 + datetime.timedelta(minutes=3), jobs=[job]) == []
    assert JobRun.objects.count() == 1


def test_a_daily_job_retries_its_failed_slot_after_retry_seconds(db):
    # a daily slot that began an hour ago (the next one is 23 hours away)
    base = timezone.now()
    at = (timezone.localtime(base) - datetime.timedelta(hours=1)).time().replace(microsecond=0)
    job = scheduler.register(
        _job(
            key="test.daily",
            function="tests.operations.jobs_for_tests.explode",
            every=None,
            at=at,
            retry_seconds=900,
            max_attempts=2,
        )
    )
    try:
        tick(now=base, jobs=[job])
        _run_queued()
        run = JobRun.objects.get()
        finished = run.finished_at
        # before retry_seconds nothing; after them the same slot, attempt 2; then no more
        assert tick(now=finished + datetime.timedelta(seconds=899), jobs=[job]) == []
        retried = tick(now=finished + datetime.timedelta(seconds=901), jobs=[job])
        assert [(r.pk, r.attempts, r.status) for r in retried] == [(run.pk, 2, JobStatus.QUEUED)]
        _run_queued()
        later = JobRun.objects.get().finished_at + datetime.timedelta(seconds=901)
        assert tick(now=later, jobs=[job]) == []
        assert JobRun.objects.get().attempts == 2
        assert JobRun.objects.get().status == JobStatus.FAILED
    finally:
        scheduler.JOBS.pop(job.key)


def test_reap_requeues_a_dead_workers_task_once_and_leaves_a_live_workers_task(db):
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.tasks import run_scheduled_job

    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="dead", hostname="h", pid=1, seen_at=now - datetime.timedelta(minutes=5)
    )
    WorkerHeartbeat.objects.create(worker_id="alive", hostname="h", pid=2, seen_at=now)
    dead_task = run_scheduled_job.enqueue(1)
    live_task = run_scheduled_job.enqueue(2)
    DBTaskResult.objects.filter(pk=dead_task.id).update(
        status="RUNNING", worker_ids=["dead"], started_at=now
    )
    DBTaskResult.objects.filter(pk=live_task.id).update(
        status="RUNNING", worker_ids=["alive"], started_at=now
    )

    first, second = reap(now=now, dead_seconds=60), reap(now=now, dead_seconds=60)

    assert (first.requeued_tasks, second.requeued_tasks) == (1, 0)
    statuses = {str(pk): s for pk, s in DBTaskResult.objects.values_list("pk", "status")}
    assert statuses[dead_task.id] == "READY" and statuses[live_task.id] == "RUNNING"
    assert Counter.objects.get(name="tasks_requeued").value == 1


# --- a real worker killed mid-job -------------------------------------------------------------

WORKER = """
import django, sys
django.setup()
from qiwang.operations import scheduler
scheduler.JOBS.clear()
scheduler.register(scheduler.Job(key="test.slow", function="tests.operations.jobs_for_tests.slow",
                                 label="slow", every=2))
from qiwang.operations.worker import run_worker
run_worker(beat_seconds=0.3, dead_seconds=2, interval=0.1)
"""


def _runs(url: str) -> list[tuple[str, str]]:
    sql = "SELECT slot, status FROM operations_jobrun WHERE job = 'test.slow' ORDER BY slot"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as conn:
            return [(str(slot), status) for slot, status in conn.execute(sql)]
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return [(str(slot), status) for slot, status in conn.execute(sql)]


@pytest.fixture
def worker_database(request, tmp_path):
    """A database a worker subprocess can reach: the test database on PostgreSQL (committed
    through transactional_db), a migrated SQLite file otherwise."""
    from django.db import connection

    if connection.vendor == "postgresql":
        request.getfixturevalue("transactional_db")
        s = connection.settings_dict
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    subprocess.run(
        [sys.executable, "-m", "qiwang", "manage", "migrate", "-v0"],
        env=_env(url, tmp_path),
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    return url


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "QIWANG_ENV"}}
    env.update(
        DATABASE_URL=url,
        QIWANG_DATA_DIR=str(tmp_path / "data"),
        QIWANG_TEST_MARKERS=str(tmp_path),
        DJANGO_SETTINGS_MODULE="qiwang.project.settings",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="info",
        QIWANG_LANGUAGE="en",  # the assertions read English messages
    )
    return env


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_job_killed_mid_run_is_abandoned_and_its_next_slot_runs(worker_database, tmp_path):
    url = worker_database
    (tmp_path / "block").touch()
    env = _env(url, tmp_path)
    log_a = (tmp_path / "a.log").open("w")
    first = subprocess.Popen(
        [sys.executable, "-c", WORKER], env=env, cwd=ROOT, stdout=log_a, stderr=subprocess.STDOUT
    )
    try:
        # given a worker running the slow job (it has started and blocks)
        started = _wait(lambda: sorted(tmp_path.glob("started-*")), 120, "the job to start")
        killed_slot = int(started[0].name.removeprefix("started-"))
        # when the worker is killed mid-run (no chance to record anything)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert [status for _slot, status in _runs(url)] == ["running"]
    (tmp_path / "block").unlink()
    log_b = (tmp_path / "b.log").open("w")
    second = subprocess.Popen(
        [sys.executable, "-c", WORKER], env=env, cwd=ROOT, stdout=log_b, stderr=subprocess.STDOUT
    )
    try:
        # then another worker finds the run abandoned and runs the next slot
        runs = _wait(
            lambda: (r := _runs(url)) and any(s == "succeeded" for _slot, s in r) and r,
            120,
            "the next slot to succeed",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert runs[0][1] == "abandoned", (runs, (tmp_path / "b.log").read_text()[-2000:])
    # the later slots succeeded; the newest may already be queued or running again (every=2 s),
    # so the test reads "a later slot succeeded, none failed", not "the last one succeeded"
    later = [status for _slot, status in runs[1:]]
    assert "succeeded" in later, runs
    assert set(later) <= {"succeeded", "queued", "running"}, runs
    assert killed_slot > 0
