"""``qiwang serve`` on gunicorn: processes × threads from the environment (ADR 0090).

gthread workers (``QIWANG_WEB_WORKERS`` processes, ``QIWANG_WEB_THREADS`` threads each): threads
absorb slow clients and the database round trips, processes use the cores. The app is loaded in
each worker after the fork (no shared database connection, no shared metrics state); the
``child_exit`` hook retires a dead worker's metrics files (prometheus-client multi-process mode).
A worker that stops answering for ``QIWANG_WEB_TIMEOUT`` seconds is replaced. gunicorn's own
access log is off: :mod:`qiwang.operations.middleware` writes one with the request id.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class QiwangApplication(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from qiwang.project.wsgi import application

        return application


def gunicorn_options(
    *, host: str, port: int, workers: int, threads: int, timeout: int, metrics_dir: str | None
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "qiwang",
        "preload_app": False,
        "max_requests": 0,
        "forwarded_allow_ips": "127.0.0.1,::1",
    }
    if metrics_dir:
        options["child_exit"] = _child_exit
    return options


def run_gunicorn(**kwargs: Any) -> None:
    QiwangApplication(gunicorn_options(**kwargs)).run()
