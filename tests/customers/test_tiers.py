"""Tiers as data: plan editing, the value rule's suggestions, confirmation and the history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.conftest import PASSWORD, make_customer

from qiwang.customers.choices import TierChangeSource, TierChangeStatus
from qiwang.customers.models import Customer, MaintenancePlan, TierChange
from qiwang.customers.services import update_customer
from qiwang.customers.services.tiers import decide_tier_change, rule_tier, suggest_tiers
from qiwang.errors import ConflictError


def test_default_plans_follow_domain_section_4(db):
    # docs/customers.md: VIP phone daily; important and high-quality twice a week; general monthly
    plans = {plan.tier: plan for plan in MaintenancePlan.objects.filter(industry="b2b_supplier")}
    assert (plans["vip"].frequency, plans["vip"].channel) == ("daily", "phone")
    assert (plans["important"].frequency, len(plans["important"].weekdays)) == ("weekly", 2)
    assert (plans["high_quality"].frequency, len(plans["high_quality"].weekdays)) == ("weekly", 2)
    assert plans["general"].frequency == "monthly"
    assert plans["vip"].topics == [
        "supply_timeliness",
        "pass_rate",
        "company_news",
        "other_suppliers",
    ]


@pytest.mark.parametrize(
    ("share", "revenue", "orders", "tier"),
    [
        ("0", "100", 1, "vip"),
        ("0.4999", "100", 1, "vip"),
        ("0.5", "100", 1, "important"),
        ("0.7999", "100", 1, "important"),
        ("0.8", "100", 12, "high_quality"),
        ("0.8", "100", 11, "general"),
        ("0", "0", 40, "general"),
    ],
)
def test_rule_thresholds(share, revenue, orders, tier):
    assert rule_tier(Decimal(share), Decimal(revenue), orders) == tier


def test_suggestions_rank_by_revenue_share_within_the_branch(org):
    # given five customers with 50 / 20 / 15 / 10 / 5 % of the branch's revenue
    for code, revenue, orders in [
        ("R1", 500, 3),
        ("R2", 200, 3),
        ("R3", 150, 3),
        ("R4", 100, 20),
        ("R5", 50, 1),
    ]:
        make_customer(org.own, code, revenue=Decimal(revenue), orders_count=orders)
    # and one in another branch, alone: half of nothing before it → VIP
    make_customer(org.other, "S1", revenue=Decimal(1), orders_count=1)
    result = suggest_tiers()
    suggested = dict(
        TierChange.objects.filter(status="suggested").values_list("customer__code", "new_tier")
    )
    # shares before: R1 0 %, R2 50 %, R3 70 %, R4 85 %, R5 95 % (R5 stays general: no row)
    assert suggested == {
        "R1": "vip",
        "R2": "important",
        "R3": "important",
        "R4": "high_quality",
        "S1": "vip",
    }
    assert (result.examined, result.suggested) == (6, 5)
    # running again adds nothing: one pending suggestion per customer
    assert suggest_tiers().suggested == 0
    assert Customer.objects.get(code="R1").tier == "general"  # nothing changes until confirmed


def test_confirming_changes_the_tier_and_keeps_the_history(org):
    customer = make_customer(org.own, "R1", revenue=Decimal(500), orders_count=3)
    suggest_tiers()
    change = TierChange.objects.get()
    manager = org.users["quality_manager"]
    decide_tier_change(actor=manager, change=change, accept=True)
    change.refresh_from_db()
    assert Customer.objects.get(pk=customer.pk).tier == "vip"
    assert (change.status, change.decided_by) == (TierChangeStatus.CONFIRMED, manager)
    with pytest.raises(ConflictError):
        decide_tier_change(actor=manager, change=change, accept=False)


def test_account_managers_cannot_confirm(org):
    make_customer(org.own, "R1", revenue=Decimal(500), account_manager=org.users["account_manager"])
    suggest_tiers()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        decide_tier_change(
            actor=org.users["account_manager"], change=TierChange.objects.get(), accept=True
        )


def test_a_tier_set_by_hand_is_history_too(org, customers):
    manager = org.users["account_manager"]
    update_customer(actor=manager, customer=customers["own"], data={"tier": "important"})
    change = TierChange.objects.get()
    assert (change.old_tier, change.new_tier, change.source, change.decided_by) == (
        "general",
        "important",
        TierChangeSource.MANUAL,
        manager,
    )


def test_quality_manager_edits_a_plan_on_the_page(client, company_quality):
    plan = MaintenancePlan.objects.get(industry="b2b_supplier", tier="important")
    client.login(username=company_quality.username, password=PASSWORD)  # plans are company-wide
    response = client.post(
        f"/customers/plans/{plan.pk}/",
        {
            "frequency": "weekly",
            "weekdays": ["1", "4"],
            "channel": "wechat",
            "topics": ["pass_rate"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.weekdays, plan.channel, plan.topics) == ([1, 4], "wechat", ["pass_rate"])


def test_a_weekly_plan_needs_a_weekday(client, company_quality):
    plan = MaintenancePlan.objects.get(industry="b2b_supplier", tier="important")
    client.login(username=company_quality.username, password=PASSWORD)
    response = client.post(
        f"/customers/plans/{plan.pk}/",
        {"frequency": "weekly", "channel": "phone", "is_active": "on"},
    )
    assert response.status_code == 422
    assert "weekdays" in response.context["form"].errors


def test_account_managers_see_plans_but_cannot_edit(client, org):
    plan = MaintenancePlan.objects.get(industry="b2b_supplier", tier="vip")
    client.login(username=org.users["account_manager"].username, password=PASSWORD)
    assert client.get("/customers/plans/").status_code == 200
    assert client.get(f"/customers/plans/{plan.pk}/").status_code == 403


def test_tier_page_confirms_through_htmx(client, org):
    make_customer(org.own, "R1", revenue=Decimal(500))
    suggest_tiers()
    change = TierChange.objects.get()
    client.login(username=org.users["quality_manager"].username, password=PASSWORD)
    page = client.get("/customers/tiers/")
    assert page.context["pending_count"] == 1
    response = client.post(
        f"/customers/tiers/{change.pk}/decide/", {"decision": "confirm"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert Customer.objects.get(code="R1").tier == "vip"


def test_other_branch_suggestion_is_404(client, org):
    make_customer(org.other, "S1", revenue=Decimal(500))
    suggest_tiers()
    change = TierChange.objects.get()
    client.login(username=org.users["quality_manager"].username, password=PASSWORD)
    response = client.post(f"/customers/tiers/{change.pk}/decide/", {"decision": "confirm"})
    assert response.status_code == 404
    assert Customer.objects.get(code="S1").tier == "general"
