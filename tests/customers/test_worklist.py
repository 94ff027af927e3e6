"""The account manager's day as a CRM user expects (issue 15 item 6): grouped by customer,
counters that follow completion, bulk tier decisions, bulk reassignment, the customer picker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import override
from tests.conftest import PASSWORD, make_customer, make_user

from qiwang.accounts.models import AuditEvent
from qiwang.customers.choices import TaskStatus, TierChangeStatus
from qiwang.customers.models import ContactTask, Customer, TierChange
from qiwang.customers.worklist import day_counters, join_list


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _task(customer, assignee, due, **extra):
    return ContactTask.objects.create(
        customer=customer, branch=customer.branch, assignee=assignee, due_date=due, **extra
    )


@pytest.fixture
def day(org, team, working_today):
    """Three customers of the own manager: a general one with an overdue task and one due
    today, a VIP one due today, an important one with an urgent task."""
    today = timezone.localdate()
    manager = team["manager"]
    general = make_customer(org.own, "D0001", tier="general", account_manager=manager)
    vip = make_customer(org.own, "D0002", tier="vip", account_manager=manager)
    important = make_customer(org.own, "D0003", tier="important", account_manager=manager)
    tasks = {
        "general_old": _task(general, manager, today - datetime.timedelta(days=2)),
        "general_today": _task(general, manager, today),
        "vip": _task(vip, manager, today),
        "urgent": _task(important, manager, today, is_urgent=True),
    }
    return {"today": today, "general": general, "vip": vip, "important": important, **tasks}


def test_my_day_has_one_card_per_customer_most_urgent_first(client, team, day):
    response = _login(client, team["manager"]).get("/customers/my-day/")
    cards = response.context["cards"]
    # urgent first, then overdue (even a general customer), then by tier
    assert [card.customer.code for card in cards] == ["D0003", "D0001", "D0002"]
    general = cards[1]
    assert [task.pk for task in general.tasks] == [day["general_old"].pk, day["general_today"].pk]
    assert general.overdue == 1
    page = response.content.decode()
    assert page.count('data-testid="customer-card"') == 3
    assert page.count('data-testid="task"') == 4
    counters = response.context["counters"]
    assert (counters.open, counters.overdue, counters.customers, counters.done_today) == (
        4,
        1,
        3,
        0,
    )


def test_completing_a_task_from_my_day_returns_the_card_and_the_counters(client, team, day):
    vip = day["vip"]
    response = _login(client, team["manager"]).post(
        f"/customers/{vip.customer_id}/interactions/new/",
        {"task": vip.pk, "day": day["today"].isoformat(), "channel": "phone", "notes": "好"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["HX-Retarget"] == f"#customer-{vip.customer_id}"
    page = response.content.decode()
    assert 'data-testid="task-done"' in page
    assert 'id="day-counters" data-testid="day-counters" hx-swap-oob="true"' in page
    assert 'data-testid="count-open">3<' in page
    assert 'data-testid="count-done">1<' in page
    assert day_counters(team["manager"], day["today"]).done_today == 1


def test_completing_one_task_of_a_customer_with_two_keeps_the_card(client, team, day):
    # logging a contact closes the customer's open contact tasks due by today: both go
    task = day["general_today"]
    response = _login(client, team["manager"]).post(
        f"/customers/{task.customer_id}/interactions/new/",
        {"task": task.pk, "day": day["today"].isoformat(), "channel": "phone", "notes": "好"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert ContactTask.objects.get(pk=day["general_old"].pk).status == TaskStatus.DONE
    assert 'data-testid="count-open">2<' in response.content.decode()


def test_my_day_is_paged_by_customer_not_by_task(client, org, team, working_today):
    today = timezone.localdate()
    manager = team["manager"]
    for index in range(30):
        customer = make_customer(org.own, f"M{index:03d}", account_manager=manager)
        _task(customer, manager, today)
        _task(customer, manager, today - datetime.timedelta(days=1))
    first = _login(client, manager).get("/customers/my-day/")
    assert len(first.context["cards"]) == 25
    assert all(len(card.tasks) == 2 for card in first.context["cards"])
    more = client.get(f"/customers/my-day/?day={today.isoformat()}&page=2", HTTP_HX_REQUEST="true")
    assert len(more.context["cards"]) == 5
    assert "<html" not in more.content.decode()


def test_topic_names_are_joined_as_the_language_writes_lists():
    with override("en"):
        assert join_list(["Supply", "Quality"]) == "Supply, Quality"
    with override("zh-hans"):
        assert join_list(["供货", "质量"]) == "供货、质量"


def test_english_my_day_joins_topics_with_commas(client, team, book, working_today):
    from qiwang.customers.services import generate_contact_tasks

    generate_contact_tasks(timezone.localdate(), escalate=False)
    _login(client, team["manager"])
    page = client.get("/customers/my-day/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    topics = [line for line in page.splitlines() if 'data-testid="card-topics"' in line]
    assert topics
    assert all("、" not in line for line in topics)


# --- bulk tier decisions --------------------------------------------------------------------


def _suggestion(customer, new_tier="vip"):
    return TierChange.objects.create(
        customer=customer,
        old_tier=customer.tier,
        new_tier=new_tier,
        status=TierChangeStatus.SUGGESTED,
        source="rule",
        reason="test",
        suggested_at=timezone.now(),
    )


def test_a_quality_manager_confirms_several_suggestions_at_once(client, org):
    first = _suggestion(make_customer(org.own, "T0001"))
    second = _suggestion(make_customer(org.own, "T0002"))
    untouched = _suggestion(make_customer(org.own, "T0003"))
    response = _login(client, org.users["quality_manager"]).post(
        "/customers/tiers/decide/", {"changes": [first.pk, second.pk], "decision": "confirm"}
    )
    assert response.status_code == 302
    assert set(
        Customer.objects.filter(code__in=["T0001", "T0002"]).values_list("tier", flat=True)
    ) == {"vip"}
    assert TierChange.objects.get(pk=untouched.pk).status == TierChangeStatus.SUGGESTED
    assert AuditEvent.objects.filter(action="tier_change_confirmed").count() == 2


def test_bulk_reject_skips_other_branches_and_decided_ones(client, org):
    own = _suggestion(make_customer(org.own, "T0001"))
    other = _suggestion(make_customer(org.other, "T0002"))
    _login(client, org.users["quality_manager"]).post(
        "/customers/tiers/decide/", {"changes": [own.pk], "decision": "confirm"}
    )
    client.post("/customers/tiers/decide/", {"changes": [own.pk, other.pk], "decision": "reject"})
    assert TierChange.objects.get(pk=own.pk).status == TierChangeStatus.CONFIRMED
    assert TierChange.objects.get(pk=other.pk).status == TierChangeStatus.SUGGESTED


def test_bulk_decisions_need_the_role_and_a_choice(client, org):
    change = _suggestion(make_customer(org.own, "T0001"))
    _login(client, org.users["account_manager"])
    forbidden = client.post(
        "/customers/tiers/decide/", {"changes": [change.pk], "decision": "confirm"}
    )
    assert forbidden.status_code == 403
    _login(client, org.users["quality_manager"])
    client.post("/customers/tiers/decide/", {"changes": [change.pk], "decision": "maybe"})
    client.post("/customers/tiers/decide/", {"decision": "confirm"})
    assert TierChange.objects.get(pk=change.pk).status == TierChangeStatus.SUGGESTED


def test_tier_page_offers_the_bulk_form_only_to_deciders(client, org):
    _suggestion(make_customer(org.own, "T0001"))
    page = _login(client, org.users["quality_manager"]).get("/customers/tiers/").content.decode()
    assert 'data-testid="bulk-tiers"' in page and 'data-testid="select-change"' in page
    page = _login(client, org.users["analyst"]).get("/customers/tiers/").content.decode()
    assert 'data-testid="bulk-tiers"' not in page


# --- bulk reassignment ----------------------------------------------------------------------


def test_an_account_manager_hands_open_tasks_to_a_colleague(client, org, team, day):
    second = team["second"]
    response = _login(client, team["manager"]).post(
        "/customers/tasks/reassign/",
        {"tasks": [day["vip"].pk, day["urgent"].pk], "assignee": second.pk},
    )
    assert response.status_code == 302
    assert set(ContactTask.objects.filter(assignee=second).values_list("pk", flat=True)) == {
        day["vip"].pk,
        day["urgent"].pk,
    }
    event = AuditEvent.objects.get(action="task_reassigned", object_id=str(day["vip"].pk))
    assert event.changes["assignee"] == [team["manager"].username, second.username]
    # the colleague covering sees the customer and can log the contact
    _login(client, second)
    cards = client.get("/customers/my-day/").context["cards"]
    assert {card.customer.code for card in cards} == {"D0002", "D0003"}
    assert client.get(f"/customers/{day['vip'].customer_id}/").status_code == 200
    done = client.post(
        f"/customers/{day['vip'].customer_id}/interactions/new/",
        {"task": day["vip"].pk, "channel": "phone", "notes": "代为联系"},
    )
    assert done.status_code == 302
    assert ContactTask.objects.get(pk=day["vip"].pk).status == TaskStatus.DONE


def test_reassignment_stays_inside_the_branch(client, org, team, day):
    outsider = org.other_users["account_manager"]
    _login(client, team["manager"]).post(
        "/customers/tasks/reassign/", {"tasks": [day["vip"].pk], "assignee": outsider.pk}
    )
    assert ContactTask.objects.get(pk=day["vip"].pk).assignee == team["manager"]
    # a quality manager of the other branch cannot move the own branch's tasks
    _login(client, org.other_users["quality_manager"]).post(
        "/customers/tasks/reassign/", {"tasks": [day["vip"].pk], "assignee": outsider.pk}
    )
    assert ContactTask.objects.get(pk=day["vip"].pk).assignee == team["manager"]
    assert not AuditEvent.objects.filter(action="task_reassigned").exists()


def test_a_manager_cannot_hand_over_a_colleagues_tasks_but_quality_can(client, org, team, day):
    third = make_user("account_manager_a3", "account_manager", [org.own])
    _login(client, team["second"]).post(
        "/customers/tasks/reassign/", {"tasks": [day["vip"].pk], "assignee": third.pk}
    )
    assert ContactTask.objects.get(pk=day["vip"].pk).assignee == team["manager"]
    _login(client, org.users["quality_manager"]).post(
        "/customers/tasks/reassign/", {"tasks": [day["vip"].pk], "assignee": third.pk}
    )
    assert ContactTask.objects.get(pk=day["vip"].pk).assignee == third


@pytest.mark.parametrize("role", ["agent", "analyst"])
def test_agents_and_analysts_cannot_reassign(client, org, team, day, role):
    response = _login(client, org.users[role]).post(
        "/customers/tasks/reassign/", {"tasks": [day["vip"].pk], "assignee": team["second"].pk}
    )
    assert response.status_code == 403


def test_reassign_without_a_selection_says_so(client, team, day):
    response = _login(client, team["manager"]).post(
        "/customers/tasks/reassign/", {"assignee": team["second"].pk}, follow=True
    )
    assert "Select at least one row." in [str(m) for m in response.context["messages"]] or any(
        "至少" in str(m) for m in response.context["messages"]
    )


def test_my_day_shows_the_reassign_form_to_managers(client, team, day):
    page = _login(client, team["manager"]).get("/customers/my-day/").content.decode()
    assert 'data-testid="reassign-form"' in page
    assert page.count('data-testid="select-task"') == 4
    assert f'<option value="{team["second"].pk}">' in page


# --- the customer picker --------------------------------------------------------------------


def test_the_picker_finds_own_customers_by_number_name_and_pinyin(client, org, team):
    make_customer(org.own, "C0000049", name="王建国", account_manager=team["manager"])
    make_customer(org.other, "C0000050", name="王建华")
    _login(client, team["manager"])
    for query in ["C0000049", "王建", "wjg", "wangjian"]:
        results = client.get("/customers/pick/customers/", {"q": query}).json()["results"]
        assert [row["code"] for row in results] == ["C0000049"], query
    assert client.get("/customers/pick/customers/", {"q": ""}).json() == {"results": []}


def test_the_picker_is_for_allocating_roles_only(client, org):
    response = _login(client, org.users["agent"]).get("/customers/pick/customers/", {"q": "a"})
    assert response.status_code == 403


def test_allocation_page_says_pro_rata_and_offers_the_picker(client, org):
    _login(client, org.users["account_manager"])
    page = client.get("/customers/allocations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "same share" not in page
    assert "pro rata" in page
    assert 'data-testid="customer-picker"' in page


# --- the task list (supervisors hand over a colleague's tasks) ------------------------------


def test_the_quality_manager_filters_a_managers_overdue_tasks_and_hands_them_over(
    client, org, team, day
):
    _login(client, org.users["quality_manager"])
    page = client.get("/customers/tasks/", {"assignee": team["manager"].pk, "overdue": "1"})
    assert page.status_code == 200
    assert [task.pk for task in page.context["tasks"]] == [day["general_old"].pk]
    assert team["second"] in page.context["colleagues"]
    html = page.content.decode()
    assert 'data-testid="reassign-form"' in html and 'data-testid="select-all"' in html
    client.post(
        "/customers/tasks/reassign/",
        {
            "tasks": [day["general_old"].pk],
            "assignee": team["second"].pk,
            "next": "/customers/tasks/",
        },
    )
    assert ContactTask.objects.get(pk=day["general_old"].pk).assignee == team["second"]


def test_the_task_list_keeps_to_the_users_branches_and_own_tasks(client, org, team, day):
    other = make_customer(org.other, "Z0001")
    _task(other, org.other_users["account_manager"], day["today"])
    _login(client, org.users["quality_manager"])
    codes = {task.customer.code for task in client.get("/customers/tasks/").context["tasks"]}
    assert "Z0001" not in codes and "D0001" in codes
    _login(client, team["second"])
    assert list(client.get("/customers/tasks/").context["tasks"]) == []
    assert 'data-testid="empty-state"' in client.get("/customers/tasks/").content.decode()


@pytest.mark.parametrize("role", ["agent", "analyst"])
def test_the_task_list_is_not_for_agents_or_analysts(client, org, role):
    assert _login(client, org.users[role]).get("/customers/tasks/").status_code == 403


def test_no_checkboxes_without_a_colleague_to_take_the_tasks(client, org, working_today):
    manager = org.other_users["account_manager"]
    _task(make_customer(org.other, "Z0001", account_manager=manager), manager, timezone.localdate())
    page = _login(client, manager).get("/customers/my-day/").content.decode()
    assert 'data-testid="customer-card"' in page
    assert 'data-testid="select-task"' not in page
    assert 'data-testid="reassign-form"' not in page
