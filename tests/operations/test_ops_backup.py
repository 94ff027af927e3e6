"""qiwang backup / restore: a consistent copy of a live WAL-mode SQLite database and the data
directory, restored into an empty directory with every row and file; refusals are exit code 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from qiwang.cli import app


def _text(result) -> str:
    return " ".join(result.output.split())  # the terminal wraps long sentences


def _rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables}


def _live_site(data: Path) -> Path:
    data.mkdir()
    db = data / "qiwang.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, phone TEXT)")
    conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, value INTEGER)")
    conn.executemany(
        "INSERT INTO customers (name, phone) VALUES (?, ?)",
        [(f"客户{i}", f"1380000{i:04d}") for i in range(500)],
    )
    conn.executemany("INSERT INTO answers (value) VALUES (?)", [(i % 5,) for i in range(3000)])
    conn.commit()  # committed rows still sit in the -wal file: a plain copy of the .sqlite3 misses them
    (data / "secret_key").write_text("k" * 50)
    (data / "sms").mkdir()
    (data / "sms" / "outbox-2026-11-23.jsonl").write_text('{"to": "13800000001", "text": "您好"}\n')
    (data / "imports").mkdir()
    (data / "imports" / "abc.upload").write_bytes(b"code,name\nA1,x\n")
    return conn  # kept open: the site is running


def test_backup_of_a_running_site_restores_into_an_empty_directory_with_every_row(tmp_path):
    site, restored, archive = tmp_path / "site", tmp_path / "restored", tmp_path / "b.tar.gz"
    live = _live_site(site)
    runner = CliRunner()

    made = runner.invoke(
        app,
        ["backup", str(archive)],
        env={"QIWANG_DATA_DIR": str(site), "DATABASE_URL": None, "QIWANG_LANGUAGE": "en"},
    )
    live.close()
    back = runner.invoke(
        app, ["restore", str(archive)], env={"QIWANG_DATA_DIR": str(restored), "DATABASE_URL": None}
    )

    assert made.exit_code == 0, made.output
    assert "2 tables, 3500 rows, 3 files" in _text(made)
    assert back.exit_code == 0, back.output
    assert _rows(restored / "qiwang.sqlite3") == _rows(site / "qiwang.sqlite3")
    for name in ("secret_key", "sms/outbox-2026-11-23.jsonl", "imports/abc.upload"):
        assert (restored / name).read_bytes() == (site / name).read_bytes()


def test_restore_refuses_a_non_empty_directory_and_backup_an_existing_file(tmp_path):
    site, archive = tmp_path / "site", tmp_path / "b.tar.gz"
    _live_site(site).close()
    runner = CliRunner()
    env = {"QIWANG_DATA_DIR": str(site), "DATABASE_URL": None, "QIWANG_LANGUAGE": "en"}
    assert runner.invoke(app, ["backup", str(archive)], env=env).exit_code == 0

    again = runner.invoke(app, ["backup", str(archive)], env=env)
    over = runner.invoke(app, ["restore", str(archive)], env=env)
    forced = runner.invoke(app, ["restore", str(archive), "--force"], env=env)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a backup")
    bad = runner.invoke(
        app,
        ["restore", str(junk)],
        env={"QIWANG_DATA_DIR": str(tmp_path / "e"), "QIWANG_LANGUAGE": "en"},
    )

    assert again.exit_code == 2 and "exists" in _text(again)
    assert over.exit_code == 2 and "not empty" in _text(over) and "--force" in _text(over)
    assert forced.exit_code == 0, forced.output
    assert bad.exit_code == 2 and "not a Qiwang backup" in _text(bad)
