"""Background jobs (Django's Tasks API on the database queue; ``qiwang worker`` runs them).

``qiwang customers generate-tasks --enqueue --reschedule`` queues the daily job once; with
``reschedule`` the job queues itself again for shortly after the next midnight, so a running
``qiwang worker`` keeps the daily cycle going without cron or any other server. Cron calling
``qiwang customers generate-tasks`` each morning works as well. Running a day twice is harmless.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from qiwang.customers.services import generate_contact_tasks, refresh_lifecycles

logger = logging.getLogger(__name__)

#: Minutes after midnight at which the rescheduled job runs.
RUN_AT_MINUTES = 5


def next_run(day: datetime.date) -> datetime.datetime:
    """The moment the job for the day after ``day`` should run (local time)."""
    following = day + datetime.timedelta(days=1)
    naive = datetime.datetime.combine(following, datetime.time(0, RUN_AT_MINUTES))
    return timezone.make_aware(naive)


@task()
def generate_daily_contact_tasks(day: str, reschedule: bool = False) -> dict[str, int | str]:
    """Refresh lifecycles, generate the contact and greeting tasks of ``day`` (ISO date) and
    escalate overdue ones; with ``reschedule``, queue the same job for the next day."""
    target = datetime.date.fromisoformat(day)
    lifecycles = refresh_lifecycles(target)
    result = generate_contact_tasks(target)
    logger.info(
        "tasks for %s: %d contact, %d greeting, %d escalated, %d lifecycle changes",
        day,
        result.created,
        result.greetings,
        result.escalated,
        lifecycles,
    )
    if reschedule:
        following = target + datetime.timedelta(days=1)
        generate_daily_contact_tasks.using(run_after=next_run(target)).enqueue(
            following.isoformat(), reschedule=True
        )
    return {
        "day": day,
        "created": result.created,
        "greetings": result.greetings,
        "escalated": result.escalated,
        "lifecycle_changes": lifecycles,
    }
