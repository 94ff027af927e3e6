"""Writes on services, commitments and publications: validation names field and value."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from qiwang.accounts.models import AuditEvent
from qiwang.catalogue.models import Commitment, Delivery
from qiwang.catalogue.services import (
    add_commitment,
    create_publication,
    create_service,
    eligible_customers,
    update_service,
)
from qiwang.catalogue.services.publications import comparison_risk, reached_customers
from qiwang.errors import ConflictError, ServiceError


def test_create_service_validates_and_audits(org):
    manager = org.users["quality_manager"]
    with pytest.raises(ServiceError) as caught:
        create_service(
            actor=manager,
            branch=org.own,
            data={"code": "x", "name": "X", "tier": "gold", "cost_per_delivery": "-3"},
        )
    assert set(caught.value.errors) == {"tier", "cost_per_delivery"}
    assert "gold" in caught.value.errors["tier"][0]
    service = create_service(
        actor=manager,
        branch=org.own,
        data={"code": "cleaning", "name": "保洁", "tier": "basic", "eligible_tiers": ["vip"]},
    )
    assert AuditEvent.objects.filter(action="service_created", object_id=str(service.pk)).exists()
    with pytest.raises(ConflictError):
        create_service(
            actor=manager, branch=org.own, data={"code": "cleaning", "name": "Y", "tier": "basic"}
        )


def test_only_change_roles_in_their_branch_create_services(org):
    with pytest.raises(PermissionDenied):
        create_service(
            actor=org.users["account_manager"],
            branch=org.own,
            data={"code": "c", "name": "C", "tier": "basic"},
        )
    with pytest.raises(ServiceError) as caught:
        create_service(
            actor=org.users["quality_manager"],
            branch=org.other,
            data={"code": "c", "name": "C", "tier": "basic"},
        )
    assert "branch" in caught.value.errors


def test_eligible_customers_is_every_restriction_that_is_set(org, catalogue):
    gift = catalogue["gift"]
    assert set(eligible_customers(gift)) == {catalogue["vip"]}  # tiers vip / important only
    update_service(
        actor=org.users["administrator"], service=gift, data={"eligible_branches": [org.other.pk]}
    )
    assert set(eligible_customers(gift)) == set()  # the vip lives in the own branch
    assert set(eligible_customers(catalogue["repair"])) == {
        catalogue["own"],
        catalogue["other"],
        catalogue["vip"],
    }


def test_a_surprise_service_takes_no_target(org, catalogue):
    with pytest.raises(ServiceError) as caught:
        add_commitment(
            actor=org.users["administrator"],
            service=catalogue["gift"],
            data={
                "level": "moderate",
                "metric": "gifts",
                "comparison": ">=",
                "threshold": 1,
                "valid_from": "2026-01-01",
            },
        )
    assert "comparison" in caught.value.errors
    assert "生日礼物" in caught.value.errors["comparison"][0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "strict", "valid_from": "2026-01-01"}, "level"),
        ({"level": "explicit", "valid_from": "2026-01-01"}, "threshold"),
        (
            {
                "level": "explicit",
                "metric": "h",
                "comparison": "=<",
                "threshold": 24,
                "valid_from": "2026-01-01",
            },
            "comparison",
        ),
        (
            {
                "level": "explicit",
                "metric": "h",
                "comparison": "<=",
                "threshold": "soon",
                "valid_from": "2026-01-01",
            },
            "threshold",
        ),
        (
            {
                "level": "none",
                "metric": "h",
                "comparison": "<=",
                "threshold": 24,
                "valid_from": "2026-01-01",
            },
            "level",
        ),
        ({"level": "moderate", "valid_from": "1.1.2026"}, "valid_from"),
        ({"level": "moderate", "valid_from": "2026-02-01", "valid_to": "2026-01-01"}, "valid_to"),
        ({"level": "moderate", "valid_from": "2026-02-01", "allowed_breach": 5}, "allowed_breach"),
    ],
)
def test_commitment_bad_input_names_the_field(org, catalogue, data, field):
    with pytest.raises(ServiceError) as caught:
        add_commitment(actor=org.users["administrator"], service=catalogue["repair"], data=data)
    assert field in caught.value.errors


def test_a_community_manager_may_not_change_the_company_catalogue(org, catalogue):
    with pytest.raises(PermissionDenied):
        add_commitment(
            actor=org.users["quality_manager"],
            service=catalogue["repair"],
            data={"level": "moderate", "valid_from": "2026-01-01"},
        )


def test_new_commitment_ends_the_open_one_and_rejudges_deliveries(org, catalogue):
    repair = catalogue["repair"]
    old = repair.commitments.get()
    at = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
    delivery = Delivery.objects.create(
        service=repair,
        customer=catalogue["own"],
        branch=org.own,
        delivered_at=at,
        value=20,
        unit="h",
    )
    assert delivery.kept is None  # stored without judging
    new = add_commitment(
        actor=org.users["administrator"],
        service=repair,
        data={
            "level": "explicit",
            "metric": "visit_hours",
            "comparison": "<=",
            "threshold": 12,
            "unit": "h",
            "valid_from": "2026-03-01",
        },
    )
    old.refresh_from_db()
    assert old.valid_to == datetime.date(2026, 2, 28)
    delivery.refresh_from_db()
    assert (delivery.commitment, delivery.kept) == (new, False)  # 20 h > 12 h
    with pytest.raises(ConflictError):
        add_commitment(
            actor=org.users["administrator"],
            service=repair,
            data={"level": "moderate", "valid_from": "2026-01-01", "valid_to": "2026-03-05"},
        )
    assert Commitment.objects.filter(service=repair).count() == 2


def test_publication_outside_the_branch_is_refused(org, catalogue):
    manager = org.users["quality_manager"]
    heating = catalogue["heating"]  # a service of the own community
    with pytest.raises(ServiceError) as caught:
        create_publication(
            actor=manager,
            service=heating,
            data={
                "title": "供暖通知",
                "channel": "notice_board",
                "audience": "customers",
                "audience_customers": [catalogue["other"].pk],
            },
        )
    assert "audience_customers" in caught.value.errors
    assert str(catalogue["other"].pk) in caught.value.errors["audience_customers"][0]
    with pytest.raises(ServiceError) as caught:
        create_publication(
            actor=manager,
            service=heating,
            data={
                "title": "供暖通知",
                "channel": "fax",
                "audience": "segments",
                "audience_branches": [org.other.pk],
            },
        )
    assert {"channel", "audience_branches"} <= set(caught.value.errors)


def test_comparison_risk_lists_customers_told_but_not_eligible(org, catalogue):
    gift = catalogue["gift"]  # vip and important customers only
    publication = create_publication(
        actor=org.users["administrator"],
        service=gift,
        data={
            "title": "生日礼遇",
            "channel": "wechat_group",
            "audience": "all",
            "published_on": "2026-05-01",
        },
    )
    assert set(reached_customers(publication)) == {
        catalogue["own"],
        catalogue["other"],
        catalogue["vip"],
    }
    assert set(comparison_risk(gift)) == {catalogue["own"], catalogue["other"]}
