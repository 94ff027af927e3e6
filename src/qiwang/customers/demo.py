"""Demo data of the customers module, on top of the demo organisation's customers and their
contact history (``qiwang.demo.services``): contact persons, the customers' own dates, monthly
sales, referrals, the year's holiday table, a product launch tomorrow, today's greetings, a tier
suggestion round, a shortage allocation and refreshed lifecycles.

Deterministic for a seed; bulk writes only, so it stays fast at 100,000 customers.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from qiwang.accounts.models import Branch, User
from qiwang.customers.choices import CustomerKind, OccasionKind, Tier
from qiwang.customers.models import Contact, Customer, MonthlySales, Occasion
from qiwang.customers.services import allocate_shortage, refresh_lifecycles
from qiwang.customers.services.greetings import generate_greeting_tasks, load_year
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
    load_year(today.year)
    load_year((today + datetime.timedelta(days=1)).year)
    Occasion.objects.get_or_create(  # company-wide rows outlive a rebuilt organisation
        kind=OccasionKind.PRODUCT_LAUNCH,
        date=today + datetime.timedelta(days=1),
        name="节能型智慧水表",
        branch=None,
        customer=None,
        defaults={"tiers": [Tier.VIP, Tier.IMPORTANT]},
    )
    generate_greeting_tasks(today, now=now)
    _referrals(rng, today)
    _allocation(first_branch)
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
                    phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
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


def _allocation(branch: Branch) -> None:
    """A shortage allocation in the first community: VIPs first, one VIP left short."""
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
        product="冬季供暖用阀门 DN25",
        available=available,
        requests=requests,
    )
