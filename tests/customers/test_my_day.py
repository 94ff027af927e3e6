"""The account manager's day: the page, logging an interaction, follow-ups, the calendar."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from tests.conftest import PASSWORD

from qiwang.accounts.models import AuditEvent
from qiwang.customers.choices import TaskKind, TaskStatus
from qiwang.customers.models import ContactTask, Customer, Interaction
from qiwang.customers.services import create_follow_up, generate_contact_tasks, log_interaction
from qiwang.errors import ServiceError


@pytest.fixture
def today_tasks(book, working_today):
    generate_contact_tasks(timezone.localdate(), escalate=False)
    return book


def _client(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_my_day_lists_own_open_tasks_vip_first(client, team, today_tasks):
    # given a general customer due today too (whatever the rotation), plus the generated tasks
    today = timezone.localdate()
    ContactTask.objects.get_or_create(
        customer=today_tasks["general"],
        kind=TaskKind.CONTACT,
        due_date=today,
        key="",
        defaults={"branch_id": today_tasks["general"].branch_id, "assignee": team["manager"]},
    )
    response = _client(client, team["manager"]).get("/customers/my-day/")
    assert response.status_code == 200
    tasks = [task for card in response.context["cards"] for task in card.tasks]
    assert {task.customer.code for task in tasks} <= {"A1000", "A1001", "A1002", "A1003"}
    assert tasks[0].customer.tier == "vip"
    ranks = [task.tier_rank for task in tasks]
    assert ranks == sorted(ranks)
    # nobody else's customers
    assert "A2001" not in response.content.decode()


def test_my_day_shows_overdue_tasks_from_earlier_days(client, team, book, working_today):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    generate_contact_tasks(yesterday, escalate=False)
    response = _client(client, team["manager"]).get("/customers/my-day/")
    assert response.context["counters"].overdue >= 1
    assert "A1000" in {card.customer.code for card in response.context["cards"]}


def test_a_supervisor_sees_the_tasks_escalated_to_them(client, team, book, working_today):
    yesterday_but_one = timezone.localdate() - datetime.timedelta(days=2)
    generate_contact_tasks(yesterday_but_one, escalate=False)
    generate_contact_tasks(timezone.localdate())  # escalates the overdue ones
    response = _client(client, team["supervisor"]).get("/customers/my-day/")
    assert response.status_code == 200
    assert book["vip"] in {task.customer for task in response.context["escalated"]}
    assert 'data-testid="log-button"' not in response.content.decode()


def test_my_day_empty_state(client, team):
    response = _client(client, team["manager"]).get("/customers/my-day/")
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()


def test_logging_an_interaction_through_htmx_completes_the_task(client, team, today_tasks):
    vip = today_tasks["vip"]
    task = ContactTask.objects.get(customer=vip, due_date=timezone.localdate())
    response = _client(client, team["manager"]).post(
        f"/customers/{vip.pk}/interactions/new/",
        {
            "task": task.pk,
            "channel": "phone",
            "topics": ["supply_timeliness", "pass_rate"],
            "answer_supply_timeliness": "yes",
            "answer_pass_rate": "99.5",
            "notes": "一切正常",
            "next_step": "下周送样",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="task-done"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    interaction = Interaction.objects.get(customer=vip)
    assert interaction.task == task
    assert interaction.topics == ["supply_timeliness", "pass_rate"]
    assert interaction.supply_on_time is True
    assert str(interaction.pass_rate) == "99.5"
    assert interaction.is_anomaly is False
    assert Customer.objects.get(pk=vip.pk).last_activity_at is not None
    assert AuditEvent.objects.filter(action="interaction_logged").count() == 1


def test_a_low_pass_rate_is_an_anomaly_escalated_to_the_supervisor(client, team, today_tasks):
    vip = today_tasks["vip"]
    task = ContactTask.objects.get(customer=vip, due_date=timezone.localdate())
    _client(client, team["manager"]).post(
        f"/customers/{vip.pk}/interactions/new/",
        {"task": task.pk, "channel": "phone", "answer_pass_rate": "80"},
        HTTP_HX_REQUEST="true",
    )
    task.refresh_from_db()
    assert Interaction.objects.get(customer=vip).is_anomaly is True
    assert task.escalated_to == team["supervisor"]


def test_bad_input_answers_422_naming_the_field_and_writes_nothing(client, team, today_tasks):
    vip = today_tasks["vip"]
    response = _client(client, team["manager"]).post(
        f"/customers/{vip.pk}/interactions/new/",
        {"channel": "pigeon", "answer_pass_rate": "120"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"channel", "answer_pass_rate"}
    assert not Interaction.objects.exists()


def test_another_managers_customer_is_404(client, team, today_tasks):
    response = _client(client, team["manager"]).post(
        f"/customers/{today_tasks['second_vip'].pk}/interactions/new/", {"channel": "phone"}
    )
    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_the_service_refuses_a_task_of_another_customer(team, today_tasks):
    # given a task of another customer (created here: whether the rotation gives the important
    # customer a task today depends on the weekday)
    other_task, _ = ContactTask.objects.get_or_create(
        customer=today_tasks["important"],
        kind=TaskKind.CONTACT,
        due_date=timezone.localdate(),
        key="",
        defaults={"branch_id": today_tasks["important"].branch_id, "assignee": team["manager"]},
    )
    with pytest.raises(ServiceError) as error:
        log_interaction(
            actor=team["manager"],
            customer=today_tasks["vip"],
            data={"channel": "phone"},
            task=other_task,
        )
    assert "task" in error.value.errors


def test_create_follow_up_is_idempotent_per_source(team, book):
    due = datetime.date(2026, 12, 1)
    first = create_follow_up(
        book["vip"],
        reason="满意度 2 分",
        due=due,
        source="survey-response:7",
        actor=team["manager"],
    )
    second = create_follow_up(
        book["vip"], reason="满意度 2 分", due=due, source="survey-response:7"
    )
    assert first.pk == second.pk
    assert first.assignee == team["manager"]
    assert first.kind == TaskKind.FOLLOW_UP
    assert first.note == "满意度 2 分"
    assert ContactTask.objects.filter(kind=TaskKind.FOLLOW_UP).count() == 1


def test_create_follow_up_names_missing_fields(book):
    with pytest.raises(ServiceError) as error:
        create_follow_up(book["vip"], reason=" ", due=datetime.date(2026, 12, 1), source="")
    assert set(error.value.errors) == {"reason", "source"}


def test_calendar_counts_due_and_done_tasks_per_day(client, team, book):
    day = datetime.date(2026, 11, 19)
    generate_contact_tasks(day, escalate=False)
    ContactTask.objects.filter(customer=book["vip"], due_date=day).update(status=TaskStatus.DONE)
    response = _client(client, team["manager"]).get("/customers/calendar/?month=2026-11")
    assert response.status_code == 200
    cells = {cell["date"]: cell for week in response.context["weeks"] for cell in week}
    # the own manager's VIP, important and high-quality customers (and the general customer when
    # 19 November is its rotation day, 1 + id % 28); one done
    general_due = book["general"].pk % 28 == 19 - 1
    assert (cells[day]["total"], cells[day]["done"]) == (3 + general_due, 1)


def test_calendar_rejects_a_bad_month_with_a_message(client, team):
    response = _client(client, team["manager"]).get("/customers/calendar/?month=2026-13")
    assert response.status_code == 200
    assert "2026-13" in response.content.decode()


def test_my_day_pages_long_lists_vip_first_and_shows_more_in_place(client, org, team):
    from tests.conftest import make_customer

    today = timezone.localdate()
    for index in range(60):
        customer = make_customer(
            org.own,
            f"P{index:03d}",
            tier="vip" if index >= 55 else "general",
            account_manager=team["manager"],
        )
        ContactTask.objects.create(
            customer=customer, branch=org.own, assignee=team["manager"], due_date=today
        )
    _client(client, team["manager"])
    first = client.get("/customers/my-day/")
    # paged by customer (25 a page), VIP customers first
    assert first.context["counters"].open == 60
    assert first.context["page"].paginator.count == 60
    assert len(first.context["cards"]) == 25
    assert [card.customer.tier for card in first.context["cards"][:5]] == ["vip"] * 5
    more = client.get(f"/customers/my-day/?day={today.isoformat()}&page=3", HTTP_HX_REQUEST="true")
    assert len(more.context["cards"]) == 10
    assert "<html" not in more.content.decode()


def test_my_day_query_count_does_not_grow_with_the_tasks(client, org, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from tests.conftest import make_customer

    from qiwang.customers.services.greetings import load_year

    today = timezone.localdate()
    load_year(today.year)

    def add(count, start):
        for index in range(start, start + count):
            customer = make_customer(org.own, f"Q{index:03d}", account_manager=team["manager"])
            ContactTask.objects.create(
                customer=customer,
                branch=org.own,
                assignee=team["manager"],
                due_date=today,
                kind=TaskKind.GREETING if index % 2 else TaskKind.CONTACT,
                greeting_kind="festival",
            )

    _client(client, team["manager"])
    add(3, 0)
    with CaptureQueriesContext(connection) as few:
        client.get("/customers/my-day/")
    add(30, 3)
    with CaptureQueriesContext(connection) as many:
        client.get("/customers/my-day/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_agent_without_customers_is_told_where_the_work_is(client, org, team, today_tasks):
    """A front-line agent has no customers of their own: "My day" says so and links the
    complaint queue instead of "nothing left to do today"."""
    page = _client(client, org.users["agent"]).get("/customers/my-day/").content.decode()

    assert 'data-testid="my-day-no-customers"' in page
    assert 'data-testid="my-day-complaints"' in page and 'href="/complaints/"' in page


def test_a_manager_with_nothing_due_still_reads_nothing_left(client, team, book, working_today):
    page = _client(client, team["manager"]).get("/customers/my-day/").content.decode()

    assert 'data-testid="my-day-no-customers"' not in page
    assert 'data-testid="empty-state"' in page
