"""``qiwang backup DEST`` and ``qiwang restore SRC`` (see :mod:`qiwang.operations.backup`).

Neither sets Django up: the configuration is read from the environment as the server reads it
(``QIWANG_DATA_DIR``, ``DATABASE_URL``), so a restore into an empty directory finds it empty.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli.server import _fail, console, err_console


def _configuration() -> tuple[Path, dict]:  # type: ignore[type-arg]
    from django.core.exceptions import ImproperlyConfigured

    from qiwang.project import config

    try:
        data_dir = (
            Path(os.environ.get("QIWANG_DATA_DIR", Path.cwd() / "var")).expanduser().resolve()
        )
        if os.environ.get("DATABASE_URL"):
            database = config.database(os.environ["DATABASE_URL"])
        else:
            database = {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(data_dir / "qiwang.sqlite3"),
            }
    except ImproperlyConfigured as error:
        _fail(str(error))
        raise  # unreachable: _fail exits
    return data_dir, database


def register_backup_commands(app: typer.Typer) -> None:
    @app.command()
    def backup(
        dest: Annotated[Path, typer.Argument(help="The archive to write (a new .tar.gz file).")],
    ) -> None:
        """Back up the database and the data directory (uploads, SMS outbox, secret key) into
        one new archive, while the site keeps running (SQLite's online backup API; pg_dump for
        PostgreSQL)."""
        from importlib.metadata import version

        from qiwang.operations.backup import BackupError, BackupRefused
        from qiwang.operations.backup import backup as make_backup

        data_dir, database = _configuration()
        try:
            with console.status("Backing up…"):
                result = make_backup(
                    dest, data_dir=data_dir, database=database, version=version("qiwang")
                )
        except BackupRefused as error:
            _fail(str(error))
        except BackupError as error:
            err_console.print(f"[bold red]qiwang:[/] {error}")
            raise typer.Exit(code=1) from None
        rows = sum(result.tables.values())
        console.print(
            f"{result.path}: {len(result.tables)} tables, {rows} rows, {result.files} files, "
            f"{result.size / 1e6:.1f} MB"
        )

    @app.command()
    def restore(
        src: Annotated[Path, typer.Argument(help="An archive written by qiwang backup.")],
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite a data directory that is not empty.")
        ] = False,
    ) -> None:
        """Restore a backup into QIWANG_DATA_DIR and the database of DATABASE_URL. Refuses a
        data directory that is not empty unless --force. Stop the web server and the worker
        first."""
        from qiwang.operations.backup import BackupError, BackupRefused
        from qiwang.operations.backup import restore as do_restore

        data_dir, database = _configuration()
        try:
            with console.status("Restoring…"):
                manifest = do_restore(src, data_dir=data_dir, database=database, force=force)
        except BackupRefused as error:
            _fail(str(error))
        except BackupError as error:
            err_console.print(f"[bold red]qiwang:[/] {error}")
            raise typer.Exit(code=1) from None
        console.print(
            f"restored the backup of {manifest['created_at']}: "
            f"{sum(manifest['tables'].values())} rows, {len(manifest['files'])} files into {data_dir}"
        )
