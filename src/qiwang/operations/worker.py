"""``qiwang worker``: the database task queue, a beat and a heartbeat, surviving database outages.

The task loop is django-tasks-db's worker with three changes:

- **It does not exit when the database goes away.** A connection error while polling, claiming
  or recording a task is logged; the worker closes its connection, waits (1, 2, 4 … 30 s) and
  polls again. A task that failed *because* the connection broke is put back on the queue (READY)
  instead of being marked failed for ever — at once if the database is back, otherwise as soon as
  it is.
- **A beat thread** refreshes this worker's :class:`~qiwang.operations.models.WorkerHeartbeat`
  every ``QIWANG_BEAT_SECONDS``, re-queues what dead workers left RUNNING
  (:func:`~qiwang.operations.scheduler.reap`) and queues the periodic jobs that are due
  (:func:`~qiwang.operations.scheduler.tick`). Any number of workers may run a beat: the unique
  (job, slot) key makes each slot run once.
- **The request id** of the web request that queued a task is put back into the logging context
  while the task runs (see :mod:`qiwang.operations.logs`).

The service files (docs/deploy.md: systemd ``Restart=always``, compose ``restart: unless-stopped``)
restart a worker that exits for any other reason.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from qiwang.operations import logs
from qiwang.operations.models import WorkerHeartbeat
from qiwang.operations.scheduler import reap, tick

logger = logging.getLogger("qiwang.worker")

_worker_id = ""
_current_task = ""
CONNECTION_ERRORS = (OperationalError, InterfaceError)


def current_worker_id() -> str:
    """This process's worker id (empty outside ``qiwang worker``)."""
    return _worker_id


def new_worker_id() -> str:
    host = socket.gethostname()[:40]
    return f"{host}-{os.getpid()}-{get_random_string(6)}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _drop_connection() -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone anyway
        logger.debug("closing a broken connection failed", exc_info=True)


class Beat(threading.Thread):
    """Heartbeat, reaper and scheduler of one worker process (a daemon thread)."""

    def __init__(
        self, worker_id: str, *, schedule: bool, every: float, dead_seconds: int, queues: str
    ) -> None:
        super().__init__(name="qiwang-beat", daemon=True)
        self.worker_id = worker_id
        self.schedule = schedule
        self.every = every
        self.dead_seconds = dead_seconds
        self.queues = queues
        self.stop = threading.Event()
        self.failures = 0

    def once(self) -> None:
        now = timezone.now()
        updated = WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            seen_at=now, current_task=_current_task[:200], stopped_at=None
        )
        if not updated:
            WorkerHeartbeat.objects.create(
                worker_id=self.worker_id,
                hostname=socket.gethostname()[:120],
                pid=os.getpid(),
                started_at=now,
                seen_at=now,
                beat=self.schedule,
                current_task=_current_task[:200],
            )
        reap(now=now, dead_seconds=self.dead_seconds)
        if self.schedule:
            tick(now=now, beat=self.worker_id)

    def run(self) -> None:
        while True:
            try:
                self.once()
                if self.failures:
                    logger.warning(
                        "beat: database reachable again after %d failures", self.failures
                    )
                self.failures = 0
            except Exception as error:  # noqa: BLE001 - the beat must never stop
                self.failures += 1
                if self.failures == 1 or self.failures % 12 == 0:
                    logger.warning("beat failed (%s); retrying", _first_line(error))
                _drop_connection()
            if self.stop.wait(self.every):
                break
        _drop_connection()


class ResilientWorker(Worker):
    """django-tasks-db's worker loop, kept alive across database restarts and outages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pending_requeue: set[str] = set()
        self.outages = 0

    def run(self) -> None:
        logger.info("worker %s started (queues %s)", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(0.5)
        backoff = 1.0
        down_since: float | None = None
        while self.running:
            try:
                self._requeue_pending()
                task_result, retrieved = self._claim()
                if task_result is not None:
                    self.run_task(task_result)
                if down_since is not None:
                    logger.warning(
                        "database reachable again after %.1f s", time.monotonic() - down_since
                    )
                    down_since = None
                backoff = 1.0
            except CONNECTION_ERRORS as error:
                if down_since is None:
                    down_since = time.monotonic()
                    self.outages += 1
                logger.warning(
                    "database unavailable (%s); retrying in %.0f s", _first_line(error), backoff
                )
                _drop_connection()
                time.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if self.batch and retrieved and task_result is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)

    def _claim(self) -> tuple[DBTaskResult | None, bool]:
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return None, False
                raise
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result, True

    def _requeue_pending(self) -> None:
        """Put back on the queue the tasks that broke on a lost connection."""
        if not self.pending_requeue:
            return
        from qiwang.operations.tasks import TASK_READY, TASK_RUNNING

        for task_id in list(self.pending_requeue):
            DBTaskResult.objects.filter(pk=task_id, status=TASK_RUNNING).update(
                status=TASK_READY, started_at=None
            )
            self.pending_requeue.discard(task_id)
            logger.warning("re-queued task %s after a lost database connection", task_id)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        global _current_task
        self.running_task = True
        _current_task = f"{db_task_result.task_path} {db_task_result.pk}"
        token = logs.bind_request_id(
            (db_task_result.args_kwargs or {}).get("request_id") or f"task-{db_task_result.pk}"
        )
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except CONNECTION_ERRORS:
            # Not the task's fault: run it again once the database answers.
            self.pending_requeue.add(str(db_task_result.pk))
            raise
        except Exception as error:  # noqa: BLE001 - recorded on the task, the worker goes on
            logger.exception("task %s failed", db_task_result.pk)
            try:
                db_task_result.set_failed(error)
            except CONNECTION_ERRORS:
                self.pending_requeue.add(str(db_task_result.pk))
                raise
            task_finished.send(
                sender=type(db_task_result.task.get_backend()),
                task_result=db_task_result.task_result,
            )
        finally:
            logs.reset_request_id(token)
            _current_task = ""
            self.running_task = False
            self._run_tasks += 1


def run_worker(
    *,
    queue: str = "default",
    interval: float = 1.0,
    schedule: bool = True,
    beat_seconds: float = 5.0,
    dead_seconds: int = 60,
    batch: bool = False,
    max_tasks: int | None = None,
) -> ResilientWorker:
    """Run the worker in this process until it is stopped (SIGINT / SIGTERM finish the current
    task first), or, with ``batch``, until the queue is empty."""
    global _worker_id
    backend_name = "default"
    from django_tasks import task_backends

    if not isinstance(task_backends[backend_name], DatabaseBackend):
        raise RuntimeError("qiwang worker needs the database task backend")
    _worker_id = new_worker_id()
    worker = ResilientWorker(
        queue_names=queue.split(","),
        interval=interval,
        batch=batch,
        backend_name=backend_name,
        startup_delay=not batch,
        max_tasks=max_tasks,
        worker_id=_worker_id,
        excluded_queue_names=[],
    )
    beat = Beat(
        _worker_id, schedule=schedule, every=beat_seconds, dead_seconds=dead_seconds, queues=queue
    )
    if not batch:
        beat.start()
    worker.configure_signals()
    try:
        worker.run()
    finally:
        beat.stop.set()
        if beat.is_alive():
            beat.join(timeout=beat_seconds + 5)
        worker.reset_signals()
        try:
            WorkerHeartbeat.objects.filter(worker_id=_worker_id).update(
                stopped_at=timezone.now(), current_task=""
            )
        except Exception:  # noqa: BLE001 - the database may be the reason we stop
            logger.debug("could not mark the worker stopped", exc_info=True)
    return worker
