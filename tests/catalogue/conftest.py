"""Fixtures for the catalogue tests: a repair hotline with a 24 h promise, a surprise gift."""

from __future__ import annotations

import datetime

import pytest
from tests.conftest import make_customer

from qiwang.catalogue.models import Commitment, Service


@pytest.fixture
def catalogue(org, customers):
    """Services of the company (seen by both communities) and one of the own community."""
    repair = Service.objects.create(
        branch=org.company,
        code="repair",
        name="24小时报修",
        tier="basic",
        survey_attributes=["repair_speed"],
        cost_per_delivery=30,
    )
    Commitment.objects.create(
        service=repair,
        level="explicit",
        statement="报修 24 小时内上门",
        metric="visit_hours",
        comparison="<=",
        threshold=24,
        unit="h",
        valid_from=datetime.date(2020, 1, 1),
    )
    gift = Service.objects.create(
        branch=org.company,
        code="birthday-gift",
        name="生日礼物",
        tier="surprise",
        cost_per_delivery=100,
        publicity_scope="individual",
        eligible_tiers=["vip", "important"],
    )
    heating = Service.objects.create(
        branch=org.own, code="heating", name="供暖", tier="basic", survey_attributes=["warmth"]
    )
    Commitment.objects.create(
        service=heating,
        level="explicit",
        metric="indoor_temperature",
        comparison=">=",
        threshold=18,
        unit="°C",
        valid_from=datetime.date(2020, 1, 1),
    )
    vip = make_customer(org.own, "A0002", tier="vip", account_manager=org.users["account_manager"])
    return {"repair": repair, "gift": gift, "heating": heating, "vip": vip, **customers}
