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


def deliver_queued(*, rounds: int = 20) -> dict[str, int]:
    """Run the worker's sending step (``qiwang.surveys.sending.deliver_due``) until nothing is
    queued, on a clock that moves a minute (and a bit) past each rate-limit window or back-off:
    what ``qiwang worker`` does over time, without waiting. Returns the summed counts."""
    from qiwang.surveys.models import Invitation
    from qiwang.surveys.sending import deliver_due

    clock = [timezone.now()]
    total = {"sent": 0, "retrying": 0, "failed": 0, "deferred": 0}
    for _round in range(rounds):
        run = deliver_due(now=lambda: clock[0], sleep=None)
        for key, value in run.as_dict().items():
            total[key] += value
        if not Invitation.objects.exclude(send_kind="").exists():
            break
        waiting = (
            Invitation.objects.exclude(send_kind="")
            .exclude(send_next_at=None)
            .order_by("send_next_at")
            .values_list("send_next_at", flat=True)
            .first()
        )
        clock[0] = max(clock[0] + datetime.timedelta(seconds=61), waiting or clock[0])
    return total
