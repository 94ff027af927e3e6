"""A worker started while the database is down waits for it instead of exiting (the benchmark
benchmarks/bench_faults.py found a restarted worker gone for good after an outage); ``--batch``
still stops at once with exit code 2 and one sentence."""

from __future__ import annotations

import contextlib
import select
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest
from tests.operations.test_ops_scheduler import ROOT, _env, _wait


class Gate:
    """A TCP port that refuses connections until ``open()``, then forwards them to ``target``:
    a PostgreSQL server that is down, then up."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self.listener is not None
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with a, b:
            while True:
                ready, _w, _x = select.select([a, b], [], [], 1.0)
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)

    def close(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.close()


def _heartbeats(url: str) -> int:
    sql = "SELECT count(*) FROM operations_workerheartbeat"
    if url.startswith("sqlite:///"):
        import sqlite3

        path = url.removeprefix("sqlite:///")
        try:
            with sqlite3.connect(path, timeout=20) as conn:
                return int(conn.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:
            return 0
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return int(conn.execute(sql).fetchone()[0])


@pytest.fixture
def down_then_up(request, tmp_path):
    """(url the worker is given, url to read the result, a function that brings it up)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        s = connection.settings_dict
        with connection.cursor() as cursor:  # the test database's real name
            cursor.execute("SELECT current_database()")
            name = cursor.fetchone()[0]
        host, port = s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)
        gate = Gate((host, port))
        yield (
            f"postgres://{s['USER']}@127.0.0.1:{gate.port}/{name}",
            f"postgres://{s['USER']}@{host}:{port}/{name}",
            gate.open,
        )
        gate.close()
        return
    ready = tmp_path / "ready.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "qiwang", "manage", "migrate", "-v0"],
        env=_env(f"sqlite:///{ready}", tmp_path),
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    target = tmp_path / "not-yet" / "db.sqlite3"  # its directory does not exist: cannot open

    def bring_up() -> None:
        # Appear at once: a worker that connected between a mkdir and the end of a copy would
        # have SQLite create an empty file under it (seen once on a loaded CI machine).
        staging = tmp_path / "staging"
        staging.mkdir()
        shutil.copy(ready, staging / target.name)
        staging.rename(target.parent)

    yield f"sqlite:///{target}", f"sqlite:///{target}", bring_up


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_while_the_database_is_down_waits_for_it(down_then_up, tmp_path):
    worker_url, read_url, bring_up = down_then_up
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "qiwang", "worker", "--interval", "0.2"],
        env=_env(worker_url, tmp_path),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(
            lambda: "not reachable yet" in (tmp_path / "worker.log").read_text(),
            60,
            "the worker to report the database down",
        )
        time.sleep(1.5)
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        bring_up()
        try:
            _wait(lambda: _heartbeats(read_url) > 0, 90, "the worker's heartbeat")
        except AssertionError as error:  # say what the worker saw
            raise AssertionError(f"{error}\n{(tmp_path / 'worker.log').read_text()}") from None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "answered after" in (tmp_path / "worker.log").read_text()


def test_a_batch_worker_stops_at_once_with_one_sentence(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "qiwang", "worker", "--batch"],
        env=_env(url, tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "cannot connect to the database" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
