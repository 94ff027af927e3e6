"""Demo data of the customers module, on top of the demo organisation's customers and their
contact history (``qiwang.demo.services``): contact persons, the customers' own dates, monthly
sales, referrals, the year's holiday table, a product launch tomorrow, today's greetings, a tier
suggestion round, a shortage allocation and refreshed lifecycles.

Deterministic for a seed; bulk writes only, so it stays fast at 100,000 customers.
"""

from __future__ import annotations

import datetime
import importlib
import random
from decimal import Decimal
from typing import Any

from qiwang.accounts.models import Branch, User
from qiwang.customers.choices import CustomerKind, Industry, Measure, OccasionKind, Tier
from qiwang.customers.models import (
    AllocationGood,
    BranchIndustry,
    Contact,
    ContactTopic,
    Customer,
    MonthlySales,
    Occasion,
)
from qiwang.customers.services import allocate_shortage, generate_contact_tasks, refresh_lifecycles
from qiwang.customers.services.greetings import generate_greeting_tasks, load_year
from qiwang.customers.services.profiles import industry_of_branch
from qiwang.customers.services.relationship import (
    REFERRAL_FOLLOW_UP_DAYS,
    complete_referral_follow_up,
    record_referral,
)
from qiwang.customers.services.tiers import suggest_tiers

TITLES = ("店长", "老板", "采购主管", "财务", "园长")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
#: Customers per account manager whose birthday (or founding day) the demo puts on today.
TODAY_DATES_PER_MANAGER = 2
#: What account managers of each profile write after a contact.
NOTES = {
    Industry.B2B_SUPPLIER: (
        "按时到货，无异常。",
        "客户反映包装有破损，已登记。",
        "询问新品上市时间。",
        "",
    ),
    Industry.PROPERTY: (
        "业主反映楼道灯已修好，表示满意。",
        "提醒电梯年检时间，业主无异议。",
        "业主询问车位租赁，已转管家跟进。",
        "",
    ),
    Industry.HEATING: (
        "室温正常，用户满意。",
        "用户反映卧室偏冷，已派维修。",
        "提醒缴纳采暖费。",
        "",
    ),
    Industry.DEVELOPER: ("通报工程进度，客户无异议。", "客户询问交房时间。", "保修单已受理。", ""),
}
#: Tomorrow's company occasion of each profile (a launch for a supplier, an event elsewhere).
EVENTS = {
    Industry.B2B_SUPPLIER: "节能型智慧水表",
    Industry.PROPERTY: "邻里节·社区文化周",
    Industry.HEATING: "供暖季开栓服务日",
    Industry.DEVELOPER: "业主开放日",
}
_topics: dict[str, dict[str, ContactTopic]] = {}


def ensure_profile_defaults() -> None:
    """The profiles' starting data (migration 0008), put back where it is missing — a test
    database flushed between tests has lost what the migrations wrote."""
    from django.apps import apps

    seed = importlib.import_module("qiwang.customers.migrations.0008_profile_data")
    seed.forwards(apps, None)


def set_demo_industry(branch: Branch, industry: str) -> None:
    """The demo organisation's profile (before any task is generated)."""
    ensure_profile_defaults()
    BranchIndustry.objects.update_or_create(branch=branch, defaults={"industry": industry})
    _topics.clear()


def demo_notes(industry: str) -> tuple[str, ...]:
    return NOTES.get(industry, NOTES[Industry.B2B_SUPPLIER])


def demo_answers(
    rng: random.Random, industry: str, codes: list[str], *, anomaly: bool
) -> dict[str, Any]:
    """Plausible answers to a plan's measured topics; one crosses its alert when ``anomaly``."""
    if industry not in _topics:
        _topics[industry] = {t.code: t for t in ContactTopic.objects.filter(industry=industry)}
    answers: dict[str, Any] = {}
    alarmed = False
    for code in codes:
        topic = _topics[industry].get(code)
        if topic is None or topic.measure == Measure.NONE:
            continue
        alarm = anomaly and not alarmed
        if topic.measure == Measure.YES_NO:
            alarmed |= alarm and topic.alert_on_no
            answers[code] = not (alarm and topic.alert_on_no)
            continue
        low = float(topic.min_value if topic.min_value is not None else 0)
        high = float(topic.max_value if topic.max_value is not None else 100)
        if topic.alert_below is not None:
            edge = float(topic.alert_below)
            low, high = (low, edge - 0.5) if alarm else (edge, min(high, edge + (high - edge)))
            alarmed |= alarm
        elif topic.alert_above is not None:
            edge = float(topic.alert_above)
            low, high = (edge + 1, high) if alarm else (low, edge)
            alarmed |= alarm
        answers[code] = str(round(rng.uniform(low, high) * 2) / 2).removesuffix(".0")
    return answers


def _demo_workday(today: datetime.date) -> datetime.date:
    """Today, or the next working day when today is a day off (today when unknown)."""
    from qiwang.accounts.calendar_services import load_working_calendar
    from qiwang.customers.services.workdays import UnknownCalendarYear, next_working_day

    calendar = load_working_calendar()
    try:
        if calendar.is_working_day(today):
            return today
    except UnknownCalendarYear:
        return today
    return next_working_day(calendar, today) or today


def build_customer_demo(
    *,
    rng: random.Random,
    today: datetime.date,
    now: datetime.datetime,
    quality: User,
    first_branch: Branch,
) -> None:
    """Add the customers module's demo data (called inside the demo's transaction)."""
    _contacts(rng)
    _own_dates(rng, today)
    _monthly_sales(rng, today)
    # The demo opens on the account manager's working day: today, or on a day off the next
    # working day, planned ahead as the daily job does (docs/customers.md, "Working days").
    workday = _demo_workday(today)
    load_year(today.year)
    load_year((workday + datetime.timedelta(days=1)).year)
    industry = industry_of_branch(first_branch.pk)
    Occasion.objects.get_or_create(  # company-wide rows outlive a rebuilt organisation
        kind=OccasionKind.PRODUCT_LAUNCH,
        date=workday + datetime.timedelta(days=1),
        name=EVENTS.get(industry, EVENTS[Industry.B2B_SUPPLIER]),
        branch=None,
        customer=None,
        defaults={"tiers": [Tier.VIP, Tier.IMPORTANT]},
    )
    generate_greeting_tasks(today, now=now)
    if workday != today:
        generate_contact_tasks(workday, now=now, escalate=False)
    _referrals(rng, today)
    _allocation(first_branch, industry)
    suggest_tiers(branch_ids=[first_branch.pk])
    refresh_lifecycles(today, now=now, record=False)  # the starting point, not a change


def _contacts(rng: random.Random) -> None:
    organisations = Customer.objects.filter(kind=CustomerKind.ORGANISATION).values_list(
        "pk", flat=True
    )
    contacts = []
    for customer_id in organisations.iterator(chunk_size=5000):
        for index in range(rng.choice((1, 1, 2))):
            surname = rng.choice(SURNAMES)
            contacts.append(
                Contact(
                    customer_id=customer_id,
                    name=f"{surname}{'经理' if index == 0 else '女士'}",
                    title=rng.choice(TITLES),
                    phone=f"+861{rng.choice(('35', '37', '58', '89'))}{rng.randrange(10**8):08d}",
                    wechat=f"wx_c{customer_id}_{index}" if rng.random() < 0.5 else "",
                    email=f"contact{customer_id}_{index}@example.cn" if rng.random() < 0.3 else "",
                    is_primary=index == 0,
                )
            )
    Contact.objects.bulk_create(contacts, batch_size=2000)


def _own_dates(rng: random.Random, today: datetime.date) -> None:
    """Birthdays for households, founding days for organisations; a few fall on today."""
    for manager_id in (
        Customer.objects.exclude(account_manager=None)
        .values_list("account_manager_id", flat=True)
        .distinct()
        .order_by("account_manager_id")
    ):
        chosen = list(
            Customer.objects.filter(account_manager_id=manager_id)
            .order_by("code")
            .values_list("pk", "kind")[: TODAY_DATES_PER_MANAGER * 7 : 7]
        )
        for customer_id, kind in chosen:
            year = (
                rng.randint(1960, 1995)
                if kind == CustomerKind.HOUSEHOLD
                else rng.randint(1998, 2020)
            )
            try:
                date = today.replace(year=year)
            except ValueError:  # 29 February
                date = datetime.date(year, 2, 28)
            field = "birthday" if kind == CustomerKind.HOUSEHOLD else "founded_on"
            Customer.objects.filter(pk=customer_id).update(**{field: date})


def _monthly_sales(rng: random.Random, today: datetime.date) -> None:
    """Three months of sales for the VIP and important customers (some rising last month)."""
    months = []
    first = today.replace(day=1)
    for _ in range(3):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        months.append(first)
    months.reverse()
    rows = []
    for customer_id, revenue, orders in (
        Customer.objects.filter(tier__in=[Tier.VIP, Tier.IMPORTANT])
        .order_by("pk")
        .values_list("pk", "revenue", "orders_count")
        .iterator(chunk_size=5000)
    ):
        base = Decimal(revenue) / 12
        rising = rng.random() < 0.25
        for index, month in enumerate(months):
            factor = Decimal(str(round(rng.uniform(0.85, 1.1), 2)))
            if rising and index == len(months) - 1:
                factor = Decimal(str(round(rng.uniform(1.25, 1.6), 2)))
            rows.append(
                MonthlySales(
                    customer_id=customer_id,
                    month=month,
                    orders=max(1, orders // 12),
                    revenue=(base * factor).quantize(Decimal("0.01")),
                )
            )
    MonthlySales.objects.bulk_create(rows, batch_size=2000)


def _referrals(rng: random.Random, today: datetime.date) -> None:
    """Two referrals per account manager: one thanked last week, one to thank today."""
    managers = User.objects.filter(customers__isnull=False).distinct().order_by("username")
    for manager in managers:
        own = list(Customer.objects.filter(account_manager=manager).order_by("code")[:40])
        if len(own) < 4:
            continue
        picks = rng.sample(own, 4)
        thanked = record_referral(
            actor=manager,
            referrer=picks[0],
            referred=picks[1],
            note="老客户介绍",
            referred_on=today - datetime.timedelta(days=10),
        )
        complete_referral_follow_up(actor=manager, referral=thanked, note="电话致谢并赠送礼品")
        record_referral(
            actor=manager,
            referrer=picks[2],
            referred=picks[3],
            note="邻居推荐",
            referred_on=today - datetime.timedelta(days=REFERRAL_FOLLOW_UP_DAYS),
        )


def _allocation(branch: Branch, industry: str) -> None:
    """A shortage allocation in the first community, of the profile's first good: VIPs first,
    one VIP left short."""
    customers = list(
        Customer.objects.filter(branch=branch).exclude(account_manager=None).order_by("code")
    )
    vips = [customer for customer in customers if customer.tier == Tier.VIP][:3]
    others = [customer for customer in customers if customer.tier != Tier.VIP][:5]
    if not vips or not customers[0].account_manager:
        return
    requests = [(customer, 40) for customer in vips] + [(customer, 20) for customer in others]
    available = 40 * len(vips) - 15  # short even for the VIPs
    allocate_shortage(
        actor=customers[0].account_manager,
        branch=branch,
        product=AllocationGood.objects.filter(industry=industry)
        .values_list("name", flat=True)
        .first()
        or "冬季供暖用阀门 DN25",
        available=available,
        requests=requests,
    )
