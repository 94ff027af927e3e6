"""The customer page: timeline, contact persons with personal data masked, referrals."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from tests.conftest import PASSWORD

from qiwang.customers.choices import TaskKind, TaskStatus
from qiwang.customers.models import Contact, ContactTask, Referral
from qiwang.customers.services import log_interaction, update_customer
from qiwang.customers.services.relationship import (
    add_contact,
    complete_referral_follow_up,
    record_referral,
)
from qiwang.customers.timeline import TimelineEntry, register, timeline
from qiwang.errors import ConflictError, ServiceError


def test_timeline_merges_interactions_tier_changes_and_open_tasks_newest_first(team, book):
    manager = team["manager"]
    customer = book["vip"]
    ContactTask.objects.create(
        customer=customer,
        branch=customer.branch,
        assignee=manager,
        kind=TaskKind.CONTACT,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    log_interaction(actor=manager, customer=customer, data={"channel": "phone", "notes": "好"})
    update_customer(actor=manager, customer=customer, data={"tier": "important"})
    entries = timeline(customer, manager)
    assert [entry.kind for entry in entries] == ["task", "tier", "interaction"]
    assert entries == sorted(entries, key=lambda entry: entry.at, reverse=True)


def test_timeline_providers_extend_it(team, book):
    def surveys(customer, user, limit):
        yield TimelineEntry(at=timezone.now(), kind="survey", title="满意度 4 分")

    register("test-surveys", surveys)
    try:
        assert [entry.title for entry in timeline(book["vip"], team["manager"])] == ["满意度 4 分"]
    finally:
        from qiwang.customers import timeline as module

        module._PROVIDERS.pop("test-surveys")


@pytest.mark.parametrize(
    ("role", "sees_phone"),
    [("account_manager", True), ("agent", True), ("quality_manager", False), ("analyst", False)],
)
def test_contact_persons_personal_data_is_masked_for_roles_without_the_right(
    client, org, customers, role, sees_phone
):
    customer = customers["own"]
    Contact.objects.create(
        customer=customer, name="王经理", phone="13912345678", wechat="wang_w", email="w@x.cn"
    )
    client.login(username=org.users[role].username, password=PASSWORD)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert ("13912345678" in page) is sees_phone
    assert ("wang_w" in page) is sees_phone
    if not sees_phone:
        assert "139****5678" in page


def test_add_contact_validates_and_keeps_one_primary(org, customers):
    manager = org.users["account_manager"]
    first = add_contact(
        actor=manager, customer=customers["own"], data={"name": "甲", "is_primary": "1"}
    )
    add_contact(actor=manager, customer=customers["own"], data={"name": "乙", "is_primary": "1"})
    first.refresh_from_db()
    assert first.is_primary is False
    with pytest.raises(ServiceError) as error:
        add_contact(actor=manager, customer=customers["own"], data={"name": "", "phone": "abc"})
    assert set(error.value.errors) == {"name", "phone"}


def test_a_referral_owes_the_referrer_a_thank_you_task(team, book):
    manager = team["manager"]
    referral = record_referral(actor=manager, referrer=book["vip"], referred=book["general"])
    task = ContactTask.objects.get(kind=TaskKind.REFERRAL)
    assert (task.customer, task.assignee, task.due_date) == (
        book["vip"],
        manager,
        referral.follow_up_due,
    )
    assert referral.follow_up_due == timezone.localdate() + datetime.timedelta(days=3)
    with pytest.raises(ConflictError):
        record_referral(actor=manager, referrer=book["vip"], referred=book["general"])
    complete_referral_follow_up(actor=manager, referral=referral, note="送了礼品")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Referral.objects.get().follow_up_done_at is not None


def test_referral_pages(client, team, book):
    client.login(username=team["manager"].username, password=PASSWORD)
    response = client.post(
        f"/customers/{book['vip'].pk}/referrals/", {"referred": "A1003", "note": "朋友"}
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    page = client.get(f"/customers/{book['vip'].pk}/").content.decode()
    assert book["general"].name in page
    client.post(f"/customers/referrals/{referral.pk}/done/")
    referral.refresh_from_db()
    assert referral.follow_up_done_at is not None


def test_referral_to_an_unknown_number_says_so(client, team, book):
    client.login(username=team["manager"].username, password=PASSWORD)
    response = client.post(
        f"/customers/{book['vip'].pk}/referrals/", {"referred": "NOPE"}, follow=True
    )
    assert "NOPE" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_colleagues_customer_page_is_404(client, team, book):
    client.login(username=team["manager"].username, password=PASSWORD)
    assert client.get(f"/customers/{book['second_vip'].pk}/").status_code == 404
    assert (
        client.post(f"/customers/{book['second_vip'].pk}/contacts/", {"name": "x"}).status_code
        == 404
    )
