"""``/health/live`` and ``/health/ready``: what a load balancer and an operator need to know.

``live`` answers 200 while the process can answer at all (no database). ``ready`` runs every
readiness check and answers 200 when all pass, 503 otherwise, with JSON naming each check::

    {"status": "ok", "checks": {"database": {"ok": true, "ms": 0.8}, "cache": {...},
     "worker": {...}, "queue_lag": {...}, "fold_lag": {...}}}

Checks are a registry: apps add theirs in ``AppConfig.ready`` (surveys adds ``fold_lag``) with
:func:`register_check`. A check returns ``(ok, details)``; an exception counts as a failure with
its first line as ``error``. When the database check fails the others are reported as skipped.
"""

from __future__ import annotations

import contextlib
import datetime
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

CheckFunction = Callable[[], tuple[bool, dict[str, Any]]]
#: Name → check, in the order they run.
READINESS_CHECKS: dict[str, CheckFunction] = {}


def register_check(name: str, function: CheckFunction) -> None:
    READINESS_CHECKS[name] = function


def check_database() -> tuple[bool, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, {"vendor": connection.vendor}


def check_cache() -> tuple[bool, dict[str, Any]]:
    from django.core.cache import caches

    cache = caches["default"]
    key = f"qiwang-health-{secrets.token_hex(4)}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    backend = type(cache).__name__
    return ok, {"backend": backend}


def check_worker() -> tuple[bool, dict[str, Any]]:
    from qiwang.operations.models import WorkerHeartbeat

    now = timezone.now()
    limit = now - datetime.timedelta(seconds=settings.QIWANG_WORKER_DEAD_SECONDS)
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=limit, stopped_at__isnull=True)
    latest = alive.order_by("-seen_at").values_list("seen_at", flat=True).first()
    details: dict[str, Any] = {
        "alive": alive.count(),
        "required": settings.QIWANG_READY_REQUIRE_WORKER,
        "last_seen_seconds": round((now - latest).total_seconds(), 1) if latest else None,
    }
    return bool(details["alive"]) or not settings.QIWANG_READY_REQUIRE_WORKER, details


def queue_lag(now: datetime.datetime | None = None) -> tuple[float, int]:
    """(seconds the oldest due task has waited, number of due tasks). A task is due from when it
    was queued, or from its ``run_after`` when it was deferred."""
    from django.db.models import Count, Min
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    plain = ready.filter(run_after=get_date_max()).aggregate(n=Count("pk"), at=Min("enqueued_at"))
    deferred = ready.exclude(run_after=get_date_max()).aggregate(n=Count("pk"), at=Min("run_after"))
    moments = [moment for moment in (plain["at"], deferred["at"]) if moment is not None]
    if not moments:
        return 0.0, 0
    return max(0.0, (now - min(moments)).total_seconds()), plain["n"] + deferred["n"]


def check_queue_lag() -> tuple[bool, dict[str, Any]]:
    seconds, due = queue_lag()
    limit = settings.QIWANG_READY_QUEUE_LAG_SECONDS
    return seconds <= limit, {"seconds": round(seconds, 1), "due": due, "limit": limit}


def _run(name: str, function: CheckFunction) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        ok, details = function()
    except Exception as error:  # noqa: BLE001 - a failing check is a result, not a crash
        text = str(error).strip()
        ok, details = False, {"error": text.splitlines()[0] if text else type(error).__name__}
    return {"ok": ok, "ms": round(1000 * (time.perf_counter() - started), 1), **details}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Run every check; the database first (without it the others are skipped)."""
    checks: dict[str, Any] = {"database": _run("database", check_database)}
    if not checks["database"]["ok"]:
        with contextlib.suppress(Exception):  # a broken connection may fail to close
            connection.close()
        for name in ("cache", *READINESS_CHECKS):
            checks[name] = {"ok": False, "skipped": "database unavailable"}
        return False, checks
    checks["cache"] = _run("cache", check_cache)
    for name, function in READINESS_CHECKS.items():
        checks[name] = _run(name, function)
    return all(check["ok"] for check in checks.values()), checks


register_check("worker", check_worker)
register_check("queue_lag", check_queue_lag)
