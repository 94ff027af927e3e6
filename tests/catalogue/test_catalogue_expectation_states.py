"""The stored expectation states (``refresh_states``: a COPY read and write on PostgreSQL,
the ORM on SQLite) equal the pure tracker of ``qiwang.analysis.expectations`` run on a
DataFrame of the same perceptions — two independent paths to the same numbers."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from django.utils import timezone

from qiwang.analysis.expectations import track_expectations
from qiwang.catalogue.models import ExpectationState, Observation
from qiwang.catalogue.services.expectations import PARAMETERS, refresh_states


def test_stored_states_match_the_pure_tracker(org, catalogue):
    start = timezone.make_aware(datetime.datetime(2026, 1, 5, 10))
    customers = [catalogue["own"], catalogue["vip"]]
    series = {
        (0, "repair"): [(4.0, None), (7.0, None), (6.5, 5.5)],
        (0, "heating"): [(5.0, None)],
        (1, "repair"): [(6.0, 6.0), (3.0, None), (3.5, None), (7.0, None)],
    }
    rows, frame = [], []
    for (who, code), points in series.items():
        customer = customers[who]
        for step, (perception, stated) in enumerate(points):
            at = start + datetime.timedelta(days=30 * step + who)
            rows.append(
                Observation(
                    customer=customer,
                    service=catalogue[code],
                    branch=customer.branch,
                    observed_at=at,
                    perception=perception,
                    expectation=stated,
                    source="survey",
                    source_ref=f"t{step}",
                )
            )
            frame.append(
                {
                    "customer": str(customer.pk),
                    "service": str(catalogue[code].pk),
                    "time": at.date().isoformat(),
                    "perception": perception,
                    "expectation": stated,
                }
            )
    Observation.objects.bulk_create(rows)
    assert refresh_states() == 3
    expected = {
        (int(r["customer"]), int(r["service"])): r
        for r in track_expectations(pd.DataFrame(frame), parameters=PARAMETERS).to_records()
    }
    stored = {(s.customer_id, s.service_id): s for s in ExpectationState.objects.all()}
    assert stored.keys() == expected.keys()
    for key, state in stored.items():
        want = expected[key]
        assert state.expectation == pytest.approx(want["expectation"], rel=1e-12)
        assert state.uncertainty == pytest.approx(want["uncertainty"], rel=1e-12)
        assert state.observations == want["observations"]
        assert state.ratchet_warning is want["ratchet_warning"]
        assert state.branch_id == customers[0 if key[0] == customers[0].pk else 1].branch_id
    # the 3 → 3.5 → 7 customer ends on a large positive gap: the ratchet
    assert stored[(customers[1].pk, catalogue["repair"].pk)].ratchet_warning is True
    # a second refresh replaces, it does not add
    assert refresh_states(customer_ids=[customers[0].pk]) == 2
    assert ExpectationState.objects.count() == 3
