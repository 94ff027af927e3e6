"""Each customer's expectation of each service: the model of ``qiwang.analysis.expectations``
run set-based over the stored perceptions (docs/catalogue.md).

Perceptions are on a 1–7 scale. The model's parameters on that scale are :data:`PARAMETERS`
(prior expectation 5 "somewhat satisfied" with standard deviation 1, perception noise 1; the
asymmetric weights are the analysis defaults, ADR 0030).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from qiwang.analysis.expectations import (
    ExpectationParameters,
    predict_satisfaction,
    scan_expectations,
)
from qiwang.catalogue.models import ExpectationState, Observation, Service

PARAMETERS = ExpectationParameters(prior_mean=5.0, prior_sd=1.0, noise_sd=1.0)
SCALE = (1.0, 7.0)


_COLUMNS = ("customer_id", "service_id", "branch_id", "perception", "expectation")
_STATE_COLUMNS = (
    "customer_id",
    "service_id",
    "branch_id",
    "expectation",
    "uncertainty",
    "observations",
    "last_perception",
    "ratchet_warning",
    "computed_at",
)


def _arrays(rows: QuerySet[Observation]) -> dict[str, np.ndarray]:
    ordered = rows.order_by("customer_id", "service_id", "observed_at", "pk").values_list(*_COLUMNS)
    if connection.vendor == "postgresql":
        return _arrays_by_copy(ordered)
    data = list(ordered)
    if not data:
        return {}
    customer, service, branch, perception, expectation = zip(*data, strict=True)
    return {
        "customer": np.asarray(customer, dtype=np.int64),
        "service": np.asarray(service, dtype=np.int64),
        "branch": np.asarray(branch, dtype=np.int64),
        "perception": np.asarray(perception, dtype=np.float64),
        "expectation": np.array(
            [np.nan if e is None else e for e in expectation], dtype=np.float64
        ),
    }


def _arrays_by_copy(ordered: QuerySet[Any]) -> dict[str, np.ndarray]:
    """PostgreSQL: the ordered rows as one ``COPY … TO STDOUT`` parsed by pandas' C reader, not
    a Python tuple per row."""
    sql, params = ordered.query.sql_with_params()
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        for block in copy:
            buffer.write(block)
    if not buffer.tell():
        return {}
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        sep="\t",
        header=None,
        names=["customer", "service", "branch", "perception", "expectation"],
        na_values=["\\N"],
        keep_default_na=False,
        dtype={"customer": np.int64, "service": np.int64, "branch": np.int64},
    )
    return {
        name: frame[name].to_numpy(
            dtype=np.float64 if name in ("perception", "expectation") else None
        )
        for name in frame.columns
    }


def _write_states(columns: dict[str, np.ndarray]) -> None:
    """Store the states: ``COPY … FROM STDIN`` of a buffer written by pandas on PostgreSQL,
    ``bulk_create`` elsewhere (SQLite, small installations)."""
    if connection.vendor == "postgresql":
        frame = pd.DataFrame(columns)
        frame["computed_at"] = timezone.now().isoformat()
        buffer = io.StringIO()
        frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N")
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {ExpectationState._meta.db_table} ({', '.join(_STATE_COLUMNS)}) FROM STDIN"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        return
    ExpectationState.objects.bulk_create(
        [
            ExpectationState(
                customer_id=int(c),
                service_id=int(s),
                branch_id=int(b),
                expectation=float(e),
                uncertainty=float(u),
                observations=int(n),
                last_perception=None if np.isnan(p) else float(p),
                ratchet_warning=bool(r),
            )
            for c, s, b, e, u, n, p, r in zip(*columns.values(), strict=True)
        ],
        batch_size=5000,
    )


def _pairs(customer: np.ndarray, service: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair code per row (rows sorted by customer, service) and the first row of each pair."""
    start = np.r_[True, (customer[1:] != customer[:-1]) | (service[1:] != service[:-1])]
    return np.cumsum(start) - 1, np.flatnonzero(start)


@transaction.atomic
def refresh_states(
    *, customer_ids: Iterable[int] | None = None, service_ids: Iterable[int] | None = None
) -> int:
    """Recompute the stored states of the given customers (or services, or all), one scan."""
    rows = Observation.objects.all()
    states = ExpectationState.objects.all()
    if customer_ids is not None:
        ids = list(customer_ids)
        rows, states = rows.filter(customer__in=ids), states.filter(customer__in=ids)
    if service_ids is not None:
        ids = list(service_ids)
        rows, states = rows.filter(service__in=ids), states.filter(service__in=ids)
    arrays = _arrays(rows)
    states.delete()
    if not arrays:
        return 0
    pair, first = _pairs(arrays["customer"], arrays["service"])
    scan = scan_expectations(
        pair,
        arrays["perception"],
        parameters=PARAMETERS,
        n_pairs=len(first),
        expectation=arrays["expectation"],
    )
    _write_states(
        {
            "customer_id": arrays["customer"][first],
            "service_id": arrays["service"][first],
            "branch_id": arrays["branch"][first],
            "expectation": np.asarray(scan.expectation, dtype=np.float64),
            "uncertainty": np.asarray(scan.uncertainty, dtype=np.float64),
            "observations": np.asarray(scan.observations, dtype=np.int64),
            "last_perception": np.asarray(scan.last_perception, dtype=np.float64),
            "ratchet_warning": np.asarray(scan.ratchet_warning, dtype=bool),
        }
    )
    return len(first)


@dataclass
class ServiceTrack:
    """One service on a customer's expectation panel."""

    service: Service
    points: list[dict[str, Any]] = field(default_factory=list)
    expectation: float | None = None
    uncertainty: float | None = None
    predicted_satisfaction: float | None = None
    ratchet_warning: bool = False
    ratchet_at: datetime.datetime | None = None


def customer_tracks(customer_id: int, services: QuerySet[Service]) -> list[ServiceTrack]:
    """Expectation against perception over time, per service, for one customer.

    The predicted satisfaction is that of the customer's last perceived level given their
    current expectation (β⁻ > β⁺: a shortfall weighs more than an excess)."""
    rows = Observation.objects.filter(customer_id=customer_id, service__in=services)
    data = list(
        rows.order_by("service_id", "observed_at", "pk").values_list(
            "service_id", "observed_at", "perception", "expectation"
        )
    )
    if not data:
        return []
    service_ids = np.array([r[0] for r in data], dtype=np.int64)
    perception = np.array([r[2] for r in data], dtype=np.float64)
    measured = np.array([np.nan if r[3] is None else r[3] for r in data], dtype=np.float64)
    pair, first = _pairs(np.zeros_like(service_ids), service_ids)
    scan = scan_expectations(
        pair,
        perception,
        parameters=PARAMETERS,
        n_pairs=len(first),
        expectation=measured,
        record=True,
    )
    assert scan.trajectory is not None
    trajectory = scan.trajectory
    predicted = predict_satisfaction(
        scan.expectation, scan.uncertainty, scan.last_perception, parameters=PARAMETERS
    )
    by_id = {s.pk: s for s in services.filter(pk__in=set(service_ids.tolist()))}
    tracks: list[ServiceTrack] = []
    for code, start in enumerate(first.tolist()):
        end = first[code + 1] if code + 1 < len(first) else len(data)
        service = by_id.get(int(service_ids[start]))
        if service is None:
            continue
        track = ServiceTrack(
            service=service,
            expectation=float(scan.expectation[code]),
            uncertainty=float(scan.uncertainty[code]),
            predicted_satisfaction=float(predicted[code]),
            ratchet_warning=bool(scan.ratchet_warning[code]),
        )
        for row in range(start, end):
            ratchet = bool(trajectory["ratchet_warning"][row])
            track.points.append(
                {
                    "time": data[row][1],
                    "perception": float(perception[row]),
                    "expectation": float(trajectory["expectation_before"][row]),
                    "expectation_after": float(trajectory["expectation_after"][row]),
                    "ratchet": ratchet,
                }
            )
            if ratchet:
                track.ratchet_at = data[row][1]
        tracks.append(track)
    return tracks
