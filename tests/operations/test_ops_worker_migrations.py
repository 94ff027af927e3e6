"""A worker started before the database is migrated waits for the migration instead of dying.

In the compose file the worker starts as soon as the web container has started, while ``qiwang
serve`` is still migrating a new database; on PostgreSQL the worker used to end in a traceback
(``relation "django_tasks_database_dbtaskresult" does not exist``) on its first poll. ``--batch``
answers one sentence and exit code 2."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from tests.operations.test_ops_scheduler import ROOT, _env, _wait
from tests.operations.test_ops_worker_start import _heartbeats


@pytest.fixture
def empty_database(tmp_path):
    """A database that exists and holds no table: a fresh PostgreSQL database when the tests
    run on PostgreSQL, an empty SQLite file otherwise."""
    from django.db import connection

    if connection.vendor != "postgresql":
        path = tmp_path / "empty.sqlite3"
        import sqlite3

        sqlite3.connect(path).close()
        yield f"sqlite:///{path}"
        return
    import psycopg

    s = connection.settings_dict
    base = f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    name = f"qw_unmigrated_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}".replace("postgresql://", "postgres://", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_worker_started_before_the_migration_waits_for_it(empty_database, tmp_path):
    env = _env(empty_database, tmp_path)
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "qiwang", "worker", "--interval", "0.2"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: "no Qiwang tables yet" in log_path.read_text(), 90, "the worker to wait")
        assert worker.poll() is None, log_path.read_text()
        subprocess.run(
            [sys.executable, "-m", "qiwang", "manage", "migrate", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=600,
        )
        _wait(lambda: _heartbeats(empty_database) > 0, 120, "the worker's heartbeat")
        assert worker.poll() is None, log_path.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    text = log_path.read_text()
    assert "was migrated after" in text
    assert "Traceback" not in text and "does not exist" not in text


@pytest.mark.django_db
def test_a_batch_worker_on_a_database_never_migrated_is_one_sentence(empty_database, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "qiwang", "worker", "--batch"],
        env={**_env(empty_database, tmp_path), "QIWANG_LANGUAGE": "en"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "the database has no Qiwang tables yet" in done.stderr
    assert "Traceback" not in done.stderr
