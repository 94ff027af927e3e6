"""Background job: fold complete survey responses into the tallies (ADR 0008).

``qiwang surveys fold --enqueue --reschedule`` queues the job once; with ``reschedule`` it queues
itself again ``QIWANG_SURVEY_FOLD_SECONDS`` later (default 60), so a running ``qiwang worker``
keeps the tail of unfolded responses short. Results are exact without it (they add the tail
live); folding keeps the results page fast on large waves.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from qiwang.surveys.tallies import fold_all

logger = logging.getLogger(__name__)


@task()
def fold_survey_tallies(reschedule: bool = False) -> dict[str, int]:
    """Fold every wave with unfolded complete responses; with ``reschedule``, queue again."""
    results = fold_all()
    folded = sum(result.responses for result in results)
    if folded:
        logger.info("folded %d responses of %d waves", folded, len(results))
    if reschedule:
        delay = datetime.timedelta(seconds=settings.QIWANG_SURVEY_FOLD_SECONDS)
        fold_survey_tallies.using(run_after=timezone.now() + delay).enqueue(reschedule=True)
    return {"waves": len(results), "responses": folded}
