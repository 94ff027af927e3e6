"""The demo organisation: a property-management company with three residential communities,
and in the same organisation a heating utility branch and a B2B supply branch, each with its own
users, customers and industry profile (ADR 0080), so each account manager's day tells the story
of one business.

Deterministic for a seed, so tests and screenshots see the same data; sized by ``customers`` so
benchmarks can ask for 100,000. Later modules add their own demo data here.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from qiwang.accounts.calendar_services import seed_calendar_from_library
from qiwang.accounts.choices import BranchKind, Role
from qiwang.accounts.models import Branch, User
from qiwang.catalogue.demo import build_catalogue_demo
from qiwang.complaints.demo import build_complaint_demo
from qiwang.customers.choices import Channel, CustomerKind, Industry, TaskStatus, Tier
from qiwang.customers.demo import build_customer_demo, demo_answers, demo_note, set_demo_industry
from qiwang.customers.models import ContactTask, Customer, Interaction
from qiwang.customers.services import generate_contact_tasks
from qiwang.surveys.catalogue_push import push_wave
from qiwang.surveys.choices import WaveStatus
from qiwang.surveys.demo import build_survey_demo
from qiwang.surveys.models import Wave

DEMO_PASSWORD = "qiwang-demo-2026"  # noqa: S105 - published demo password, demo mode only
COMPANY_CODE = "jiangcheng"

COMMUNITIES = (
    ("cuihu", "翠湖花园", "杭州市西湖区文三路 188 号"),
    ("jinxiu", "锦绣华庭", "杭州市拱墅区莫干山路 620 号"),
    ("binjiang", "滨江壹号", "杭州市滨江区江南大道 1 号"),
)

#: Branches of other businesses in the same organisation: code, name, address, industry, the
#: account manager's and the agent's names.
BUSINESSES = (
    ("heating", "江城热力有限公司", "杭州市拱墅区热电路 8 号", Industry.HEATING, "李国强", "周静"),
    (
        "supply",
        "江城供应链有限公司",
        "杭州市余杭区科技大道 66 号",
        Industry.B2B_SUPPLIER,
        "吴志强",
        "郑欣怡",
    ),
)
#: The heating branch's residential areas (its customers are households it heats).
HEATING_AREAS = ("和睦新村", "大关西苑", "半山花园", "运河新城", "德胜东村")
#: The supply branch's customers: companies that buy valves, meters and fittings.
BUYER_STEMS = "宏达恒信永安华通金桥瑞丰天成中兴东方新城"
BUYER_TRADES = ("建设工程", "水务", "物业管理", "暖通设备", "市政工程", "热力", "机电安装")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强志明海燕玉兰晓东晓明晓燕文博子轩浩然梓涵欣怡雨桐宇航思远佳怡一鸣俊杰"
SHOPS = (
    "便利店",
    "洗衣店",
    "水果店",
    "药房",
    "咖啡馆",
    "美发店",
    "快递驿站",
    "早餐店",
    "花店",
    "幼儿园",
)

#: Tier shares in the demo (VIP few, general most), in Tier order.
TIER_WEIGHTS = {Tier.VIP: 5, Tier.IMPORTANT: 10, Tier.HIGH_QUALITY: 15, Tier.GENERAL: 70}
#: Yearly revenue (yuan) by tier: a rough range per customer, for tier suggestions and reports.
TIER_REVENUE = {
    Tier.VIP: (200_000, 800_000),
    Tier.IMPORTANT: (80_000, 250_000),
    Tier.HIGH_QUALITY: (40_000, 150_000),
    Tier.GENERAL: (2_000, 40_000),
}
#: Days of contact history the demo writes before today.
HISTORY_DAYS = 21


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    branch_codes: tuple[str, ...]


def demo_users() -> list[DemoUser]:
    users = [
        DemoUser("admin", "系统管理员", Role.ADMINISTRATOR, ()),
        DemoUser("quality", "品质经理 周敏", Role.QUALITY_MANAGER, (COMPANY_CODE,)),
        DemoUser("analyst", "数据分析师 林晓", Role.ANALYST, (COMPANY_CODE,)),
    ]
    managers = ("陈建国", "王海燕", "刘志明")
    agents = ("张丽", "赵磊", "孙娜")
    for (code, name, _address), manager, agent in zip(COMMUNITIES, managers, agents, strict=True):
        users.append(
            DemoUser(f"manager_{code}", f"{name}客户经理 {manager}", Role.ACCOUNT_MANAGER, (code,))
        )
        users.append(DemoUser(f"agent_{code}", f"{name}客服 {agent}", Role.AGENT, (code,)))
    for code, name, _address, _industry, manager, agent in BUSINESSES:
        short = name.removesuffix("有限公司")
        users.append(
            DemoUser(f"manager_{code}", f"{short}客户经理 {manager}", Role.ACCOUNT_MANAGER, (code,))
        )
        users.append(DemoUser(f"agent_{code}", f"{short}客服 {agent}", Role.AGENT, (code,)))
    return users


def has_demo() -> bool:
    return Branch.objects.filter(code=COMPANY_CODE).exists()


def demo_account_rows() -> list[dict[str, str]]:
    """One row per demo user that exists: role, username, branches (for the log-in page)."""
    rows = []
    existing = {
        user.username: user
        for user in User.objects.filter(
            username__in=[u.username for u in demo_users()]
        ).prefetch_related("branches")
    }
    for spec in demo_users():
        user = existing.get(spec.username)
        if user is None:
            continue
        branches = "、".join(branch.name for branch in user.branches.all()) or _("All branches")
        rows.append(
            {"role": str(user.get_role_display()), "username": user.username, "branches": branches}
        )
    return rows


def demo_accounts() -> Table:
    table = Table(title=_("Demo accounts"))
    for column in (_("Role"), _("Username"), _("Branches")):
        table.add_column(column)
    for row in demo_account_rows():
        table.add_row(row["role"], row["username"], row["branches"])
    return table


def _person_name(rng: random.Random) -> str:
    given_len = rng.choice((1, 2, 2))
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))


def _phone(rng: random.Random) -> str:
    """A mobile number in the stored form (E.164) from a prefix that is in service."""
    return f"+861{rng.choice(('38', '39', '58', '59', '86', '88'))}{rng.randrange(10**8):08d}"


def _customer_rows(
    count: int,
    rng: random.Random,
    branches: list[Branch],
    managers: dict[int, User],
    now: datetime.datetime,
) -> Iterator[Customer]:
    tiers = list(TIER_WEIGHTS)
    weights = list(TIER_WEIGHTS.values())
    for index in range(count):
        branch = branches[index % len(branches)]
        community = branch.name
        building, unit, floor, room = (
            rng.randint(1, 24),
            rng.randint(1, 4),
            rng.randint(1, 32),
            rng.randint(1, 4),
        )
        if branch.code == "supply":  # companies buying from the supplier
            kind = CustomerKind.ORGANISATION
            name = f"杭州{rng.choice(BUYER_STEMS)}{rng.choice(BUYER_STEMS)}{rng.choice(BUYER_TRADES)}有限公司"
            address = f"杭州市{rng.choice(('余杭区', '萧山区', '临平区', '钱塘区'))}工业路 {rng.randint(1, 300)} 号"
        elif branch.code == "heating":  # households the utility heats
            kind = CustomerKind.HOUSEHOLD
            name = _person_name(rng)
            area = rng.choice(HEATING_AREAS)
            address = f"杭州市拱墅区{area} {building}幢{unit}单元{floor:d}{room:02d}室"
        elif rng.random() < 0.06:
            kind = CustomerKind.ORGANISATION
            name = f"{community}{rng.choice(SHOPS)}"
            if rng.random() < 0.5:
                name += f"（{rng.randint(1, 9)}号铺）"
            address = f"{branch.address} 商业街 {rng.randint(1, 60)} 号"
        else:
            kind = CustomerKind.HOUSEHOLD
            name = _person_name(rng)
            address = f"{community} {building}栋{unit}单元{floor}{room:02d}室"
        tier = rng.choices(tiers, weights)[0]
        if index < 2 * len(branches):  # every account manager has VIPs, however small the demo
            tier = Tier.VIP
        low, high = TIER_REVENUE[tier]
        age_days = rng.randint(10, 80) if rng.random() < 0.12 else rng.randint(100, 2500)
        activity = rng.random()
        if activity < 0.1:
            last_activity = None
        elif activity < 0.3:
            last_activity = now - datetime.timedelta(days=rng.randint(190, 600))
        else:
            last_activity = now - datetime.timedelta(days=rng.randint(1, 150))
        if last_activity is not None and age_days < (now - last_activity).days:
            last_activity = None
        # some buyers (joint ventures) read English: their greetings and invitations are English
        language = "en" if branch.code == "supply" and rng.random() < 0.12 else "zh-hans"
        yield Customer(
            code=f"C{index + 1:07d}",
            language=language,
            name=name,
            kind=kind,
            tier=tier,
            branch=branch,
            account_manager=managers.get(branch.pk),
            phone=_phone(rng),
            email=f"{'buyer' if branch.code == 'supply' else 'owner'}{index + 1}@example.cn"
            if rng.random() < (0.8 if branch.code == "supply" else 0.3)
            else "",
            address=address,
            wechat=f"wx_{index + 1:06d}" if rng.random() < 0.4 else "",
            orders_count=rng.randint(1, 60 if tier != Tier.GENERAL else 12),
            revenue=Decimal(rng.randint(low, high)),
            created_at=now - datetime.timedelta(days=age_days, minutes=rng.randint(0, 600)),
            last_activity_at=last_activity,
        )


def _with_search_keys(customers: list[Customer]) -> list[Customer]:
    for customer in customers:
        customer.refresh_search_key()  # bulk_create does not call save()
    return customers


@transaction.atomic
def build_demo(
    *, customers: int = 300, seed: int = 20261123, progress: bool = False, history: bool = True
) -> None:
    """Create the demo organisation in one transaction (nothing half-written on failure)."""
    if customers < 0:
        raise ValueError("customers: must be zero or more.")
    rng = random.Random(seed)
    # The public-holiday calendar the migrations seed: restored if it was emptied, since every
    # task and greeting of the demo is planned on working days.
    seed_calendar_from_library()
    company = Branch.objects.create(
        code=COMPANY_CODE,
        name="江城物业服务有限公司",
        kind=BranchKind.COMPANY,
        address="杭州市上城区解放路 100 号",
    )
    set_demo_industry(company, Industry.PROPERTY)  # a property company's plans and topics
    communities = [
        Branch.objects.create(
            code=code, name=name, kind=BranchKind.COMMUNITY, parent=company, address=address
        )
        for code, name, address in COMMUNITIES
    ]
    businesses = []
    for code, name, address, industry, _manager, _agent in BUSINESSES:
        branch = Branch.objects.create(
            code=code, name=name, kind=BranchKind.COMPANY, parent=company, address=address
        )
        set_demo_industry(branch, industry)  # its own profile: plans, topics, texts, goods
        businesses.append(branch)
    served = [*communities, *businesses]
    by_code = {branch.code: branch for branch in [company, *served]}
    created: dict[str, User] = {}
    for spec in demo_users():
        is_admin = spec.role == Role.ADMINISTRATOR
        user = User(
            username=spec.username,
            display_name=spec.display_name,
            role=spec.role,
            is_staff=is_admin,
            is_superuser=is_admin,
            email=f"{spec.username}@jiangcheng.example.cn",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.branches.set([by_code[code] for code in spec.branch_codes])
        created[spec.username] = user
    for branch in served:
        created[f"manager_{branch.code}"].supervisor = created["quality"]
        created[f"manager_{branch.code}"].save(update_fields=["supervisor"])
    managers = {branch.pk: created[f"manager_{branch.code}"] for branch in served}
    now = timezone.now()
    rows = _customer_rows(customers, rng, served, managers, now)
    batch_size = 2000
    with _keep_created_at():
        if progress:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            with Progress(*columns) as bar:
                task = bar.add_task(_("Creating demo customers"), total=customers)
                _bulk_create(rows, batch_size, lambda n: bar.advance(task, n))
        else:
            _bulk_create(rows, batch_size, lambda n: None)
    if history:
        build_contact_history(rng, timezone.localdate(now), now)
        build_customer_demo(
            rng=random.Random(seed + 5),
            today=timezone.localdate(now),
            now=now,
            quality=created["quality"],
            stories={
                Industry.PROPERTY: communities,
                **{str(industry): [by_code[code]] for code, _n, _a, industry, _m, _g in BUSINESSES},
            },
        )
    # The catalogue and the surveys are the property company's (its services, its owners'
    # Kano waves); the heating branch's households give the winter's temperature readings.
    build_catalogue_demo(
        company=company,
        quality=created["quality"],
        rng=random.Random(seed + 7),
        now=now,
        owners=communities,
        heated=[by_code["heating"]],
    )
    build_survey_demo(
        company=company,
        quality=created["quality"],
        rng=random.Random(seed + 6),
        now=now,
        audience=communities,
        businesses={str(industry): by_code[code] for code, _n, _a, industry, _m, _g in BUSINESSES},
    )
    # Closed waves report Kano classes, gaps and perceptions to the catalogue, as closing does.
    for wave in Wave.objects.filter(branch=company, status=WaveStatus.CLOSED).order_by("closes_at"):
        push_wave(wave)
    if history:
        build_complaint_demo(
            company=company,
            communities=communities,
            quality=created["quality"],
            rng=random.Random(seed + 7),
            now=now,
            heating=by_code["heating"],
        )


@contextmanager
def _keep_created_at() -> Iterator[None]:
    """Let the demo backdate ``created_at`` (an ``auto_now_add`` field) while it bulk-creates."""
    field = Customer._meta.get_field("created_at")
    field.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        field.auto_now_add = True  # type: ignore[attr-defined]


def build_contact_history(rng: random.Random, today: datetime.date, now: datetime.datetime) -> None:
    """Weeks of contact tasks (most done, with interactions; a few missed and so escalated) and
    today's open tasks, generated by the same set-based job that runs every day."""
    for offset in range(HISTORY_DAYS, 0, -1):
        generate_contact_tasks(today - datetime.timedelta(days=offset), now=now, escalate=False)
    past = list(
        ContactTask.objects.filter(due_date__lt=today)
        .select_related("plan")
        .order_by("due_date", "pk")
        .values_list(
            "pk",
            "customer_id",
            "branch_id",
            "assignee_id",
            "due_date",
            "plan__topics",
            "plan__industry",
        )
    )
    done: list[ContactTask] = []
    interactions: list[Interaction] = []
    tz = timezone.get_current_timezone()
    for task_id, customer_id, branch_id, assignee_id, due_date, topics, industry in past:
        if rng.random() < 0.12 and (today - due_date).days <= 3:
            continue  # missed recently: stays open and is escalated today
        if rng.random() < 0.05:
            continue
        anomaly = rng.random() < 0.04
        occurred = datetime.datetime.combine(
            due_date, datetime.time(rng.randint(9, 17), rng.randint(0, 59)), tz
        )
        done.append(ContactTask(pk=task_id, status=TaskStatus.DONE, done_at=occurred))
        answers = demo_answers(rng, industry, topics or [], anomaly=anomaly)
        interactions.append(
            Interaction(
                customer_id=customer_id,
                branch_id=branch_id,
                author_id=assignee_id,
                task_id=task_id,
                channel=rng.choice((Channel.PHONE, Channel.PHONE, Channel.WECHAT, Channel.VISIT)),
                occurred_at=occurred,
                topics=topics or [],
                answers=answers,
                supply_on_time=answers.get("supply_timeliness"),
                pass_rate=Decimal(answers["pass_rate"]) if "pass_rate" in answers else None,
                is_anomaly=anomaly,
                notes=demo_note(rng, industry, answers, anomaly=anomaly),
            )
        )
    Interaction.objects.bulk_create(interactions, batch_size=2000)
    # done when the contact happened, so that "done today" counts only today's history
    ContactTask.objects.bulk_update(done, ["status", "done_at"], batch_size=900)
    latest = (
        Interaction.objects.filter(customer=OuterRef("pk"))
        .values("customer")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    Customer.objects.filter(interactions__isnull=False).distinct().update(
        last_activity_at=Subquery(latest)
    )
    generate_contact_tasks(today, now=now)


def _bulk_create(rows: Iterator[Customer], batch_size: int, advance) -> None:  # type: ignore[no-untyped-def]
    batch: list[Customer] = []
    for customer in rows:
        batch.append(customer)
        if len(batch) >= batch_size:
            Customer.objects.bulk_create(_with_search_keys(batch))
            advance(len(batch))
            batch = []
    if batch:
        Customer.objects.bulk_create(_with_search_keys(batch))
        advance(len(batch))
