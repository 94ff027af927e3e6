"""Read Qiwang's configuration from the environment.

Every setting comes from an environment variable (``QIWANG_*`` for product settings). Anything
malformed raises :class:`django.core.exceptions.ImproperlyConfigured` with one sentence that names
the variable and the value; the ``qiwang`` command prints that sentence and exits with code 2.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

MODES = ("demo", "development", "test", "production")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def mode() -> str:
    """The run mode from ``QIWANG_ENV``: demo, development (default), test or production."""
    value = os.environ.get("QIWANG_ENV", "development").strip().lower()
    if value not in MODES:
        raise ImproperlyConfigured(f"QIWANG_ENV={value!r} is not one of {', '.join(MODES)}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but the usual yes/no words is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """The data directory (SQLite file, generated secret key, SMS outbox…), created on demand."""
    path = Path(os.environ.get("QIWANG_DATA_DIR", Path.cwd() / "var")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_sqlite_path() -> Path:
    return data_dir() / "qiwang.sqlite3"


def database(url: str | None) -> dict[str, Any]:
    """Parse ``DATABASE_URL`` (SQLite in the data directory when unset)."""
    import dj_database_url

    if not url:
        config: dict[str, Any] = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite_path()),
        }
    else:
        try:
            config = dict(dj_database_url.parse(url, conn_max_age=60))
        except (ValueError, KeyError):
            raise ImproperlyConfigured(
                f"DATABASE_URL={url!r} is not a database URL; "
                "use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:5432/name."
            ) from None
        engine = config.get("ENGINE", "")
        if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
            raise ImproperlyConfigured(
                f"DATABASE_URL={url!r} names an unsupported database; "
                "Qiwang runs on SQLite and PostgreSQL."
            )
        if engine.endswith("postgresql") and not config.get("NAME"):
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} has no database name after the host.")
    if config["ENGINE"].endswith("sqlite3"):
        # WAL lets readers and one writer work at once; a busy timeout instead of "database is locked".
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["CONN_MAX_AGE"] = 0
    else:
        options = config.setdefault("OPTIONS", {})
        options["connect_timeout"] = 5
        # Django disables psycopg's prepared statements unless this is set. Django's own cursors
        # bind on the client and never prepare, so this only affects the hot paths that use a
        # server-binding cursor (qiwang.surveys.submission): a statement run five times on a
        # connection is then parsed and planned once. Behind PgBouncer in transaction mode, set
        # QIWANG_DB_PREPARED_STATEMENTS=false (ADR 0008).
        if env_bool("QIWANG_DB_PREPARED_STATEMENTS", default=True):
            options.setdefault("prepare_threshold", 5)
    config["ATOMIC_REQUESTS"] = False
    return config


def secret_key(current_mode: str) -> str:
    """``SECRET_KEY`` from the environment; generated once and kept outside production."""
    value = os.environ.get("SECRET_KEY", "").strip()
    if value:
        if current_mode == "production" and len(value) < 32:
            raise ImproperlyConfigured(
                "SECRET_KEY is shorter than 32 characters; use a long random value."
            )
        return value
    if current_mode == "production":
        raise ImproperlyConfigured(
            "SECRET_KEY is not set; production mode needs a long random SECRET_KEY in the environment."
        )
    if current_mode == "test":
        return "test-" + "x" * 50
    path = data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
