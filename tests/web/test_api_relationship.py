"""API: tier changes, contact persons, referrals, greetings and occasions (issue 17 item 2),
scoped and role-checked like their pages."""

from __future__ import annotations

import datetime
import itertools
import json

import pytest
from django.test import Client
from django.utils import timezone
from tests.conftest import make_customer

from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Contact, ContactTask, Customer, Occasion, Referral, TierChange

_NAMES = itertools.count()


def _auth(user):
    key = create_api_token(user=user, name=f"t{next(_NAMES)}").key
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _post(client, url, body, auth):
    return client.post(url, json.dumps(body), content_type="application/json", **auth)


def _suggest(customer, new_tier="vip", **extra):
    return TierChange.objects.create(
        customer=customer,
        old_tier=customer.tier,
        new_tier=new_tier,
        status=extra.pop("status", "suggested"),
        suggested_at=extra.pop("suggested_at", timezone.now()),
        **extra,
    )


# --- tier changes ----------------------------------------------------------------------------


def test_tier_suggestions_are_listed_in_scope_and_filtered(org, customers):
    own = _suggest(customers["own"])
    _suggest(customers["other"])
    old = _suggest(
        make_customer(org.own, "A0002"),
        status="confirmed",
        suggested_at=timezone.now() - datetime.timedelta(days=10),
    )
    client = Client()
    auth = _auth(org.users["quality_manager"])

    everything = client.get("/api/tier-changes", **auth).json()
    pending = client.get("/api/tier-changes?status=suggested", **auth).json()
    both = client.get("/api/tier-changes?status=suggested&status=confirmed", **auth).json()
    recent = client.get(
        "/api/tier-changes",
        {"created_after": (timezone.now() - datetime.timedelta(days=1)).isoformat()},
        **auth,
    ).json()
    history = client.get(f"/api/customers/{customers['own'].pk}/tier-changes", **auth).json()

    assert {row["id"] for row in everything["items"]} == {own.pk, old.pk}
    assert [row["id"] for row in pending["items"]] == [own.pk]
    assert both["count"] == 2
    assert [row["id"] for row in recent["items"]] == [own.pk]
    assert [row["id"] for row in history["items"]] == [own.pk]
    assert pending["items"][0]["new_tier"] == "vip" and "reason" in pending["items"][0]


def test_tier_change_lists_refuse_unknown_parameters_and_orderings(org, customers):
    client = Client()
    auth = _auth(org.users["quality_manager"])

    unknown = client.get("/api/tier-changes?tier=vip", **auth)
    ordering = client.get("/api/tier-changes?ordering=customer", **auth)
    status = client.get("/api/tier-changes?status=maybe", **auth)

    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_parameter"
    assert "query.tier" in unknown.json()["detail"]
    assert ordering.status_code == 422
    assert {e["field"] for e in ordering.json()["errors"]} == {"query.ordering"}
    assert status.status_code == 422


def test_a_manager_confirms_a_suggestion_once_and_the_tier_changes(org, customers):
    change = _suggest(customers["own"])
    client = Client()
    auth = _auth(org.users["quality_manager"])

    first = client.post(f"/api/tier-changes/{change.pk}/confirm", **auth)
    again = client.post(f"/api/tier-changes/{change.pk}/dismiss", **auth)

    assert first.status_code == 200 and first.json()["status"] == "confirmed"
    assert again.status_code == 409
    assert Customer.objects.get(pk=customers["own"].pk).tier == "vip"


def test_dismissing_keeps_the_tier(org, customers):
    change = _suggest(customers["own"])

    response = Client().post(
        f"/api/tier-changes/{change.pk}/dismiss", **_auth(org.users["quality_manager"])
    )

    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert Customer.objects.get(pk=customers["own"].pk).tier == "general"


def test_tier_decisions_are_scoped_and_role_checked(org, customers):
    own = _suggest(customers["own"])
    other = _suggest(customers["other"])
    client = Client()

    foreign = client.post(
        f"/api/tier-changes/{other.pk}/confirm", **_auth(org.users["quality_manager"])
    )
    agent = client.post(f"/api/tier-changes/{own.pk}/confirm", **_auth(org.users["agent"]))
    agent_rule = client.post("/api/tier-changes/run-rule", **_auth(org.users["agent"]))
    other_history = client.get(
        f"/api/customers/{customers['own'].pk}/tier-changes",
        **_auth(org.other_users["quality_manager"]),
    )

    assert foreign.status_code == 404
    assert agent.status_code == 403 and agent_rule.status_code == 403
    assert other_history.status_code == 404
    assert TierChange.objects.get(pk=own.pk).status == "suggested"


def test_running_the_rule_answers_the_counts(org, customers):
    response = Client().post("/api/tier-changes/run-rule", **_auth(org.users["quality_manager"]))

    assert response.status_code == 200
    assert set(response.json()) == {"examined", "suggested"}
    assert response.json()["examined"] >= 1


# --- contact persons -------------------------------------------------------------------------


def test_an_account_manager_adds_a_contact_with_a_normalised_phone(org, customers):
    client = Client()
    url = f"/api/customers/{customers['own'].pk}/contacts"
    auth = _auth(org.users["account_manager"])

    created = _post(client, url, {"name": "李会计", "phone": "138 0000 1111"}, auth)
    bad = _post(client, url, {"name": "王", "phone": "12"}, auth)
    extra = _post(client, url, {"name": "王", "mobile": "1"}, auth)

    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "+8613800001111"
    assert Contact.objects.get(pk=created.json()["id"]).phone == "+8613800001111"
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"phone"}
    assert extra.status_code == 400 and extra.json()["code"] == "unknown_parameter"


def test_contacts_mask_personal_data_and_stay_in_scope(org, customers):
    Contact.objects.create(
        customer=customers["own"], name="李会计", phone="+8613800001111", email="li@example.cn"
    )
    client = Client()
    url = f"/api/customers/{customers['own'].pk}/contacts"

    analyst = client.get(url, **_auth(org.users["analyst"])).json()["items"][0]
    manager = client.get(url, **_auth(org.users["account_manager"])).json()["items"][0]
    foreign = client.get(url, **_auth(org.other_users["account_manager"]))
    analyst_adds = _post(client, url, {"name": "王"}, _auth(org.users["analyst"]))

    assert analyst["phone"] == "138****1111" and analyst["email"] == "***"
    assert manager["phone"] == "+8613800001111" and manager["email"] == "li@example.cn"
    assert foreign.status_code == 404
    assert analyst_adds.status_code == 403


# --- referrals -------------------------------------------------------------------------------


def test_referrals_are_recorded_followed_up_once_and_filtered(org, customers):
    manager = org.users["account_manager"]
    referred = make_customer(org.own, "A0002", account_manager=manager)
    client, auth = Client(), _auth(manager)

    created = _post(
        client,
        f"/api/customers/{customers['own'].pk}/referrals",
        {"referred_id": referred.pk, "note": "邻居"},
        auth,
    )
    duplicate = _post(
        client,
        f"/api/customers/{customers['own'].pk}/referrals",
        {"referred_id": referred.pk},
        auth,
    )
    owed = client.get("/api/referrals?followed_up=false", **auth).json()
    referral_id = created.json()["id"]
    done = _post(client, f"/api/referrals/{referral_id}/follow-up", {"note": "谢过"}, auth)
    twice = _post(client, f"/api/referrals/{referral_id}/follow-up", {}, auth)
    still_owed = client.get("/api/referrals?followed_up=false", **auth).json()
    of_referred = client.get(f"/api/customers/{referred.pk}/referrals", **auth).json()

    assert created.status_code == 201, created.content
    assert duplicate.status_code == 409
    assert [row["id"] for row in owed["items"]] == [referral_id]
    assert done.status_code == 200 and done.json()["follow_up_done_at"]
    assert twice.status_code == 409
    assert still_owed["count"] == 0
    assert [row["id"] for row in of_referred["items"]] == [referral_id]


def test_referrals_are_scoped_and_role_checked(org, customers):
    manager = org.users["account_manager"]
    client = Client()
    url = f"/api/customers/{customers['own'].pk}/referrals"

    foreign_referred = _post(client, url, {"referred_id": customers["other"].pk}, _auth(manager))
    agent = _post(client, url, {"referred_id": customers["other"].pk}, _auth(org.users["agent"]))
    foreign = client.get(url, **_auth(org.other_users["account_manager"]))
    referral = Referral.objects.create(
        referrer=customers["own"],
        referred=make_customer(org.own, "A0003"),
        referred_on=timezone.localdate(),
        follow_up_due=timezone.localdate(),
    )
    foreign_follow_up = _post(
        client,
        f"/api/referrals/{referral.pk}/follow-up",
        {},
        _auth(org.other_users["account_manager"]),
    )
    foreign_list = client.get("/api/referrals", **_auth(org.other_users["quality_manager"]))

    assert foreign_referred.status_code == 422
    assert {e["field"] for e in foreign_referred.json()["errors"]} == {"referred_id"}
    assert agent.status_code == 403
    assert foreign.status_code == 404
    assert foreign_follow_up.status_code == 404
    assert foreign_list.json()["count"] == 0
    assert not Referral.objects.filter(referred=customers["other"]).exists()


# --- greetings and occasions -----------------------------------------------------------------


def test_a_customers_greetings_are_its_greeting_tasks(org, customers):
    today = timezone.localdate()
    occasion = Occasion.objects.create(kind="festival", date=today, name="春节")
    greeting = ContactTask.objects.create(
        customer=customers["own"],
        branch=org.own,
        kind="greeting",
        due_date=today,
        occasion=occasion,
        greeting_kind="festival",
    )
    ContactTask.objects.create(customer=customers["own"], branch=org.own, due_date=today)
    client = Client()
    url = f"/api/customers/{customers['own'].pk}/greetings"

    rows = client.get(url, **_auth(org.users["analyst"])).json()["items"]
    done = client.get(f"{url}?status=done", **_auth(org.users["analyst"])).json()
    foreign = client.get(url, **_auth(org.other_users["analyst"]))

    assert [row["id"] for row in rows] == [greeting.pk]
    assert rows[0]["occasion_kind"] == "festival" and rows[0]["occasion_name"]
    assert done["count"] == 0
    assert foreign.status_code == 404


def test_occasions_show_company_wide_and_own_branch_ones(org):
    day = datetime.date(2026, 5, 1)
    company = Occasion.objects.create(kind="public_holiday", date=day, name="劳动节")
    own = Occasion.objects.create(kind="product_launch", date=day, name="新品", branch=org.own)
    Occasion.objects.create(kind="product_launch", date=day, name="别家", branch=org.other)
    Occasion.objects.create(kind="festival", date=datetime.date(2025, 2, 1), name="旧")
    client, auth = Client(), _auth(org.users["analyst"])

    this_year = client.get("/api/occasions?year=2026", **auth).json()
    launches = client.get("/api/occasions?year=2026&kind=product_launch", **auth).json()
    bad_year = client.get("/api/occasions?year=1900", **auth)

    assert {row["id"] for row in this_year["items"]} == {company.pk, own.pk}
    assert [row["id"] for row in launches["items"]] == [own.pk]
    assert bad_year.status_code == 422


@pytest.mark.parametrize(
    ("role", "branch", "status"),
    [("quality_manager", "own", 201), ("agent", "own", 403), ("quality_manager", "other", 404)],
)
def test_adding_a_launch_is_for_managers_of_the_branch(org, role, branch, status):
    body = {"date": "2026-06-01", "name": "夏季新品", "branch_id": getattr(org, branch).pk}

    response = _post(Client(), "/api/occasions", body, _auth(org.users[role]))

    assert response.status_code == status, response.content
    assert Occasion.objects.filter(name="夏季新品").exists() == (status == 201)


def test_a_company_wide_launch_needs_a_company_user(org):
    body = {"date": "2026-06-01", "name": "全公司新品", "tiers": ["vip"]}

    response = _post(Client(), "/api/occasions", body, _auth(org.users["quality_manager"]))

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"branch_id"}


def test_contacts_take_the_shared_filter_base(org, customers):
    # Found by the outside audit: the contacts list took no ordering and no created_after.
    customer = customers["own"]
    old = Contact.objects.create(customer=customer, name="Bai", is_primary=True)
    new = Contact.objects.create(customer=customer, name="An")
    then = timezone.now() - datetime.timedelta(days=30)
    Contact.objects.filter(pk=old.pk).update(created_at=then)
    client, auth = Client(), _auth(org.users["analyst"])
    url = f"/api/customers/{customer.pk}/contacts"

    default = client.get(url, **auth).json()["items"]
    by_name = client.get(url, {"ordering": "name"}, **auth).json()["items"]
    newest = client.get(url, {"ordering": "-created_at"}, **auth).json()["items"]
    recent = client.get(
        url, {"created_after": (then + datetime.timedelta(days=1)).isoformat()}, **auth
    )
    bad = client.get(url, {"ordering": "phone"}, **auth)

    assert [c["id"] for c in default] == [old.pk, new.pk]  # the primary first
    assert [c["id"] for c in by_name] == [new.pk, old.pk]
    assert [c["id"] for c in newest] == [new.pk, old.pk]
    assert [c["id"] for c in recent.json()["items"]] == [new.pk]
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.ordering"
