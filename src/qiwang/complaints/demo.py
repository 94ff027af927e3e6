"""Demo complaints: a season across all steps, a heating outage reported many times over,
returns with coded reasons, compensations (some waiting for approval), recovered and lost
customers. With a heating branch in the organisation, complaints about warmth and the outage are
its own (the communities keep repairs, cleaning, security, fees and noise). Deterministic for a seed; called once from :func:`qiwang.demo.services.build_demo`.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db.models import Q

from qiwang.accounts.models import Branch, User
from qiwang.complaints.choices import Step
from qiwang.complaints.models import Category, CompensationOption, Complaint
from qiwang.complaints.services import compensation, handling, sla
from qiwang.complaints.services.intake import answer_incident, open_complaint, open_incident
from qiwang.customers.models import Customer

TEXTS = {
    "heating": [
        ("暖气不热，屋里只有{t}度，老人冻得受不了", "upset"),
        ("家里温度才{t}度，交了供暖费就这效果？", "upset"),
        ("第三次打电话了，暖气还是冰凉，再不解决我就打12345投诉！！", "angry"),
    ],
    "repair": [
        ("楼道灯坏了一周了，晚上很黑", "calm"),
        ("报修的水管到现在没人来，已经等了三天", "upset"),
        ("说好上午来修，等了一整天没人，什么态度！", "angry"),
    ],
    "cleanliness": [("垃圾桶满了没人清理，味道很大", "upset"), ("电梯里很脏，希望多打扫", "calm")],
    "security": [("小区门禁坏了，陌生人随便进出", "upset"), ("晚上巡逻看不到保安", "calm")],
    "staff_attitude": [
        ("前台工作人员态度很差，爱答不理", "angry"),
        ("客服电话总是打不通", "upset"),
    ],
    "billing": [("物业费多收了一个月，请核实退还", "upset"), ("停车费收费标准不清楚", "calm")],
    "noise": [("楼上装修早上七点就开始砸墙", "upset"), ("广场舞音乐太吵，晚上十点还在跳", "upset")],
    "water_outage": [("突然停水也不提前通知", "upset")],
}
OUTAGE_TEXTS = [
    "3号楼暖气完全不热了",
    "暖气停了吗？家里冰凉",
    "3号楼停暖了，什么时候恢复？",
    "孩子发烧家里没暖气，赶紧修！！",
    "暖气片是凉的，是不是管道坏了",
    "又停暖？上个月刚停过一次，太不像话了！",
    "家里只有12度了",
    "请问3号楼暖气什么时候能恢复",
    "暖气不热，老人受不了",
]
#: Complaints older than this many days have been handled to the end (the open queue is recent).
OPEN_DAYS = 10
#: How far each demo complaint has come (share of complaints).
PATHS = [
    ((), 10),
    ((Step.APOLOGISE,), 6),
    ((Step.APOLOGISE, Step.GATHER), 8),
    ((Step.APOLOGISE, Step.GATHER, Step.PROPOSE), 8),
    ((Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.ESCALATE), 4),
    ((Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.FOLLOW_UP), 8),
    ((Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.FOLLOW_UP, Step.CLOSED), 40),
    ((Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.ESCALATE, Step.FOLLOW_UP, Step.CLOSED), 8),
]


def build_complaint_demo(
    *,
    company: Branch,
    communities: list[Branch],
    quality: User,
    rng: random.Random,
    now: datetime.datetime,
    days: int = 90,
    count: int = 150,
    heating: Branch | None = None,
) -> dict[str, int]:
    categories = {category.code: category for category in Category.objects.all()}
    if not categories:
        return {}
    places = [*communities, *([heating] if heating is not None else [])]
    agents = {
        branch.pk: User.objects.filter(role="agent", branches=branch).first() or quality
        for branch in places
    }
    customers = {
        branch.pk: list(Customer.objects.filter(branch=branch).order_by("pk")[:120])
        for branch in places
    }
    options = list(CompensationOption.objects.filter(is_active=True))
    paths, weights = zip(*PATHS, strict=True)
    closing, closing_weights = zip(
        *[(path, weight) for path, weight in PATHS if Step.CLOSED in path], strict=True
    )
    made = 0
    for index in range(count):
        branch = rng.choice(communities)
        code = rng.choices(list(TEXTS), weights=[5, 6, 3, 2, 2, 2, 2, 1])[0]
        if code == "heating" and heating is not None:
            branch = heating  # the heating utility answers for the warmth of its households
        agent = agents[branch.pk]
        text, _mood = rng.choice(TEXTS[code])
        temperature = rng.choice([13, 14, 15, 16, 17, 19]) if code == "heating" else None
        received = now - datetime.timedelta(days=rng.uniform(0.2, days), hours=rng.uniform(0, 10))
        pool = customers[branch.pk]
        customer = rng.choice(pool) if pool and rng.random() < 0.8 else None
        complaint = open_complaint(
            branch=branch,
            category=categories[code],
            description=text.format(t=temperature),
            channel=rng.choice(["phone", "phone", "visit", "public_page", "api"]),
            customer=customer,
            severity=rng.choice(["low", "medium", "medium", "high"]),
            reporter_name="" if customer else rng.choice(["王女士", "李先生", "张阿姨"]),
            reporter_phone="" if customer else f"+86139{rng.randint(10000000, 99999999)}",
            measured_temperature=temperature,
            received_at=received,
            actor=agent,
        )
        made += 1
        path = rng.choices(paths, weights=weights)[0]
        if received < now - datetime.timedelta(days=OPEN_DAYS) and Step.CLOSED not in path:
            path = rng.choices(closing, weights=closing_weights)[0]  # old ones are done
        if received > now - datetime.timedelta(days=2):
            path = path[:2]
        moment = received
        for step in path:
            moment = min(now, moment + datetime.timedelta(hours=rng.uniform(0.3, 20)))
            escalate_to = quality if step == Step.ESCALATE else None
            handling.move_complaint(
                complaint,
                to_step=step,
                actor=quality if step == Step.CLOSED and escalate_to else agent,
                note="",
                escalate_to=escalate_to,
                now=moment,
            )
            if step == Step.PROPOSE and options and rng.random() < 0.6:
                suggested = compensation.suggested_options(complaint.failure_kind)[0]
                compensation.propose_compensation(
                    complaint,
                    actor=agent,
                    option=suggested,
                    value=min(suggested.default_value, 100),
                )
        if Step.CLOSED in path and customer is not None:
            handling.record_follow_up_score(
                complaint, actor=agent, score=rng.choice([2, 3, 4, 4, 5, 5])
            )
            handling.record_outcome(
                complaint,
                actor=quality,
                outcome=rng.choices(["recovered", "lost", "unknown"], [6, 2, 2])[0],
            )
        if index % 25 == 0:
            handling.record_reply(complaint, actor=agent, text="你别激动，但是师傅今天已经下班了")
    _one_waiting_for_a_proposal(places, agents, now)
    made += _after_survey_answers(categories, agents, quality, rng, now)
    made += _heating_outage(
        heating or communities[0],
        categories,
        agents,
        quality,
        options,
        rng,
        now,
        title="和睦新村 3号楼停暖" if heating is not None else "翠湖花园 3号楼停暖",
    )
    made += _returns(communities, categories, agents, customers, rng, now)
    _pending_approvals(communities, agents, options, now)
    sla.scan_breaches(now=now)
    return {"complaints": made}


def _after_survey_answers(
    categories: dict[str, Category],
    agents: dict[int, User],
    quality: User,
    rng: random.Random,
    now: datetime.datetime,
) -> int:
    """Customers who answered a 1–5 satisfaction question and complained a few hours later,
    recovered quickly: the "before" row of the recovery paradox check has real answers."""
    from qiwang.surveys.models import Response

    responses = (
        Response.objects.filter(
            customer__isnull=False,
            customer__branch_id__in=list(agents),
            submitted_at__lt=now - datetime.timedelta(days=1),
            answers__question__kind="scale5",
        )
        .select_related("customer")
        .distinct()
        .order_by("pk")[:12]
    )
    count = 0
    for response in responses:
        customer = response.customer
        agent = agents[customer.branch_id]
        received = response.submitted_at + datetime.timedelta(hours=rng.uniform(2, 6))
        complaint = open_complaint(
            branch=customer.branch,
            category=categories["repair"],
            description="报修的水管到现在没人来，已经等了三天",
            channel="phone",
            customer=customer,
            severity="medium",
            received_at=received,
            actor=agent,
        )
        moment = received
        for step in (Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.FOLLOW_UP, Step.CLOSED):
            moment = min(now, moment + datetime.timedelta(hours=rng.uniform(0.3, 3)))
            handling.move_complaint(complaint, to_step=step, actor=agent, now=moment)
        handling.record_follow_up_score(complaint, actor=agent, score=rng.choice([4, 5, 5]))
        handling.record_outcome(complaint, actor=quality, outcome="recovered")
        count += 1
    return count


def _heating_outage(
    branch: Branch,
    categories: dict[str, Category],
    agents: dict[int, User],
    quality: User,
    options: list[Any],
    rng: random.Random,
    now: datetime.datetime,
    *,
    title: str,
) -> int:
    start = now - datetime.timedelta(days=3, hours=5)
    incident = open_incident(
        branch=branch,
        category=categories["heating_outage"],
        title=title,
        actor=agents[branch.pk],
        started_at=start,
    )
    count = 0
    for index in range(28):
        open_complaint(
            branch=branch,
            category=categories["heating_outage"],
            description=rng.choice(OUTAGE_TEXTS),
            channel=rng.choice(["phone", "public_page", "public_page", "api"]),
            severity="high",
            reporter_name=rng.choice(["3-1-201 住户", "3-2-502 住户", "3-1-1101 住户", "住户"]),
            reporter_phone=f"+861370000{index:04d}",
            received_at=start + datetime.timedelta(minutes=9 * index),
            incident=incident,
        )
        count += 1
    answer_incident(
        incident=incident,
        actor=agents[branch.pk],
        text="3号楼供暖管道故障，已抢修完毕，今晚20点前恢复供暖。给您带来不便，深表歉意。",
    )
    refund = next((option for option in options if option.code == "heating_refund"), None)
    if refund is not None:
        compensation.propose_incident_compensation(
            incident, actor=quality, option=refund, value="20"
        )
    return count


def _returns(
    communities: list[Branch],
    categories: dict[str, Category],
    agents: dict[int, User],
    customers: dict[int, list[Customer]],
    rng: random.Random,
    now: datetime.datetime,
) -> int:
    reasons = [
        "price",
        "service_failure",
        "competitor",
        "moved",
        "price",
        "quality",
        "no_longer_needed",
    ]
    count = 0
    for index, reason in enumerate(reasons * 2):
        branch = communities[index % len(communities)]
        pool = customers[branch.pk]
        if not pool:
            continue
        agent = agents[branch.pk]
        received = now - datetime.timedelta(days=rng.uniform(3, 80))
        complaint = open_complaint(
            branch=branch,
            category=categories["general"],
            workflow="return",
            description=rng.choice(
                ["我们想退掉明年的增值保洁服务", "不想续签物业合同了", "这个月的服务费不想交了"]
            ),
            channel="phone",
            customer=rng.choice(pool),
            received_at=received,
            actor=agent,
        )
        kept = index % 4 == 0
        moment = received
        steps = (
            [Step.TRY_REVERSE, Step.CLOSED]
            if kept
            else [
                Step.TRY_REVERSE,
                Step.ACCEPT,
                Step.REAL_REASON,
                Step.OTHER_WAY,
                Step.NEXT_DEAL,
                Step.CLOSED,
            ]
        )
        for step in steps:
            moment += datetime.timedelta(hours=rng.uniform(1, 30))
            handling.move_complaint(
                complaint,
                to_step=step,
                actor=agent,
                now=min(moment, now),
                return_reason=reason if step == Step.OTHER_WAY else "",
            )
        count += 1
    return count


def _one_waiting_for_a_proposal(
    places: list[Branch], agents: dict[int, User], now: datetime.datetime
) -> None:
    """Whatever the seed and size: one open complaint waits for a remedy to be proposed (the
    newest one whose facts are gathered moves on), so every step of the season has a case."""
    if Complaint.objects.filter(step=Step.PROPOSE, branch__in=places).exists():
        return
    waiting = (
        Complaint.objects.filter(step=Step.GATHER, branch__in=places)
        .order_by("-received_at", "-pk")
        .first()
    )
    if waiting is not None:
        handling.move_complaint(
            waiting, to_step=Step.PROPOSE, actor=agents[waiting.branch_id], note="", now=now
        )


def _pending_approvals(
    communities: list[Branch],
    agents: dict[int, User],
    options: list[Any],
    now: datetime.datetime,
) -> None:
    refund = next((option for option in options if option.code == "heating_refund"), None)
    if refund is None:
        return
    open_ones = Complaint.objects.filter(
        Q(step=Step.PROPOSE) | Q(step=Step.ESCALATE), branch__in=communities
    ).order_by("pk")[:2]
    for complaint in open_ones:
        compensation.propose_compensation(
            complaint,
            actor=agents[complaint.branch_id],
            option=refund,
            value="300",
            note="超出客服权限，请品质经理审批",
        )
