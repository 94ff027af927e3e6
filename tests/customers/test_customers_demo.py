"""The demo's customers data: every account manager starts the day with VIP and greeting tasks."""

from __future__ import annotations

from django.utils import timezone

from qiwang.accounts.models import User
from qiwang.customers.choices import TaskKind
from qiwang.customers.models import (
    Allocation,
    Contact,
    ContactTask,
    Customer,
    Interaction,
    LifecycleChange,
    MonthlySales,
    Referral,
    TierChange,
)
from qiwang.demo.services import build_demo


def test_demo_gives_each_account_manager_todays_vip_contacts_and_greetings(db):
    build_demo(customers=150, seed=7)
    # the day "my day" opens on: today, or the next working day on a day off
    from qiwang.customers.demo import _demo_workday

    today = _demo_workday(timezone.localdate())
    for username in ("manager_cuihu", "manager_jinxiu", "manager_binjiang"):
        manager = User.objects.get(username=username)
        tasks = list(ContactTask.objects.for_day(manager, today))
        kinds = {task.kind for task in tasks}
        assert tasks[0].customer.tier == "vip", username
        assert {TaskKind.CONTACT, TaskKind.GREETING, TaskKind.REFERRAL} <= kinds, username
        assert Interaction.objects.filter(author=manager).count() > 10
        assert Referral.objects.filter(referrer__account_manager=manager).count() == 2
    assert Contact.objects.exists()
    assert MonthlySales.objects.exists()
    assert Allocation.objects.get().lines.count() > 3
    assert ContactTask.objects.filter(kind=TaskKind.SOURCING).exists()
    assert TierChange.objects.filter(status="suggested").exists()
    assert not LifecycleChange.objects.exists()  # the demo's starting point is no change
    assert Customer.objects.exclude(lifecycle="new").exists()


def test_the_demo_property_company_reads_as_a_property_company(db):
    """Issue 15: homeowners got supply-timeliness calls, smart water meters and heating valves."""
    from qiwang.customers.models import Occasion

    build_demo(customers=120, seed=11)
    b2b_words = ("供货", "合格率", "供应商", "阀门", "水表", "到货")
    plans = {task.plan.industry for task in ContactTask.objects.exclude(plan=None)}
    assert plans == {"property"}
    for interaction in Interaction.objects.all():
        assert not {"supply_timeliness", "pass_rate"} & set(interaction.answers)
        assert not any(word in interaction.notes for word in b2b_words)
    assert not any(word in Allocation.objects.get().product for word in b2b_words)
    tomorrow = Occasion.objects.filter(kind="product_launch").values_list("name", flat=True)
    assert not any(word in name for name in tomorrow for word in b2b_words)
