"""The daily contact and greeting tasks as a periodic job (``qiwang worker`` runs it).

The job ``customers.daily_tasks`` runs every day at 00:05 local time, for that day: it refreshes
lifecycles, generates the day's contact and greeting tasks and escalates overdue ones. Running a
day twice is harmless (tasks already generated are not duplicated), so a failed run is retried
every 15 minutes within its day (:mod:`qiwang.operations.scheduler`). Cron calling
``qiwang customers generate-tasks`` each morning works as well.

``generate_daily_contact_tasks`` stays for ``qiwang customers generate-tasks --enqueue``; its
``reschedule`` argument is deprecated: the job no longer queues itself again (a chain that one
exception ended for good, and that doubled when started twice), the scheduler runs it.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from qiwang.customers.services import generate_contact_tasks, refresh_lifecycles
from qiwang.operations.scheduler import Job, register

logger = logging.getLogger(__name__)

#: Minutes after midnight at which the daily job runs.
RUN_AT_MINUTES = 5


def register_jobs() -> None:
    register(
        Job(
            key="customers.daily_tasks",
            function="qiwang.customers.tasks.daily_contact_tasks",
            label=_("Daily contact and greeting tasks, escalations and lifecycles"),
            at=datetime.time(0, RUN_AT_MINUTES),
            retry_seconds=15 * 60,
            max_attempts=20,
        )
    )


def _generate(target: datetime.date) -> dict[str, int | str]:
    lifecycles = refresh_lifecycles(target)
    result = generate_contact_tasks(target)
    if result.unknown_year is not None:
        logger.error(
            "no tasks for %s: the working-day calendar has no data for %d (an administrator "
            "must load that year: qiwang calendar import, or the Working-day calendar page)",
            target,
            result.unknown_year,
        )
    logger.info(
        "tasks for %s: %d contact, %d greeting, %d escalated, %d lifecycle changes",
        target,
        result.created,
        result.greetings,
        result.escalated,
        lifecycles,
    )
    return {
        "day": target.isoformat(),
        "working_day": int(result.working_day),
        "unknown_year": result.unknown_year or 0,
        "created": result.created,
        "greetings": result.greetings,
        "escalated": result.escalated,
        "lifecycle_changes": lifecycles,
    }


def daily_contact_tasks(*, slot: datetime.datetime) -> dict[str, int | str]:
    """The scheduled job: the tasks of the slot's local day. On a day off it plans the next
    working day ahead (no escalation), so a manager looking on Sunday sees Monday's list."""
    day = timezone.localdate(slot)
    outcome = _generate(day)
    if not outcome["working_day"] and not outcome["unknown_year"]:
        from qiwang.accounts.calendar_services import load_working_calendar
        from qiwang.customers.services.workdays import next_working_day

        ahead = next_working_day(load_working_calendar(), day)
        if ahead is not None:
            planned = generate_contact_tasks(ahead, escalate=False)
            outcome["planned_day"] = ahead.isoformat()
            outcome["planned"] = planned.created + planned.greetings
    return outcome


def next_run(day: datetime.date) -> datetime.datetime:
    """The moment the job for the day after ``day`` runs (local time)."""
    following = day + datetime.timedelta(days=1)
    naive = datetime.datetime.combine(following, datetime.time(0, RUN_AT_MINUTES))
    return timezone.make_aware(naive)


@task()
def generate_daily_contact_tasks(day: str, reschedule: bool = False) -> dict[str, int | str]:
    """Refresh lifecycles, generate the contact and greeting tasks of ``day`` (ISO date) and
    escalate overdue ones. ``reschedule`` is deprecated and ignored: the scheduler in
    ``qiwang worker`` runs the job every day."""
    if reschedule:
        logger.warning(
            "generate_daily_contact_tasks(reschedule=True) is deprecated: the job no longer "
            "queues itself; the scheduler in qiwang worker runs customers.daily_tasks daily"
        )
    return _generate(datetime.date.fromisoformat(day))
