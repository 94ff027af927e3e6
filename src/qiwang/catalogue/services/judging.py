"""Judging deliveries kept or broken against the commitment in force on their day, set-based.

New deliveries (before they are stored) are judged with numpy: per service one
``searchsorted`` of the delivery days into the commitments' start days, then one vectorised
comparison. Stored deliveries are judged again with one ``UPDATE`` per commitment when a
commitment changes. No Python loop per delivery.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import numpy as np
from django.db.models import Case, Q, Value, When
from django.db.models.fields import BooleanField
from django.utils import timezone

from qiwang.catalogue.models import Commitment, Delivery, Service
from qiwang.catalogue.services.tallies import refresh_tallies

_DAY = np.timedelta64(1, "D")


def local_day(moment: datetime.datetime) -> datetime.date:
    if timezone.is_aware(moment):
        return timezone.localtime(moment).date()
    return moment.date()


def kept_array(values: np.ndarray, comparison: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Element-wise ``value <comparison> threshold``; NaN values and thresholds give False."""
    with np.errstate(invalid="ignore"):
        return np.select(
            [comparison == "<=", comparison == "<", comparison == ">=", comparison == ">"],
            [values <= threshold, values < threshold, values >= threshold, values > threshold],
            default=False,
        )


def commitments_by_service(service_ids: Sequence[int]) -> dict[int, list[Commitment]]:
    found: dict[int, list[Commitment]] = {sid: [] for sid in service_ids}
    for commitment in Commitment.objects.filter(service__in=service_ids).order_by(
        "service_id", "valid_from"
    ):
        found[commitment.service_id].append(commitment)
    return found


def judge(
    deliveries: Sequence[Delivery], *, commitments: dict[int, list[Commitment]] | None = None
) -> None:
    """Set ``commitment`` and ``kept`` on unsaved deliveries (in place), vectorised per service."""
    if not deliveries:
        return
    service_ids = np.fromiter(
        (d.service_id for d in deliveries), dtype=np.int64, count=len(deliveries)
    )
    days = np.array([local_day(d.delivered_at) for d in deliveries], dtype="datetime64[D]")
    values = np.array(
        [np.nan if d.value is None else d.value for d in deliveries], dtype=np.float64
    )
    if commitments is None:
        commitments = commitments_by_service(sorted(set(service_ids.tolist())))
    chosen: list[Commitment | None] = [None] * len(deliveries)
    comparison = np.full(len(deliveries), "", dtype=object)
    threshold = np.full(len(deliveries), np.nan)
    for service_id, rows in commitments.items():
        if not rows:
            continue
        index = np.flatnonzero(service_ids == service_id)
        if not index.size:
            continue
        starts = np.array([c.valid_from for c in rows], dtype="datetime64[D]")
        ends = np.array(
            [c.valid_to or datetime.date(9999, 12, 31) for c in rows], dtype="datetime64[D]"
        )
        position = np.searchsorted(starts, days[index], side="right") - 1
        inside = position >= 0
        inside[inside] &= days[index][inside] <= ends[position[inside]]
        for at, pos in zip(index[inside].tolist(), position[inside].tolist(), strict=True):
            chosen[at] = rows[pos]
        # the per-commitment arrays, gathered once
        comps = np.array([c.comparison for c in rows], dtype=object)
        thresholds = np.array([np.nan if c.threshold is None else c.threshold for c in rows])
        comparison[index[inside]] = comps[position[inside]]
        threshold[index[inside]] = thresholds[position[inside]]
    kept = kept_array(values, comparison, threshold)
    judged = (comparison != "") & ~np.isnan(values)
    for i, delivery in enumerate(deliveries):
        delivery.commitment = chosen[i]
        delivery.kept = bool(kept[i]) if judged[i] else None


def _kept_case(commitment: Commitment) -> Case:
    lookup = {"<=": "lte", "<": "lt", ">=": "gte", ">": "gt"}[commitment.comparison]
    return Case(
        When(value__isnull=True, then=Value(None)),
        When(Q(**{f"value__{lookup}": commitment.threshold}), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def rejudge_service(service: Service) -> int:
    """Judge every stored delivery of ``service`` again: one UPDATE per commitment, one for the
    deliveries no commitment covers; then the service's tallies are counted again. Returns the number of deliveries with a commitment."""
    covered = 0
    rows = Delivery.objects.filter(service=service)
    claimed = Q(pk__in=[])
    for commitment in Commitment.objects.filter(service=service).order_by("valid_from"):
        window = Q(delivered_at__date__gte=commitment.valid_from)
        if commitment.valid_to is not None:
            window &= Q(delivered_at__date__lte=commitment.valid_to)
        kept = (
            _kept_case(commitment)
            if commitment.has_target
            else Value(None, output_field=BooleanField())
        )
        covered += rows.filter(window).update(commitment=commitment, kept=kept)
        claimed |= window
    rows.exclude(claimed).exclude(commitment__isnull=True, kept__isnull=True).update(
        commitment=None, kept=None
    )
    refresh_tallies([service.pk])
    return covered
