"""Demo surveys: a Kano survey of property services in two seasons (with attributes that fall),
a SERVQUAL wave and a satisfaction pulse, with realistic response rates; and a wave of its own
for the heating utility's households and for the supplier's buyers, worded for their industry.

Deterministic for a seed; written with ``bulk_create``. Called once from
:func:`qiwang.demo.services.build_demo`.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from qiwang.accounts.models import Branch, User
from qiwang.customers.models import Customer
from qiwang.surveys.choices import (
    InvitationChannel,
    InvitationStatus,
    QuestionKind,
    ResponseStatus,
    Template,
    WaveStatus,
)
from qiwang.surveys.demo_text import (
    OPEN_QUESTIONS,
    add_open_questions,
    label_demo_text,
    open_comment,
)
from qiwang.surveys.models import Answer, Instrument, Invitation, Question, Response, Wave
from qiwang.surveys.services import create_instrument_from_template
from qiwang.surveys.tallies import fold_all

#: Answer pairs (functional, dysfunctional) typical of each Kano category (Berger et al. 1993).
TYPICAL_PAIRS = {
    "A": ((1, 3), (1, 4), (1, 3), (2, 3)),
    "O": ((1, 5), (1, 5), (1, 5), (1, 4)),
    "M": ((2, 5), (3, 5), (3, 5), (4, 5)),
    "I": ((3, 3), (3, 4), (4, 3), (2, 2)),
}

#: Category profile of each property service in spring and in autumn: "community-events" falls
#: from attractive to one-dimensional, "parcel-lockers" from one-dimensional to must-be.
KANO_SEASONS = {
    "repair-hotline": ("M", "M"),
    "community-events": ("A", "O"),
    "parcel-lockers": ("O", "M"),
    "security-patrols": ("M", "M"),
    "cleaning-daily": ("O", "O"),
    "app-payment": ("A", "A"),
    "birthday-greeting": ("A", "A"),
    "ev-charging": ("I", "A"),
}

#: Mean (expectation, perception) on 1–7 per SERVQUAL dimension: responsiveness lags most.
SERVQUAL_MEANS = {
    "tangibles": (5.6, 5.3),
    "reliability": (6.4, 5.2),
    "responsiveness": (6.2, 4.6),
    "assurance": (6.0, 5.5),
    "empathy": (5.7, 5.0),
}


#: Where the demo's customers are less pleased (points below the scale's centre): repairs for
#: owners and households, indoor temperature for the heating season, delivery for buyers.
SCALE_OFFSETS = {"repair-speed": -0.7, "indoor-temperature": -0.4, "delivery-timeliness": -0.5}

#: Attributes of the open questions added to the SERVQUAL and pulse instruments (demo_text.py).
OPEN_ATTRIBUTES = frozenset(attribute for attribute, _zh, _en in OPEN_QUESTIONS.values())

#: Most invitations per demo wave.
MAX_INVITED = 2000


@dataclass(frozen=True)
class DemoWave:
    template: str
    name: str
    opens_days_ago: int
    length_days: int
    invited_share: float
    response_rate: float
    season: int = 0


DEMO_WAVES = (
    DemoWave(Template.KANO_PROPERTY, "2026 春季物业服务 Kano 调查", 230, 30, 0.6, 0.46, 0),
    DemoWave(Template.SERVQUAL, "2026 夏季服务质量 SERVQUAL 调查", 150, 30, 0.5, 0.38),
    DemoWave(Template.KANO_PROPERTY, "2026 秋季物业服务 Kano 调查", 60, 30, 0.6, 0.52, 1),
    DemoWave(Template.CSAT_PULSE, "11 月满意度快速调查", 10, 30, 0.4, 0.31),
    DemoWave(Template.ECSI, "2026 客户满意度指数调查", 100, 30, 0.5, 0.45),
)


#: The Kano survey of the year before (its own random stream, so the waves above are unchanged):
#: with them an attribute can be followed over four waves on the trend page (issue 14).
HISTORY_WAVES = (
    DemoWave(Template.KANO_PROPERTY, "2025 春季物业服务 Kano 调查", 595, 30, 0.5, 0.44, 0),
    DemoWave(Template.KANO_PROPERTY, "2025 秋季物业服务 Kano 调查", 410, 30, 0.5, 0.48, 0),
)


def _index_latents(mood: float, rng: random.Random) -> dict[str, float]:
    """One respondent's latent scores along the ECSI paths (Tenenhaus et al. 2005, fig. 5),
    so the demo's index wave has a path model worth drawing."""
    image = mood + rng.gauss(0, 0.8)
    expectation = 0.6 * image + rng.gauss(0, 0.7)
    quality = 0.5 * expectation + 0.5 * mood + rng.gauss(0, 0.6)
    value = 0.6 * quality + rng.gauss(0, 0.7)
    satisfaction = 0.15 * expectation + 0.5 * quality + 0.25 * value + 0.2 * image
    satisfaction += rng.gauss(0, 0.4)
    complaints = 0.6 * satisfaction + rng.gauss(0, 0.7)
    loyalty = 0.5 * satisfaction + 0.2 * complaints + 0.2 * image + rng.gauss(0, 0.6)
    return {
        "imag": image,
        "cuex": expectation,
        "perq": quality,
        "perv": value,
        "cusa": satisfaction,
        "cusco": complaints,
        "cusl": loyalty,
    }


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _answer_maker(
    questions: Sequence[Question], wave: DemoWave, rng: random.Random
) -> Callable[[Customer], list[Answer]]:
    allocation = [q for q in questions if q.kind == QuestionKind.ALLOCATION]
    indexed = any(q.kind == QuestionKind.RATING_10 for q in questions)

    def make(customer: Customer) -> list[Answer]:
        answers = _allocation_answers(allocation, rng)
        mood = rng.gauss(0, 0.6) + (0.3 if customer.tier in ("vip", "important") else 0.0)
        latents = _index_latents(mood, rng) if indexed else {}
        for question in questions:
            kind = question.kind
            if kind == QuestionKind.KANO:
                category = KANO_SEASONS.get(question.attribute, ("I", "I"))[wave.season]
                if rng.random() < 0.8:
                    f, d = rng.choice(TYPICAL_PAIRS[category])
                else:
                    f, d = rng.choice(TYPICAL_PAIRS[rng.choice("AOMI")])
                importance = _clip(3.6 + rng.gauss(0, 0.9) + (0.6 if category == "M" else 0), 1, 5)
                answers.append(Answer(question=question, value=f, second=d, importance=importance))
            elif kind == QuestionKind.SERVQUAL:
                e_mean, p_mean = SERVQUAL_MEANS.get(question.dimension, (5.5, 5.0))
                e = _clip(e_mean + rng.gauss(0, 0.8), 1, 7)
                p = _clip(p_mean + mood + rng.gauss(0, 1.0), 1, 7)
                answers.append(Answer(question=question, value=e, second=p))
            elif kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
                high = 5 if kind == QuestionKind.SCALE_5 else 7
                centre = (3.8 if high == 5 else 5.2) + mood
                centre += SCALE_OFFSETS.get(question.attribute, 0.0)
                value = _clip(centre + rng.gauss(0, 0.8), 1, high)
                importance = (
                    _clip(3.8 + rng.gauss(0, 0.8), 1, 5) if question.asks_importance else None
                )
                answers.append(Answer(question=question, value=value, importance=importance))
            elif kind == QuestionKind.RATING_10:
                score = latents.get(question.attribute.rstrip("0123456789"), mood)
                value = _clip(6.8 + 1.5 * score + rng.gauss(0, 0.7), 1, 10)
                answers.append(Answer(question=question, value=value))
            elif kind == QuestionKind.NPS:
                answers.append(
                    Answer(
                        question=question, value=_clip(7.6 + 2 * mood + rng.gauss(0, 1.6), 0, 10)
                    )
                )
            elif kind == QuestionKind.CES:
                answers.append(
                    Answer(question=question, value=_clip(5.0 + mood + rng.gauss(0, 1.1), 1, 7))
                )
            elif kind == QuestionKind.TEXT and question.attribute in OPEN_ATTRIBUTES:
                comment = open_comment(rng, mood)
                if comment:
                    answers.append(Answer(question=question, text=comment))
            elif kind == QuestionKind.TEXT and rng.random() < 0.15:
                answers.append(Answer(question=question, text=rng.choice(DEMO_COMMENTS)))
        return answers

    return make


#: Typical shares of 100 points (published SERVQUAL studies put reliability first; Zeithaml,
#: Parasuraman & Berry 1990 report about 32 / 22 / 19 / 17 / 11 across their samples).
ALLOCATION_SHARES = {
    "reliability": 32,
    "responsiveness": 22,
    "assurance": 19,
    "empathy": 16,
    "tangibles": 11,
}


def _allocation_answers(questions: Sequence[Question], rng: random.Random) -> list[Answer]:
    """Points per dimension around the typical shares, adding up to exactly 100."""
    if not questions:
        return []
    raw = [max(0.0, ALLOCATION_SHARES.get(q.dimension, 20) + rng.gauss(0, 6)) for q in questions]
    total = sum(raw) or 1.0
    points = [int(5 * round(100 * value / total / 5)) for value in raw]
    points[max(range(len(points)), key=points.__getitem__)] += 100 - sum(points)
    return [Answer(question=q, value=p) for q, p in zip(questions, points, strict=True)]


DEMO_COMMENTS = (
    "希望增加电动车充电桩",
    "报修热线晚上有时打不通",
    "快递柜不够用，经常满",
    "希望多组织亲子活动，社区活动太少了",
    "夜间巡逻很认真，点赞",
    "希望能用手机缴纳物业费，现在还要跑物业办公室",
    "楼道保洁很干净，希望保持",
    "充电桩太少了，晚上经常排队",
    "社区活动办得很好，孩子很喜欢",
)


#: Each other business's own wave (issue 15): the heating utility's households answer a pulse
#: worded for heating in the current heating season, the supplier's buyers the indicator-group
#: survey worded for supply. Keyed by industry profile; the instrument is created on the
#: business's branch, so :func:`~qiwang.surveys.services.create_instrument_from_template` picks
#: the wording from the branch's profile.
BUSINESS_WAVES = {
    "heating": DemoWave(Template.CSAT_PULSE, "2026–2027 供暖季满意度快速调查", 12, 30, 1.0, 0.42),
    "b2b_supplier": DemoWave(
        Template.INDICATOR_GROUPS, "2026 下半年客户满意度调查", 75, 30, 0.8, 0.55
    ),
}


def build_survey_demo(
    *,
    company: Branch,
    quality: User,
    rng: random.Random,
    now: datetime.datetime | None = None,
    audience: list[Branch] | None = None,
    businesses: dict[str, Branch] | None = None,
) -> None:
    """Instruments from every template and seven waves with invitations and responses.
    ``audience``: the branches whose customers are invited (default: all of ``company``) —
    the waves ask about property services, so the demo invites the communities' owners.
    ``businesses``: industry profile → branch of the organisation's other businesses, each of
    which gets its own wave (:data:`BUSINESS_WAVES`) for its own customers."""
    now = now or timezone.now()
    instruments: dict[str, Instrument] = {}
    for template in Template:
        instruments[template] = create_instrument_from_template(
            actor=quality,
            template=template,
            branch=company,
            allocation=template == Template.SERVQUAL,
        )
    add_open_questions(quality=quality, instruments=instruments)
    scope = [b.pk for b in audience] if audience is not None else [company.pk]
    customers = list(
        Customer.objects.filter(branch__in=Branch.objects.with_descendants(scope))
        .only("pk", "branch_id", "tier", "email", "phone")
        .order_by("pk")
    )
    waves = [
        _build_wave(spec, instruments[spec.template], company, quality, customers, rng, now)
        for spec in DEMO_WAVES
    ]
    history = random.Random(2025)
    waves += [
        _build_wave(spec, instruments[spec.template], company, quality, customers, history, now)
        for spec in HISTORY_WAVES
    ]
    waves += _business_waves(businesses or {}, quality, random.Random(2027), now)
    # Count the seeded responses into the tallies, as the worker would (ADR 0008); answers given
    # in the demo later stay in the live tail until the next fold.
    fold_all()
    label_demo_text(waves)


def _business_waves(
    businesses: dict[str, Branch], quality: User, rng: random.Random, now: datetime.datetime
) -> list[Wave]:
    """One wave per business, on its own branch, for its own customers (its own random stream,
    so the property waves above stay as they were)."""
    waves = []
    for industry, spec in BUSINESS_WAVES.items():
        branch = businesses.get(industry)
        if branch is None:
            continue
        instrument = create_instrument_from_template(
            actor=quality, template=spec.template, branch=branch
        )
        customers = list(
            Customer.objects.filter(branch__in=Branch.objects.with_descendants([branch.pk]))
            .only("pk", "branch_id", "tier", "email", "phone")
            .order_by("pk")
        )
        if customers:
            waves.append(_build_wave(spec, instrument, branch, quality, customers, rng, now))
    return waves


def _build_wave(
    spec: DemoWave,
    instrument: Instrument,
    company: Branch,
    quality: User,
    customers: list[Customer],
    rng: random.Random,
    now: datetime.datetime,
) -> Wave:
    opens = now - datetime.timedelta(days=spec.opens_days_ago)
    closes = opens + datetime.timedelta(days=spec.length_days)
    version = instrument.latest_version()
    assert version is not None  # noqa: S101 - created just above from a template
    wave = Wave.objects.create(
        name=spec.name,
        version=version,
        branch=company,
        status=WaveStatus.OPEN if closes > now else WaveStatus.CLOSED,
        opens_at=opens,
        closes_at=closes,
        # A realistic sample, capped so that a 100,000-customer demo stays fast.
        sample_size=min(round(len(customers) * spec.invited_share), MAX_INVITED),
        sample_seed=rng.randrange(1, 10_000),
        channel=InvitationChannel.SMS,
        allows_open_link=spec.template == Template.CSAT_PULSE,
        created_by=quality,
        created_at=opens - datetime.timedelta(days=1),
        sent_at=opens,
    )
    chosen = sorted(
        rng.sample(customers, min(len(customers), wave.sample_size or 0)), key=lambda c: c.pk
    )
    questions = list(version.questions.order_by("position"))
    make_answers = _answer_maker(questions, spec, rng)
    invitations, responses, answer_lists = [], [], []
    for customer in chosen:
        answered = rng.random() < spec.response_rate
        invitation = Invitation(
            wave=wave,
            customer=customer,
            branch_id=customer.branch_id,
            token_hash=hashlib.sha256(rng.randbytes(24)).hexdigest(),
            channel=InvitationChannel.SMS,
            status=InvitationStatus.RESPONDED if answered else InvitationStatus.SENT,
            created_at=opens,
            sent_at=opens,
            responded_at=opens + datetime.timedelta(hours=rng.randrange(1, 24 * 10))
            if answered
            else None,
        )
        invitations.append(invitation)
        if answered:
            responses.append((invitation, customer))
            answer_lists.append(make_answers(customer))
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    rows = [
        Response(
            wave=wave,
            invitation=invitation,
            customer=customer,
            branch_id=customer.branch_id,
            tier=customer.tier,
            submission_key=f"i{invitation.pk}",
            status=ResponseStatus.COMPLETE,
            source="web",
            started_at=invitation.responded_at,
            submitted_at=invitation.responded_at,
        )
        for invitation, customer in responses
    ]
    Response.objects.bulk_create(rows, batch_size=2000)
    answers = []
    for response, answer_list in zip(rows, answer_lists, strict=True):
        for answer in answer_list:
            answer.response = response
            answers.append(answer)
    Answer.objects.bulk_create(answers, batch_size=5000)
    return wave
