"""The readiness checks in words, for the operations page (``/health/ready`` keeps its JSON).

Each known check gets a sentence in the reader's language built from its details at display
time; a check another app registers later without a sentence here is shown as its details,
one ``name: value`` per item, never as a Python ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = ["describe", "title"]


def _seconds(value: Any) -> str:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return "—"
    if seconds < 120:
        return _("%(n)s s") % {"n": f"{seconds:.0f}"}
    if seconds < 7200:
        return _("%(n)s min") % {"n": f"{seconds / 60:.0f}"}
    return _("%(n)s h") % {"n": f"{seconds / 3600:.1f}"}


def _database(c: dict[str, Any]) -> str:
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(c.get("vendor"), c.get("vendor"))
    return _("%(vendor)s answered in %(ms)s ms.") % {"vendor": vendor, "ms": c.get("ms")}


def _cache(c: dict[str, Any]) -> str:
    return _("%(backend)s answered in %(ms)s ms.") % {
        "backend": c.get("backend"),
        "ms": c.get("ms"),
    }


def _worker(c: dict[str, Any]) -> str:
    alive = int(c.get("alive") or 0)
    if alive:
        return ngettext(
            "%(n)d worker alive; last heartbeat %(ago)s ago.",
            "%(n)d workers alive; last heartbeat %(ago)s ago.",
            alive,
        ) % {"n": alive, "ago": _seconds(c.get("last_seen_seconds"))}
    if c.get("required"):
        return _("No worker is alive: start qiwang worker (its systemd unit or compose service).")
    return _("No worker is alive (not required in this mode: background tasks wait).")


def _queue_lag(c: dict[str, Any]) -> str:
    due = int(c.get("due") or 0)
    if not due:
        return _("No task is waiting.")
    return ngettext(
        "%(n)d task due; the oldest has waited %(waited)s (limit %(limit)s).",
        "%(n)d tasks due; the oldest has waited %(waited)s (limit %(limit)s).",
        due,
    ) % {"n": due, "waited": _seconds(c.get("seconds")), "limit": _seconds(c.get("limit"))}


def _fold_lag(c: dict[str, Any]) -> str:
    unfolded = int(c.get("unfolded") or 0)
    if not unfolded:
        return _("Every survey response is in the results tallies.")
    return ngettext(
        "%(n)d response not yet in the results tallies; the oldest for %(waited)s "
        "(limit %(limit)s).",
        "%(n)d responses not yet in the results tallies; the oldest for %(waited)s "
        "(limit %(limit)s).",
        unfolded,
    ) % {"n": unfolded, "waited": _seconds(c.get("seconds")), "limit": _seconds(c.get("limit"))}


def _working_calendar(c: dict[str, Any]) -> str:
    years = sorted({str(w.get("year")) for w in c.get("warnings") or [] if isinstance(w, dict)})
    if not years:
        return _("The working-day calendar holds every year in use.")
    return _(
        "No public holidays or make-up working days for %(years)s yet: an administrator enters "
        "them on the working-day calendar page (a warning; the site stays ready)."
    ) % {"years": ", ".join(years)}


SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    "database": _database,
    "cache": _cache,
    "worker": _worker,
    "queue_lag": _queue_lag,
    "fold_lag": _fold_lag,
    "working_calendar": _working_calendar,
}


def title(name: str) -> str:
    return {
        "database": _("Database"),
        "cache": _("Cache"),
        "worker": _("Background worker"),
        "queue_lag": _("Task queue"),
        "fold_lag": _("Survey results tallies"),
        "working_calendar": _("Working-day calendar"),
    }.get(name, name)


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v) for v in value) or "—"
    if value is None:
        return "—"
    return str(value)


def describe(name: str, check: dict[str, Any]) -> str:
    """One sentence (or the details as plain text) for ``check`` of ``/health/ready``."""
    if "skipped" in check:
        return _("Not run: the database is unavailable.")
    if "error" in check:
        return _("The check failed: %(error)s") % {"error": check["error"]}
    sentence = SENTENCES.get(name)
    if sentence is not None:
        return sentence(check)
    return "; ".join(f"{k}: {_plain(v)}" for k, v in check.items() if k not in ("ok", "ms"))
