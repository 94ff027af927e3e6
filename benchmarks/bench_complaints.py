"""Benchmark of the complaint pages at a season of 1,000,000 complaints (issue 12 item 11), on
PostgreSQL.

N complaints (default 1,000,000) over 120 days in 20 communities, 100,000 customers, are
inserted with SQL into a database of its own: the last three days' complaints are open (a
queue of about 25,000, many past a deadline), the rest closed with an outcome and a follow-up
answer. Then each page is requested the way a browser does (``django.test.Client``: middleware,
session, permission checks, the template rendered), median of ``--repeat`` runs after one
warm-up, as the user who reads it:

- the agent's queue (one community) and the quality manager's queue and overdue view (all 20);
- a complaint page (its SLA clocks in business time on the working-day calendar);
- the *SLA and outcomes* page over the whole season (every figure of the page), read from the
  tallies the ``complaints.tallies`` job folds (the rebuild is timed too);
- the API's overdue list.

The **floor** is the *New complaint* form of the same user in the same run: the same middleware,
session and base template with no complaint query; each page is reported as a ratio to it. The
breach scan runs twice: the first records every breach of the open queue, the second (nothing
new) is the steady state of the 60-second job; the statements of each are counted.

Usage (the database is emptied and filled):

    createdb -h 127.0.0.1 -U postgres complaints_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/complaints_bench \\
        .venv/bin/python benchmarks/bench_complaints.py --complaints 1000000

Prints one JSON summary; the figures in ``docs/benchmarks.md`` come from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

BRANCHES = 20
CUSTOMERS = 100_000


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


def _seed(complaints: int) -> tuple[float, dict]:
    from django.db import connection
    from django.utils import timezone

    from qiwang.accounts.calendar_services import seed_calendar_from_library
    from qiwang.accounts.models import Branch, User
    from qiwang.complaints.models import Category

    started = time.perf_counter()
    seed_calendar_from_library()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE complaints_complaint, customers_customer CASCADE")
    company, _ = Branch.objects.get_or_create(
        code="bench", defaults={"name": "基准物业", "kind": "company"}
    )
    branches = [
        Branch.objects.get_or_create(
            code=f"bench{i:02d}",
            defaults={"name": f"小区{i:02d}", "kind": "community", "parent": company},
        )[0]
        for i in range(BRANCHES)
    ]
    users = {}
    for username, role, scope in (
        ("bench_agent", "agent", [branches[0]]),
        ("bench_quality", "quality_manager", [company]),
    ):
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username=username, password="x", role=role
        )
        user.branches.set(scope)
        users[role] = user
    categories = list(
        Category.objects.order_by("pk").values_list("pk", "dimension", "failure_kind")
    )
    first_branch = branches[0].pk
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO customers_customer (code, name, kind, tier, branch_id, phone, email,
                address, wechat, orders_count, revenue, lifecycle, notes, created_at, updated_at,
                search_key, last_activity_at)
            SELECT 'C' || lpad(i::text, 7, '0'), '客户' || i, 'household',
                   (ARRAY['general','important','vip'])[1 + i %% 3], %s + i %% %s,
                   '+86138' || lpad(i::text, 8, '0'), '', '', '', 0, 0,
                   CASE WHEN i %% 9 = 0 THEN 'lost' ELSE 'active' END, '', now(), now(), '',
                   now() - (i %% 200) * interval '1 day'
            FROM generate_series(0, %s - 1) AS i
            """,
            [first_branch, BRANCHES, CUSTOMERS],
        )
        cursor.execute("SELECT min(id) FROM customers_customer")
        first_customer = cursor.fetchone()[0]
        cursor.execute("DROP TABLE IF EXISTS bench_categories")
        cursor.execute("CREATE TEMP TABLE bench_categories (n int, id bigint, dim text, kind text)")
        cursor.executemany(
            "INSERT INTO bench_categories VALUES (%s, %s, %s, %s)",
            [(n, pk, dim, kind) for n, (pk, dim, kind) in enumerate(categories)],
        )
        # complaint i: customer c = i*7919 mod 100000 (its branch: c mod 20), received in
        # order over 120 days (as a live system inserts them); the last 3 days open, the rest
        # closed with an outcome.
        cursor.execute(
            """
            INSERT INTO complaints_complaint (branch_id, customer_id, reporter_name,
                reporter_phone, category_id, dimension, failure_kind, severity, channel, workflow,
                description, emotion, emotion_signals, repeated_contacts, is_second_failure,
                priority, step, status, return_reason, received_at, first_response_at,
                resolved_at, closed_at, first_response_hours, resolution_hours,
                first_response_due, resolution_due, sla_problem, paused_seconds,
                follow_up_score, follow_up_by, outcome, updated_at)
            SELECT %(branch)s + c %% %(branches)s, %(customer)s + c, '', '', k.id, k.dim, k.kind,
                   (ARRAY['low','medium','medium','high'])[1 + i %% 4],
                   (ARRAY['phone','visit','public_page','api'])[1 + i %% 4], 'complaint',
                   '暖气不热，屋里只有16度，老人受不了', e.emotion, '[]'::jsonb, 0, i %% 23 = 0,
                   20 + CASE e.emotion WHEN 'angry' THEN 15 WHEN 'upset' THEN 5 ELSE 0 END,
                   CASE WHEN r.open THEN (ARRAY['listen','apologise','gather','propose',
                        'follow_up'])[1 + i %% 5] ELSE 'closed' END,
                   CASE WHEN r.open THEN 'open' ELSE 'closed' END, '', r.at,
                   CASE WHEN r.open AND i %% 2 = 0 THEN NULL ELSE r.at + interval '2 hours' END,
                   CASE WHEN r.open THEN NULL ELSE r.at + (i %% 40) * interval '1 hour' END,
                   CASE WHEN r.open THEN NULL ELSE r.at + (i %% 40 + 24) * interval '1 hour' END,
                   4, 27, r.at + interval '4 hours', r.at + interval '30 hours', '', 0,
                   CASE WHEN r.open THEN NULL ELSE 1 + i %% 5 END,
                   CASE WHEN r.open THEN '' ELSE 'customer' END,
                   CASE WHEN r.open THEN 'unknown'
                        ELSE (ARRAY['recovered','recovered','recovered','lost','unknown'])
                             [1 + i %% 5] END,
                   now()
            FROM generate_series(0, %(n)s - 1) AS i
            CROSS JOIN LATERAL (SELECT (i::bigint * 7919) %% %(customers)s AS c) AS cc
            CROSS JOIN LATERAL (
                SELECT %(now)s - ((%(n)s - 1 - i)::float8 * 120 * 86400 / %(n)s)
                       * interval '1 second' AS at) AS t
            CROSS JOIN LATERAL (SELECT t.at, t.at > %(now)s - interval '3 days' AS open) AS r
            CROSS JOIN LATERAL (SELECT CASE WHEN i %% 7 = 0 THEN 'angry'
                                            WHEN i %% 3 = 0 THEN 'upset' ELSE 'calm' END
                                       AS emotion) AS e
            JOIN bench_categories AS k ON k.n = i %% %(categories)s
            """,
            {
                "branch": first_branch,
                "branches": BRANCHES,
                "customer": first_customer,
                "customers": CUSTOMERS,
                "n": complaints,
                "now": now,
                "categories": len(categories),
            },
        )
        cursor.execute("VACUUM ANALYZE customers_customer")
        cursor.execute("VACUUM ANALYZE complaints_complaint")
    return time.perf_counter() - started, users


def _time(run, repeat: int) -> float:
    run()  # warm the cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qiwang.complaints.models import Complaint
    from qiwang.complaints.services.sla import scan_breaches
    from qiwang.complaints.services.tallies import rebuild_tallies

    seed_seconds, users = _seed(options.complaints)
    started = time.perf_counter()
    folded = rebuild_tallies()
    tally_ms = (time.perf_counter() - started) * 1000
    open_one = Complaint.objects.open().filter(branch__code="bench00").order_by("pk").first()
    clients = {}
    for role, user in users.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[role] = client

    def page(role: str, path: str):
        def run() -> None:
            response = clients[role].get(path)
            assert response.status_code == 200, (path, response.status_code)

        return run

    pages = [
        ("agent", "floor: New complaint form", "/complaints/new/"),
        ("agent", "queue, agent (1 community)", "/complaints/"),
        ("agent", "complaint page (SLA clocks)", f"/complaints/{open_one.pk}/"),
        ("quality_manager", "floor: New complaint form", "/complaints/new/"),
        ("quality_manager", "queue, quality manager (20 communities)", "/complaints/?view=branch"),
        ("quality_manager", "overdue view (20 communities)", "/complaints/?view=overdue"),
        ("quality_manager", "SLA and outcomes page (whole season)", "/complaints/reports/"),
        ("quality_manager", "API: overdue list", "/api/complaints?overdue=true"),
    ]
    results = []
    floors: dict[str, float] = {}
    for role, label, path in pages:
        ms = _time(page(role, path), options.repeat)
        if label.startswith("floor"):
            floors[role] = ms
        results.append(
            {
                "user": role,
                "page": label,
                "path": path,
                "ms": round(ms, 1),
                "ratio_to_floor": round(ms / floors[role], 1),
            }
        )
    scans = []
    for run in ("first scan", "steady state"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            counts = scan_breaches()
            ms = (time.perf_counter() - started) * 1000
        scans.append({"run": run, "ms": round(ms, 1), "statements": len(queries), **counts})
    print(
        json.dumps(
            {
                "complaints": Complaint.objects.count(),
                "open": Complaint.objects.open().count(),
                "seed_seconds": round(seed_seconds, 1),
                "repeat": options.repeat,
                "tally_rebuild": {"ms": round(tally_ms, 1), **folded},
                "pages": results,
                "breach_scan": scans,
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "postgresql": connection.pg_version,
                },
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
