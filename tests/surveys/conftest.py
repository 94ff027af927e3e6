"""Survey fixtures: the shared two-branch organisation plus customers, instruments and waves."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from tests.conftest import make_customer


@pytest.fixture
def quality(org):
    return org.users["quality_manager"]


@pytest.fixture
def community_customers(org):
    """Twelve customers in the users' branch (three VIP) and four in the other branch."""
    own = [
        make_customer(
            org.own, f"A{i:04d}", tier="vip" if i < 3 else "general", email=f"a{i}@example.cn"
        )
        for i in range(12)
    ]
    other = [make_customer(org.other, f"B{i:04d}", email=f"b{i}@example.cn") for i in range(4)]
    return {"own": own, "other": other}


def make_wave(actor, instrument, branch, **extra):
    from qiwang.surveys.services import create_wave

    now = timezone.now()
    data = {
        "name": "2026 春季",
        "version": instrument.latest_version(),
        "branch": branch,
        "opens_at": now - datetime.timedelta(hours=1),
        "closes_at": now + datetime.timedelta(days=14),
    }
    data.update(extra)
    return create_wave(actor=actor, data=data)


def make_instrument(actor, branch, template="kano_property"):
    from qiwang.surveys.services import create_instrument_from_template

    return create_instrument_from_template(actor=actor, template=template, branch=branch)
