"""Folding complete survey responses into the tallies (ADR 0008) as a periodic job.

The job ``surveys.fold`` runs every ``QIWANG_SURVEY_FOLD_SECONDS`` (default 60) under
``qiwang worker`` (:mod:`qiwang.operations.scheduler`), keeping the tail of unfolded responses
short. Results are exact without it (they add the tail live); folding keeps the results page
fast on large waves. A failed fold is retried by the next slot.

``fold_survey_tallies`` stays for ``qiwang surveys fold --enqueue``; its ``reschedule`` argument is
deprecated: the task no longer queues itself again, the scheduler runs the job.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from qiwang.operations.scheduler import Job, register
from qiwang.surveys.tallies import fold_all

logger = logging.getLogger(__name__)


def register_jobs() -> None:
    register(
        Job(
            key="surveys.fold",
            function="qiwang.surveys.tasks.fold",
            label=_("Fold survey responses into the results tallies"),
            every=lambda: settings.QIWANG_SURVEY_FOLD_SECONDS,
        )
    )


def fold(*, slot: datetime.datetime | None = None) -> dict[str, int]:
    """Fold every wave with unfolded complete responses."""
    results = fold_all()
    folded = sum(result.responses for result in results)
    if folded:
        logger.info("folded %d responses of %d waves", folded, len(results))
    return {"waves": len(results), "responses": folded}


@task()
def fold_survey_tallies(reschedule: bool = False) -> dict[str, int]:
    """Fold every wave with unfolded complete responses. ``reschedule`` is deprecated and
    ignored: the scheduler in ``qiwang worker`` runs ``surveys.fold`` periodically."""
    if reschedule:
        logger.warning(
            "fold_survey_tallies(reschedule=True) is deprecated: the task no longer queues "
            "itself; the scheduler in qiwang worker runs surveys.fold"
        )
    return fold()
