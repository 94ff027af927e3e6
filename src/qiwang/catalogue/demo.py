"""The demo company's service catalogue, written so that every warning appears once for a
reason a user can read (docs/catalogue.md, "The demo"):

- 24 小时报修 (basic, "repair visit within 24 h"): about 9 % of a year's visits are late, so
  the promise is broken more often than allowed (over-promise); a few owners in each community
  rated a visit poorly and the next one far better (ratchet);
- 小区绿化 (basic) has only a moderate commitment (basic without explicit commitment);
- 智能快递柜 (expected) fell from one-dimensional to must-be between the spring and autumn Kano
  waves (fall; tier disagrees); 社区活动 fell from attractive to one-dimensional (fall);
- 电动车充电桩 (expected) is attractive but promised explicitly;
- 节日夜间加巡 (surprise) is a must-be need (security) served as a surprise;
- 生日礼物 (surprise) went to some VIP owners on their birthday three years running
  (habituation) and was announced in the WeChat group of all owners (beyond scope; comparison
  risk for the owners who are not eligible);
- 冬季供暖 (basic, "indoor temperature ≥ 18 °C") with a winter of sensor readings.

Deterministic for a seed; ``bulk_create`` throughout; capped so a 100,000-customer demo stays
fast. Called once from :func:`qiwang.demo.services.build_demo`.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qiwang.accounts.models import Branch, User
from qiwang.catalogue.choices import DeliverySource, ObservationSource, PlanStatus
from qiwang.catalogue.models import Commitment, Delivery, Observation, Publication, Service
from qiwang.catalogue.services.deliveries import follow_up_broken
from qiwang.catalogue.services.expectations import refresh_states
from qiwang.catalogue.services.judging import judge
from qiwang.catalogue.services.surprises import create_plan, set_plan_status
from qiwang.catalogue.services.tallies import refresh_tallies
from qiwang.customers.choices import Tier
from qiwang.customers.models import Customer

#: code, name, tier, cost, priority, publicity, eligible tiers, survey attribute keys
SERVICES: tuple[tuple[str, str, str, int, int, str, list[str], list[str]], ...] = (
    (
        "security-patrols",
        "夜间安保巡逻",
        "basic",
        0,
        1,
        "public",
        [],
        ["security-patrols", "ass2", "security"],
    ),
    (
        "repair-hotline",
        "24 小时报修",
        "basic",
        40,
        1,
        "public",
        [],
        ["repair-hotline", "res2", "repair-speed"],
    ),
    (
        "cleaning",
        "楼道每日保洁",
        "expected",
        15,
        2,
        "public",
        [],
        ["cleaning-daily", "cleanliness"],
    ),
    ("greening", "小区绿化", "basic", 8, 2, "public", [], []),
    ("parcel-lockers", "智能快递柜", "expected", 2, 3, "public", [], ["parcel-lockers"]),
    ("community-events", "每月社区活动", "expected", 30, 3, "segment", [], ["community-events"]),
    ("ev-charging", "电动车充电桩", "expected", 5, 3, "public", [], ["ev-charging"]),
    ("heating", "冬季供暖", "basic", 12, 1, "public", [], ["warmth"]),
    ("holiday-patrols", "节日夜间加巡", "surprise", 60, 4, "individual", [], ["security-patrols"]),
    (
        "birthday-gift",
        "生日礼物",
        "surprise",
        200,
        5,
        "individual",
        [Tier.VIP, Tier.IMPORTANT],
        ["birthday-greeting"],
    ),
)

#: code → (level, statement, metric, comparison, threshold, unit)
COMMITMENTS: dict[str, tuple[str, str, str, str, float | None, str]] = {
    "security-patrols": ("explicit", "夜间每 2 小时巡逻一次", "patrol_interval", "<=", 2, "h"),
    "repair-hotline": ("explicit", "报修后 24 小时内上门", "visit_hours", "<=", 24, "h"),
    "cleaning": ("moderate", "楼道每天保洁一次", "", "", None, ""),
    "greening": ("moderate", "四季有绿，按季修剪", "", "", None, ""),
    "parcel-lockers": ("moderate", "包裹入柜后尽快通知", "notice_minutes", "<=", 30, "min"),
    "community-events": ("moderate", "每月至少一次社区活动", "", "", None, ""),
    "ev-charging": ("explicit", "充电桩可用率不低于 95%", "availability", ">=", 95, "%"),
    "heating": ("explicit", "供暖期室内温度不低于 18 °C", "indoor_temperature", ">=", 18, "°C"),
    "holiday-patrols": ("none", "", "", "", None, ""),
    "birthday-gift": ("none", "", "", "", None, ""),
}

REPAIR_VISITS = 900
HEATING_HOUSEHOLDS = 40
RATCHET_CUSTOMERS = 12


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour % 24, (hour * 7) % 60))
    )


def build_catalogue_demo(
    *,
    company: Branch,
    quality: User,
    rng: random.Random,
    now: datetime.datetime,
    owners: list[Branch] | None = None,
    heated: list[Branch] | None = None,
) -> dict[str, Service]:
    """The catalogue's demo. ``owners``: the branches whose customers use the property
    services (default: every branch of ``company``); ``heated``: the branches whose households
    report the winter's indoor temperatures (default: the owners)."""
    today = timezone.localdate(now)
    services = {
        code: Service.objects.create(
            branch=company,
            code=code,
            name=name,
            tier=tier,
            cost_per_delivery=Decimal(cost),
            resource_priority=priority,
            publicity_scope=publicity,
            eligible_tiers=tiers,
            survey_attributes=keys,
        )
        for code, name, tier, cost, priority, publicity, tiers, keys in SERVICES
    }
    year_ago = today - datetime.timedelta(days=365)
    Commitment.objects.create(
        service=services["repair-hotline"],
        level="explicit",
        statement="报修后 48 小时内上门",
        metric="visit_hours",
        comparison="<=",
        threshold=48,
        unit="h",
        valid_from=year_ago - datetime.timedelta(days=400),
        valid_to=year_ago - datetime.timedelta(days=1),
    )
    for code, (level, statement, metric, comparison, threshold, unit) in COMMITMENTS.items():
        Commitment.objects.create(
            service=services[code],
            level=level,
            statement=statement,
            metric=metric,
            comparison=comparison,
            threshold=threshold,
            unit=unit,
            valid_from=year_ago,
            created_by=quality,
        )

    def customers_of(branches: list[Branch] | None) -> list[Customer]:
        ids = [b.pk for b in branches] if branches is not None else [company.pk]
        return list(
            Customer.objects.filter(branch__in=Branch.objects.with_descendants(ids))
            .only("pk", "code", "branch_id", "tier", "birthday", "account_manager_id")
            .order_by("pk")
        )

    customers = customers_of(owners)
    if not customers:
        return services
    households = customers_of(heated) if heated is not None else customers
    deliveries = _repair_visits(services["repair-hotline"], customers, rng, today)
    deliveries += _heating_readings(services["heating"], households or customers, rng, today)
    deliveries += _locker_notices(services["parcel-lockers"], customers, rng, today)
    deliveries += _birthday_gifts(services["birthday-gift"], customers, rng, today)
    judge(deliveries)
    Delivery.objects.bulk_create(deliveries, batch_size=5000)
    refresh_tallies([s.pk for s in services.values()])
    follow_up_broken([d for d in deliveries if d.kept is False])
    _ratchet_ratings(services["repair-hotline"], customers, rng, today)
    _publications(services, quality, today)
    plan = create_plan(
        actor=quality,
        service=services["birthday-gift"],
        data={
            "name": "来年生日惊喜",
            "budget": "6000",
            "start": (today + datetime.timedelta(days=7)).isoformat(),
            "end": (today + datetime.timedelta(days=372)).isoformat(),
            "min_gap_days": 120,
            "max_per_year": 1,
            "seed": 2027,
        },
    )
    set_plan_status(actor=quality, plan=plan, status=PlanStatus.CONFIRMED)
    return services


def _delivery(
    service: Service, customer: Customer, at: datetime.datetime, **extra: Any
) -> Delivery:
    fields = {"cost": service.cost_per_delivery, **extra}
    return Delivery(
        service=service,
        customer=customer,
        branch_id=customer.branch_id,
        delivered_at=at,
        source=DeliverySource.DEMO,
        **fields,
    )


def _repair_visits(
    service: Service, customers: list[Customer], rng: random.Random, today: datetime.date
) -> list[Delivery]:
    """A year of repair visits: hours to the visit mostly 2–20, about 9 % beyond 24 h."""
    out = []
    for i in range(min(REPAIR_VISITS, 3 * len(customers))):
        day = today - datetime.timedelta(days=rng.randrange(0, 365))
        late = rng.random() < 0.09
        hours = round(
            rng.uniform(24.5, 60) if late else min(23.5, rng.lognormvariate(2.0, 0.55)), 1
        )
        out.append(
            _delivery(
                service,
                rng.choice(customers),
                _aware(day, 8 + i % 12),
                value=hours,
                unit="h",
                reference=f"WO-{i + 1:05d}",
            )
        )
    return out


def _heating_readings(
    service: Service, customers: list[Customer], rng: random.Random, today: datetime.date
) -> list[Delivery]:
    """Daily indoor temperature of some households in the heating season (15 Nov – 15 Mar)."""
    households = rng.sample(customers, min(HEATING_HOUSEHOLDS, len(customers)))
    cold = {c.pk for c in households[: max(1, len(households) // 8)]}  # badly insulated flats
    out = []
    day = today - datetime.timedelta(days=365)
    while day <= today:
        if (day.month, day.day) >= (11, 15) or (day.month, day.day) <= (3, 15):
            for customer in households:
                base = 18.6 if customer.pk in cold else 20.5
                reading = round(rng.gauss(base, 0.8), 1)
                out.append(
                    _delivery(
                        service, customer, _aware(day, 20), value=reading, unit="°C", cost=None
                    )
                )
        day += datetime.timedelta(days=1)
    return out


def _locker_notices(
    service: Service, customers: list[Customer], rng: random.Random, today: datetime.date
) -> list[Delivery]:
    out = []
    for i in range(min(300, len(customers))):
        day = today - datetime.timedelta(days=rng.randrange(0, 180))
        minutes = round(rng.expovariate(1 / 6), 0)
        out.append(
            _delivery(
                service, rng.choice(customers), _aware(day, 9 + i % 10), value=minutes, unit="min"
            )
        )
    return out


def _birthday_gifts(
    service: Service, customers: list[Customer], rng: random.Random, today: datetime.date
) -> list[Delivery]:
    """Gifts on the same day each year for some VIP owners (the birthday book of seed 000)."""
    eligible = [c for c in customers if c.tier in (Tier.VIP, Tier.IMPORTANT)]
    out = []
    for customer in eligible[: max(3, len(eligible) // 3)]:
        birthday = customer.birthday or datetime.date(1980, rng.randint(1, 12), rng.randint(1, 28))
        for years_back in (3, 2, 1):
            year = today.year - years_back
            try:
                day = birthday.replace(year=year)
            except ValueError:
                day = datetime.date(year, 2, 28)
            out.append(_delivery(service, customer, _aware(day, 10), note="生日礼物"))
    return out


def _ratchet_ratings(
    service: Service, customers: list[Customer], rng: random.Random, today: datetime.date
) -> None:
    """Ratings after repair visits (1–7): for a few owners a usual visit, a poor one, then a
    great one last (so the ratchet is the latest thing that happened to their expectation)."""
    rows = []
    for index, customer in enumerate(customers[: RATCHET_CUSTOMERS * 4]):
        ratchet = index < RATCHET_CUSTOMERS
        scores = [5.0, 3.0, 7.0] if ratchet else [round(rng.uniform(4.5, 6.0), 1) for _ in range(3)]
        for step, score in enumerate(scores):
            day = today - datetime.timedelta(days=300 - 110 * step - index % 20)
            rows.append(
                Observation(
                    customer=customer,
                    service=service,
                    branch_id=customer.branch_id,
                    observed_at=_aware(day, 15),
                    perception=score,
                    source=ObservationSource.SURVEY,
                    source_ref=f"repair-rating:{step}",
                )
            )
    Observation.objects.bulk_create(rows, batch_size=5000)
    refresh_states(service_ids=[service.pk])


def _publications(services: dict[str, Service], quality: User, today: datetime.date) -> None:
    company = services["repair-hotline"].branch
    rows = [
        ("repair-hotline", "24 小时报修热线上线", "notice_board", "all", [], 200),
        ("heating", "今冬供暖温度标准：不低于 18 °C", "website", "all", [], 30),
        ("community-events", "VIP 业主专属社区活动", "wechat_group", "segments", [Tier.VIP], 90),
        ("birthday-gift", "业主生日礼遇", "wechat_group", "all", [], 60),
    ]
    for code, title, channel, audience, tiers, days in rows:
        Publication.objects.create(
            service=services[code],
            branch=company,
            title=title,
            channel=channel,
            audience=audience,
            audience_tiers=tiers,
            published_on=today - datetime.timedelta(days=days),
            created_by=quality,
        )
