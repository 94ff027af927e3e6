"""Background job: label a wave's free-text answers that are still unlabelled (ADR 0041)."""

from __future__ import annotations

import logging

from django_tasks import task

from qiwang.surveys.models import Wave
from qiwang.surveys.text_services import label_wave_answers

logger = logging.getLogger(__name__)


@task()
def label_text_answers(wave_id: int) -> dict[str, int]:
    """Label every unlabelled free-text answer of the wave (one transaction per batch)."""
    wave = Wave.objects.select_related("version").filter(pk=wave_id).first()
    if wave is None:
        return {"labelled": 0}
    run = label_wave_answers(wave)
    if run.labelled:
        logger.info("labelled %d free-text answers of wave %d", run.labelled, wave_id)
    return {"labelled": run.labelled}
