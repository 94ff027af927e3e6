"""Benchmark: survey submissions and webhook deliveries while the database and the worker fail.

The server as shipped (``qiwang serve``: gunicorn) and ``qiwang worker`` run against a PostgreSQL
cluster of their own, which this script restarts and stops while a load process submits one
complete response per invitation token, like phones on a bad day. A webhook endpoint on the
branch points at a local receiver, so every stored response must also reach it.

Faults, on a timeline from the start of the load (seconds, configurable):

1. ``--restart-at``: PostgreSQL restarted (``pg_ctlcluster … restart -m fast``);
2. ``--kill-worker-at``: the worker killed with SIGKILL mid-run, a new one started a few seconds
   later (as systemd's ``Restart=always`` would);
3. ``--stop-at`` for ``--stop-seconds``: PostgreSQL stopped, then started again.

Each phone sends its token once; a request that got no 200 is sent again after the load (a
person tapping "submit" again), up to ``--retries`` rounds. Printed: sent / acknowledged (200) /
stored / duplicates / lost, the statuses seen (503 during the outage is the defined answer; 500
must be 0), how long ``/health/ready`` took to answer 200 after each fault, and the webhook
deliveries received, duplicated and missing.

Usage (creates the cluster ``15/qiwang-faults`` on port 5439 with trust authentication, and
drops it afterwards; needs root or the postgres user's rights, as on the CI machine)::

    .venv/bin/python benchmarks/bench_faults.py [--tokens 3000] [--concurrency 12] \
        [--rate 40] [--restart-at 5] [--kill-worker-at 24] [--stop-at 20] [--stop-seconds 30]

Not a test: nothing is asserted; figures are printed and recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from bench_surveys import ANSWERS, LOAD_CLIENT  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VERSION, CLUSTER, PORT = "15", "qiwang-faults", 5439
URL = f"postgres://postgres@127.0.0.1:{PORT}/qiwang"


def _pg(*args: str) -> None:
    subprocess.run(["pg_ctlcluster", VERSION, CLUSTER, *args], check=True, capture_output=True)


def make_cluster() -> None:
    subprocess.run(["pg_dropcluster", "--stop", VERSION, CLUSTER], capture_output=True, check=False)
    subprocess.run(
        ["pg_createcluster", VERSION, CLUSTER, "-p", str(PORT), "--", "-A", "trust"],
        check=True,
        capture_output=True,
    )
    _pg("start")
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "qiwang"], check=True
    )


def drop_cluster() -> None:
    subprocess.run(["pg_dropcluster", "--stop", VERSION, CLUSTER], capture_output=True)


class Receiver:
    """A webhook receiver on 127.0.0.1: counts each delivery id (duplicates show)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.responses: set[int] = set()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.ids.append(self.headers.get("X-Qiwang-Delivery", ""))
                try:
                    data = json.loads(body)["data"]
                    receiver.responses.add(int(data["response"]["id"]))
                except (ValueError, KeyError, TypeError):
                    pass
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(web_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": URL,
        "QIWANG_ENV": "production",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "QIWANG_SURVEY_RATE": "100000000/m",
        "QIWANG_SECURE_COOKIES": "false",
        "QIWANG_ACCESS_LOG": "false",
        "QIWANG_WEBHOOK_ALLOW_HTTP": "true",
        "QIWANG_WEBHOOK_ALLOW_PRIVATE": "true",
        "QIWANG_WORKER_DEAD_SECONDS": "10",
        "QIWANG_DATA_DIR": str(Path("/tmp") / f"qiwang-faults-{web_port}"),
    }


def prepare(tokens: int, receiver_url: str) -> tuple[int, list[str]]:
    """Migrate, then a wave with ``tokens`` invitations and an endpoint on its branch."""
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiwang.project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench_surveys import _prepare_wave

    from qiwang.webhooks.models import Endpoint

    branch, wave, token_list = _prepare_wave(tokens)
    Endpoint.objects.create(
        name="faults",
        branch=branch,
        url=receiver_url,
        events=["survey.response.completed"],
        secret=secrets.token_hex(16),
    )
    from django.db import connections

    connections.close_all()
    return wave.pk, token_list


def _wait_ready(port: int, since: float, limit: float = 120.0) -> float | None:
    """Seconds from ``since`` until /health/ready answers 200 (None: not within ``limit``)."""
    import httpx

    while time.monotonic() - since < limit:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                return time.monotonic() - since
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    return None


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(Path(env["QIWANG_DATA_DIR"]) / "worker.log", "ab")  # noqa: SIM115 (child's)
    return subprocess.Popen(
        [str(BIN / "qiwang"), "worker"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=log,
        stderr=log,
    )


def _load(
    port: int, paths: list[str], concurrency: int, rate: float | None = None
) -> subprocess.Popen[str]:
    spec = {
        "host": "127.0.0.1",
        "port": port,
        "paths": paths,
        "concurrency": concurrency,
        "method": "POST",
        "body": {"answers": ANSWERS, "submit": True},
        "per_request": True,
        "rate": rate,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", LOAD_CLIENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write(json.dumps(spec))
    process.stdin.close()
    return process


def _submission_recovery(
    args: argparse.Namespace, statuses: list[int], sent_at: list[float]
) -> dict[str, float | None]:
    """From the first round (each request's send time): seconds from each fault's end to the
    first submission sent after it that was answered 200."""
    ends = {
        "database restart → first stored submission": args.restart_at,
        "database outage end → first stored submission": args.stop_at + args.stop_seconds,
    }
    found: dict[str, float | None] = {}
    for name, end in ends.items():
        after = sorted(t for t, status in zip(sent_at, statuses, strict=True) if status == 200)
        later = [t for t in after if t >= end]
        found[name] = (later[0] - end) if later else None
    return found


def _windows(
    args: argparse.Namespace, statuses: list[int], sent_at: list[float]
) -> dict[str, dict[int, int]]:
    """Statuses of the first round by when the request was sent, around the faults."""
    edges = [
        ("before the restart", 0.0, args.restart_at),
        ("restart → outage", args.restart_at, args.stop_at),
        ("during the outage", args.stop_at, args.stop_at + args.stop_seconds),
        ("after the outage", args.stop_at + args.stop_seconds, float("inf")),
    ]
    found: dict[str, dict[int, int]] = {}
    for name, low, high in edges:
        counts: dict[int, int] = {}
        for t, status in zip(sent_at, statuses, strict=True):
            if low <= t < high:
                counts[status] = counts.get(status, 0) + 1
        found[f"{name} ({low:g}–{high:g} s)"] = counts
    return found


def run(args: argparse.Namespace) -> None:
    receiver = Receiver()
    make_cluster()
    try:
        wave_id, tokens = prepare(args.tokens, receiver.url)
        web_port = _free_port()
        env = _env(web_port)
        Path(env["QIWANG_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        server = subprocess.Popen(
            [str(BIN / "qiwang"), "serve", f"--port={web_port}", "--workers=2", "--threads=4"],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers = [_start_worker(env)]
        recovery: dict[str, float | None] = {}
        try:
            _wait_ready(web_port, time.monotonic())
            paths = [f"/api/surveys/respond/{token}" for token in tokens]
            started = time.monotonic()
            load = _load(web_port, paths, args.concurrency, args.rate)

            # Each fault on its own thread, on one clock: a worker may be killed, and restarted,
            # while the database is down.
            def restart() -> None:
                _pg("restart", "-m", "fast")
                recovery["database restart → ready"] = _wait_ready(web_port, time.monotonic())

            def kill_worker() -> None:
                os.killpg(workers[-1].pid, signal.SIGKILL)
                time.sleep(3)  # as a supervisor's restart delay
                workers.append(_start_worker(env))

            def outage() -> None:
                _pg("stop", "-m", "fast")
                time.sleep(args.stop_seconds)
                _pg("start")
                recovery["database outage end → ready"] = _wait_ready(web_port, time.monotonic())

            def at(seconds: float, fault: Callable[[], None]) -> threading.Thread:
                def run_fault() -> None:
                    time.sleep(max(0.0, started + seconds - time.monotonic()))
                    fault()

                thread = threading.Thread(target=run_fault)
                thread.start()
                return thread

            faults = [
                at(args.restart_at, restart),
                at(args.kill_worker_at, kill_worker),
                at(args.stop_at, outage),
            ]
            for thread in faults:
                thread.join()
            first = json.loads(load.stdout.read())
            load.wait()
            outcome = dict(zip(paths, first["per_request"], strict=True))
            recovery.update(_submission_recovery(args, first["per_request"], first["sent_at"]))
            windows = _windows(args, first["per_request"], first["sent_at"])
            statuses = dict(first["statuses"])
            for _round in range(args.retries):
                again = [path for path, status in outcome.items() if status != 200]
                if not again:
                    break
                again_load = _load(web_port, again, args.concurrency)
                retry = json.loads(again_load.stdout.read())
                again_load.wait()
                for path, status in zip(again, retry["per_request"], strict=True):
                    outcome[path] = status
                for status, count in retry["statuses"].items():
                    statuses[f"retry {status}"] = statuses.get(f"retry {status}", 0) + count
            # Let the worker drain the outbox (webhook deliveries), then count.
            deadline = time.monotonic() + args.drain_seconds
            while time.monotonic() < deadline and len(set(receiver.ids)) < len(tokens):
                time.sleep(1)
            report(args, wave_id, tokens, outcome, statuses, recovery, receiver)
            for name, counts in windows.items():
                print(f"first round, sent {name}: {counts}")
            import httpx

            ready = httpx.get(f"http://127.0.0.1:{web_port}/health/ready", timeout=5)
            print(f"/health/ready at the end: {ready.status_code} {ready.text}")
            print(f"worker log: {env['QIWANG_DATA_DIR']}/worker.log")
        finally:
            for process in [server, *workers]:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in [server, *workers]:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
    finally:
        from django.db import connections

        connections.close_all()
        drop_cluster()


def report(
    args: argparse.Namespace,
    wave_id: int,
    tokens: list[str],
    outcome: dict[str, int],
    statuses: dict[str, int],
    recovery: dict[str, float | None],
    receiver: Receiver,
) -> None:
    from django.db import connections
    from django.db.models import Count

    from qiwang.surveys.models import Answer, Response

    connections.close_all()
    complete = Response.objects.filter(wave_id=wave_id, status="complete")
    stored = complete.count()
    answers = Answer.objects.filter(response__wave_id=wave_id).count()
    doubled = (
        Response.objects.filter(wave_id=wave_id)
        .values("invitation_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    acknowledged = sum(1 for status in outcome.values() if status == 200)
    expected_answers = stored * len(ANSWERS)
    delivered_ids = receiver.ids
    stored_ids = set(complete.values_list("pk", flat=True))
    print(
        f"faults: restart at {args.restart_at} s, worker killed at {args.kill_worker_at} s, "
        f"database stopped at {args.stop_at} s for {args.stop_seconds} s"
    )
    print(
        f"sent {len(tokens)} distinct responses; acknowledged (200, after retries) {acknowledged}"
    )
    print(f"stored complete {stored}; answers {answers} (expected {expected_answers})")
    print(
        f"duplicates (an invitation stored twice) {doubled}; "
        f"lost (acknowledged, not stored) {max(0, acknowledged - stored)}"
    )
    print(
        f"statuses seen: {dict(sorted(statuses.items()))} (500s: "
        f"{statuses.get('500', 0) + statuses.get('retry 500', 0)})"
    )
    for name, seconds in recovery.items():
        print(f"recovery, {name}: " + (f"{seconds:.1f} s" if seconds is not None else "none"))
    print(
        f"webhook: {len(delivered_ids)} POSTs received, {len(set(delivered_ids))} distinct "
        f"deliveries, {len(delivered_ids) - len(set(delivered_ids))} repeated; responses heard "
        f"{len(receiver.responses & stored_ids)} of {len(stored_ids)} "
        f"(missing {len(stored_ids - receiver.responses)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--rate",
        type=float,
        default=40,
        help="submissions per second (spreads them over the faults)",
    )
    parser.add_argument("--restart-at", type=float, default=5)
    parser.add_argument("--kill-worker-at", type=float, default=24)
    parser.add_argument("--stop-at", type=float, default=20)
    parser.add_argument("--stop-seconds", type=float, default=30)
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument("--drain-seconds", type=float, default=240)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
