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
    # one shortage allocation per business: the first community, the heating and supply branches
    assert Allocation.objects.count() == 3
    assert all(allocation.lines.count() > 3 for allocation in Allocation.objects.all())
    sourcing = ContactTask.objects.filter(kind=TaskKind.SOURCING)
    assert sourcing.exists()
    # due on the working day the demo opens on, never on a day off (a Sunday build)
    assert set(sourcing.values_list("due_date", flat=True)) == {today}
    assert TierChange.objects.filter(status="suggested").exists()
    assert not LifecycleChange.objects.exists()  # the demo's starting point is no change
    assert Customer.objects.exclude(lifecycle="new").exists()


def test_each_demo_business_tells_its_own_story(db):
    """Issue 15: homeowners got supply-timeliness calls, smart water meters and heating valves;
    the heating and supply branches have their own users, topics, greetings and allocations."""
    from qiwang.customers.models import Occasion
    from qiwang.customers.services.greetings import render_greeting
    from qiwang.customers.services.profiles import topics_for

    build_demo(customers=150, seed=11)
    codes = {
        industry: {topic.code for topic in topics_for(industry)}
        for industry in ("property", "heating", "b2b_supplier")
    }
    b2b_words = ("供货", "合格率", "供应商", "阀门", "水表", "到货", "供暖", "采暖", "室温")
    stories = {
        "cuihu": ("property", b2b_words),
        "jinxiu": ("property", b2b_words),
        "heating": ("heating", ("供货", "合格率", "供应商", "水表", "业主", "物业")),
        "supply": ("b2b_supplier", ("业主", "物业费", "室温", "采暖", "邻里")),
    }
    for code, (industry, foreign) in stories.items():
        manager = User.objects.get(username=f"manager_{code}")
        tasks = ContactTask.objects.for_user(manager).exclude(plan=None).select_related("plan")
        assert {task.plan.industry for task in tasks} == {industry}, code
        topics = set()
        for task in tasks:
            topics |= set(task.plan.topics)
        assert topics and topics <= codes[industry], code
        interactions = list(Interaction.objects.for_user(manager))
        assert interactions, code
        for interaction in interactions:
            assert set(interaction.answers) <= codes[industry], code
            assert not any(word in interaction.notes for word in foreign), (code, interaction.notes)
        allocations = Allocation.objects.for_user(manager)
        for allocation in allocations:
            assert not any(word in allocation.product for word in foreign), code
        events = Occasion.objects.filter(kind="product_launch", branch__code=code)
        assert events.exists() or code == "jinxiu"
        for event in events:
            assert not any(word in event.name for word in foreign), code
        greetings = ContactTask.objects.for_user(manager).filter(kind=TaskKind.GREETING)
        for task in greetings.select_related("customer__branch", "occasion")[:10]:
            text = render_greeting(task, "sms").body
            assert not any(word in text for word in foreign), (code, text)
    # every business has today's work and its own allocation
    assert Allocation.objects.filter(branch__code="heating").exists()
    supply = Allocation.objects.get(branch__code="supply")
    assert "阀门" in supply.product or "水表" in supply.product
    # the heating story: indoor temperatures in °C, some below the 18 °C standard, flagged
    heating = Interaction.objects.filter(branch__code="heating")
    temperatures = [float(i.answers["indoor_temperature"]) for i in heating if i.answers]
    assert temperatures and all(14 <= t <= 24 for t in temperatures)
    for interaction in heating:  # below the standard is flagged; a flag has a reason
        temperature = float(interaction.answers.get("indoor_temperature", 20))
        assert (temperature < 18) <= interaction.is_anomaly
        if interaction.is_anomaly:
            assert temperature < 18 or interaction.answers.get("outage_notice") is False
    assert any(t < 18 for t in temperatures)
    # supply: business customers with contact persons; heating: households with addresses
    buyers = Customer.objects.filter(branch__code="supply")
    assert set(buyers.values_list("kind", flat=True)) == {"organisation"}
    assert Contact.objects.filter(customer__branch__code="supply").count() >= buyers.count()
    homes = Customer.objects.filter(branch__code="heating")
    assert set(homes.values_list("kind", flat=True)) == {"household"}
    assert all("室" in address for address in homes.values_list("address", flat=True))
    # the property company's surveys and repair visits are not sent to the other businesses
    from qiwang.catalogue.models import Delivery
    from qiwang.surveys.models import Invitation, Wave

    for code in ("heating", "supply"):
        invited = Invitation.objects.filter(customer__branch__code=code)
        # each business's customers are invited only to its own wave, worded for its industry
        assert set(invited.values_list("wave__branch__code", flat=True)) == {code}
    heating_wave = Wave.objects.get(branch__code="heating")
    supply_wave = Wave.objects.get(branch__code="supply")
    heating_texts = "".join(heating_wave.version.questions.values_list("text_zh", flat=True))
    supply_texts = "".join(supply_wave.version.questions.values_list("text_zh", flat=True))
    assert "室内温度" in heating_texts and "物业" not in heating_texts
    assert "供货" in supply_texts and "物业" not in supply_texts
    # complaints: warmth is the heating branch's, the supplier's buyers file none here
    from qiwang.complaints.models import Complaint, Incident

    assert Incident.objects.get(category__code="heating_outage").branch.code == "heating"
    assert not Complaint.objects.filter(branch__code="supply").exists()
    assert not Complaint.objects.filter(
        branch__kind="community", category__code__in=["heating", "heating_outage"]
    ).exists()
    assert not Delivery.objects.filter(branch__code="supply").exists()
    assert not Delivery.objects.filter(
        branch__code="heating", service__code="repair-hotline"
    ).exists()
