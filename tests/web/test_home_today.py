"""The home page says what needs doing today, per role (issue 15 item 6)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from tests.conftest import make_customer

from qiwang.customers.choices import TaskKind, TierChangeStatus
from qiwang.customers.models import ContactTask, TierChange
from qiwang.customers.services import create_follow_up


def _home(user, language="en"):
    client = Client()
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def test_an_account_manager_sees_tasks_follow_ups_and_greetings(org):
    manager = org.users["account_manager"]
    today = timezone.localdate()
    customer = make_customer(org.own, "H0001", account_manager=manager, name="王建国")
    ContactTask.objects.create(customer=customer, branch=org.own, assignee=manager, due_date=today)
    ContactTask.objects.create(
        customer=customer,
        branch=org.own,
        assignee=manager,
        due_date=today - datetime.timedelta(days=3),
    )
    create_follow_up(customer, reason="满意度 1 分", due=today, source="survey-response:1")
    ContactTask.objects.create(
        customer=make_customer(org.own, "H0002", account_manager=manager, name="李春华"),
        branch=org.own,
        assignee=manager,
        due_date=today + datetime.timedelta(days=2),
        kind=TaskKind.GREETING,
    )
    response = _home(manager)
    page = response.content.decode()
    assert response.context["home_role"] == "own"
    own = response.context["own"]
    assert (own["today"], own["overdue"], own["follow_ups_due"]) == (2, 1, 1)
    assert 'data-testid="home-follow-up-list"' in page and "满意度 1 分" in page
    assert 'data-testid="home-greetings"' in page and "李春华" in page
    # another manager's tasks are not counted
    assert _home(org.other_users["account_manager"]).context["own"]["today"] == 0


def test_an_account_manager_with_nothing_to_do_reads_clear_empty_states(org):
    page = _home(org.users["account_manager"]).content.decode()
    assert 'data-testid="home-no-follow-ups"' in page
    assert 'data-testid="home-no-greetings"' in page


def test_a_quality_manager_sees_branch_counters(org):
    manager = org.users["account_manager"]
    customer = make_customer(org.own, "H0001", account_manager=manager)
    ContactTask.objects.create(
        customer=customer,
        branch=org.own,
        assignee=manager,
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    TierChange.objects.create(
        customer=customer,
        old_tier="general",
        new_tier="vip",
        status=TierChangeStatus.SUGGESTED,
        source="rule",
        reason="r",
        suggested_at=timezone.now(),
    )
    other = make_customer(org.other, "H0002")
    ContactTask.objects.create(customer=other, branch=org.other, due_date=timezone.localdate())
    response = _home(org.users["quality_manager"])
    assert response.context["home_role"] == "supervisor"
    rows = response.context["branch_counters"]
    assert [(row["name"], row["open"], row["overdue"], row["tiers"]) for row in rows] == [
        (org.own.name, 1, 1, 1)
    ]
    assert 'data-testid="home-branches"' in response.content.decode()


def test_a_quality_manager_with_nothing_open_reads_an_empty_state(org):
    page = _home(org.users["quality_manager"]).content.decode()
    assert 'data-testid="home-nothing"' in page


def test_an_agent_sees_complaints_not_tasks(org):
    response = _home(org.users["agent"])
    assert response.context["home_role"] == "agent"
    page = response.content.decode()
    assert 'data-testid="home-complaints"' in page
    assert "/customers/my-day/" not in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_analyst_sees_recent_waves(org, language):
    from tests.surveys.conftest import make_instrument, make_wave

    quality = org.users["quality_manager"]
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, name="2026 冬季回访")
    response = _home(org.users["analyst"], language)
    assert response.context["home_role"] == "analyst"
    page = response.content.decode()
    assert "2026 冬季回访" in page
    assert f"/surveys/waves/{wave.pk}/results/" in page
    client = Client()
    client.force_login(org.users["analyst"])
    assert client.get(f"/surveys/waves/{wave.pk}/results/").status_code == 200


def test_an_analyst_without_waves_reads_an_empty_state(org):
    assert 'data-testid="home-nothing"' in _home(org.users["analyst"]).content.decode()
