"""Backups taken while the site keeps writing, restored into empty places, on both databases.

SQLite: a writer commits rows in WAL mode while ``qiwang backup`` runs; the archive's copy passes
SQLite's integrity check and holds an unbroken prefix of what was written (the online backup API
restarts its copy when a page changes underneath it; a ``cp`` of the file would not).

PostgreSQL: ``pg_dump`` of the snapshot whose rows the manifest counts (writes go on during the
dump), restored into an empty database with every row; a restore into a database that already has
tables is refused without ``--force`` (exit 2, nothing written), and ``--force`` replaces them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qiwang.cli import app


def _text(result) -> str:
    return " ".join(result.output.split())


class Writer(threading.Thread):
    """Commits one row at a time (Chinese text, a phone) until stopped."""

    def __init__(self, insert) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.insert = insert
        self.written = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.written += 1
            self.insert(self.written)


def test_a_sqlite_backup_while_the_site_writes_is_consistent_and_restores(tmp_path):
    site, restored, archive = tmp_path / "site", tmp_path / "restored", tmp_path / "b.tar.gz"
    site.mkdir()
    db = site / "qiwang.sqlite3"
    setup = sqlite3.connect(db)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE rows_ (id INTEGER PRIMARY KEY, name TEXT, pad TEXT)")
    setup.executemany(
        "INSERT INTO rows_ VALUES (?, ?, ?)", [(-i, f"旧{i}", "x" * 500) for i in range(1, 20001)]
    )
    setup.commit()
    setup.close()
    live = sqlite3.connect(db, timeout=30, check_same_thread=False)

    def insert(n: int) -> None:
        live.execute("INSERT INTO rows_ VALUES (?, ?, ?)", (n, f"客户{n}", "y" * 500))
        live.commit()

    writer = Writer(insert)
    writer.start()
    while writer.written < 50:
        time.sleep(0.01)
    made = CliRunner(env={"QIWANG_LANGUAGE": "en"}).invoke(
        app, ["backup", str(archive)], env={"QIWANG_DATA_DIR": str(site), "DATABASE_URL": None}
    )
    during = writer.written
    writer.stop.set()
    writer.join(10)
    live.close()
    back = CliRunner(env={"QIWANG_LANGUAGE": "en"}).invoke(
        app, ["restore", str(archive)], env={"QIWANG_DATA_DIR": str(restored), "DATABASE_URL": None}
    )

    assert made.exit_code == 0, made.output
    assert back.exit_code == 0, back.output
    copy = sqlite3.connect(restored / "qiwang.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    new = [n for (n,) in copy.execute("SELECT id FROM rows_ WHERE id > 0 ORDER BY id")]
    assert copy.execute("SELECT count(*) FROM rows_ WHERE id < 0").fetchone()[0] == 20000
    assert new == list(range(1, len(new) + 1))  # an unbroken prefix: no torn or missing row
    assert 50 <= len(new) <= during  # the rows committed before it began, nothing invented


def _server_url() -> str:
    url = os.environ.get("QIWANG_TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("PostgreSQL: set QIWANG_TEST_POSTGRES_URL (CI does)")
    return url.replace("postgresql://", "postgres://", 1)


@pytest.fixture
def pg_pair():
    """Two fresh databases on the test server: a source and an empty target; dropped after."""
    import psycopg

    url = _server_url()
    base, _, _name = url.rpartition("/")
    tag = uuid.uuid4().hex[:8]
    names = (f"qw_backup_src_{tag}", f"qw_backup_dst_{tag}")
    admin = psycopg.connect(f"{base}/postgres".replace("postgres://", "postgresql://", 1))
    admin.autocommit = True
    for name in names:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(f"{base}/{name}" for name in names)
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _pg(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def _pg_rows(url: str) -> dict[str, list[tuple]]:
    with _pg(url) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608
            for table in ("customers", "answers")
        }


def test_a_postgresql_backup_during_writes_restores_every_row_into_an_empty_database(
    pg_pair, tmp_path
):
    source, target = pg_pair
    with _pg(source) as conn:
        conn.execute("CREATE TABLE customers (id bigint PRIMARY KEY, name text, phone text)")
        conn.execute("CREATE TABLE answers (id bigserial PRIMARY KEY, value int NOT NULL)")
        conn.execute(
            "INSERT INTO customers SELECT i, '客户' || i, '+86138' || lpad(i::text, 8, '0') "
            "FROM generate_series(1, 2000) i"
        )
        conn.execute("INSERT INTO answers (value) SELECT i % 5 FROM generate_series(1, 5000) i")
    site, restored, archive = tmp_path / "site", tmp_path / "restored", tmp_path / "b.tar.gz"
    site.mkdir()
    (site / "secret_key").write_text("k" * 50)
    (site / "sms").mkdir()
    (site / "sms" / "outbox.jsonl").write_text('{"to": "+8613800000001", "text": "您好"}\n')
    live = _pg(source)
    writer = Writer(lambda n: live.execute("INSERT INTO answers (value) VALUES (%s)", [n % 5]))
    writer.start()
    runner = CliRunner(env={"QIWANG_LANGUAGE": "en"})

    made = runner.invoke(
        app,
        ["backup", str(archive), "--json"],
        env={"QIWANG_DATA_DIR": str(site), "DATABASE_URL": source},
    )
    writer.stop.set()
    writer.join(10)
    live.close()
    back = runner.invoke(
        app,
        ["restore", str(archive)],
        env={"QIWANG_DATA_DIR": str(restored), "DATABASE_URL": target},
    )

    assert made.exit_code == 0, made.output
    assert back.exit_code == 0, back.output
    copy, original = _pg_rows(target), _pg_rows(source)
    assert copy["customers"] == original["customers"]  # every row, every value
    n = len(copy["answers"])
    assert n >= 5000 and copy["answers"] == original["answers"][:n]  # the snapshot: a prefix
    assert f'"public.answers": {n}' in made.stdout  # the manifest counts what the dump holds
    for name in ("secret_key", "sms/outbox.jsonl"):
        assert (restored / name).read_bytes() == (site / name).read_bytes()

    empty_dir = tmp_path / "again"
    over = runner.invoke(
        app,
        ["restore", str(archive)],
        env={"QIWANG_DATA_DIR": str(empty_dir), "DATABASE_URL": target},
    )
    assert over.exit_code == 2 and "already holds 2 tables" in _text(over), over.output
    assert not empty_dir.exists()  # refused before anything was written
    with _pg(target) as conn:
        conn.execute("DELETE FROM customers WHERE id > 1000")
    forced = runner.invoke(
        app,
        ["restore", str(archive), "--force"],
        env={"QIWANG_DATA_DIR": str(empty_dir), "DATABASE_URL": target},
    )
    assert forced.exit_code == 0, forced.output
    assert _pg_rows(target)["customers"] == original["customers"]


def test_a_backup_of_an_unreachable_postgresql_is_one_sentence(tmp_path):
    result = CliRunner(env={"QIWANG_LANGUAGE": "en"}).invoke(
        app,
        ["backup", str(tmp_path / "b.tar.gz")],
        env={"QIWANG_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"},
    )
    assert result.exit_code == 1
    assert "cannot connect to PostgreSQL" in _text(result) and "Traceback" not in result.output
    assert not (tmp_path / "b.tar.gz").exists()
    assert Path(tmp_path).is_dir()


def test_restore_works_without_extraction_filters_and_refuses_escaping_names(tmp_path, monkeypatch):
    """Debian 12's python3 is 3.11.2, older than tarfile's extraction filters (3.11.4): the
    restore crashed there with a TypeError. Without the filters it copies regular files itself
    and still refuses a name that leaves the directory."""
    import io
    import json
    import tarfile

    site, restored, archive = tmp_path / "site", tmp_path / "restored", tmp_path / "b.tar.gz"
    site.mkdir()
    conn = sqlite3.connect(site / "qiwang.sqlite3")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO t (name) VALUES (?)", [(f"客户{i}",) for i in range(100)])
    conn.commit()
    conn.close()
    (site / "sms").mkdir()
    (site / "sms" / "outbox.jsonl").write_text("{}\n")
    env = {"QIWANG_DATA_DIR": str(site), "DATABASE_URL": None}
    assert (
        CliRunner(env={"QIWANG_LANGUAGE": "en"})
        .invoke(app, ["backup", str(archive)], env=env)
        .exit_code
        == 0
    )
    monkeypatch.delattr(tarfile, "data_filter")

    back = CliRunner(env={"QIWANG_LANGUAGE": "en"}).invoke(
        app, ["restore", str(archive)], env={"QIWANG_DATA_DIR": str(restored), "DATABASE_URL": None}
    )

    assert back.exit_code == 0, back.output
    assert (restored / "sms" / "outbox.jsonl").read_text() == "{}\n"
    copy = sqlite3.connect(restored / "qiwang.sqlite3")
    assert copy.execute("SELECT count(*) FROM t").fetchone()[0] == 100
    copy.close()

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(archive) as good, tarfile.open(evil, "w:gz") as bad:
        manifest = json.loads(good.extractfile("manifest.json").read())
        body = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        bad.addfile(info, io.BytesIO(body))
        payload = tarfile.TarInfo("../outside.txt")
        payload.size = 3
        bad.addfile(payload, io.BytesIO(b"bad"))
    refused = CliRunner(env={"QIWANG_LANGUAGE": "en"}).invoke(
        app,
        ["restore", str(evil)],
        env={"QIWANG_DATA_DIR": str(tmp_path / "x"), "DATABASE_URL": None},
    )
    assert refused.exit_code == 2 and "unexpected entry" in _text(refused)
    assert not (tmp_path / "outside.txt").exists()
