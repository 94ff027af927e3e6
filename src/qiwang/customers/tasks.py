"""Background jobs (Django's Tasks API on the database queue; ``qiwang worker`` runs them).

Enqueue once a day, e.g. from cron or a systemd timer: ``qiwang customers generate-tasks
--enqueue`` (or run it directly without ``--enqueue``).
"""

from __future__ import annotations

import datetime
import logging

from django_tasks import task

from qiwang.customers.services import generate_contact_tasks

logger = logging.getLogger(__name__)


@task()
def generate_daily_contact_tasks(day: str) -> dict[str, int | str]:
    """Generate the contact tasks of ``day`` (ISO date) and escalate overdue ones."""
    result = generate_contact_tasks(datetime.date.fromisoformat(day))
    logger.info(
        "contact tasks for %s: %d created, %d escalated", day, result.created, result.escalated
    )
    return {"day": day, "created": result.created, "escalated": result.escalated}
