"""The catalogue's tables: constraints the database enforces and the scoping of reads."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from qiwang.catalogue.models import Commitment, Delivery, Service


def _service(branch, code="repair", tier="basic"):
    return Service.objects.create(branch=branch, code=code, name="24小时报修", tier=tier)


def test_service_code_unique_per_branch(org):
    _service(org.own)
    _service(org.other)  # same code, another branch
    with pytest.raises(IntegrityError), transaction.atomic():
        _service(org.own)


def test_delivery_reference_unique_per_service_but_blank_repeats(org, customers):
    service = _service(org.own)
    now = timezone.now()
    for ref in ("", ""):
        Delivery.objects.create(
            service=service,
            customer=customers["own"],
            branch=org.own,
            delivered_at=now,
            reference=ref,
        )
    Delivery.objects.create(
        service=service,
        customer=customers["own"],
        branch=org.own,
        delivered_at=now,
        reference="WO-1",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            service=service,
            customer=customers["own"],
            branch=org.own,
            delivered_at=now,
            reference="WO-1",
        )


def test_services_of_a_parent_branch_are_seen_below_it_but_not_across(org):
    company = _service(org.company, code="patrol")
    own = _service(org.own, code="greening")
    other = _service(org.other, code="lockers")
    seen = set(Service.objects.for_user(org.users["account_manager"]))
    assert seen == {company, own}
    assert other not in seen
    assert set(Service.objects.for_user(org.users["administrator"])) == {company, own, other}


def test_commitment_in_force_on_a_day(org):
    service = _service(org.own)
    old = Commitment.objects.create(
        service=service,
        level="explicit",
        comparison="<=",
        threshold=48,
        unit="h",
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
    )
    new = Commitment.objects.create(
        service=service,
        level="explicit",
        comparison="<=",
        threshold=24,
        unit="h",
        valid_from=datetime.date(2026, 1, 1),
    )
    assert list(Commitment.objects.in_force_on(datetime.date(2025, 6, 1))) == [old]
    assert list(Commitment.objects.in_force_on(datetime.date(2026, 6, 1))) == [new]
    assert new.target_text == "<= 24 h"
