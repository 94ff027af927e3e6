"""``qiwang backup DEST`` and ``qiwang restore SRC`` (see :mod:`qiwang.operations.backup`).

Neither sets Django up: the configuration is read from the environment as the server reads it
(``QIWANG_DATA_DIR``, ``DATABASE_URL``), so a restore into an empty directory finds it empty.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import FAILED, emit_json, err_console, fail, use_json
from qiwang.cli.server import _fail, console

JSON_HELP = _("Print one JSON document (errors as JSON on standard error).")


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
    @app.command(
        help=_(
            "Back up the database and the data directory (uploads, SMS outbox, secret key) into "
            "one new archive, while the site keeps running (SQLite's online backup API; pg_dump "
            "for PostgreSQL)."
        )
    )
    def backup(
        dest: Annotated[Path, typer.Argument(help=_("The archive to write (a new .tar.gz file)."))],
        as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    ) -> None:
        use_json(as_json)
        from importlib.metadata import version

        from qiwang.operations.backup import BackupError, BackupRefused
        from qiwang.operations.backup import backup as make_backup

        data_dir, database = _configuration()
        try:
            with err_console.status(_("Backing up…")):
                result = make_backup(
                    dest, data_dir=data_dir, database=database, version=version("qiwang")
                )
        except BackupRefused as error:
            _fail(str(error))
        except BackupError as error:
            raise fail(str(error), FAILED) from None
        rows = sum(result.tables.values())
        if as_json:
            emit_json(
                {
                    "archive": str(result.path),
                    "tables": dict(result.tables),
                    "rows": rows,
                    "files": result.files,
                    "bytes": result.size,
                }
            )
            return
        console.print(
            _("%(archive)s: %(tables)d tables, %(rows)d rows, %(files)d files, %(size).1f MB")
            % {
                "archive": result.path,
                "tables": len(result.tables),
                "rows": rows,
                "files": result.files,
                "size": result.size / 1e6,
            },
            markup=False,
            highlight=False,
        )

    @app.command(
        help=_(
            "Restore a backup into QIWANG_DATA_DIR and the database of DATABASE_URL. Refuses a "
            "data directory that is not empty unless --force. Stop the web server and the "
            "worker first."
        )
    )
    def restore(
        src: Annotated[Path, typer.Argument(help=_("An archive written by qiwang backup."))],
        force: Annotated[
            bool,
            typer.Option("--force", help=_("Overwrite a data directory that is not empty.")),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    ) -> None:
        use_json(as_json)
        from qiwang.operations.backup import BackupError, BackupRefused
        from qiwang.operations.backup import restore as do_restore

        data_dir, database = _configuration()
        try:
            with err_console.status(_("Restoring…")):
                manifest = do_restore(src, data_dir=data_dir, database=database, force=force)
        except BackupRefused as error:
            _fail(str(error))
        except BackupError as error:
            raise fail(str(error), FAILED) from None
        if as_json:
            emit_json(
                {
                    "created_at": manifest["created_at"],
                    "rows": sum(manifest["tables"].values()),
                    "files": len(manifest["files"]),
                    "data_dir": str(data_dir),
                }
            )
            return
        console.print(
            _("Restored the backup of %(created)s: %(rows)d rows, %(files)d files into %(folder)s")
            % {
                "created": manifest["created_at"],
                "rows": sum(manifest["tables"].values()),
                "files": len(manifest["files"]),
                "folder": data_dir,
            },
            markup=False,
            highlight=False,
        )
