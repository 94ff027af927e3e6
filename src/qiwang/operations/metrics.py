"""Prometheus metrics at ``/metrics`` (every name starts with ``qiwang_``).

Two kinds, so that several gunicorn processes report correctly:

- **Per-process counters and histograms** (requests, latencies, database queries, survey
  submissions) through prometheus-client. ``qiwang serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at
  a fresh directory before gunicorn forks, every process writes its values there, and a scrape
  (answered by any one process) sums them; gunicorn's ``child_exit`` hook retires a dead
  process's gauges. Without that variable (tests, ``qiwang demo``) the process's own registry is
  used.
- **Figures read from the database at scrape time** — the task queue's depth and age, job
  outcomes and next slots, workers alive, survey responses and the fold's lag, webhook
  deliveries — which are the same whichever process answers. Apps add theirs with
  :func:`register_database_metric` in ``AppConfig.ready``. They are cached for
  ``DATABASE_METRICS_SECONDS`` so that frequent scrapes cost little.

Access: addresses in ``QIWANG_METRICS_ALLOW`` (loopback by default) or ``Authorization: Bearer
<QIWANG_METRICS_TOKEN>``; anyone else gets 403.
"""

from __future__ import annotations

import ipaddress
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# Only the values: the *_created series double the output and no dashboard reads them.
disable_created_metrics()

REQUESTS = Counter(
    "qiwang_http_requests",
    "HTTP requests answered, by method, route pattern and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "qiwang_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_QUERIES = Counter("qiwang_db_queries", "Database statements run by web requests.")
DB_SECONDS = Counter("qiwang_db_query_seconds", "Time spent in database statements by requests.")
DB_ERRORS = Counter(
    "qiwang_db_errors", "Requests that failed because the database was unavailable."
)
SUBMISSIONS = Counter(
    "qiwang_survey_submissions",
    "Survey submissions by outcome (stored, already_submitted, rejected).",
    ["outcome"],
)
SMS_RECEIPTS = Counter(
    "qiwang_sms_receipts",
    "SMS delivery receipts by provider and outcome (updated, unchanged, unknown message id).",
    ["provider", "outcome"],
)

DATABASE_METRICS_SECONDS = 5.0


@dataclass(frozen=True)
class DatabaseMetric:
    """A gauge computed from the database: ``read()`` yields (label values, value)."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]


DATABASE_METRICS: dict[str, DatabaseMetric] = {}


def register_database_metric(
    name: str,
    documentation: str,
    labels: Iterable[str],
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]],
) -> None:
    if not name.startswith("qiwang_"):
        raise ValueError(f"metric {name!r}: names start with qiwang_")
    DATABASE_METRICS[name] = DatabaseMetric(name, documentation, tuple(labels), read)


class DatabaseCollector(Collector):
    """Reads every registered database metric (cached for a few seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, list[GaugeMetricFamily]] | None = None

    def collect(self) -> Iterable[GaugeMetricFamily]:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > DATABASE_METRICS_SECONDS:
                self._cached = (now, self._read())
            return list(self._cached[1])

    def _read(self) -> list[GaugeMetricFamily]:
        families = []
        up = GaugeMetricFamily("qiwang_database_up", "1 when the database answered the scrape.")
        try:
            for metric in DATABASE_METRICS.values():
                family = GaugeMetricFamily(
                    metric.name, metric.documentation, labels=list(metric.labels)
                )
                for labels, value in metric.read():
                    family.add_metric(list(labels), float(value))
                families.append(family)
        except Exception:  # noqa: BLE001 - a scrape during an outage says so instead of failing
            from django.db import connection

            connection.close()
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]


_database_collector = DatabaseCollector()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """The text exposition of every metric."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in _process_collectors():
            registry.register(collector)
    registry.register(_database_collector)
    return generate_latest(registry)


def _process_collectors() -> list[Any]:
    return [REQUESTS, LATENCY, DB_QUERIES, DB_SECONDS, DB_ERRORS, SUBMISSIONS]


CONTENT_TYPE = CONTENT_TYPE_LATEST


def allowed(remote_addr: str, authorization: str) -> bool:
    """Whether a scrape from ``remote_addr`` with this Authorization header may read metrics."""
    from django.conf import settings
    from django.utils.crypto import constant_time_compare

    token = settings.QIWANG_METRICS_TOKEN
    if token and authorization.startswith("Bearer "):
        return constant_time_compare(authorization.removeprefix("Bearer ").strip(), token)
    networks = settings.QIWANG_METRICS_ALLOW
    if "*" in networks:
        return True
    try:
        address = ipaddress.ip_address(remote_addr.split("%", 1)[0])
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


def count_submission(outcome: str) -> None:
    SUBMISSIONS.labels(outcome=outcome).inc()


# --- the operations app's own database metrics ---------------------------------------------------


def _queue() -> Iterable[tuple[tuple[str, ...], float]]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.tasks import TASK_READY, TASK_RUNNING

    rows = (
        DBTaskResult.objects.filter(status__in=[TASK_READY, TASK_RUNNING])
        .values_list("queue_name", "status")
        .annotate(n=Count("pk"))
    )
    seen = {(queue, status): n for queue, status, n in rows}
    due = DBTaskResult.objects.ready().values_list("queue_name").annotate(n=Count("pk"))
    for queue, n in due:
        seen[(queue, "due")] = n
    for status in ("READY", "RUNNING", "due"):
        seen.setdefault(("default", status), 0)
    return [((queue, status.lower()), n) for (queue, status), n in sorted(seen.items())]


def _queue_age() -> Iterable[tuple[tuple[str, ...], float]]:
    from qiwang.operations.health import queue_lag

    seconds, _due = queue_lag()
    return [((), seconds)]


def _jobs() -> Iterable[tuple[tuple[str, ...], float]]:
    from qiwang.operations.status import job_states

    rows = []
    for state in job_states():
        for status, n in state.outcomes.items():
            rows.append(((state.job.key, status), n))
    return rows


def _job_times(kind: str) -> Callable[[], Iterable[tuple[tuple[str, ...], float]]]:
    def read() -> Iterable[tuple[tuple[str, ...], float]]:
        from qiwang.operations.status import job_states

        rows = []
        for state in job_states():
            if kind == "next":
                rows.append(((state.job.key,), state.next_slot.timestamp()))
            elif state.last_success is not None and state.last_success.finished_at:
                rows.append(((state.job.key,), state.last_success.finished_at.timestamp()))
        return rows

    return read


def _job_failing() -> Iterable[tuple[tuple[str, ...], float]]:
    from qiwang.operations.status import job_states

    return [((state.job.key,), 0.0 if state.healthy else 1.0) for state in job_states()]


def _workers() -> Iterable[tuple[tuple[str, ...], float]]:
    from qiwang.operations.status import worker_states

    return [((), sum(1 for worker in worker_states() if worker.alive))]


def _counters() -> Iterable[tuple[tuple[str, ...], float]]:
    from qiwang.operations.models import Counter as SharedCounter

    return [((row.name,), row.value) for row in SharedCounter.objects.all()]


register_database_metric(
    "qiwang_task_queue_depth",
    "Background tasks by queue and state (ready = queued, due = ready and due now).",
    ("queue", "state"),
    _queue,
)
register_database_metric(
    "qiwang_task_queue_oldest_due_seconds",
    "How long the oldest due task has waited for a worker.",
    (),
    _queue_age,
)
register_database_metric(
    "qiwang_job_runs", "Periodic job runs kept, by job and outcome.", ("job", "outcome"), _jobs
)
register_database_metric(
    "qiwang_job_last_success_timestamp_seconds",
    "When each job last finished successfully (Unix time).",
    ("job",),
    _job_times("success"),
)
register_database_metric(
    "qiwang_job_next_slot_timestamp_seconds",
    "The start of each job's next slot (Unix time).",
    ("job",),
    _job_times("next"),
)
register_database_metric(
    "qiwang_job_failing",
    "1 when the job's last run failed or was abandoned.",
    ("job",),
    _job_failing,
)
register_database_metric("qiwang_workers_alive", "Workers with a fresh heartbeat.", (), _workers)
register_database_metric(
    "qiwang_events_total",
    "Shared totals: tasks re-queued from dead workers, job failures and abandoned runs by job.",
    ("name",),
    _counters,
)
