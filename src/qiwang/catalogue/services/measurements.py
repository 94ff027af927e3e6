"""What surveys push into the catalogue (the catalogue never imports surveys).

- :func:`record_measurements`: per wave and attribute the Kano class, the mean expectation and
  perception, the SERVQUAL gap and S = P − E, stored on every service that names the attribute
  among its ``survey_attributes`` (or whose id the row gives) in the wave's branch, a branch
  above it or below it.
- :func:`record_observations`: each customer's own answers (perception, stated expectation) per
  attribute, stored as :class:`Observation` rows (idempotent per wave) and folded into the
  customers' expectation states.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from qiwang.accounts.models import Branch
from qiwang.catalogue.choices import KanoClass, ObservationSource
from qiwang.catalogue.models import Observation, Service, ServiceMeasurement
from qiwang.catalogue.querysets import branches_with_ancestors
from qiwang.catalogue.services.catalogue import subtree
from qiwang.errors import ServiceError


def services_for_attributes(branch_id: int) -> dict[str, list[int]]:
    """``{attribute: [service id, …]}`` for the services related to ``branch_id``."""
    related = branches_with_ancestors(frozenset([branch_id])) | subtree([branch_id])
    found: dict[str, list[int]] = {}
    for pk, keys in Service.objects.filter(branch__in=related).values_list(
        "pk", "survey_attributes"
    ):
        for key in keys or []:
            found.setdefault(str(key), []).append(pk)
    return found


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@transaction.atomic
def record_measurements(
    *,
    branch_id: int,
    wave_id: int,
    wave_name: str,
    measured_on: datetime.date,
    rows: Iterable[Mapping[str, Any]],
) -> int:
    """Store one wave's measurements; rows carry ``attribute`` and any of ``service_id``,
    ``kano_class``, ``respondents``, ``expectation``, ``perception``, ``servqual_gap``.
    Returns the number of service measurements written (a wave pushed again replaces them)."""
    if not Branch.objects.filter(pk=branch_id).exists():
        raise ServiceError({"branch_id": [f"unknown branch {branch_id}"]})
    by_attribute = services_for_attributes(branch_id)
    written = 0
    for row in rows:
        attribute = str(row.get("attribute") or "")
        targets = set(by_attribute.get(attribute, []))
        if row.get("service_id"):
            targets.add(int(row["service_id"]))
        kano = str(row.get("kano_class") or "")
        if kano not in KanoClass.values:
            kano = ""
        expectation = _number(row.get("expectation"))
        perception = _number(row.get("perception"))
        gap = _number(row.get("servqual_gap"))
        satisfaction = (
            perception - expectation if expectation is not None and perception is not None else gap
        )
        for service_id in targets:
            ServiceMeasurement.objects.update_or_create(
                service_id=service_id,
                wave_id=wave_id,
                attribute=attribute,
                defaults={
                    "wave_name": wave_name[:120],
                    "measured_on": measured_on,
                    "respondents": int(row.get("respondents") or 0),
                    "kano_class": kano,
                    "expectation": expectation,
                    "perception": perception,
                    "servqual_gap": gap,
                    "satisfaction": satisfaction,
                },
            )
            written += 1
    return written


@transaction.atomic
def record_observations(
    *,
    branch_id: int,
    wave_id: int,
    rows: Iterable[tuple[int, int, str, datetime.datetime, float, float | None]],
) -> int:
    """Store customers' own answers: rows ``(customer_id, customer_branch_id, attribute,
    time, perception, expectation)`` on a 1–7 scale. Pushing a wave twice stores it once.
    Returns the number of rows offered (a row already stored is skipped); the customers'
    expectation states are refreshed."""
    by_attribute = services_for_attributes(branch_id)
    new = [
        Observation(
            customer_id=customer_id,
            service_id=service_id,
            branch_id=customer_branch,
            observed_at=moment,
            perception=float(perception),
            expectation=None if expectation is None else float(expectation),
            source=ObservationSource.SURVEY,
            source_ref=f"wave:{wave_id}:{attribute}"[:80],
        )
        for customer_id, customer_branch, attribute, moment, perception, expectation in rows
        for service_id in by_attribute.get(attribute, [])
    ]
    if not new:
        return 0
    Observation.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    from qiwang.catalogue.services.expectations import refresh_states

    refresh_states(customer_ids={o.customer_id for o in new})
    return len(new)
