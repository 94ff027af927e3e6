"""``qiwang backup DEST`` / ``qiwang restore SRC``: the database and the data directory in one
archive.

An archive is a gzip-compressed tar file holding ``manifest.json`` (when, which version, which
database, every table's row count and every file's SHA-256), the database and ``data/`` — the
data directory's files: uploads awaiting import, the SMS outbox, the generated secret key.

- **SQLite** (the default): the database is copied with SQLite's online backup API, a consistent
  snapshot taken while the site keeps running (a WAL-mode file must never be copied with ``cp``).
- **PostgreSQL**: ``pg_dump --format=custom`` of the snapshot in which every table's rows are
  counted for the manifest; the point-in-time recovery that a large site wants is PostgreSQL's
  own (docs/deploy.md).

Restore refuses a data directory that holds anything (or an existing SQLite file, or a PostgreSQL
database that already has tables) unless ``--force``, writes the files, then the database
(PostgreSQL: ``pg_restore`` in one transaction), and checks every table's row count against the
manifest. Nothing here needs Django to be set up, so a
restore starts from an empty directory without creating anything in it first.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qiwang.envlang import gettext as _

#: Never copied from the data directory: the live database (it is backed up properly), SQLite's
#: side files, collected static files and the metrics of running processes.
SKIPPED_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")
SKIPPED_DIRS = {"static", "metrics"}
FORMAT = 1


class BackupError(Exception):
    """Work failed (exit code 1)."""


class BackupRefused(Exception):
    """The request cannot be carried out as asked (exit code 2); the text says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: dict[str, int]
    files: int
    size: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _data_files(data_dir: Path, database: Path | None) -> list[Path]:
    files = []
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(data_dir)
        if relative.parts[0] in SKIPPED_DIRS or path.name.endswith(SKIPPED_SUFFIXES):
            continue
        if database is not None and path.resolve() == database.resolve():
            continue
        files.append(path)
    return files


def _sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        return {
            table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    env["PGDATABASE"] = str(settings_dict["NAME"])
    return env


def _pg_connect(settings_dict: dict[str, Any]) -> Any:
    import psycopg

    params = {
        "dbname": settings_dict["NAME"],
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }
    try:
        return psycopg.connect(
            **{k: v for k, v in params.items() if v is not None}, connect_timeout=10
        )
    except psycopg.Error as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise BackupError(
            _("cannot connect to PostgreSQL: %(reason)s") % {"reason": reason[:300]}
        ) from None


_PG_TABLES = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)


def _pg_counts(cursor: Any) -> dict[str, int]:
    """Every user table's row count, read in the cursor's transaction (its snapshot)."""
    tables = [row[0] for row in cursor.execute(_PG_TABLES).fetchall()]
    return {
        table: cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in tables
    }


def _pg_dump(db_file: Path, database: dict[str, Any]) -> dict[str, int]:
    """``pg_dump`` of the very snapshot in which the rows are counted (``pg_export_snapshot``):
    the manifest's counts are exactly the dump's, even while the site keeps writing."""
    if shutil.which("pg_dump") is None:
        raise BackupRefused(
            _(
                "pg_dump is not installed; install the PostgreSQL client (postgresql-client) "
                "or back up PostgreSQL as docs/deploy.md describes."
            )
        )
    with _pg_connect(database) as conn, conn.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = _pg_counts(cursor)
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [  # noqa: S607
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={db_file}",
            ],
            env=_pg_env(database),
            capture_output=True,
            text=True,
            check=False,
        )
        cursor.execute("COMMIT")
    if result.returncode != 0:
        raise BackupError(_("pg_dump failed: %(reason)s") % {"reason": result.stderr.strip()[:300]})
    return tables


def _pg_check_target(database: dict[str, Any], *, force: bool) -> None:
    """Before anything is written: the client tools exist and the database is empty (or
    ``force``)."""
    if shutil.which("pg_restore") is None:
        raise BackupRefused(_("pg_restore is not installed (postgresql-client)."))
    with _pg_connect(database) as conn:
        present = [row[0] for row in conn.execute(_PG_TABLES).fetchall()]
    if present and not force:
        raise BackupRefused(
            _(
                "the database %(name)s already holds %(count)d tables; restore into an empty "
                "database, or add --force to replace what is there."
            )
            % {"name": database["NAME"], "count": len(present)}
        )


def _pg_restore(
    db_file: Path, database: dict[str, Any], manifest: dict[str, Any], *, force: bool
) -> None:
    """``pg_restore`` in one transaction (with ``force``: over the tables there), then every
    table's rows counted against the manifest."""
    command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    if force:
        command += ["--clean", "--if-exists"]
    result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        [*command, f"--dbname={database['NAME']}", str(db_file)],
        env=_pg_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            _("pg_restore failed: %(reason)s") % {"reason": result.stderr.strip()[:300]}
        )
    with _pg_connect(database) as conn, conn.cursor() as cursor:
        counts = _pg_counts(cursor)
    if any(counts.get(table) != rows for table, rows in manifest["tables"].items()):
        raise BackupError(_("the restored database does not hold the rows of the backup."))


def backup(dest: Path, *, data_dir: Path, database: dict[str, Any], version: str) -> BackupResult:
    """Write the archive ``dest`` (which must not exist)."""
    dest = dest.expanduser()
    if dest.exists():
        raise BackupRefused(
            _("%(file)s exists; a backup is always written to a new file.") % {"file": dest}
        )
    if not dest.parent.is_dir():
        raise BackupRefused(_("%(folder)s is not a directory.") % {"folder": dest.parent})
    vendor = "sqlite" if database["ENGINE"].endswith("sqlite3") else "postgresql"
    with tempfile.TemporaryDirectory(prefix="qiwang-backup-") as scratch:
        work = Path(scratch)
        if vendor == "sqlite":
            source = Path(database["NAME"])
            if not source.exists():
                raise BackupRefused(
                    _("the SQLite database %(file)s does not exist.") % {"file": source}
                )
            copy = work / "database.sqlite3"
            with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(copy) as target:
                live.backup(target)
            target.close()
            tables = _sqlite_counts(copy)
            db_name, db_file, live_db = "database.sqlite3", copy, source
        else:
            db_file = work / "database.pgdump"
            tables = _pg_dump(db_file, database)
            db_name, live_db = "database.pgdump", None
        files = _data_files(data_dir, live_db)
        manifest = {
            "format": FORMAT,
            "qiwang": version,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "database": {"vendor": vendor, "file": db_name, "sha256": _sha256(db_file)},
            "tables": tables,
            "files": {str(p.relative_to(data_dir)): _sha256(p) for p in files},
        }
        partial = dest.with_name(dest.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = (
                len(body),
                int(datetime.datetime.now().timestamp()),
                0o600,
            )
            archive.addfile(info, io.BytesIO(body))
            archive.add(db_file, arcname=db_name)
            for path in files:
                archive.add(path, arcname=f"data/{path.relative_to(data_dir)}")
        partial.chmod(0o600)
        partial.rename(dest)
    return BackupResult(dest, tables, len(files), dest.stat().st_size)


def _safe_name(name: str) -> bool:
    """A relative path that stays inside the directory it is extracted to."""
    path = Path(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, work: Path) -> None:
    """Extract one regular file; Python 3.11.0–3.11.3 (Debian 12's python3 is 3.11.2) have no
    extraction filters, so the name is checked by :func:`_safe_name` on every version."""
    if hasattr(tarfile, "data_filter"):
        archive.extract(member, work, filter="data")
        return
    target = work / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    source = archive.extractfile(member)
    assert source is not None  # a regular file (checked by the caller)
    with source, target.open("wb") as handle:
        shutil.copyfileobj(source, handle)


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile("manifest.json")
    except KeyError:
        member = None
    if member is None:
        raise BackupRefused(_("the file is not a Qiwang backup (no manifest.json)."))
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupRefused(
            _("backup format %(format)r is not supported.") % {"format": manifest.get("format")}
        )
    return manifest


def restore(
    source: Path, *, data_dir: Path, database: dict[str, Any], force: bool = False
) -> dict[str, Any]:
    """Restore ``source`` into ``data_dir`` and the configured database; return the manifest."""
    if not source.is_file():
        raise BackupRefused(_("%(file)s is not a file.") % {"file": source})
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as error:
        raise BackupRefused(
            _("%(file)s is not a Qiwang backup (%(reason)s).") % {"file": source, "reason": error}
        ) from None
    with archive:
        manifest = _read_manifest(archive)
        vendor = "sqlite" if database["ENGINE"].endswith("sqlite3") else "postgresql"
        if manifest["database"]["vendor"] != vendor:
            raise BackupRefused(
                _("the backup holds a %(held)s database; DATABASE_URL names %(vendor)s.")
                % {"held": manifest["database"]["vendor"], "vendor": vendor}
            )
        present = list(data_dir.iterdir()) if data_dir.exists() else []
        target_db = Path(database["NAME"]) if vendor == "sqlite" else None
        if not force and (present or (target_db is not None and target_db.exists())):
            raise BackupRefused(
                _(
                    "%(folder)s is not empty; restore into an empty data directory, or add "
                    "--force to overwrite what is there."
                )
                % {"folder": data_dir}
            )
        if vendor == "postgresql":
            _pg_check_target(database, force=force)
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="qiwang-restore-") as scratch:
            work = Path(scratch)
            for member in archive.getmembers():
                if member.name == "manifest.json":
                    continue
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupRefused(
                        _("unexpected entry %(name)r in the backup.") % {"name": member.name}
                    )
                _extract(archive, member, work)
            db_file = work / manifest["database"]["file"]
            if _sha256(db_file) != manifest["database"]["sha256"]:
                raise BackupError(_("the database in the backup is damaged (checksum differs)."))
            for name, digest in manifest["files"].items():
                path = work / "data" / name
                if _sha256(path) != digest:
                    raise BackupError(
                        _("%(name)s in the backup is damaged (checksum differs).") % {"name": name}
                    )
                destination = data_dir / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
            if vendor == "sqlite":
                assert target_db is not None
                target_db.parent.mkdir(parents=True, exist_ok=True)
                for suffix in ("-wal", "-shm"):
                    Path(f"{target_db}{suffix}").unlink(missing_ok=True)
                staged = target_db.with_name(target_db.name + ".restoring")
                shutil.copy2(db_file, staged)
                staged.rename(target_db)
                counts = _sqlite_counts(target_db)
                if counts != manifest["tables"]:
                    raise BackupError(
                        _("the restored database does not hold the rows of the backup.")
                    )
            else:
                _pg_restore(db_file, database, manifest, force=force)
    return manifest
