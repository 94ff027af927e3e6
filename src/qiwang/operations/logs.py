"""Structured logs: a request id on every line, JSON by setting, an access log.

``QIWANG_LOG_FORMAT=json`` writes one JSON object per line (``time``, ``level``, ``logger``,
``message``, ``request_id`` and any ``extra`` fields); ``text`` (the default) writes readable
lines with the request id. The request id comes from the ``X-Request-ID`` header when a proxy
sets a sane one (letters, digits, ``-_.:``, at most 64), else a new random one; it is returned
in the response's ``X-Request-ID``, stored with every task the request queues (the database
queue's row) and put back into the logging context while a worker runs that task.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import uuid
from typing import Any

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("qiwang_request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")

#: LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def request_id() -> str:
    """The request id of the current request or task ('' outside both)."""
    return _request_id.get()


def bind_request_id(value: str | None) -> contextvars.Token[str]:
    return _request_id.set(value if value and _VALID.match(value) else "")


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def incoming_request_id(header: str | None) -> str:
    """The proxy's id if it is sane, else a new one."""
    if header and _VALID.match(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (for both formats)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra={...}`` fields become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id() or None,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, fmt: str, level: str, access_log: bool) -> dict[str, Any]:
    """The ``LOGGING`` setting for ``QIWANG_LOG_FORMAT`` / ``LOG_LEVEL`` / ``QIWANG_ACCESS_LOG``."""
    formatter = (
        {"()": "qiwang.operations.logs.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "qiwang.operations.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The access log: one INFO line per request, on by default (QIWANG_ACCESS_LOG).
            "qiwang.access": {
                "level": "INFO" if access_log else "WARNING",
                "handlers": ["console"],
                "propagate": False,
            },
            # What the worker and the scheduler do is worth seeing at INFO.
            "qiwang.jobs": {"level": min_level(level, "INFO")},
            "qiwang.worker": {"level": min_level(level, "INFO")},
        },
    }


def min_level(a: str, b: str) -> str:
    return a if logging.getLevelName(a) <= logging.getLevelName(b) else b
