"""Benchmark of the service catalogue at scale (issue 11, deliverable 9), on PostgreSQL.

Each figure is printed with a floor measured in the same run on the same rows:

1. **Bulk API**: ``--deliveries`` deliveries (default 100,000) posted to
   ``POST /api/catalogue/deliveries`` in requests of 10,000 (the API's limit), through the whole
   Django stack in process (``django.test.Client``: JSON parsing, validation, scope, judging
   against the commitment in force, storing, per-item results). **Floor**: PostgreSQL ``COPY`` of
   the same rows, already resolved to ids and judged, into the same table (rolled back).
2. **Recompute** over ``--pairs`` customer × service pairs (default 1,000,000; 4 services, so a
   quarter as many customers), each with 2 deliveries and 3 perceptions:
   - keeping rates: judging every delivery again after a commitment change
     (``rejudge_service``: one ``UPDATE … CASE`` per commitment) and the keeping rates the pages
     show (per service, branch, customer tier, month: ``GROUP BY`` each); **floor**: one
     ``SELECT count(*), count(*) FILTER (WHERE kept)`` over the same deliveries;
   - expectation states: ``refresh_states()`` (one ordered read, ``scan_expectations``, the
     states written back); **floor**: the same ordered read as a plain ``COPY … TO STDOUT`` and
     as many state rows written by one ``INSERT … SELECT … GROUP BY`` (rolled back).
   - tallies: after the SQL seeding, every delivery counted into ``DeliveryTally`` rows
     (``refresh_tallies()``: one ``DELETE`` and one ``INSERT … SELECT … GROUP BY``; ADR 0142);
     the pages' keeping rates then read from the tallies (timed against the live ``GROUP BY``).
3. **Pages** at that size: the catalogue page and a customer page with its expectation panel,
   as the quality manager, ``--requests`` times each after a warm-up (median and p95), against a
   floor page (the login form) in the same client.

Usage (a database of its own; it is emptied and filled):

    createdb -h 127.0.0.1 -U postgres qiwang_bench_catalogue
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiwang_bench_catalogue \\
        .venv/bin/python benchmarks/bench_catalogue.py --pairs 1000000 --deliveries 100000

Prints one JSON summary; the figures in ``docs/benchmarks.md`` come from it.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SERVICES = 4
CHUNK = 10_000


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


def _step(label: str) -> float:
    print(f"… {label}", file=sys.stderr, flush=True)
    return time.perf_counter()


def _seed(pairs: int) -> dict[str, object]:
    """Empty the tables; customers, 4 services with commitments, 2 deliveries and 3 perceptions
    per customer × service pair, all with SQL."""
    from django.db import connection

    from qiwang.accounts.models import Branch, User
    from qiwang.catalogue.models import Commitment, Service

    customers = pairs // SERVICES
    started = _step(f"seeding {customers:,} customers, {pairs:,} pairs")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE catalogue_delivery, catalogue_observation, catalogue_expectationstate, "
            "catalogue_publication, catalogue_surpriseplan, catalogue_commitment, "
            "catalogue_servicemeasurement, catalogue_service, customers_customer CASCADE"
        )
    User.objects.filter(username__startswith="bench_").delete()
    Branch.objects.filter(code__startswith="bench", parent__isnull=False).delete()
    Branch.objects.filter(code__startswith="bench").delete()
    company = Branch.objects.create(code="bench", name="基准物业", kind="company")
    branches = [
        Branch.objects.create(
            code=f"bench{i}", name=f"基准小区{i}", kind="community", parent=company
        )
        for i in range(10)
    ]
    quality = User.objects.create(username="bench_quality", role="quality_manager")
    quality.branches.add(company)
    year_ago = datetime.date.today() - datetime.timedelta(days=365)
    specs = [
        ("repair", "24 小时报修", "basic", "<=", 24, "h"),
        ("heating", "冬季供暖", "basic", ">=", 18, "°C"),
        ("hotline", "热线接听", "expected", "<=", 30, "s"),
        ("cleaning", "楼道保洁", "expected", None, None, ""),
    ]
    services = []
    for code, name, tier, comparison, threshold, unit in specs:
        service = Service.objects.create(
            branch=company, code=code, name=name, tier=tier, survey_attributes=[code]
        )
        Commitment.objects.create(
            service=service,
            level="explicit" if comparison else "moderate",
            statement=name,
            metric=code if comparison else "",
            comparison=comparison or "",
            threshold=threshold,
            unit=unit,
            valid_from=year_ago,
        )
        services.append(service)
    ids = [s.pk for s in services]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO customers_customer (code, name, kind, tier, branch_id, account_manager_id,
                phone, email, address, wechat, orders_count, revenue, last_activity_at, notes,
                created_at, updated_at, lifecycle, customer_since, birthday, founded_on, search_key)
            SELECT 'K' || lpad(g::text, 8, '0'), '客户' || g, 'household',
                   CASE WHEN g %% 100 < 5 THEN 'vip' WHEN g %% 100 < 15 THEN 'important'
                        WHEN g %% 100 < 30 THEN 'high_quality' ELSE 'general' END,
                   (%s::bigint[])[1 + (g %% 10)], NULL,
                   '', '', '', '', 0, 0, NULL, '', now(), now(), 'active', NULL, NULL, NULL,
                   'k' || lpad(g::text, 8, '0')
            FROM generate_series(1, %s) g
            """,
            [[b.pk for b in branches], customers],
        )
        # two deliveries per pair over the last year; values around each target
        cursor.execute(
            """
            INSERT INTO catalogue_delivery (service_id, customer_id, branch_id, delivered_at,
                value, unit, commitment_id, kept, cost, source, reference, note, recorded_by_id,
                created_at)
            SELECT s.id, c.id, c.branch_id,
                   now() - ((c.id * 7 + k * 131 + s.id) %% 360 || ' days')::interval,
                   CASE s.code WHEN 'repair' THEN ((c.id * 13 + k * 29) %% 300) / 10.0
                               WHEN 'heating' THEN 16.5 + ((c.id * 17 + k) %% 60) / 10.0
                               WHEN 'hotline' THEN ((c.id * 11 + k * 3) %% 40)::float
                               ELSE NULL END,
                   CASE s.code WHEN 'repair' THEN 'h' WHEN 'heating' THEN '°C'
                               WHEN 'hotline' THEN 's' ELSE '' END,
                   NULL, NULL, NULL, 'import', '', '', NULL, now()
            FROM customers_customer c CROSS JOIN catalogue_service s
                 CROSS JOIN generate_series(0, 1) k
            WHERE s.id = ANY(%s)
            """,
            [ids],
        )
        # three perceptions per pair (1–7), the last one sometimes a big positive surprise
        cursor.execute(
            """
            INSERT INTO catalogue_observation (customer_id, service_id, branch_id, observed_at,
                perception, expectation, source, source_ref)
            SELECT c.id, s.id, c.branch_id,
                   now() - ((300 - k * 100 + (c.id %% 50)) || ' days')::interval,
                   CASE WHEN k = 2 AND c.id %% 20 = 0 THEN 7.0
                        ELSE 3.0 + ((c.id * 7 + s.id * 3 + k * 5) %% 31) / 10.0 END,
                   CASE WHEN k = 0 AND c.id %% 10 = 0 THEN 5.5 END,
                   'survey', ''
            FROM customers_customer c CROSS JOIN catalogue_service s
                 CROSS JOIN generate_series(0, 2) k
            WHERE s.id = ANY(%s)
            """,
            [ids],
        )
        cursor.execute("ANALYZE")
    return {
        "customers": customers,
        "services": len(ids),
        "seed_seconds": round(time.perf_counter() - started, 1),
        "quality_id": quality.pk,
        "service_ids": ids,
    }


def _tallies() -> dict[str, object]:
    """Every judged delivery counted into tallies again, as after a seeding with SQL past the
    write paths (``rejudge_service`` in :func:`_recompute` already counted them once)."""
    from qiwang.catalogue.models import DeliveryTally
    from qiwang.catalogue.services.tallies import refresh_tallies

    started = _step("counting every delivery into tallies")
    rows = refresh_tallies()
    seconds = time.perf_counter() - started
    assert DeliveryTally.objects.count() == rows
    return {"tally_rows": rows, "tally_refresh_seconds": round(seconds, 2)}


def _bulk_items(count: int, customers: int) -> list[dict[str, object]]:
    today = datetime.date.today()
    items: list[dict[str, object]] = []
    for i in range(count):
        customer = 1 + (i * 7919) % customers
        day = today - datetime.timedelta(days=20 + i % 300)
        items.append(
            {
                "service": "repair",
                "customer": f"K{customer:08d}",
                "delivered_at": f"{day.isoformat()}T{8 + i % 10:02d}:15:00+08:00",
                "value": round((i * 37 % 300) / 10.0, 1),
                "unit": "h",
                "reference": f"BENCH-{i:07d}",
            }
        )
    return items


def _bulk(count: int, customers: int, quality_id: int) -> dict[str, object]:
    """The floor (COPY of the resolved rows, rolled back), then the API."""
    from django.db import connection, transaction
    from django.test import Client

    from qiwang.accounts.models import User
    from qiwang.catalogue.models import Delivery, Service

    items = _bulk_items(count, customers)
    repair = Service.objects.get(code="repair")
    commitment = repair.commitments.get()
    code_to_id = dict(
        connection.cursor().execute("SELECT code, id FROM customers_customer").fetchall()
    )
    branch_of = dict(
        connection.cursor().execute("SELECT id, branch_id FROM customers_customer").fetchall()
    )

    class Rollback(Exception):
        pass

    started = _step(f"floor: COPY of {count:,} deliveries")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.copy(
                "COPY catalogue_delivery (service_id, customer_id, branch_id, delivered_at, "
                "value, unit, commitment_id, kept, source, reference, note, created_at) "
                "FROM STDIN"
            ) as copy:
                now = datetime.datetime.now(datetime.UTC)
                for item in items:
                    customer_id = code_to_id[item["customer"]]
                    value = float(item["value"])  # type: ignore[arg-type]
                    copy.write_row(
                        (
                            repair.pk,
                            customer_id,
                            branch_of[customer_id],
                            item["delivered_at"],
                            value,
                            "h",
                            commitment.pk,
                            value <= 24,
                            "api",
                            item["reference"],
                            "",
                            now,
                        )
                    )
            raise Rollback
    except Rollback:
        pass
    copy_seconds = time.perf_counter() - started

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(pk=quality_id))
    before = Delivery.objects.count()
    started = _step(f"API: {count:,} deliveries in requests of {CHUNK:,}")
    stored = 0
    for offset in range(0, count, CHUNK):
        body = json.dumps({"items": items[offset : offset + CHUNK]})
        response = client.post("/api/catalogue/deliveries", body, content_type="application/json")
        if response.status_code != 201:
            sys.exit(f"bulk post answered {response.status_code}: {response.content[:300]!r}")
        stored += response.json()["stored"]
    api_seconds = time.perf_counter() - started
    assert Delivery.objects.count() - before == stored == count
    return {
        "deliveries": count,
        "requests": -(-count // CHUNK),
        "api_seconds": round(api_seconds, 2),
        "api_per_second": round(count / api_seconds),
        "copy_floor_seconds": round(copy_seconds, 2),
        "ratio_to_copy": round(api_seconds / copy_seconds, 1),
    }


def _recompute() -> dict[str, object]:
    from django.db import connection, transaction

    from qiwang.catalogue.models import Delivery, ExpectationState, Service
    from qiwang.catalogue.services.expectations import refresh_states
    from qiwang.catalogue.services.judging import rejudge_service
    from qiwang.catalogue.services.keeping import keeping_by, keeping_by_month, overall

    deliveries = Delivery.objects.count()
    started = _step("floor: one counting scan of the deliveries")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE kept) FROM catalogue_delivery")
        cursor.fetchone()
    count_floor = time.perf_counter() - started

    started = _step(f"judging {deliveries:,} deliveries again, keeping rates")
    for service in Service.objects.all():
        rejudge_service(service)
    rejudge_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for service in Service.objects.all():
        rows = Delivery.objects.filter(service=service)
        overall(rows)
        keeping_by(rows, "branch")
        keeping_by(rows, "customer__tier")
        keeping_by_month(rows)
    rates_seconds = time.perf_counter() - started
    started = time.perf_counter()
    from qiwang.accounts.models import User
    from qiwang.catalogue.services.tallies import tallied_months, tallied_rates

    reader = User.objects.get(username="bench_quality")
    today = datetime.date.today()
    ids = list(Service.objects.values_list("pk", flat=True))
    tallied_rates(reader, ids, "service", today=today)
    for service_id in ids:
        tallied_rates(reader, [service_id], "branch", today=today)
        tallied_months(reader, service_id, today=today)
    tallied_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalogue_observation")
        observations = cursor.fetchone()[0]

    class Rollback(Exception):
        pass

    started = _step(f"floor: COPY out {observations:,} perceptions, INSERT the states")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            out = io.BytesIO()
            with cursor.copy(
                "COPY (SELECT customer_id, service_id, branch_id, perception, expectation "
                "FROM catalogue_observation ORDER BY customer_id, service_id, observed_at, id) "
                "TO STDOUT"
            ) as copy:
                for block in copy:
                    out.write(block)
            cursor.execute("DELETE FROM catalogue_expectationstate")
            cursor.execute(
                "INSERT INTO catalogue_expectationstate (customer_id, service_id, branch_id, "
                "expectation, uncertainty, observations, last_perception, ratchet_warning, "
                "computed_at) SELECT customer_id, service_id, min(branch_id), 5.0, 0.5, "
                "count(*), 5.0, false, now() FROM catalogue_observation "
                "GROUP BY customer_id, service_id"
            )
            raise Rollback
    except Rollback:
        pass
    states_floor = time.perf_counter() - started

    started = _step("refresh_states over every pair")
    pairs = refresh_states()
    states_seconds = time.perf_counter() - started
    assert ExpectationState.objects.count() == pairs
    return {
        "deliveries": deliveries,
        "pairs": pairs,
        "observations": observations,
        "rejudge_seconds": round(rejudge_seconds, 2),
        "keeping_rates_seconds": round(rates_seconds, 2),
        "keeping_rates_from_tallies_seconds": round(tallied_seconds, 4),
        "count_floor_seconds": round(count_floor, 2),
        "rejudge_ratio": round(rejudge_seconds / count_floor, 1),
        "keeping_rates_ratio": round(rates_seconds / count_floor, 1),
        "refresh_states_seconds": round(states_seconds, 2),
        "states_copy_floor_seconds": round(states_floor, 2),
        "refresh_states_ratio": round(states_seconds / states_floor, 2),
        "ratchet_warnings": ExpectationState.objects.filter(ratchet_warning=True).count(),
    }


def _timed(client, url: str, requests: int) -> dict[str, float]:
    response = client.get(url)  # warm-up
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
    }


def _pages(quality_id: int, requests: int) -> dict[str, object]:
    from django.test import Client

    from qiwang.accounts.models import User
    from qiwang.catalogue.models import ExpectationState

    _step(f"pages, {requests} requests each")
    state = (
        ExpectationState.objects.filter(ratchet_warning=True).order_by("customer_id").first()
        or ExpectationState.objects.order_by("customer_id").first()
    )
    assert state is not None
    customer_id = state.customer_id
    floor = _timed(Client(HTTP_HOST="localhost"), "/accounts/login/", requests)
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(pk=quality_id))
    catalogue = _timed(client, "/services/", requests)
    panel = _timed(client, f"/customers/{customer_id}/", requests)
    return {
        "floor_login_page": floor,
        "catalogue_page": catalogue,
        "customer_page_with_panel": panel,
        "catalogue_ratio": round(catalogue["median_ms"] / floor["median_ms"], 1),
        "customer_ratio": round(panel["median_ms"] / floor["median_ms"], 1),
        "under_300_ms": catalogue["p95_ms"] < 300 and panel["p95_ms"] < 300,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--deliveries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    _setup()
    seed = _seed(args.pairs)
    quality_id = int(seed.pop("quality_id"))  # type: ignore[call-overload]
    seed.pop("service_ids")
    print(json.dumps({"seed": seed}), file=sys.stderr, flush=True)
    recompute = _recompute()
    recompute.update(_tallies())
    print(json.dumps({"recompute": recompute}), file=sys.stderr, flush=True)
    bulk = _bulk(args.deliveries, int(seed["customers"]), quality_id)  # type: ignore[call-overload]
    print(json.dumps({"bulk_api": bulk}), file=sys.stderr, flush=True)
    pages = _pages(quality_id, args.requests)
    print(
        json.dumps(
            {
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                "python": platform.python_version(),
                "seed": seed,
                "recompute": recompute,
                "bulk_api": bulk,
                "pages": pages,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
