"""Benchmark of the account manager's day at scale (issue 5), on PostgreSQL.

1. **Generation**: the time to generate a day's contact and greeting tasks for N customers
   (default 1,000,000) with ``generate_contact_tasks`` (set-based ``INSERT … SELECT``), the time
   of a second run of the same day (idempotent: inserts nothing), against a baseline in the same
   process — the obvious ORM approach (read the due customers, build ``ContactTask`` objects in
   Python, ``bulk_create(ignore_conflicts=True)``) for the same day in a rolled-back transaction.
2. **"My day" page**: a real server (gunicorn, ``--workers``) and an httpx asyncio client with
   ``--users`` concurrent account managers (default 100), each logged in and opening their
   "my day" page ``--requests`` times; prints p50 / p95 / p99 and requests per second.

Usage (a database of its own; it is emptied and filled):

    createdb -h 127.0.0.1 -U postgres qh2_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qh2_bench \\
        .venv/bin/python benchmarks/bench_customers.py --customers 1000000 --users 100

Prints one JSON summary; the figures in ``docs/benchmarks.md`` come from it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PASSWORD = "bench-password"
#: Account managers: one per MANAGER_SIZE customers (a realistic book).
MANAGER_SIZE = 1000


def _setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (it is emptied).")
    os.environ.setdefault("QIWANG_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiwang.project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(customers: int, day: datetime.date) -> dict[str, float]:
    """Empty the customers tables and insert ``customers`` customers (5 % VIP, 10 % important,
    15 % high-quality, 70 % general) spread over account managers, with SQL."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from qiwang.accounts.models import Branch, User

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE customers_contacttask, customers_interaction, customers_customer, "
            "customers_occasion, customers_allocation, accounts_auditevent CASCADE"
        )
    User.objects.filter(username__startswith="bench_").delete()
    Branch.objects.filter(code__startswith="bench", parent__isnull=False).delete()
    Branch.objects.filter(code__startswith="bench").delete()
    company = Branch.objects.create(code="bench", name="基准公司", kind="company")
    branches = [
        Branch.objects.create(
            code=f"bench{i}", name=f"基准小区{i}", kind="community", parent=company
        )
        for i in range(10)
    ]
    supervisor = User.objects.create(
        username="bench_supervisor", role="quality_manager", password=make_password(PASSWORD)
    )
    managers_count = max(1, customers // MANAGER_SIZE)
    hashed = make_password(PASSWORD)
    managers = User.objects.bulk_create(
        User(
            username=f"bench_manager_{i:05d}",
            role="account_manager",
            password=hashed,
            supervisor=supervisor,
        )
        for i in range(managers_count)
    )
    through = User.branches.through
    through.objects.bulk_create(
        through(user_id=manager.pk, branch_id=branches[index % 10].pk)
        for index, manager in enumerate(managers)
    )
    first_manager = managers[0].pk
    branch_ids = [branch.pk for branch in branches]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO customers_customer (code, name, kind, tier, branch_id, account_manager_id,
                phone, email, address, wechat, orders_count, revenue, last_activity_at, notes,
                created_at, updated_at, lifecycle, customer_since, birthday, founded_on)
            SELECT 'K' || lpad(g::text, 8, '0'), '客户' || g, 'household',
                   CASE WHEN g %% 100 < 5 THEN 'vip' WHEN g %% 100 < 15 THEN 'important'
                        WHEN g %% 100 < 30 THEN 'high_quality' ELSE 'general' END,
                   (%s::bigint[])[1 + ((g / 1000) %% 10)],
                   %s + least((g - 1) / %s, %s),
                   '138' || lpad((g %% 100000000)::text, 8, '0'), '', '', '', 12, 1000, NULL, '',
                   now() - interval '400 days', now(), 'active', NULL,
                   CASE WHEN g %% 50 = 0 THEN date '1980-01-01' + (g %% 365) END, NULL
            FROM generate_series(1, %s) g
            """,
            [branch_ids, first_manager, MANAGER_SIZE, managers_count - 1, customers],
        )
        # each manager's customers in the manager's branch
        cursor.execute(
            """
            UPDATE customers_customer c SET branch_id = ub.branch_id
            FROM accounts_user_branches ub WHERE ub.user_id = c.account_manager_id
            """
        )
        cursor.execute("ANALYZE customers_customer")
    return {"seed_seconds": round(time.perf_counter() - started, 1), "managers": managers_count}


def _baseline(day: datetime.date) -> tuple[float, int]:
    """The obvious ORM way, in a transaction rolled back afterwards."""
    from django.db import transaction

    from qiwang.customers.models import ContactTask, Customer, MaintenancePlan

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    created = 0
    try:
        with transaction.atomic():
            for plan in MaintenancePlan.objects.filter(is_active=True):
                if not plan.is_due_on(day):
                    continue
                due = Customer.objects.filter(tier=plan.tier, account_manager__isnull=False)
                slot = plan.rotation_slot(day)
                rows = due.values_list("pk", "branch_id", "account_manager_id").iterator(
                    chunk_size=10000
                )
                batch = []
                for pk, branch_id, manager_id in rows:
                    if slot is not None and pk % 28 != slot:
                        continue
                    batch.append(
                        ContactTask(
                            customer_id=pk,
                            branch_id=branch_id,
                            assignee_id=manager_id,
                            plan=plan,
                            kind="contact",
                            due_date=day,
                            channel=plan.channel,
                        )
                    )
                    if len(batch) >= 5000:
                        created += len(
                            ContactTask.objects.bulk_create(batch, ignore_conflicts=True)
                        )
                        batch = []
                created += len(ContactTask.objects.bulk_create(batch, ignore_conflicts=True))
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started, created


def _generation(day: datetime.date) -> dict[str, object]:
    from qiwang.customers.models import ContactTask
    from qiwang.customers.services import generate_contact_tasks
    from qiwang.customers.services.greetings import load_year

    load_year(day.year)  # the holiday table, outside the timing
    baseline_seconds, baseline_created = _baseline(day)
    started = time.perf_counter()
    first = generate_contact_tasks(day, escalate=False)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = generate_contact_tasks(day, escalate=False)
    second_seconds = time.perf_counter() - started
    return {
        "day": day.isoformat(),
        "tasks_created": first.created + first.greetings,
        "generate_seconds": round(first_seconds, 2),
        "tasks_per_second": round((first.created + first.greetings) / first_seconds),
        "second_run_created": second.created + second.greetings,
        "second_run_seconds": round(second_seconds, 2),
        "baseline_orm_seconds": round(baseline_seconds, 2),
        "baseline_orm_created": baseline_created,
        "speed_up_vs_orm": round(baseline_seconds / first_seconds, 1),
        "tasks_in_table": ContactTask.objects.count(),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _log_in(client, base: str, username: str) -> None:
    login = await client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = await client.post(
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username}: log-in answered {response.status_code}")


async def _open_day(client, username: str, requests: int, timings: list[float]) -> int:
    rows = 0
    for _ in range(requests):
        started = time.perf_counter()
        page = await client.get("/customers/my-day/")
        timings.append(time.perf_counter() - started)
        if page.status_code != 200:
            raise RuntimeError(f"{username}: my day answered {page.status_code}")
        rows = page.text.count('data-testid="task"')
        if rows == 0 and "待办任务 0" not in page.text and "0 tasks to do" not in page.text:
            raise RuntimeError(f"{username}: no task rows in {page.text[:300]!r}")
    return rows


async def _load(base: str, usernames: list[str], requests: int) -> dict[str, object]:
    """Log every user in first (password hashing is not what is measured), then let all of
    them open their day at once."""
    import httpx

    clients = [httpx.AsyncClient(base_url=base, timeout=300) for _ in usernames]
    try:
        for start in range(0, len(usernames), 10):
            await asyncio.gather(
                *(
                    _log_in(client, base, name)
                    for client, name in zip(
                        clients[start : start + 10], usernames[start : start + 10], strict=True
                    )
                )
            )
        timings: list[float] = []
        started = time.perf_counter()
        rows = await asyncio.gather(
            *(
                _open_day(client, name, requests, timings)
                for client, name in zip(clients, usernames, strict=True)
            )
        )
        elapsed = time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()
    timings.sort()

    def percentile(share: float) -> float:
        return round(1000 * timings[min(len(timings) - 1, int(share * len(timings)))], 1)

    return {
        "users": len(usernames),
        "requests": len(timings),
        "tasks_per_page_median": statistics.median(rows),
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "requests_per_second": round(len(timings) / elapsed, 1),
    }


def _page(users: int, requests: int, workers: int, threads: int) -> dict[str, object]:
    from qiwang.accounts.models import User

    usernames = list(
        User.objects.filter(username__startswith="bench_manager_")
        .order_by("username")
        .values_list("username", flat=True)[:users]
    )
    port = _free_port()
    env = {
        **os.environ,
        "QIWANG_ENV": "production",
        "SECRET_KEY": "bench-secret-key-not-for-production-use-0123456789",
        "QIWANG_SECURE_COOKIES": "false",
        "QIWANG_LOGIN_RATE": "100000/m",
        "LOG_LEVEL": "ERROR",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "qiwang.project.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "error",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        warm = asyncio.run(_load(base, usernames[:2], 2))  # imports, caches, connections
        result = asyncio.run(_load(base, usernames, requests))
        result["warm_up_p50_ms"] = warm["p50_ms"]
        result["server"] = f"gunicorn {workers} workers × {threads} threads"
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5, help="Page loads per user.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--day", default="2026-11-23", help="A Monday: every tier plan is due.")
    arguments = parser.parse_args()
    _setup()
    day = datetime.date.fromisoformat(arguments.day)
    summary: dict[str, object] = {
        "customers": arguments.customers,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    summary.update(_seed(arguments.customers, day))
    summary["generation"] = _generation(day)
    summary["my_day_page"] = _page(
        arguments.users, arguments.requests, arguments.workers, arguments.threads
    )
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
