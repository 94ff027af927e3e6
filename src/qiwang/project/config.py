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

# Settings are read before Django can translate: the sentences follow the command line's
# language (QIWANG_LANGUAGE, else the POSIX locale), from the same compiled catalogues.
from qiwang.envlang import gettext as _

MODES = ("demo", "development", "test", "production")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def mode() -> str:
    """The run mode from ``QIWANG_ENV``: demo, development (default), test or production."""
    value = os.environ.get("QIWANG_ENV", "development").strip().lower()
    if value not in MODES:
        raise ImproperlyConfigured(
            _("QIWANG_ENV=%(value)s is not one of %(choices)s.")
            % {"value": repr(value), "choices": ", ".join(MODES)}
        )
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
    raise ImproperlyConfigured(
        _("%(name)s=%(value)s is not a boolean (use 1/0, true/false, yes/no).")
        % {"name": name, "value": repr(raw)}
    )


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_str(name: str, default: str) -> str:
    """A text variable (stripped); NUL bytes and other control characters are an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if any(ord(char) < 32 for char in value):
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s contains control characters.")
            % {"name": name, "value": repr(raw)}
        )
    return value


def _bounds(
    name: str, raw: str, number: float, minimum: float | None, maximum: float | None
) -> None:
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s is below the smallest allowed value %(minimum)s.")
            % {"name": name, "value": repr(raw), "minimum": minimum}
        )
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s is above the largest allowed value %(maximum)s.")
            % {"name": name, "value": repr(raw), "maximum": maximum}
        )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole number within ``[minimum, maximum]``; anything else names the variable."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        number = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s is not a whole number.") % {"name": name, "value": repr(raw)}
        ) from None
    _bounds(name, raw, number, minimum, maximum)
    return number


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    """A finite number within ``[minimum, maximum]``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        number = float(raw.strip())
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s is not a number.") % {"name": name, "value": repr(raw)}
        )
    _bounds(name, raw, number, minimum, maximum)
    return number


RATE_UNITS = {"s", "m", "h", "d"}


def env_rate(name: str, default: str) -> str:
    """A rate limit as ``<count>/<unit>`` (unit s, m, h or d), e.g. ``120/m``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip()
    count, _slash, unit = value.partition("/")
    if not (count.isdigit() and int(count) > 0 and unit in RATE_UNITS):
        raise ImproperlyConfigured(
            _(
                "%(name)s=%(value)s is not a rate; write a count per unit such as 120/m"
                " (s, m, h or d)."
            )
            % {"name": name, "value": repr(raw)}
        )
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (case-insensitive)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s is not one of %(choices)s.")
            % {"name": name, "value": repr(raw), "choices": ", ".join(choices)}
        )
    return value


def env_subset(name: str, default: list[str], choices: tuple[str, ...]) -> list[str]:
    """Comma-separated words, each one of ``choices`` (case-insensitive); empty means none."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    values = [item.strip().lower() for item in raw.split(",") if item.strip()]
    unknown = [value for value in values if value not in choices]
    if unknown:
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s: %(unknown)s is not one of %(choices)s.")
            % {
                "name": name,
                "value": repr(raw),
                "unknown": ", ".join(unknown),
                "choices": ", ".join(choices),
            }
        )
    return list(dict.fromkeys(values))


def env_sms_template(name: str, known: tuple[str, ...], default_params: tuple[str, ...]) -> dict:
    """An approved SMS template: ``CODE`` or ``CODE:param,param`` (the values the template uses,
    in its order; each one of ``known``). Unset or empty: ``{}`` (no template for this purpose)."""
    value = env_str(name, "")
    if not value:
        return {}
    code, _sep, names = value.partition(":")
    params = [item.strip() for item in names.split(",") if item.strip()] if names else []
    unknown = [item for item in params if item not in known]
    if not code.strip() or unknown:
        raise ImproperlyConfigured(
            _(
                "%(name)s=%(value)s: write TEMPLATE_CODE or TEMPLATE_CODE:%(example)s (from %(known)s)."
            )
            % {
                "name": name,
                "value": repr(value),
                "example": ",".join(default_params),
                "known": ", ".join(known),
            }
        )
    return {"code": code.strip(), "params": params or list(default_params)}


def env_wechat_template(name: str, known: tuple[str, ...]) -> dict:
    """A WeChat Official Account template and what fills its keywords:
    ``TEMPLATE_ID:keyword=value,keyword=value`` (e.g. ``thing1=wave``; each value one of
    ``known``). Unset or empty: ``{}`` (no template for this purpose)."""
    value = env_str(name, "")
    if not value:
        return {}
    template_id, _sep, mapping = value.partition(":")
    fields: list[tuple[str, str]] = []
    wrong = not template_id.strip() or not mapping.strip()
    for item in mapping.split(","):
        keyword, equals, source = (part.strip() for part in item.partition("="))
        if not item.strip():
            continue
        if not equals or not keyword.isidentifier() or source not in known:
            wrong = True
            break
        fields.append((keyword, source))
    if wrong or not fields:
        raise ImproperlyConfigured(
            _(
                "%(name)s=%(value)s: write TEMPLATE_ID:keyword=value,keyword=value "
                "(for example thing1=%(example)s; values from %(known)s)."
            )
            % {"name": name, "value": repr(value), "example": known[0], "known": ", ".join(known)}
        )
    return {"id": template_id.strip(), "fields": fields}


def env_dotted_path(name: str, default: str) -> str:
    """A dotted Python path (``package.module.Class``); checked for shape here, imported on use."""
    value = env_str(name, default)
    parts = value.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s is not a dotted Python path.")
            % {"name": name, "value": repr(value)}
        )
    return value


def env_networks(name: str, default: list[str]) -> list[str]:
    """Comma-separated IP addresses or networks (``10.0.0.0/8``); ``*`` allows every address."""
    import ipaddress

    items = env_list(name, default)
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                _("%(name)s: %(value)s is not an IP address or network such as 10.0.0.0/8.")
                % {"name": name, "value": repr(item)}
            ) from None
    return items


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The header a trusted TLS proxy sets, as ``Header-Name: value`` (``X-Forwarded-Proto:
    https``), turned into Django's ``SECURE_PROXY_SSL_HEADER`` (``("HTTP_X_FORWARDED_PROTO",
    "https")``). Unset or empty: no header is trusted."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    header, sep, value = raw.strip().partition(":")
    header, value = header.strip(), value.strip()
    if not (
        sep
        and header
        and value
        and all(char.isascii() and (char.isalnum() or char == "-") for char in header)
        and all(char.isascii() and 32 < ord(char) < 127 for char in value)
    ):
        raise ImproperlyConfigured(
            _("%(name)s=%(value)s is not a header and value; write e.g. X-Forwarded-Proto: https.")
            % {"name": name, "value": repr(raw)}
        )
    return ("HTTP_" + header.upper().replace("-", "_"), value)


def time_zone() -> str:
    """``TIME_ZONE``: an IANA zone name such as Asia/Shanghai."""
    import zoneinfo

    value = env_str("TIME_ZONE", "Asia/Shanghai")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            _("TIME_ZONE=%(value)s is not a time zone name such as Asia/Shanghai.")
            % {"value": repr(value)}
        ) from None
    return value


def secret_key_fallbacks() -> list[str]:
    """``SECRET_KEY_FALLBACKS``: earlier keys, comma-separated, still accepted while rotating
    (sessions, password-reset links, survey open links and their printed QR codes)."""
    keys = env_list("SECRET_KEY_FALLBACKS", [])
    for key in keys:
        if len(key) < 8:
            raise ImproperlyConfigured(
                _(
                    "SECRET_KEY_FALLBACKS holds a key shorter than 8 characters; list whole keys,"
                    " separated by commas."
                )
            )
    return keys


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
                _(
                    "DATABASE_URL=%(value)s is not a database URL; use"
                    " sqlite:///path/to/file.sqlite3 or postgres://user:password@host:5432/name."
                )
                % {"value": repr(url)}
            ) from None
        engine = config.get("ENGINE", "")
        if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
            raise ImproperlyConfigured(
                _(
                    "DATABASE_URL=%(value)s names an unsupported database; Qiwang runs on SQLite"
                    " and PostgreSQL."
                )
                % {"value": repr(url)}
            )
        if engine.endswith("postgresql") and not config.get("NAME"):
            raise ImproperlyConfigured(
                _("DATABASE_URL=%(value)s has no database name after the host.")
                % {"value": repr(url)}
            )
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
        # A connection kept between requests (CONN_MAX_AGE) is tested before a request uses it,
        # so the first request after a database restart does not fail on a dead connection.
        config["CONN_HEALTH_CHECKS"] = True
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
                _("SECRET_KEY is shorter than 32 characters; use a long random value.")
            )
        return value
    if current_mode == "production":
        raise ImproperlyConfigured(
            _(
                "SECRET_KEY is not set; production mode needs a long random SECRET_KEY in the"
                " environment."
            )
        )
    if current_mode == "test":
        return "test-" + "x" * 50
    path = data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


#: The database cache's table, created by the ``operations`` migrations (not ``createcachetable``).
CACHE_TABLE = "qiwang_cache"


def cache(url: str | None) -> dict[str, Any]:
    """Parse ``QIWANG_CACHE_URL`` into Django's default cache: the database cache when unset or
    ``db://`` (shared by every process, nothing extra to run), ``redis://`` / ``rediss://`` for
    Redis, ``locmem://`` for one process's memory (development only)."""
    value = (url or "").strip()
    if not value or value in {"db", "db://", "database", "database://"}:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
        }
    if value in {"locmem", "locmem://"}:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if value.startswith(("redis://", "rediss://", "unix://")):
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme != "unix" and not parts.hostname:
            raise ImproperlyConfigured(
                _("QIWANG_CACHE_URL=%(value)s has no host; write e.g. redis://127.0.0.1:6379/1.")
                % {"value": repr(url)}
            )
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": value}
    raise ImproperlyConfigured(
        _(
            "QIWANG_CACHE_URL=%(value)s is not a cache address; use db:// (the default),"
            " redis://host:6379/0 or locmem://."
        )
        % {"value": repr(url)}
    )
