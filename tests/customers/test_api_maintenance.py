"""API for tasks, interactions, plans and allocations, with the permission table.

Rows: role × endpoint × whose customer (own / colleague's in the same branch / other branch).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from qiwang.accounts.services import create_api_token
from qiwang.customers.choices import TaskStatus
from qiwang.customers.models import Allocation, ContactTask, Interaction, MaintenancePlan
from qiwang.customers.services import generate_contact_tasks


def _client(user):
    key = create_api_token(user=user, name="t").key
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def day_tasks(book, working_today):
    generate_contact_tasks(timezone.localdate(), escalate=False)
    return book


def _whose(org, team, book, whose):
    return {
        "own": book["vip"],
        "colleague": book["second_vip"],
        "other_branch": book["other_vip"],
    }[whose]


# role, whose customer, expected status for reading the customer's task / logging on the customer
TABLE = [
    ("account_manager", "own", 200, 201),
    ("account_manager", "colleague", 404, 404),
    ("account_manager", "other_branch", 404, 404),
    ("quality_manager", "own", 200, 403),
    ("quality_manager", "colleague", 200, 403),
    ("quality_manager", "other_branch", 404, 403),
    ("analyst", "own", 200, 403),
    ("analyst", "other_branch", 404, 403),
    ("agent", "colleague", 200, 403),
    ("administrator", "other_branch", 200, 201),
]


@pytest.mark.parametrize(("role", "whose", "read", "write"), TABLE)
def test_permission_table_for_tasks_and_interactions(
    org, team, day_tasks, role, whose, read, write
):
    user = org.users[role]
    customer = _whose(org, team, day_tasks, whose)
    task = ContactTask.objects.get(customer=customer, due_date=timezone.localdate())
    client = _client(user)
    assert client.get(f"/api/maintenance/tasks/{task.pk}").status_code == read
    response = client.post(
        f"/api/maintenance/customers/{customer.pk}/interactions",
        json.dumps({"channel": "phone", "task_id": task.pk}),
        content_type="application/json",
    )
    assert response.status_code == write, response.content
    assert Interaction.objects.exists() is (write == 201)


def test_my_tasks_list_holds_only_own_tasks_vip_first(org, team, day_tasks):
    response = _client(team["manager"]).get(
        f"/api/maintenance/tasks?day={timezone.localdate().isoformat()}"
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["customer_tier"] == "vip"
    assert {item["assignee_id"] for item in items} == {team["manager"].pk}


def test_branch_manager_sees_the_branchs_tasks_not_the_other_branchs(org, team, day_tasks):
    response = _client(org.users["quality_manager"]).get("/api/maintenance/tasks")
    codes = {item["customer_name"] for item in response.json()["items"]}
    assert day_tasks["second_vip"].name in codes
    assert day_tasks["other_vip"].name not in codes


def test_logging_through_the_api_completes_the_task_and_validates(org, team, day_tasks):
    task = ContactTask.objects.get(customer=day_tasks["vip"], due_date=timezone.localdate())
    client = _client(team["manager"])
    bad = client.post(
        f"/api/maintenance/customers/{day_tasks['vip'].pk}/interactions",
        json.dumps({"channel": "phone", "pass_rate": 140}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].endswith("pass_rate")
    ok = client.post(
        f"/api/maintenance/customers/{day_tasks['vip'].pk}/interactions",
        json.dumps(
            {"channel": "phone", "task_id": task.pk, "pass_rate": 98, "topics": ["pass_rate"]}
        ),
        content_type="application/json",
    )
    assert ok.status_code == 201
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("quality_manager", 403),  # scoped to one branch: plans are company-wide (issue 10)
        ("company_quality", 200),
        ("account_manager", 403),
        ("analyst", 403),
        ("administrator", 200),
    ],
)
def test_plan_changes_by_role(org, company_quality, role, status):
    plan = MaintenancePlan.objects.get(industry="b2b_supplier", tier="vip")
    user = company_quality if role == "company_quality" else org.users[role]
    response = _client(user).patch(
        f"/api/maintenance/plans/{plan.pk}",
        json.dumps({"channel": "visit"}),
        content_type="application/json",
    )
    assert response.status_code == status
    plan.refresh_from_db()
    assert (plan.channel == "visit") is (status == 200)


def test_plan_change_rejects_a_weekly_plan_without_weekdays(company_quality):
    plan = MaintenancePlan.objects.get(industry="b2b_supplier", tier="important")
    response = _client(company_quality).patch(
        f"/api/maintenance/plans/{plan.pk}",
        json.dumps({"weekdays": []}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "weekdays"


def test_allocation_through_the_api(org, team, book):
    client = _client(team["manager"])
    response = client.post(
        "/api/maintenance/allocations",
        json.dumps(
            {
                "branch_id": org.own.pk,
                "product": "钢管",
                "available": 50,
                "requests": [
                    {"customer_id": book["vip"].pk, "quantity": 40},
                    {"customer_id": book["general"].pk, "quantity": 30},
                ],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    lines = {line["customer_id"]: line["allocated"] for line in response.json()["lines"]}
    assert lines == {book["vip"].pk: 40, book["general"].pk: 10}
    allocation = Allocation.objects.get()
    assert client.get(f"/api/maintenance/allocations/{allocation.pk}").status_code == 200
    other = _client(org.other_users["quality_manager"])
    assert other.get(f"/api/maintenance/allocations/{allocation.pk}").status_code == 404


def test_allocation_refuses_a_colleagues_customer(org, team, book):
    response = _client(team["manager"]).post(
        "/api/maintenance/allocations",
        json.dumps(
            {
                "branch_id": org.own.pk,
                "product": "钢管",
                "available": 5,
                "requests": [{"customer_id": book["second_vip"].pk, "quantity": 5}],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert str(book["second_vip"].pk) in response.json()["errors"][0]["message"]
    assert not Allocation.objects.exists()


def test_openapi_declares_errors_for_the_maintenance_operations(client, db):
    document = client.get("/api/openapi.json").json()
    paths = [path for path in document["paths"] if path.startswith("/api/maintenance")]
    assert len(paths) >= 6
    for path in paths:
        for operation in document["paths"][path].values():
            assert {"403", "404"} <= set(operation["responses"])


def test_unknown_day_is_a_422(org, team):
    response = _client(team["manager"]).get("/api/maintenance/tasks?day=2026-13-01")
    assert response.status_code == 422


def test_allocations_take_the_shared_filter_base(org, team, book):
    # Found by the outside audit: the allocations list took no ordering or created_after.
    client = _client(team["manager"])
    made = []
    for product in ("钢管", "阀门"):
        response = client.post(
            "/api/maintenance/allocations",
            json.dumps(
                {
                    "branch_id": org.own.pk,
                    "product": product,
                    "available": 5,
                    "requests": [{"customer_id": book["vip"].pk, "quantity": 1}],
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        made.append(response.json()["id"])

    oldest = client.get("/api/maintenance/allocations", {"ordering": "created_at"}).json()
    later = client.get("/api/maintenance/allocations", {"created_after": "2999-01-01"}).json()
    bad = client.get("/api/maintenance/allocations", {"ordering": "available"})

    assert [a["id"] for a in oldest["items"]] == made
    assert later["count"] == 0
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.ordering"
