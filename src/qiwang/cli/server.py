"""Commands that run the web application: demo, serve, worker, manage, compilemessages.

Django is imported lazily so that ``qiwang analyze`` starts fast and works without a database.
Configuration errors stop start-up with one clear sentence on standard error and exit code 2,
never a traceback (:mod:`qiwang.cli._output`). Messages follow the command line's language
(:func:`qiwang.cli._i18n.cli_language`: QIWANG_LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import MISUSE, err_console, fail

console = Console()


def _fail(message: str) -> None:
    raise fail(message, MISUSE)


def setup_django(*, mode: str | None = None) -> None:
    """Configure Django, turning configuration errors into one sentence and exit code 2."""
    if mode is not None:
        os.environ.setdefault("QIWANG_ENV", mode)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiwang.project.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as error:
        _fail(str(error))
    from django.utils import translation

    from qiwang.cli._i18n import cli_language

    translation.activate(cli_language())


def check_database(*, migrated: bool = False) -> None:
    """Open one connection, or stop with a sentence that names the database that failed.

    With ``migrated`` (the commands that read or write Qiwang's tables), a database missing a
    table of the installed apps (never migrated, or migrated by an older version) is misuse, one
    sentence instead of the traceback of the first query."""
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as error:
        settings = connection.settings_dict
        where = settings.get("HOST") or settings.get("NAME")
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        _fail(
            _("cannot connect to the database at %(where)s (from DATABASE_URL): %(reason)s")
            % {"where": where, "reason": reason}
        )
    if migrated:
        from django.apps import apps

        present = set(connection.introspection.table_names())
        missing = sorted(
            model._meta.db_table
            for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy and model._meta.db_table not in present
        )
        if missing:
            _fail(
                _(
                    "the database is not migrated (table %(table)s is missing): run `qiwang "
                    "manage migrate` (or `qiwang serve`, which migrates first), then try again."
                )
                % {"table": missing[0]}
            )


def wait_for_database(*, most: float = 30.0) -> None:
    """Wait, with back-off (1, 2, 4 … ``most`` seconds), until the database answers: a worker
    started while PostgreSQL is down (a restart, a failover, a host booting) waits instead of
    exiting."""
    from django.db import connection
    from django.db.utils import OperationalError

    pause = 1.0
    waited = 0.0
    while True:
        try:
            connection.ensure_connection()
        except OperationalError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "unavailable"
            err_console.print(
                _(
                    "qiwang worker: the database is not reachable yet (%(reason)s); retrying in"
                    " %(seconds)s s"
                )
                % {"reason": reason, "seconds": f"{pause:.0f}"}
            )
            connection.close()
            time.sleep(pause)
            waited += pause
            pause = min(most, pause * 2)
            continue
        if waited:
            err_console.print(
                _("qiwang worker: the database answered after %(seconds)s s")
                % {"seconds": f"{waited:.0f}"}
            )
        return


def missing_tables() -> list[str]:
    """The worker's tables that the database lacks, else the migrations not applied yet (empty
    once ``migrate`` has finished)."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.models import JobRun, WorkerHeartbeat

    needed = [model._meta.db_table for model in (DBTaskResult, JobRun, WorkerHeartbeat)]
    present = set(connection.introspection.table_names())
    missing = [table for table in needed if table not in present]
    if missing:
        return missing
    # The worker's tables come early in ``migrate``; the jobs read every app's tables, so wait
    # until no migration is left (a job run mid-migrate met a column not yet added).
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in pending]


def wait_for_migrations(*, most: float = 30.0) -> None:
    """Wait, with back-off, until the worker's tables exist: in the compose file (and on a first
    boot with systemd) the worker starts while ``qiwang serve`` is still migrating a new
    database; it waits instead of failing on a missing table."""
    from django.db import connection
    from django.db.utils import DatabaseError

    pause = 1.0
    waited = 0.0
    while True:
        try:
            missing = missing_tables()
        except DatabaseError:
            missing = ["?"]
            connection.close()
        if not missing:
            if waited:
                err_console.print(
                    _("qiwang worker: the database was migrated after %(seconds)s s")
                    % {"seconds": f"{waited:.0f}"}
                )
            return
        if any("." in name for name in missing):  # tables there, migrations pending
            err_console.print(
                _(
                    "qiwang worker: %(count)s database migrations are not applied yet"
                    " (%(first)s …); checking again in %(seconds)s s"
                )
                % {"count": len(missing), "first": missing[0], "seconds": f"{pause:.0f}"}
            )
        else:
            err_console.print(
                _(
                    "qiwang worker: the database has no Qiwang tables yet (qiwang serve migrates"
                    " it on start); checking again in %(seconds)s s"
                )
                % {"seconds": f"{pause:.0f}"}
            )
        time.sleep(pause)
        waited += pause
        pause = min(most, pause * 2)


def prepare_metrics_dir() -> str | None:
    """A fresh directory for prometheus-client's multi-process mode, set before anything imports
    prometheus-client (it chooses its storage at import). ``None`` outside POSIX."""
    if os.name != "posix":  # pragma: no cover
        return None
    import tempfile

    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="qiwang-metrics-")
    os.makedirs(path, exist_ok=True)
    for leftover in Path(path).glob("*.db"):
        leftover.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path


def _migrate(*, verbosity: int = 0) -> None:
    from django.core.management import call_command

    with console.status(_("Applying database migrations…")):
        call_command("migrate", interactive=False, verbosity=verbosity)


def _serve(host: str, port: int, threads: int) -> None:
    from waitress import serve

    from qiwang.project.wsgi import application

    serve(application, host=host, port=port, threads=threads, ident="qiwang")


def register_server_commands(app: typer.Typer) -> None:
    """Attach the web-application commands to the root ``qiwang`` command."""

    @app.command(
        help=_("Migrate, load the demo organisation (once) and serve the web application.")
    )
    def demo(
        port: Annotated[
            int, typer.Option(help=_("Port to serve on."), envvar="QIWANG_PORT")
        ] = 8000,
        host: Annotated[str, typer.Option(help=_("Interface to bind."))] = "127.0.0.1",
        customers: Annotated[int, typer.Option(help=_("Demo customers to create."))] = 300,
        seed: Annotated[int, typer.Option(help=_("Random seed of the demo data."))] = 20261123,
        reset: Annotated[bool, typer.Option(help=_("Delete the demo database first."))] = False,
        no_serve: Annotated[
            bool, typer.Option("--no-serve", help=_("Load data and exit."))
        ] = False,
    ) -> None:
        """Migrate, load the demo organisation (once) and serve the web application."""
        os.environ.setdefault("QIWANG_ENV", "demo")
        if reset:
            from qiwang.project.config import default_sqlite_path

            path = default_sqlite_path()
            if "DATABASE_URL" not in os.environ and path.exists():
                path.unlink()
        setup_django()
        check_database()
        _migrate()
        from qiwang.demo.services import DEMO_PASSWORD, build_demo, demo_accounts, has_demo

        if not has_demo():
            build_demo(customers=customers, seed=seed, progress=True)
        else:
            console.print(_("Demo organisation already loaded (use --reset to rebuild it)."))
        table = demo_accounts()
        console.print()
        console.print(table)
        console.print(_("Password for every demo account: %s") % f"[bold]{DEMO_PASSWORD}[/]")
        if no_serve:
            return
        # No `qiwang worker` in the demo: survey invitations are sent by a thread in this process.
        from qiwang.surveys.sending import start_demo_sender

        start_demo_sender()
        url = f"http://{host}:{port}/"
        running = _("Qiwang is running at %(url)s — press Ctrl+C to stop.")
        console.print("\n" + running % {"url": f"[bold link={url}]{url}[/]"} + "\n")
        _serve(host, port, threads=8)

    @app.command(
        help=_(
            "Serve the web application in production mode (SECRET_KEY required). On Linux and"
            " other POSIX systems this is gunicorn (processes × threads), the server every"
            " published figure was measured on; elsewhere waitress."
        )
    )
    def serve(
        port: Annotated[
            int, typer.Option(help=_("Port to serve on."), envvar="QIWANG_PORT")
        ] = 8000,
        host: Annotated[
            str,
            typer.Option(
                help=_("Interface to bind (0.0.0.0 in a container)."), envvar="QIWANG_HOST"
            ),
        ] = "127.0.0.1",
        workers: Annotated[
            int | None,
            typer.Option(help=_("Processes (default QIWANG_WEB_WORKERS, 2)."), min=1, max=64),
        ] = None,
        threads: Annotated[
            int | None,
            typer.Option(
                help=_("Threads per process (default QIWANG_WEB_THREADS, 4)."), min=1, max=64
            ),
        ] = None,
        migrate: Annotated[bool, typer.Option(help=_("Apply migrations first."))] = True,
    ) -> None:
        """Serve the web application in production mode (SECRET_KEY required).

        On Linux and other POSIX systems this is gunicorn (processes × threads, ADR 0090), the
        server every published figure was measured on; elsewhere waitress."""
        os.environ.setdefault("QIWANG_ENV", "production")
        metrics_dir = prepare_metrics_dir()
        setup_django()
        check_database()
        if migrate:
            _migrate()
        from django.conf import settings
        from django.db import connections

        workers = workers or settings.QIWANG_WEB_WORKERS
        threads = threads or settings.QIWANG_WEB_THREADS
        console.print(
            _("Qiwang is running at %(url)s — press Ctrl+C to stop.")
            % {"url": f"http://{host}:{port}/"}
        )
        connections.close_all()  # never share a connection with the forked processes
        if os.name != "posix":  # pragma: no cover - gunicorn needs fork
            _serve(host, port, threads=workers * threads)
            return
        from qiwang.operations.server import run_gunicorn

        run_gunicorn(
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            timeout=settings.QIWANG_WEB_TIMEOUT,
            metrics_dir=metrics_dir,
        )

    @app.command(
        help=_(
            "Run background tasks and periodic jobs from the database (no extra server needed)."
            " Keeps running across database restarts and outages; supervise it with the"
            " systemd unit or the compose file of docs/deploy.md. Started while the database is"
            " down, or before it is migrated, it waits for it (--batch: exits with code 2)."
        )
    )
    def worker(
        queue: Annotated[
            str, typer.Option(help=_("Queue(s) to work on, comma-separated."))
        ] = "default",
        interval: Annotated[
            float, typer.Option(help=_("Seconds between polls of an empty queue."))
        ] = 1.0,
        beat: Annotated[
            bool,
            typer.Option(
                help=_(
                    "Run the scheduler's beat in this worker (periodic jobs). Several workers"
                    " may all run it: each job slot runs once."
                )
            ),
        ] = True,
        batch: Annotated[
            bool, typer.Option("--batch", help=_("Run what is queued now, then exit (no beat)."))
        ] = False,
    ) -> None:
        """Run background tasks and periodic jobs from the database (no extra server needed).

        Keeps running across database restarts and outages; supervise it with the systemd unit
        or the compose file of docs/deploy.md so that it is restarted if it ever exits. Started
        while the database is down, or before it is migrated, it waits for it (``--batch``:
        exits with code 2)."""
        setup_django()
        if batch:
            check_database()
            if missing_tables():
                _fail(
                    _(
                        "the database has no Qiwang tables yet: run `qiwang serve` (it migrates "
                        "first) or `qiwang manage migrate`, then try again."
                    )
                )
        else:
            wait_for_database()
            wait_for_migrations()
        if not 0 <= interval <= 3600:
            _fail(
                _("--interval=%(value)s is not between 0 and 3600 seconds.") % {"value": interval}
            )
        from django.conf import settings

        from qiwang.operations.worker import run_worker

        console.print(
            (
                _("qiwang worker: queues %(queues)s, beat on")
                if beat and not batch
                else _("qiwang worker: queues %(queues)s, beat off")
            )
            % {"queues": queue}
        )
        run_worker(
            queue=queue,
            interval=interval,
            schedule=beat and not batch,
            beat_seconds=settings.QIWANG_BEAT_SECONDS,
            dead_seconds=settings.QIWANG_WORKER_DEAD_SECONDS,
            batch=batch,
        )

    @app.command(
        help=_("Run a Django management command (qiwang manage createsuperuser)."),
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def manage(ctx: typer.Context) -> None:
        """Run a Django management command (``qiwang manage createsuperuser``)."""
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["qiwang manage", *ctx.args])

    @app.command(
        help=_("Compile the translation catalogues (.po → .mo) without needing GNU gettext.")
    )
    def compilemessages() -> None:
        """Compile the translation catalogues (.po → .mo) without needing GNU gettext."""
        from qiwang.project.i18n import compile_catalogues

        for path in compile_catalogues(Path(__file__).resolve().parents[1]):
            console.print(_("compiled %(path)s") % {"path": path})
