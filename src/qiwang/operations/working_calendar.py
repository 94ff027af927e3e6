"""The working-day calendar's place in operations: a daily seed job and a health entry.

The calendar itself is company data in ``accounts``; operations (below it) registers the job that
adds years a newer ``chinese-calendar`` package knows, and a readiness entry that reports the
years the calendar lacks. A missing year is a warning, not an outage: the entry never fails
readiness (a load balancer must not take the site down for it), it names the years.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiwang.operations.health import register_check
from qiwang.operations.scheduler import Job, register


def check_working_calendar() -> tuple[bool, dict[str, Any]]:
    from qiwang.accounts.calendar_services import calendar_warnings

    warnings = calendar_warnings(timezone.localdate())
    return True, {
        "warnings": [{"year": warning.year, "reason": warning.reason} for warning in warnings]
    }


def register_calendar() -> None:
    register(
        Job(
            key="accounts.calendar_seed",
            function="qiwang.accounts.calendar_services.seed_calendar_job",
            label=_("Add the years a newer chinese-calendar package knows to the calendar"),
            at=datetime.time(4, 10),
            retry_seconds=3600,
            max_attempts=3,
        )
    )
    register_check("working_calendar", check_working_calendar)
