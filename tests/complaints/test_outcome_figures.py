"""The figures of the SLA and outcomes page, checked against an independent count in Python
over the same complaints, and the demo season they are shown on."""

from __future__ import annotations

import datetime
import random

import pytest
from tests.complaints.conftest import FRIDAY_17
from tests.conftest import make_customer

from qiwang.complaints.models import Complaint
from qiwang.complaints.services.outcomes import figures
from qiwang.complaints.services.tallies import figures_for, rebuild_tallies


def _python_figures(rows):
    """The same figures counted one complaint at a time (no SQL aggregation)."""
    known = [c for c in rows if c.customer_id and c.workflow == "complaint"]

    def bucket(c):
        if c.resolved_at is None:
            return "not_resolved"
        if c.resolution_due is None or c.resolved_at <= c.resolution_due:
            return "on_time"
        return "late"

    recovery = {}
    for name in ("on_time", "late", "not_resolved"):
        members = [c for c in known if bucket(c) == name]
        recovery[name] = (
            len(members),
            sum(c.outcome == "recovered" for c in members),
            sum(c.outcome == "lost" for c in members),
        )
    rated = [c.follow_up_score for c in rows if c.outcome == "recovered" and c.follow_up_score]
    by_category, by_branch = {}, {}
    for c in rows:
        by_category[c.category.code] = by_category.get(c.category.code, 0) + 1
        by_branch[c.branch.name] = by_branch.get(c.branch.name, 0) + 1
    return {
        "total": len(rows),
        "first_met": sum(
            bool(c.first_response_at and not c.first_response_breached_at) for c in rows
        ),
        "resolved_late": sum(
            bool(c.resolved_at and c.resolution_due and c.resolved_at > c.resolution_due)
            for c in rows
        ),
        "recovery": recovery,
        "after_mean": sum(rated) / len(rated) if rated else None,
        "by_category": by_category,
        "by_branch": by_branch,
        "second": sum(c.is_second_failure for c in rows),
    }


def test_the_figures_match_an_independent_count(make_complaint, org, setup):
    rng = random.Random(12)
    customers = [make_customer(org.own, f"F{i:03d}") for i in range(6)]
    for index in range(40):
        complaint = make_complaint(
            customer=rng.choice(customers + [None]),
            category=setup[rng.choice(["repair", "heating", "billing"])],
            received_at=FRIDAY_17 + datetime.timedelta(days=rng.randint(0, 60)),
            branch=org.own,
        )
        resolved = rng.random()
        updates = {
            "outcome": rng.choice(["recovered", "lost", "unknown"]),
            "follow_up_score": rng.choice([None, 2, 4, 5]),
        }
        if resolved < 0.7 and complaint.resolution_due is not None:
            updates["resolved_at"] = complaint.resolution_due + datetime.timedelta(
                hours=rng.choice([-5, -1, 2, 30])
            )
            updates["first_response_at"] = complaint.received_at + datetime.timedelta(hours=1)
        Complaint.objects.filter(pk=complaint.pk).update(**updates)
    rows = Complaint.objects.all()
    expected = _python_figures(list(rows.select_related("category", "branch")))

    got = figures(rows)

    assert got.total == got.sla["total"] == expected["total"] == 40
    assert got.sla["first_met"] == expected["first_met"]
    assert got.sla["resolved_late"] == expected["resolved_late"]
    assert [(r.complaints, r.recovered, r.lost) for r in got.recovery] == [
        expected["recovery"][name] for name in ("on_time", "late", "not_resolved")
    ]
    assert got.paradox["after"]["mean"] == pytest.approx(expected["after_mean"])
    assert {r["category__code"]: r["n"] for r in got.by_category} == expected["by_category"]
    assert {r["branch__name"]: r["n"] for r in got.by_branch} == expected["by_branch"]
    assert sum(r["n"] for r in got.by_week) == 40
    assert got.second_failures == expected["second"]

    # the page's figures, folded into tallies and summed, are the same as the live ones
    rebuild_tallies()
    folded = figures_for(org.users["quality_manager"])
    assert {k: v for k, v in folded.sla.items() if k != "open_overdue"} == {
        k: v for k, v in got.sla.items() if k != "open_overdue"
    }
    assert [(r.complaints, r.recovered, r.lost) for r in folded.recovery] == [
        (r.complaints, r.recovered, r.lost) for r in got.recovery
    ]
    assert folded.paradox["after"]["mean"] == pytest.approx(got.paradox["after"]["mean"])
    assert folded.by_category == got.by_category and folded.by_branch == got.by_branch
    assert [r["n"] for r in folded.by_week] == [r["n"] for r in got.by_week]
    assert folded.built_at is not None
    # another branch's reader sees none of it
    assert figures_for(org.other_users["quality_manager"]).total == 0


def test_the_demo_season_fills_every_page(transactional_db):
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone

    from qiwang.accounts.calendar_services import seed_calendar_from_library
    from qiwang.complaints.demo import OPEN_DAYS
    from qiwang.complaints.models import Category, Compensation, Incident
    from qiwang.demo.services import build_demo

    seed_calendar_from_library()
    if not Category.objects.exists():
        import_module("qiwang.complaints.migrations.0002_defaults").seed(apps, None)
    build_demo(customers=60, seed=7)

    rows = Complaint.objects.all()
    steps = set(rows.values_list("step", flat=True))
    assert {"listen", "apologise", "gather", "propose", "follow_up", "closed"} <= steps
    outage = Incident.objects.get(title__contains="停暖")
    assert outage.reports.count() >= 20 and outage.resolved_at is not None
    assert not outage.reports.filter(status__in=("open", "waiting")).exists()
    assert Compensation.objects.filter(status="pending").exists()
    assert {"recovered", "lost"} <= set(rows.values_list("outcome", flat=True))
    old = timezone.now() - datetime.timedelta(days=OPEN_DAYS + 1)
    assert not rows.open().filter(received_at__lt=old).exists()
    shown = figures(rows)
    assert shown.paradox["before"]["n"] > 0 and shown.paradox["after"]["n"] > 0
    assert shown.return_reasons
    # the page's folded figures agree with the live ones, the paradox's survey rows included
    from qiwang.accounts.models import User
    from qiwang.complaints.services.tallies import figures_for

    folded = figures_for(User.objects.get(username="admin"))
    for row in ("after", "before", "never", "after_second_failure"):
        assert folded.paradox[row]["n"] == shown.paradox[row]["n"], row
        assert folded.paradox[row]["mean"] == pytest.approx(shown.paradox[row]["mean"]), row
    assert folded.return_reasons == shown.return_reasons
