"""Shortage allocation: tier priority, pro rata by largest remainders, the recorded decision."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import PASSWORD

from qiwang.customers.allocation import Request, allocate, priority_groups
from qiwang.customers.choices import TaskKind
from qiwang.customers.models import Allocation, ContactTask
from qiwang.customers.services import allocate_shortage
from qiwang.errors import ServiceError


def test_pro_rata_matches_the_published_largest_remainder_example():
    # Wikipedia, "Largest remainder method", worked example (Hare quota, 10 seats):
    # 47,000 / 16,000 / 15,800 / 12,000 / 6,100 / 3,100 votes → 5 / 2 / 1 / 1 / 1 / 0 seats.
    votes = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100]
    shares = allocate(
        10, [Request(key=i, tier="general", requested=v) for i, v in enumerate(votes)]
    )
    assert [share.allocated for share in shares] == [5, 2, 1, 1, 1, 0]


def test_vip_first_then_important_and_high_quality_together_then_general():
    requests = [
        Request("v", "vip", 50),
        Request("i", "important", 40),
        Request("h", "high_quality", 20),
        Request("g", "general", 30),
    ]
    shares = allocate(80, requests)
    # VIP in full (50); 30 left for important + high-quality: 40:20 → 20 and 10; general nothing
    assert [share.allocated for share in shares] == [50, 20, 10, 0]


def test_high_quality_first_when_cash_flow_is_tight():
    requests = [Request("v", "vip", 50), Request("h", "high_quality", 20)]
    shares = allocate(40, requests, is_cash_tight=True)
    assert [share.allocated for share in shares] == [20, 20]


tiers = st.sampled_from(["vip", "important", "high_quality", "general"])


@given(
    available=st.integers(min_value=0, max_value=500),
    requests=st.lists(st.tuples(tiers, st.integers(min_value=0, max_value=200)), max_size=12),
    is_cash_tight=st.booleans(),
)
def test_allocation_invariants(available, requests, is_cash_tight):
    shares = allocate(
        available,
        [Request(i, tier, qty) for i, (tier, qty) in enumerate(requests)],
        is_cash_tight=is_cash_tight,
    )
    total = sum(qty for _tier, qty in requests)
    # nothing lost, nothing invented
    assert sum(share.allocated for share in shares) == min(available, total)
    assert all(0 <= share.allocated <= share.requested for share in shares)
    # a group gets something only when every group before it is served in full
    groups = priority_groups(is_cash_tight=is_cash_tight)
    for index in range(len(groups)):
        members = [share for share in shares if share.group == index]
        if any(share.allocated for share in members):
            earlier = [share for share in shares if share.group < index]
            assert all(share.allocated == share.requested for share in earlier)
        # inside a group every share is within one unit of its exact pro-rata value
        given_total = sum(share.allocated for share in members)
        asked = sum(share.requested for share in members)
        for share in members:
            exact = Fraction(given_total * share.requested, asked) if asked else 0
            assert abs(share.allocated - exact) < 1


def test_the_service_records_the_decision_and_gives_short_vips_a_sourcing_task(org, team, book):
    allocation = allocate_shortage(
        actor=team["manager"],
        branch=org.own,
        product="钢管 DN50",
        available=60,
        requests=[(book["vip"], 100), (book["general"], 40)],
    )
    lines = {
        line.customer.code: (line.requested, line.allocated) for line in allocation.lines.all()
    }
    assert lines == {"A1000": (100, 60), "A1003": (40, 0)}
    assert "60" in allocation.explanation and "100" in allocation.explanation
    task = ContactTask.objects.get(kind=TaskKind.SOURCING)
    assert task.customer == book["vip"]
    assert task.assignee == team["manager"]
    assert "40" in task.note


def test_the_service_refuses_customers_of_another_manager_or_branch(org, team, book):
    with pytest.raises(ServiceError) as error:
        allocate_shortage(
            actor=team["manager"],
            branch=org.own,
            product="钢管",
            available=10,
            requests=[(book["second_vip"], 5), (book["other_vip"], 5)],
        )
    assert len(error.value.errors["requests"]) == 2
    assert not Allocation.objects.exists()


def test_the_page_allocates_and_explains(client, org, team, book):
    client.login(username=team["manager"].username, password=PASSWORD)
    response = client.post(
        "/customers/allocations/",
        {
            "branch": org.own.pk,
            "product": "钢管 DN50",
            "available": "90",
            "requests": "A1000 60\nA1001, 40\nA1002 20",
        },
    )
    allocation = Allocation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/allocations/{allocation.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    lines = {line.customer.code: line.allocated for line in page.context["lines"]}
    # VIP 60 in full; 30 left for important 40 and high-quality 20: 20 and 10
    assert lines == {"A1000": 60, "A1001": 20, "A1002": 10}


def test_the_page_names_the_bad_line(client, org, team, book):
    client.login(username=team["manager"].username, password=PASSWORD)
    response = client.post(
        "/customers/allocations/",
        {
            "branch": org.own.pk,
            "product": "钢管",
            "available": "10",
            "requests": "A1000 6\nA1001 x",
        },
    )
    assert response.status_code == 422
    assert "A1001 x" in response.content.decode()
    assert not Allocation.objects.exists()


def test_the_page_names_unknown_customers(client, org, team, book):
    client.login(username=team["manager"].username, password=PASSWORD)
    response = client.post(
        "/customers/allocations/",
        {"branch": org.own.pk, "product": "钢管", "available": "10", "requests": "A2001 6"},
    )
    assert response.status_code == 422
    assert "A2001" in response.content.decode()


def test_another_branchs_allocation_is_404(client, org, team, book):
    allocation = allocate_shortage(
        actor=org.other_users["account_manager"],
        branch=org.other,
        product="钢管",
        available=1,
        requests=[(book["other_vip"], 5)],
    )
    client.login(username=org.users["quality_manager"].username, password=PASSWORD)
    assert client.get(f"/customers/allocations/{allocation.pk}/").status_code == 404


def test_roles_without_the_right_are_refused(client, org):
    client.login(username=org.users["analyst"].username, password=PASSWORD)
    assert client.get("/customers/allocations/").status_code == 403


def test_a_sourcing_task_made_on_a_day_off_is_due_on_the_next_working_day(org, team, book):
    """Issue 15: an allocation recorded on a Sunday gave a task due that Sunday, overdue by
    Monday. Today is made a company-wide day off (and tomorrow a working day) in the calendar."""
    import datetime

    from django.utils import timezone

    from qiwang.accounts.calendar_models import CalendarDay, CalendarYear, DayKind, YearStatus

    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    for year in {today.year, tomorrow.year}:
        CalendarYear.objects.get_or_create(year=year, defaults={"status": YearStatus.ESTIMATED})
    CalendarDay.objects.update_or_create(
        day=today, branch=None, defaults={"kind": DayKind.HOLIDAY, "name": "测试休息日"}
    )
    CalendarDay.objects.update_or_create(
        day=tomorrow, branch=None, defaults={"kind": DayKind.WORKDAY}
    )
    allocate_shortage(
        actor=team["manager"],
        branch=org.own,
        product="钢管 DN50",
        available=10,
        requests=[(book["vip"], 30)],
    )
    assert ContactTask.objects.get(kind=TaskKind.SOURCING).due_date == tomorrow
