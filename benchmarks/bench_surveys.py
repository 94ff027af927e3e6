"""Benchmark: survey responses over HTTP, and the results page of a 1-million-response wave.

Part 1 — **throughput**: the server as shipped (`qiwang serve`: gunicorn, processes × threads) on PostgreSQL; a separate
load process (a bounded asyncio client on raw streams, cheap per request) submits complete answers
by invitation token to ``POST /api/surveys/respond/{token}`` (the one-request path of
:mod:`qiwang.surveys.submission`). Prints sustained responses/s, p50 / p99 latency, and the count
stored vs sent (must be equal); then every token again (retries change nothing). Baseline in the
same run and server: ``GET /health/`` (Django, middleware, one ``SELECT 1``) — the ceiling any
request of this server can reach on this machine.

Part 2 — **results at scale**: inserts a wave of ``--million`` × 1,000,000 complete Kano responses
(8 attributes, so 8 answers each) with ``INSERT … SELECT generate_series``, times
:func:`qiwang.surveys.results.wave_results` with nothing folded, folds (ADR 0008), times it again,
adds ``--tail`` unfolded responses and times it once more; baseline in the same process: reading
the answers into pandas and running ``qiwang.analysis.kano.count_answers`` on them.

Usage (PostgreSQL only; it creates and drops its own rows in the given database)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbench .venv/bin/python \
        benchmarks/bench_surveys.py [--responses 20000] [--workers 4] [--concurrency 16] \
        [--million 1] [--tail 10000]

Not a test: nothing is asserted; figures are printed and recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = {
    "overall": {"value": 4, "importance": 4},
    "repair-speed": {"value": 3, "importance": 5},
    "repair-quality": {"value": 4, "importance": 3},
    "cleanliness": {"value": 5, "importance": 4},
    "recommend": {"value": 9},
    "effort": {"value": 6},
}

LOAD_CLIENT = r"""
import asyncio, json, sys, time

# A bounded asyncio client on raw streams: HTTP/1.1 with Connection: close (gunicorn's sync
# workers close after each response anyway). Much cheaper per request than an HTTP library, so
# more of the 2 cores is left to the server being measured. Every request is sent exactly once
# and awaited; a connection error counts as status 0.

async def one(host, port, request):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    return int(data[9:12]) if data.startswith(b"HTTP/1.") else 0

async def main(spec):
    host, port, concurrency = spec["host"], spec["port"], spec["concurrency"]
    body = json.dumps(spec["body"]).encode() if spec["body"] is not None else b""
    requests = []
    for path in spec["paths"]:
        head = (
            f"{spec['method']} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    latencies, statuses = [], {}
    per_request = [0] * len(requests)
    sent_at = [0.0] * len(requests)
    queue = asyncio.Queue()
    for index, request in enumerate(requests):
        queue.put_nowait((index, request))

    rate = spec.get("rate")  # requests per second over the whole run (None: as fast as possible)
    begun = time.perf_counter()

    async def worker():
        while not queue.empty():
            index, request = queue.get_nowait()
            if rate:
                await asyncio.sleep(max(0.0, begun + index / rate - time.perf_counter()))
            started = time.perf_counter()
            sent_at[index] = started - begun
            try:
                status = await asyncio.wait_for(one(host, port, request), 60)
            except (OSError, asyncio.TimeoutError):
                status = 0
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            per_request[index] = status

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    result = {"elapsed": elapsed, "latencies": latencies, "statuses": statuses}
    if spec.get("per_request"):
        result["per_request"] = per_request
        result["sent_at"] = sent_at
    print(json.dumps(result))

asyncio.run(main(json.load(sys.stdin)))
"""


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiwang.project.settings")
    import django

    django.setup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_wave(responses: int):  # type: ignore[no-untyped-def]
    """A branch, ``responses`` customers, a pulse wave with one invitation each; returns tokens."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from qiwang.accounts.choices import Role
    from qiwang.accounts.models import Branch, User
    from qiwang.customers.models import Customer
    from qiwang.surveys.choices import WaveStatus
    from qiwang.surveys.models import Invitation, Wave
    from qiwang.surveys.services import create_instrument_from_template, token_digest

    tag = secrets.token_hex(4)
    with transaction.atomic():
        branch = Branch.objects.create(code=f"bench-{tag}", name=f"bench {tag}", kind="company")
        user = User.objects.create(username=f"bench-{tag}", role=Role.QUALITY_MANAGER)
        user.branches.set([branch])
        customers = Customer.objects.bulk_create(
            [
                Customer(code=f"B{tag}{i:07d}", name=f"bench {i}", kind="household", branch=branch)
                for i in range(responses)
            ],
            batch_size=5000,
        )
        instrument = create_instrument_from_template(
            actor=user, template="csat_pulse", branch=branch
        )
        now = timezone.now()
        wave = Wave.objects.create(
            name=f"bench {tag}",
            version=instrument.latest_version(),
            branch=branch,
            status=WaveStatus.OPEN,
            opens_at=now - datetime.timedelta(hours=1),
            closes_at=now + datetime.timedelta(days=1),
            created_by=user,
        )
        tokens = [secrets.token_urlsafe(24) for _ in customers]
        Invitation.objects.bulk_create(
            [
                Invitation(
                    wave=wave,
                    customer=customer,
                    branch=branch,
                    token_hash=token_digest(token),
                    channel="sms",
                    status="sent",
                )
                for customer, token in zip(customers, tokens, strict=True)
            ],
            batch_size=5000,
        )
    return branch, wave, tokens


def _cleanup(branch) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from qiwang.surveys.models import Answer, Instrument, Invitation, Response, Wave

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    Answer.objects.filter(response__wave__branch=branch).delete()
    Response.objects.filter(wave__branch=branch).delete()
    Invitation.objects.filter(wave__branch=branch).delete()
    Wave.objects.filter(branch=branch).delete()
    Instrument.objects.filter(branch=branch).delete()
    from qiwang.accounts.models import AuditEvent, User
    from qiwang.customers.models import Customer

    AuditEvent.objects.filter(branch_id=branch.pk).delete()
    Customer.objects.filter(branch=branch).delete()
    User.objects.filter(username=f"bench-{branch.code.removeprefix('bench-')}").delete()
    branch.delete()


def _load(port: int, paths: list[str], concurrency: int, *, method="POST", body=ANSWERS) -> dict:
    spec = {
        "host": "127.0.0.1",
        "port": port,
        "paths": paths,
        "concurrency": concurrency,
        "method": method,
        "body": {"answers": body, "submit": True} if body is not None else None,
    }
    result = subprocess.run(
        [sys.executable, "-c", LOAD_CLIENT],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _report(name: str, run: dict) -> float:
    latencies = run["latencies"]
    rate = len(latencies) / run["elapsed"]
    print(
        f"{name}: {len(latencies)} requests in {run['elapsed']:.2f} s = {rate:.0f}/s; "
        f"p50 {1000 * statistics.median(latencies):.1f} ms, "
        f"p99 {1000 * _percentile(latencies, 0.99):.1f} ms; statuses {run['statuses']}"
    )
    return rate


def throughput(args: argparse.Namespace) -> None:
    from qiwang.surveys.models import Response

    branch, wave, tokens = _prepare_wave(args.responses)
    port = _free_port()
    env = {
        **os.environ,
        "QIWANG_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "QIWANG_SURVEY_RATE": "100000000/m",
        "QIWANG_SECURE_COOKIES": "false",
        "QIWANG_ACCESS_LOG": "false",
    }
    # The server as shipped: `qiwang serve` (gunicorn, ADR 0090), without migrating again.
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("qiwang")),
            "serve",
            f"--port={port}",
            f"--workers={args.workers}",
            f"--threads={args.threads}",
            "--no-migrate",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        import httpx

        for _ in range(150):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        paths = [f"/api/surveys/respond/{token}" for token in tokens]
        # Warm every worker (imports, connections, prepared statements) on a few tokens that
        # are then part of the retry round, not of the first.
        warm, paths = paths[: 20 * args.workers], paths[20 * args.workers :]
        _load(port, warm, args.concurrency)
        health = _load(port, ["/health/"] * len(paths), args.concurrency, method="GET", body=None)
        first = _load(port, paths, args.concurrency)
        retry = _load(port, warm + paths, args.concurrency)
        stored = Response.objects.filter(wave=wave, status="complete").count()
        if args.webhook:
            webhook_rounds(args, port)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    baseline = _report("baseline: GET /health/ (one SELECT 1)", health)
    rate = _report("first submission of each token", first)
    _report("retry of every token", retry)
    print(f"submissions / health checks in the same run: {rate / baseline:.2f}")
    print(f"sent {len(tokens)} distinct responses (then each again), stored {stored} complete")
    _cleanup(branch)


def webhook_rounds(args: argparse.Namespace, port: int) -> None:
    """The webhook path against the one-statement path, on the same server in the same run.

    Two fresh waves of ``--responses`` invitations each: one on a branch without a webhook
    endpoint (the one prepared statement of ADR 0008), one on a branch with an active endpoint
    subscribed to ``survey.response.completed`` (the response, its answers and the outbox row in
    one transaction, ADR 0009). The endpoint exists before the server starts answering these
    tokens, so no process's coverage cache is stale. Their tokens are sent in alternating chunks
    (plain, webhook, plain, …) so that a change in the machine's load touches both alike; the
    ratio of the two rates is the webhook path's cost in units of the one-statement path (issue
    16 asks for at most 1.3). No worker runs: the deliveries stay pending, outside the timing."""
    from qiwang.surveys.models import Response
    from qiwang.webhooks.models import Delivery, Endpoint

    plain_branch, plain_wave, plain_tokens = _prepare_wave(args.responses)
    hook_branch, hook_wave, hook_tokens = _prepare_wave(args.responses)
    endpoint = Endpoint.objects.create(
        name="bench",
        branch=hook_branch,
        url="https://hooks.example.com/qiwang",
        events=["survey.response.completed"],
        secret=secrets.token_hex(16),
    )
    time.sleep(31)  # longer than webhooks.services.CACHE_SECONDS: every process sees the endpoint
    chunks = max(1, args.webhook_chunks)
    plain = [f"/api/surveys/respond/{t}" for t in plain_tokens]
    hooked = [f"/api/surveys/respond/{t}" for t in hook_tokens]
    warm = 10 * args.workers
    _load(port, plain[:warm], args.concurrency)
    _load(port, hooked[:warm], args.concurrency)
    plain, hooked = plain[warm:], hooked[warm:]
    size = -(-len(plain) // chunks)
    totals = {"plain": [0.0, 0, []], "webhook": [0.0, 0, []]}
    for index in range(chunks):
        for name, paths in (("plain", plain), ("webhook", hooked)):
            part = paths[index * size : (index + 1) * size]
            if not part:
                continue
            run = _load(port, part, args.concurrency)
            totals[name][0] += run["elapsed"]
            totals[name][1] += len(run["latencies"])
            totals[name][2].append(run)
    rates = {}
    for name, (elapsed, count, runs) in totals.items():
        statuses: dict[str, int] = {}
        latencies: list[float] = []
        for run in runs:
            latencies.extend(run["latencies"])
            for status, n in run["statuses"].items():
                statuses[status] = statuses.get(status, 0) + n
        rates[name] = count / elapsed
        print(
            f"{name} path: {count} submissions in {elapsed:.2f} s = {rates[name]:.0f}/s; p50 "
            f"{1000 * statistics.median(latencies):.1f} ms, p99 "
            f"{1000 * _percentile(latencies, 0.99):.1f} ms; statuses {statuses}"
        )
    stored_plain = Response.objects.filter(wave=plain_wave, status="complete").count()
    stored_hook = Response.objects.filter(wave=hook_wave, status="complete").count()
    events = Delivery.objects.filter(endpoint=endpoint).count()
    print(
        f"webhook path cost / one-statement path cost: {rates['plain'] / rates['webhook']:.2f} "
        f"(stored {stored_plain} + {stored_hook} complete of {2 * args.responses}; "
        f"{events} deliveries queued for {stored_hook} responses)"
    )
    Delivery.objects.filter(endpoint=endpoint).delete()
    endpoint.delete()
    _cleanup(plain_branch)
    _cleanup(hook_branch)


def results_at_scale(args: argparse.Namespace) -> None:
    import pandas as pd
    from django.db import connection, transaction

    from qiwang.analysis import kano
    from qiwang.surveys import tallies
    from qiwang.surveys.models import Answer, Response
    from qiwang.surveys.results import wave_results

    branch, wave, _tokens = _prepare_wave(1)
    from qiwang.surveys.services import create_instrument_from_template

    instrument = create_instrument_from_template(
        actor=wave.created_by, template="kano_property", branch=branch
    )
    wave.version = instrument.latest_version()
    wave.save(update_fields=["version"])
    questions = list(wave.version.questions.filter(kind="kano").values_list("pk", flat=True))
    n = int(args.million * 1_000_000)

    def insert(count: int, first: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {Response._meta.db_table}
                    (wave_id, branch_id, tier, submission_key, status, source, started_at,
                     submitted_at)
                    SELECT %s, %s, (ARRAY['vip','important','high_quality','general'])[1 + g %% 4],
                           'bench-' || %s || '-' || g, 'complete', 'bench', now(), now()
                    FROM generate_series(%s, %s) AS g""",  # noqa: S608 - table name from the model
                [wave.pk, branch.pk, wave.pk, first, first + count - 1],
            )
            cursor.execute(
                f"""INSERT INTO {Answer._meta.db_table}
                    (response_id, question_id, value, second, importance, text)
                    SELECT r.id, q.id, 1 + (r.id * 7 + q.id * 3) %% 5, 1 + (r.id * 11 + q.id) %% 5,
                           1 + (r.id + q.id) %% 5, ''
                    FROM {Response._meta.db_table} r CROSS JOIN unnest(%s::bigint[]) AS q(id)
                    WHERE r.wave_id = %s AND r.tally_batch IS NULL""",  # noqa: S608
                [questions, wave.pk],
            )
            cursor.execute(f"ANALYZE {Answer._meta.db_table}")
            cursor.execute(f"ANALYZE {Response._meta.db_table}")

    started = time.perf_counter()
    insert(n, 1)
    print(
        f"inserted {n:,} responses × {len(questions)} Kano answers "
        f"in {time.perf_counter() - started:.1f} s"
    )

    def timed() -> tuple[float, object]:
        times = []
        for _ in range(args.repeat):
            begun = time.perf_counter()
            result = wave_results(wave)
            times.append(time.perf_counter() - begun)
        return statistics.median(times), result

    unfolded, result = timed()
    print(f"wave_results, nothing folded (all {n:,} in the live tail): {unfolded * 1000:.0f} ms")
    started = time.perf_counter()
    folded_count = tallies.fold_wave(wave).responses
    print(f"fold of {folded_count:,} responses: {time.perf_counter() - started:.1f} s")
    folded, result = timed()
    print(f"wave_results, all folded: median {folded * 1000:.1f} ms over {args.repeat} runs")
    tail = args.tail
    insert(tail, n + 1)
    with_tail, result_tail = timed()
    print(
        f"wave_results, folded + a live tail of {tail:,} responses: "
        f"median {with_tail * 1000:.1f} ms; {result_tail.rate.complete:,} responses"
    )
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="localhost")
    client.force_login(wave.created_by)
    url = reverse("surveys:results", args=[wave.pk])
    client.get(url)
    pages = []
    for _ in range(args.repeat):
        begun = time.perf_counter()
        status = client.get(url).status_code
        pages.append(time.perf_counter() - begun)
    print(
        f"results page (HTTP {status}, rendered with its charts' data) with that tail: "
        f"median {statistics.median(pages) * 1000:.1f} ms"
    )
    started = time.perf_counter()
    rows = Answer.objects.filter(response__wave=wave, question__kind="kano").values_list(
        "question__attribute", "value", "second"
    )
    frame = pd.DataFrame.from_records(rows.iterator(chunk_size=50_000), columns=["a", "f", "d"])
    baseline = kano.analyze_counts(
        kano.count_answers(frame, attribute="a", functional="f", dysfunctional="d")
    )
    baseline_time = time.perf_counter() - started
    same = [(a.attribute, a.counts) for a in baseline.attributes] == [
        (a.attribute, a.counts) for a in result_tail.kano.attributes
    ]
    print(
        f"baseline (rows into pandas, count_answers, analyze_counts): {baseline_time * 1000:.0f} ms"
        f" = {baseline_time / with_tail:.0f}× the folded page with its tail; "
        f"same counts and categories: {same}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Answer._meta.db_table} WHERE response_id IN "  # noqa: S608
            f"(SELECT id FROM {Response._meta.db_table} WHERE wave_id = %s)",
            [wave.pk],
        )
    _cleanup(branch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=1, help="Threads per server process.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--million", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tail", type=int, default=10_000, help="Unfolded responses on top.")
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="Also compare the webhook path with the one-statement path (two more waves).",
    )
    parser.add_argument("--webhook-chunks", type=int, default=6)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-results", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://… (this benchmark measures PostgreSQL).")
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"gunicorn workers {args.workers}, client concurrency {args.concurrency}"
    )
    with tempfile.TemporaryDirectory():
        if not args.skip_throughput:
            throughput(args)
        if not args.skip_results:
            results_at_scale(args)


if __name__ == "__main__":
    main()
