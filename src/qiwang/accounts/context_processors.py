"""Template context every page needs from accounts: the working-day calendar warning."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone


def working_calendar(request: HttpRequest) -> dict[str, Any]:
    """Warnings for the current and the next year when the calendar does not know them (one
    small query per page, signed-in users only; who sees which: ``calendar_warnings_for``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from qiwang.accounts.calendar_services import calendar_warnings_for

    return {"calendar_warnings": calendar_warnings_for(user, timezone.localdate())}
