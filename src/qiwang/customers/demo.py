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
from qiwang.customers.services.relationship import (
    REFERRAL_FOLLOW_UP_DAYS,
    complete_referral_follow_up,
    record_referral,
)
from qiwang.customers.services.tiers import suggest_tiers

TITLES = ("店长", "老板", "采购主管", "财务", "园长")
#: Contact persons' titles at the supplier's business customers.
BUYER_TITLES = ("采购经理", "质量主管", "仓储主管", "项目经理", "总经理")
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
        "用户询问春节期间抢修值班安排，已告知热线。",
        "提醒缴纳采暖费。",
        "",
    ),
    Industry.DEVELOPER: ("通报工程进度，客户无异议。", "客户询问交房时间。", "保修单已受理。", ""),
}
#: What is written after a contact whose answer crossed an alert: by topic, else by profile.
ANOMALY_NOTES = {
    "supply_timeliness": "客户反映本批货物晚到两天，已协调物流加急。",
    "pass_rate": "客户反映本批到货验收合格率偏低，已通知质检部门。",
    "delivery_check": "客户反映到货数量短缺、外包装破损，已安排补发。",
    "repair_follow_up": "业主反映报修后问题仍未解决，已重新派单。",
    "cleanliness": "业主反映楼道保洁不到位，已通知保洁主管。",
    "security": "业主反映夜间巡逻不到位，已通知安保主管。",
    "satisfaction": "业主对服务评分偏低，已约时间上门沟通。",
    "indoor_temperature": "用户反映室温低于 18 °C，已派维修人员上门排查。",
    "outage_notice": "用户反映停热检修未提前通知，已向调度中心反馈。",
    Industry.B2B_SUPPLIER: "客户反映到货有问题，已登记跟进。",
    Industry.PROPERTY: "业主反映问题未解决，已登记跟进。",
    Industry.HEATING: "用户反映供热问题，已派维修。",
    Industry.DEVELOPER: "客户反映保修维修拖延，已催办。",
}
#: Where a measured number usually lies (normal answers; an anomaly falls just past the alert).
USUAL_RANGE = {"indoor_temperature": (18.5, 23.5), "pass_rate": (95.5, 100.0)}
#: How a referral came about, by profile.
REFERRAL_NOTES = {
    Industry.B2B_SUPPLIER: ("同行介绍", "老客户推荐给合作单位"),
    Industry.HEATING: ("老用户介绍", "邻居推荐"),
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

    for name in ("0008_profile_data", "0015_template_english_texts"):
        importlib.import_module(f"qiwang.customers.migrations.{name}").forwards(apps, None)


def set_demo_industry(branch: Branch, industry: str) -> None:
    """The demo organisation's profile (before any task is generated)."""
    ensure_profile_defaults()
    BranchIndustry.objects.update_or_create(branch=branch, defaults={"industry": industry})
    _topics.clear()


def demo_notes(industry: str) -> tuple[str, ...]:
    return NOTES.get(industry, NOTES[Industry.B2B_SUPPLIER])


def _profile_topics(industry: str) -> dict[str, ContactTopic]:
    if industry not in _topics:
        _topics[industry] = {t.code: t for t in ContactTopic.objects.filter(industry=industry)}
    return _topics[industry]


def _can_alarm(topic: ContactTopic | None) -> bool:
    return topic is not None and (
        (topic.measure == Measure.YES_NO and topic.alert_on_no)
        or (
            topic.measure == Measure.NUMBER
            and (topic.alert_below is not None or topic.alert_above is not None)
        )
    )


def demo_answers(
    rng: random.Random, industry: str, codes: list[str], *, anomaly: bool
) -> dict[str, Any]:
    """Plausible answers to a plan's measured topics; one (drawn among those with an alert)
    crosses its alert when ``anomaly``."""
    topics = _profile_topics(industry)
    alarming = [code for code in codes if _can_alarm(topics.get(code))]
    target = rng.choice(alarming) if anomaly and alarming else None
    answers: dict[str, Any] = {}
    for code in codes:
        topic = topics.get(code)
        if topic is None or topic.measure == Measure.NONE:
            continue
        alarm = code == target
        if topic.measure == Measure.YES_NO:
            answers[code] = not alarm
            continue
        low = float(topic.min_value if topic.min_value is not None else 0)
        high = float(topic.max_value if topic.max_value is not None else 100)
        if code in USUAL_RANGE and not alarm:
            low, high = USUAL_RANGE[code]
        elif topic.alert_below is not None:
            edge = float(topic.alert_below)
            low, high = (max(low, edge - 3), edge - 0.5) if alarm else (edge, high)
        elif topic.alert_above is not None:
            edge = float(topic.alert_above)
            low, high = (edge + 1, high) if alarm else (low, edge)
        answers[code] = str(round(rng.uniform(low, high) * 2) / 2).removesuffix(".0")
    return answers


def demo_note(rng: random.Random, industry: str, answers: dict[str, Any], *, anomaly: bool) -> str:
    """What the account manager wrote: what went wrong when an answer crossed its alert, else
    one of the profile's usual notes."""
    if anomaly:
        topics = _profile_topics(industry)
        for code, value in answers.items():
            topic = topics.get(code)
            if (
                code in ANOMALY_NOTES
                and _can_alarm(topic)
                and (value is False or _past(topic, value))
            ):
                return ANOMALY_NOTES[code]
        return ANOMALY_NOTES.get(industry, "客户反映问题，已登记跟进。")
    return rng.choice(demo_notes(industry))


def _past(topic: ContactTopic | None, value: Any) -> bool:
    if topic is None or isinstance(value, bool):
        return False
    number = float(value)
    return (topic.alert_below is not None and number < float(topic.alert_below)) or (
        topic.alert_above is not None and number > float(topic.alert_above)
    )


def _demo_workday(today: datetime.date) -> datetime.date:
    """Today, or the next working day when today is a day off (today when unknown)."""
    from qiwang.customers.services.workdays import working_day_from

    return working_day_from(today)


def build_customer_demo(
    *,
    rng: random.Random,
    today: datetime.date,
    now: datetime.datetime,
    quality: User,
    stories: dict[str, list[Branch]],
) -> None:
    """Add the customers module's demo data (called inside the demo's transaction).

    ``stories``: the branches of each industry profile in the organisation; each gets
    tomorrow's occasion of its business, a shortage allocation of its goods (in its first
    branch) and a tier-suggestion round.
    """
    _contacts(rng, buyers=[b.pk for b in stories.get(Industry.B2B_SUPPLIER, [])])
    _own_dates(rng, today)
    _monthly_sales(rng, today)
    # The demo opens on the account manager's working day: today, or on a day off the next
    # working day, planned ahead as the daily job does (docs/customers.md, "Working days").
    workday = _demo_workday(today)
    load_year(today.year)
    load_year((workday + datetime.timedelta(days=1)).year)
    for industry, branches in stories.items():
        for branch in branches:  # each business greets with its own event, not the others'
            Occasion.objects.get_or_create(
                kind=OccasionKind.PRODUCT_LAUNCH,
                date=workday + datetime.timedelta(days=1),
                name=EVENTS.get(industry, EVENTS[Industry.B2B_SUPPLIER]),
                branch=branch,
                customer=None,
                defaults={"tiers": [Tier.VIP, Tier.IMPORTANT]},
            )
    generate_greeting_tasks(today, now=now)
    if workday != today:
        generate_contact_tasks(workday, now=now, escalate=False)
    _referrals(rng, today)
    for industry, branches in stories.items():
        if branches:
            _allocation(branches[0], industry)
    suggest_tiers(branch_ids=[branches[0].pk for branches in stories.values() if branches])
    refresh_lifecycles(today, now=now, record=False)  # the starting point, not a change


def _contacts(rng: random.Random, *, buyers: list[int]) -> None:
    """Contact persons of organisations: shop owners in the communities, buyers, quality and
    warehouse staff at the supplier's business customers (``buyers``: those branches)."""
    organisations = Customer.objects.filter(kind=CustomerKind.ORGANISATION).values_list(
        "pk", "branch_id"
    )
    contacts = []
    for customer_id, branch_id in organisations.order_by("pk").iterator(chunk_size=5000):
        is_buyer = branch_id in buyers
        titles = BUYER_TITLES if is_buyer else TITLES
        for index in range(rng.choice((1, 2, 2) if is_buyer else (1, 1, 2))):
            surname = rng.choice(SURNAMES)
            contacts.append(
                Contact(
                    customer_id=customer_id,
                    name=f"{surname}{'经理' if index == 0 else '女士'}",
                    title=titles[index] if is_buyer and index < 2 else rng.choice(titles),
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
    from qiwang.customers.services.profiles import branch_industries

    industries = branch_industries()
    managers = User.objects.filter(customers__isnull=False).distinct().order_by("username")
    for manager in managers:
        own = list(Customer.objects.filter(account_manager=manager).order_by("code")[:40])
        if len(own) < 4:
            continue
        picks = rng.sample(own, 4)
        first, second = REFERRAL_NOTES.get(
            industries.get(picks[0].branch_id, ""), ("老客户介绍", "邻居推荐")
        )
        thanked = record_referral(
            actor=manager,
            referrer=picks[0],
            referred=picks[1],
            note=first,
            referred_on=today - datetime.timedelta(days=10),
        )
        complete_referral_follow_up(actor=manager, referral=thanked, note="电话致谢并赠送礼品")
        record_referral(
            actor=manager,
            referrer=picks[2],
            referred=picks[3],
            note=second,
            referred_on=today - datetime.timedelta(days=REFERRAL_FOLLOW_UP_DAYS),
        )


def _allocation(branch: Branch, industry: str) -> None:
    """A shortage allocation in ``branch``, of the profile's first good: VIPs first, one VIP
    left short."""
    customers = list(
        Customer.objects.filter(branch=branch).exclude(account_manager=None).order_by("code")
    )
    vips = [customer for customer in customers if customer.tier == Tier.VIP][:3]
    others = [customer for customer in customers if customer.tier != Tier.VIP][:5]
    product = (
        AllocationGood.objects.filter(industry=industry).values_list("name", flat=True).first()
    )
    if not vips or not customers[0].account_manager or not product:
        return
    # A supplier allocates cases of goods; households ask for a place or a slot or two.
    vip_asks, other_asks, short = (40, 20, 15) if industry == Industry.B2B_SUPPLIER else (2, 1, 1)
    requests = [(c, vip_asks) for c in vips] + [(c, other_asks) for c in others]
    available = vip_asks * len(vips) - short  # short even for the VIPs
    allocate_shortage(
        actor=customers[0].account_manager,
        branch=branch,
        product=product,
        available=available,
        requests=requests,
    )
