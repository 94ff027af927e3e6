"""The demo organisation: deterministic, complete, sized on request, all-or-nothing."""

from __future__ import annotations

import pytest

from qiwang.accounts.choices import Role
from qiwang.accounts.models import Branch, User
from qiwang.catalogue.models import Delivery, Service
from qiwang.customers.models import Allocation, Customer
from qiwang.demo.services import build_demo, demo_account_rows, has_demo
from qiwang.surveys.models import Instrument, Wave


def _snapshot():
    return list(
        Customer.objects.order_by("code").values_list(
            "code", "name", "tier", "branch__code", "phone"
        )
    )


def test_demo_has_three_communities_a_user_per_role_and_300_customers(db):
    build_demo()

    assert has_demo()
    assert Branch.objects.filter(kind="community").count() == 3
    # and in the same organisation a heating utility and a B2B supplier (issue 15, item 7)
    assert set(Branch.objects.filter(kind="company").values_list("code", flat=True)) == {
        "jiangcheng",
        "heating",
        "supply",
    }
    assert {user.role for user in User.objects.all()} == set(Role.values)
    assert Customer.objects.count() == 300
    assert Customer.objects.filter(account_manager__isnull=True).count() == 0
    assert set(Customer.objects.values_list("tier", flat=True)) == {
        "vip",
        "important",
        "high_quality",
        "general",
    }
    assert len(demo_account_rows()) == 13


def test_demo_is_deterministic_for_a_seed(db):
    from qiwang.complaints.models import Compensation, Complaint, Incident

    build_demo(customers=50, seed=11)
    first = _snapshot()
    Allocation.objects.all().delete()  # decisions protect their branch and customers
    Wave.objects.all().delete()  # survey waves (with their responses) protect their branch
    Instrument.objects.all().delete()
    Delivery.objects.all().delete()  # deliveries protect their service; services their branch
    Service.objects.all().delete()
    Complaint.objects.all().delete()  # complaints, incidents and compensations protect branches
    Incident.objects.all().delete()
    Compensation.objects.all().delete()
    Customer.objects.all().delete()
    User.objects.all().delete()
    Branch.objects.filter(parent__isnull=False).delete()
    Branch.objects.all().delete()

    build_demo(customers=50, seed=11)

    assert _snapshot() == first


def test_demo_scales_to_the_requested_size(db):
    build_demo(customers=5000, seed=1)

    assert Customer.objects.count() == 5000


def test_demo_twice_fails_whole_and_leaves_the_first_intact(db):
    build_demo(customers=10)

    with pytest.raises(Exception):  # noqa: B017 - the unique branch code refuses a second demo
        build_demo(customers=10)

    assert Customer.objects.count() == 10
    assert Branch.objects.count() == 6


def test_demo_account_managers_see_only_their_community(db):
    build_demo(customers=60)
    manager = User.objects.get(username="manager_cuihu")

    visible = Customer.objects.for_user(manager)

    assert visible.count() == 12  # 60 customers over five branches
    assert set(visible.values_list("branch__code", flat=True)) == {"cuihu"}
    heating = Customer.objects.for_user(User.objects.get(username="manager_heating"))
    assert set(heating.values_list("branch__code", flat=True)) == {"heating"}
    assert Customer.objects.for_user(User.objects.get(username="quality")).count() == 60
