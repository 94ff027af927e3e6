"""Push a wave's results into the service catalogue (surveys call the catalogue; the catalogue
never imports surveys).

Per attribute: the Kano class, mean expectation and perception, the SERVQUAL gap and the
number of respondents, stored on the services that name the attribute among their survey
attribute keys (``catalogue.services.record_measurements``). Per customer who answered with
their name: SERVQUAL (expectation, perception) pairs and 5- / 7-level ratings as perceptions on
the 1–7 scale (a 5-level rating v becomes 1 + (v − 1) · 6 / 4), for their expectation panel
(``catalogue.services.record_observations``).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from qiwang.catalogue.services import record_measurements, record_observations
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Wave
from qiwang.surveys.results import wave_results


def push_wave(wave: Wave) -> tuple[int, int]:
    """Push ``wave`` (measurements, observations); returns how many of each were offered."""
    results = wave_results(wave)
    rows: dict[str, dict[str, Any]] = {}
    if results.kano is not None:
        for attr in results.kano.attributes:
            if attr.segment is None:
                rows.setdefault(attr.attribute, {"attribute": attr.attribute}).update(
                    kano_class=attr.category, respondents=attr.n
                )
    if results.servqual is not None:
        for item in results.servqual.items:
            if item.segment is None:
                row = rows.setdefault(item.name, {"attribute": item.name})
                row.update(
                    expectation=item.expectation_mean,
                    perception=item.perception_mean,
                    servqual_gap=item.gap,
                    respondents=max(int(row.get("respondents") or 0), item.n),
                )
    measured_on = timezone.localtime(wave.closes_at).date()
    written = record_measurements(
        branch_id=wave.branch_id,
        wave_id=wave.pk,
        wave_name=wave.name,
        measured_on=measured_on,
        rows=list(rows.values()),
    )
    answers = Answer.objects.filter(
        response__wave=wave,
        response__status=ResponseStatus.COMPLETE,
        response__customer__isnull=False,
        question__kind__in=[QuestionKind.SERVQUAL, QuestionKind.SCALE_5, QuestionKind.SCALE_7],
        value__isnull=False,
    ).values_list(
        "response__customer_id",
        "response__customer__branch_id",
        "question__attribute",
        "question__kind",
        "response__submitted_at",
        "value",
        "second",
    )
    observations = []
    for customer, branch, attribute, kind, at, value, second in answers.iterator(chunk_size=5000):
        moment = at or wave.closes_at
        if kind == QuestionKind.SERVQUAL:
            if second is None:
                continue
            observations.append((customer, branch, attribute, moment, float(second), float(value)))
        elif kind == QuestionKind.SCALE_5:
            observations.append(
                (customer, branch, attribute, moment, 1 + (value - 1) * 6 / 4, None)
            )
        else:
            observations.append((customer, branch, attribute, moment, float(value), None))
    offered = record_observations(branch_id=wave.branch_id, wave_id=wave.pk, rows=observations)
    return written, offered
