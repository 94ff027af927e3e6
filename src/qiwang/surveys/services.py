"""Writes on surveys: instruments and versions, waves, sampling, invitations.

Each public function validates, runs in one transaction and records an audit event. Answering is in
:mod:`qiwang.surveys.responding`.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, can
from qiwang.accounts.services import record_event
from qiwang.customers.choices import Tier
from qiwang.customers.messaging import send_email, send_sms
from qiwang.customers.models import Customer
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.choices import (
    FollowUpRule,
    InvitationChannel,
    InvitationStatus,
    QuestionKind,
    Template,
    WaveStatus,
)
from qiwang.surveys.logic import check_logic, clean_condition
from qiwang.surveys.models import Instrument, InstrumentVersion, Invitation, Question, Wave
from qiwang.surveys.templates_data import template_questions

QUESTION_FIELDS = (
    "kind",
    "attribute",
    "dimension",
    "text_zh",
    "text_en",
    "options",
    "is_required",
    "asks_importance",
    "max_length",
    "catalogue_service_id",
    "show_if",
)

MAX_TEXT = Question._meta.get_field("text_zh").max_length
MAX_DIMENSION = Question._meta.get_field("dimension").max_length
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


def token_digest(token: str) -> str:
    """SHA-256 of an invitation token: what the database stores (ADR 0007)."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_link_token(wave: Wave, *, secret: str | None = None) -> str:
    """The anonymous open link's token: an HMAC of the wave under SECRET_KEY, so it can be printed
    again (QR code) without being stored, and cannot be guessed from the wave number."""
    value = f"{wave.pk}:{wave.created_at.isoformat()}"
    return salted_hmac("qiwang.surveys.open-link", value, secret=secret).hexdigest()[:32]


def check_open_link_token(wave: Wave, token: str) -> bool:
    """Whether ``token`` is the wave's open-link token under SECRET_KEY or one of
    SECRET_KEY_FALLBACKS, so that QR codes printed before a key rotation keep working."""
    if not wave.allows_open_link:
        return False
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(open_link_token(wave, secret=key), token) for key in keys)


# --- instruments ---------------------------------------------------------------------------------


def _require_change(actor: User, obj: Any = None) -> None:
    if not can(actor, Action.CHANGE_SURVEYS, obj):
        raise ServiceError(_("You may not change surveys here."))


def _add_version(instrument: Instrument, questions: list[dict[str, Any]]) -> InstrumentVersion:
    number = (instrument.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    version = InstrumentVersion.objects.create(instrument=instrument, number=number + 1)
    _create_questions(version, questions)
    return version


def _create_questions(version: InstrumentVersion, questions: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    rows = []
    for position, data in enumerate(questions, start=1):
        attribute = str(data.get("attribute", "")).strip()
        if not attribute or attribute in seen:
            raise ServiceError(
                _("Question %(n)s: the attribute key must be given and unique.") % {"n": position},
                field="questions",
            )
        seen.add(attribute)
        rows.append(
            Question(
                version=version,
                position=position,
                **{key: data[key] for key in QUESTION_FIELDS if key in data},
            )
        )
    Question.objects.bulk_create(rows)


def create_instrument_from_template(
    *, actor: User, template: str, branch: Branch, name: str = "", allocation: bool = False
) -> Instrument:
    """A new instrument with version 1 holding the template's questions; with ``allocation``
    (SERVQUAL only) also the 100-point allocation over the five dimensions."""
    _require_change(actor, branch)
    try:
        default_name, questions = template_questions(template, allocation=allocation)
    except ValueError as error:
        field = "allocation" if allocation and template in Template.values else "template"
        message = (
            _("Only the SERVQUAL template has the 100-point allocation.")
            if field == "allocation"
            else _("Unknown template.")
        )
        raise ServiceError(message, field=field) from error
    with transaction.atomic():
        instrument = Instrument.objects.create(
            name=name.strip() or default_name, template=template, branch=branch, created_by=actor
        )
        _add_version(instrument, questions)
        record_event(actor=actor, action="survey_instrument_created", obj=instrument)
    return instrument


# --- authoring: one change, one transaction, frozen once a wave uses the version ----------------

QuestionData = dict[str, Any]


@dataclass(frozen=True)
class InstrumentChange:
    """What a change to an instrument's questions did: the version now holding them and whether
    that version was new (the previous one is used by a wave and stays as it was)."""

    version: InstrumentVersion
    is_new_version: bool


def version_is_frozen(version: InstrumentVersion) -> bool:
    """A version some wave uses (draft, open or closed) never changes again."""
    return version.waves.exists()


def _question_data(question: Question) -> QuestionData:
    return {key: getattr(question, key) for key in QUESTION_FIELDS}


def _change_questions(
    *,
    actor: User,
    instrument: Instrument,
    change: Any,
    action: str,
    details: dict[str, Any],
    expected_version: int | None = None,
) -> InstrumentChange:
    """Apply ``change`` (questions → questions) to the latest version in one transaction.

    The latest version is edited in place while no wave uses it (it is still a draft nobody has
    been sent); once a wave uses it, the change makes version n + 1 and the wave keeps its own.
    The instrument row and the version row are locked, so two managers' changes are serial and
    a wave created at the same moment either sees the change or waits for it (a wave's foreign
    key takes a share lock on the version row that conflicts with ``FOR UPDATE``).
    """
    _require_change(actor, instrument)
    with transaction.atomic():
        Instrument.objects.select_for_update().get(pk=instrument.pk)
        latest = (
            InstrumentVersion.objects.select_for_update()
            .filter(instrument=instrument)
            .order_by("-number")
            .first()
        )
        if latest is None:
            raise ServiceError(_("The instrument has no questions."))
        if expected_version is not None and expected_version != latest.number:
            raise ConflictError(
                _(
                    "The instrument changed while you were editing it (now version %(n)s). "
                    "Reload the page and make your change again."
                )
                % {"n": latest.number}
            )
        current = [_question_data(q) for q in latest.questions.order_by("position")]
        questions = change(current)
        _check_questions(questions)
        if version_is_frozen(latest):
            version, is_new = _add_version(instrument, questions), True
        else:
            latest.questions.all().delete()
            _create_questions(latest, questions)
            version, is_new = latest, False
        record_event(
            actor=actor,
            action=action,
            obj=instrument,
            changes={"version": version.number, **details},
        )
    return InstrumentChange(version=version, is_new_version=is_new)


def _check_questions(questions: list[QuestionData]) -> None:
    """Rules across the questions of one version: unique attribute keys, one allocation
    question per dimension."""
    if not questions:
        raise ServiceError(_("An instrument needs at least one question."), field="questions")
    seen: set[str] = set()
    dimensions: set[str] = set()
    for position, data in enumerate(questions, start=1):
        attribute = data["attribute"]
        if attribute in seen:
            raise ServiceError(
                _("Question %(n)s: the attribute key “%(key)s” is already used in this version.")
                % {"n": position, "key": attribute},
                field="attribute",
            )
        seen.add(attribute)
        if data["kind"] == QuestionKind.ALLOCATION:
            if data["dimension"] in dimensions:
                raise ServiceError(
                    _("The 100-point allocation already has a question for “%(dimension)s”.")
                    % {"dimension": data["dimension"]},
                    field="dimension",
                )
            dimensions.add(data["dimension"])
    check_logic(questions)  # display logic: every question stays reachable


def suggest_attribute(data: QuestionData, taken: set[str]) -> str:
    """An attribute key from the wording: the English text as a slug, else the dimension for an
    allocation question (``weight-tangibles``), else the kind; numbered until it is free."""
    if data.get("kind") == QuestionKind.ALLOCATION and data.get("dimension"):
        base = slugify(f"weight-{data['dimension']}")
    else:
        base = slugify(str(data.get("text_en") or ""))[:40].strip("-")
        base = base or slugify(str(data.get("kind") or "question"))
    base = base[:55] or "question"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


#: An option's stored value (the same rule as the authoring form's).
OPTION_VALUE = re.compile(r"[A-Za-z0-9_-]{1,40}")


def clean_question(data: QuestionData, *, taken: set[str]) -> QuestionData:
    """Check one new question and fill its defaults; errors name the field.

    ``data``: kind, text_zh, text_en, attribute (empty: suggested), dimension, is_required,
    asks_importance, options (``[[value, 中文, English], …]`` for choice questions), max_length.
    """
    errors: dict[str, list[str]] = {}
    kind = str(data.get("kind") or "")
    if kind not in QuestionKind.values:
        errors["kind"] = [_("Choose the kind of question.")]
    text_zh = str(data.get("text_zh") or "").strip()
    text_en = str(data.get("text_en") or "").strip()
    if not text_zh:
        errors["text_zh"] = [_("Write the question in Chinese.")]
    for field, text in (("text_zh", text_zh), ("text_en", text_en)):
        if len(text) > MAX_TEXT:
            errors.setdefault(field, []).append(
                _("At most %(n)s characters (this has %(length)s).")
                % {"n": MAX_TEXT, "length": len(text)}
            )
    dimension = str(data.get("dimension") or "").strip()
    if len(dimension) > MAX_DIMENSION:
        errors["dimension"] = [_("At most %(n)s characters.") % {"n": MAX_DIMENSION}]
    elif kind == QuestionKind.ALLOCATION and not dimension:
        errors["dimension"] = [_("Give the SERVQUAL dimension these points go to, e.g. tangibles.")]
    attribute = str(data.get("attribute") or "").strip()
    if attribute and not SLUG.fullmatch(attribute):
        errors["attribute"] = [
            _("Use lower-case letters, digits and hyphens (at most 60), e.g. repair-speed.")
        ]
    elif attribute in taken:
        errors["attribute"] = [
            _("The attribute key “%(key)s” is already used in this version.") % {"key": attribute}
        ]
    options = data.get("options") or []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if not isinstance(options, list | tuple) or any(
            not isinstance(option, list | tuple) or not 2 <= len(option) <= 3 for option in options
        ):
            raise ServiceError(
                {
                    "options": [
                        _("Each option is [value, 中文, English] (the English may be left out).")
                    ]
                }
            )
        values = [str(option[0]).strip() for option in options]
        if len(options) < 2:
            errors["options"] = [_("A choice question needs at least two options.")]
        elif len(set(values)) != len(values):
            errors["options"] = [_("Each option needs its own value.")]
        elif any(
            not value or len(option) < 2 or not str(option[1]).strip()
            for value, option in zip(values, options, strict=True)
        ):
            errors["options"] = [_("Each option needs a value and a Chinese label.")]
        elif any(not OPTION_VALUE.fullmatch(value) for value in values):
            errors["options"] = [
                _("An option value may hold letters, digits, - and _ only (at most 40).")
            ]
        elif any(len(str(part)) > MAX_TEXT for option in options for part in option):
            errors["options"] = [_("At most %(n)s characters.") % {"n": MAX_TEXT}]
    else:
        options = []
    raw_condition = data.get("show_if")
    try:
        if isinstance(raw_condition, Mapping):
            show_if = clean_condition(
                str(raw_condition.get("question") or ""), raw_condition.get("values") or []
            )
        else:
            show_if = clean_condition(
                str(data.get("show_if_question") or ""), str(data.get("show_if_values") or "")
            )
    except ServiceError as error:
        errors.update(error.errors)
    if errors:
        raise ServiceError(errors)
    cleaned: QuestionData = {
        "kind": kind,
        "text_zh": text_zh,
        "text_en": text_en,
        "dimension": dimension,
        "options": [[str(part).strip() for part in option] for option in options],
        "is_required": bool(data.get("is_required", True)),
        # self-stated importance belongs to Kano pairs and ratings (IPA), not to points
        "asks_importance": bool(data.get("asks_importance"))
        and kind in (QuestionKind.KANO, QuestionKind.SCALE_5, QuestionKind.SCALE_7),
        "max_length": int(data.get("max_length") or 2000),
        "catalogue_service_id": data.get("catalogue_service_id"),
        "show_if": show_if,
    }
    cleaned["attribute"] = attribute or suggest_attribute(cleaned, taken)
    return cleaned


def add_question(
    *,
    actor: User,
    instrument: Instrument,
    data: QuestionData,
    expected_version: int | None = None,
) -> InstrumentChange:
    """Add a question at the end of the instrument (see :func:`_change_questions`)."""
    added: dict[str, str] = {}

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        cleaned = clean_question(data, taken={q["attribute"] for q in questions})
        added["attribute"] = cleaned["attribute"]
        return [*questions, cleaned]

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_question_added",
        details=added,
        expected_version=expected_version,
    )


def _position_of(questions: list[QuestionData], attribute: str) -> int:
    for index, question in enumerate(questions):
        if question["attribute"] == attribute:
            return index
    raise ServiceError(
        _("The instrument has no question “%(key)s”.") % {"key": attribute}, field="attribute"
    )


def remove_question(
    *,
    actor: User,
    instrument: Instrument,
    attribute: str,
    expected_version: int | None = None,
) -> InstrumentChange:
    """Remove the question with this attribute key (a sent version keeps it)."""

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        index = _position_of(questions, attribute)
        return questions[:index] + questions[index + 1 :]

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_question_removed",
        details={"attribute": attribute},
        expected_version=expected_version,
    )


def move_question(
    *,
    actor: User,
    instrument: Instrument,
    attribute: str,
    direction: str,
    expected_version: int | None = None,
) -> InstrumentChange:
    """Move a question one place up or down (``direction`` ``"up"`` / ``"down"``)."""
    if direction not in ("up", "down"):
        raise ServiceError(_("Move a question up or down."), field="direction")

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        index = _position_of(questions, attribute)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(questions):
            message = (
                _("“%(key)s” is already the first question.")
                if direction == "up"
                else _("“%(key)s” is already the last question.")
            )
            raise ServiceError(message % {"key": attribute}, field="direction")
        moved = list(questions)
        moved[index], moved[other] = moved[other], moved[index]
        return moved

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_question_moved",
        details={"attribute": attribute, "direction": direction},
        expected_version=expected_version,
    )


def revise_instrument(
    *,
    actor: User,
    instrument: Instrument,
    texts: dict[int, tuple[str, str]],
    expected_version: int | None = None,
) -> InstrumentVersion:
    """Change the question texts (``{position: (中文, English)}``): in place while no wave uses
    the latest version, else as a new version; waves keep the version they were sent with."""

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        revised = []
        for position, data in enumerate(questions, start=1):
            data = dict(data)
            if position in texts:
                text_zh, text_en = (text.strip() for text in texts[position])
                if not text_zh:
                    raise ServiceError(
                        _("Question %(n)s: the Chinese wording may not be empty.")
                        % {"n": position},
                        field=f"text_zh_{position}",
                    )
                for field, text in (
                    (f"text_zh_{position}", text_zh),
                    (f"text_en_{position}", text_en),
                ):
                    if len(text) > MAX_TEXT:
                        raise ServiceError(
                            _("Question %(n)s: at most %(limit)s characters.")
                            % {"n": position, "limit": MAX_TEXT},
                            field=field,
                        )
                data["text_zh"], data["text_en"] = text_zh, text_en
            revised.append(data)
        return revised

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_instrument_revised",
        details={},
        expected_version=expected_version,
    ).version


# --- waves and sampling ---------------------------------------------------------------------------


def create_wave(*, actor: User, data: dict[str, Any]) -> Wave:
    """A draft wave. ``data``: name, version, branch, opens_at, closes_at and the sample."""
    branch: Branch = data["branch"]
    version: InstrumentVersion = data["version"]
    _require_change(actor, branch)
    errors: dict[str, list[str]] = {}
    if not str(data.get("name", "")).strip():
        errors["name"] = [_("Give the wave a name.")]
    if data["closes_at"] <= data["opens_at"]:
        errors["closes_at"] = [_("The wave must close after it opens.")]
    tiers = list(data.get("sample_tiers") or [])
    unknown = [tier for tier in tiers if tier not in Tier.values]
    if unknown:
        errors["sample_tiers"] = [_("Unknown tier: %(tier)s.") % {"tier": unknown[0]}]
    if not actor.can_see_branch(version.instrument.branch_id) and not actor.is_administrator:
        errors["version"] = [_("Choose an instrument of your branches.")]
    rule = data.get("follow_up_rule") or ""
    if rule not in FollowUpRule.values:
        errors["follow_up_rule"] = [_("Unknown follow-up rule.")]
    threshold = data.get("follow_up_threshold") or 2
    if not 1 <= threshold <= 6:
        errors["follow_up_threshold"] = [_("The threshold must lie between 1 and 6.")]
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        wave = Wave.objects.create(
            follow_up_rule=rule,
            follow_up_threshold=threshold,
            name=str(data["name"]).strip(),
            version=version,
            branch=branch,
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            sample_tiers=tiers,
            sample_tags=[
                str(tag).strip() for tag in data.get("sample_tags") or [] if str(tag).strip()
            ],
            sample_size=data.get("sample_size") or None,
            sample_seed=data.get("sample_seed") or 1,
            contact_gap_days=data.get("contact_gap_days", 30),
            channel=data.get("channel") or InvitationChannel.EMAIL,
            allows_open_link=bool(data.get("allows_open_link")),
            created_by=actor,
        )
        record_event(actor=actor, action="survey_wave_created", obj=wave)
    return wave


@dataclass(frozen=True)
class Sample:
    """Who a wave would invite, and who the rules left out."""

    customer_ids: tuple[int, ...]
    eligible: int
    excluded_recent: int
    excluded_opted_out: int
    excluded_no_address: int


def draw_sample(wave: Wave, *, now: datetime.datetime | None = None) -> Sample:
    """The wave's sample, reproducible for its seed. Leaves out customers surveyed in the last
    ``contact_gap_days`` days, customers who opted out of surveys, and customers the wave's
    channel cannot reach."""
    now = now or timezone.now()
    branch_ids = Branch.objects.with_descendants([wave.branch_id])
    customers = Customer.objects.filter(branch_id__in=branch_ids)
    if wave.sample_tiers:
        customers = customers.filter(tier__in=wave.sample_tiers)
    if wave.sample_tags:
        customers = customers.filter(
            pk__in=Customer.tags.through.objects.filter(
                customertag__name__in=wave.sample_tags
            ).values("customer_id")
        )
    all_ids = set(customers.values_list("pk", flat=True))
    others = Invitation.objects.exclude(wave=wave).filter(customer_id__in=all_ids)
    recent = set(
        others.filter(
            created_at__gte=now - datetime.timedelta(days=wave.contact_gap_days)
        ).values_list("customer_id", flat=True)
    )
    opted_out = set(others.filter(opted_out_at__isnull=False).values_list("customer_id", flat=True))
    unreachable: set[int] = set()
    if wave.channel == InvitationChannel.EMAIL:
        unreachable = set(customers.filter(email="").values_list("pk", flat=True))
    elif wave.channel == InvitationChannel.SMS:
        unreachable = set(customers.filter(phone="").values_list("pk", flat=True))
    eligible = sorted(all_ids - recent - opted_out - unreachable)
    chosen = eligible
    if wave.sample_size is not None and wave.sample_size < len(eligible):
        chosen = sorted(random.Random(wave.sample_seed).sample(eligible, wave.sample_size))
    return Sample(
        customer_ids=tuple(chosen),
        eligible=len(eligible),
        excluded_recent=len(recent - opted_out),
        excluded_opted_out=len(opted_out),
        excluded_no_address=len(unreachable - recent - opted_out),
    )


@dataclass(frozen=True)
class SendResult:
    invited: int
    delivered: int
    failed: int


def _message(wave: Wave, link: str) -> str:
    return _(
        "%(company)s invites you to a short survey, “%(wave)s”: %(link)s "
        "(open until %(closes)s). Reply T or use the link to opt out."
    ) % {
        "company": wave.branch.name,
        "wave": wave.name,
        "link": link,
        "closes": timezone.localtime(wave.closes_at).strftime("%Y-%m-%d"),
    }


def send_wave(*, actor: User, wave: Wave, base_url: str) -> SendResult:
    """Open a draft wave: create one invitation per sampled customer and deliver the links.

    The invitations and the status change are one transaction; delivery happens after it commits
    (a failed message marks that invitation ``failed`` and never undoes the wave).
    """
    _require_change(actor, wave)
    if wave.status != WaveStatus.DRAFT:
        raise ConflictError(_("This wave has already been sent."))
    sample = draw_sample(wave)
    issued: list[tuple[Invitation, str]] = []
    with transaction.atomic():
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        if locked.status != WaveStatus.DRAFT:
            raise ConflictError(_("This wave has already been sent."))
        channel = wave.channel
        customers = Customer.objects.filter(pk__in=sample.customer_ids).only("pk", "branch_id")
        rows = []
        for customer in customers:
            token = secrets.token_urlsafe(24)
            invitation = Invitation(
                wave=wave,
                customer=customer,
                branch_id=customer.branch_id,
                token_hash=token_digest(token),
                channel=channel,
            )
            rows.append(invitation)
            issued.append((invitation, token))
        Invitation.objects.bulk_create(rows, batch_size=1000)
        wave.status = WaveStatus.OPEN
        wave.sent_at = timezone.now()
        wave.save(update_fields=["status", "sent_at"])
        record_event(
            actor=actor,
            action="survey_wave_sent",
            obj=wave,
            changes={"invited": len(rows), "channel": channel},
        )
    delivered = failed = 0
    if wave.channel in (InvitationChannel.EMAIL, InvitationChannel.SMS):
        delivered, failed = _deliver(wave, issued, base_url)
    return SendResult(invited=len(issued), delivered=delivered, failed=failed)


def _deliver(
    wave: Wave, issued: list[tuple[Invitation, str]], base_url: str, *, reminder: bool = False
) -> tuple[int, int]:
    ids = [invitation.customer_id for invitation, _token in issued]
    contacts = dict(
        Customer.objects.filter(pk__in=ids).values_list(
            "pk", "email" if wave.channel == InvitationChannel.EMAIL else "phone"
        )
    )
    sent: list[int] = []
    failed: list[int] = []
    for invitation, token in issued:
        link = f"{base_url.rstrip('/')}/s/{token}/"
        text = _message(wave, link)
        if reminder:
            text = _("Reminder: ") + text
        contact = contacts[invitation.customer_id]
        try:
            # The customers app's channels: Django mail, the configured SMS provider.
            if wave.channel == InvitationChannel.SMS:
                send_sms(contact, text)
            else:
                send_email(contact, wave.name, text)
        except Exception:  # noqa: BLE001 - any delivery failure marks this invitation only
            failed.append(invitation.pk)
        else:
            sent.append(invitation.pk)
    now = timezone.now()
    if not reminder:
        Invitation.objects.filter(pk__in=sent).update(status=InvitationStatus.SENT, sent_at=now)
        Invitation.objects.filter(pk__in=failed).update(status=InvitationStatus.FAILED)
    return len(sent), len(failed)


def close_wave(*, actor: User, wave: Wave) -> Wave:
    _require_change(actor, wave)
    if wave.status != WaveStatus.OPEN:
        raise ConflictError(_("Only an open wave can be closed."))
    with transaction.atomic():
        wave.status = WaveStatus.CLOSED
        wave.closes_at = min(wave.closes_at, timezone.now())
        wave.save(update_fields=["status", "closes_at"])
        record_event(actor=actor, action="survey_wave_closed", obj=wave)
    # The service catalogue shows each service's Kano class, gap and S = P − E per wave.
    from qiwang.surveys.catalogue_push import push_wave

    push_wave(wave)
    return wave


def send_reminders(*, actor: User, wave: Wave, base_url: str) -> SendResult:
    """Remind the invited customers who have not finished: each gets a new link (a new token
    replaces the digest, ADR 0007); answers already saved are kept and resume."""
    _require_change(actor, wave)
    if not wave.accepts_answers():
        raise ConflictError(_("Only an open wave can send reminders."))
    if wave.channel not in (InvitationChannel.EMAIL, InvitationChannel.SMS):
        raise ConflictError(_("Reminders go by e-mail or SMS; this wave uses printed links."))
    issued: list[tuple[Invitation, str]] = []
    now = timezone.now()
    with transaction.atomic():
        pending = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(wave=wave, status__in=[InvitationStatus.SENT, InvitationStatus.OPENED])
            .exclude(response__status="complete")
        )
        for invitation in pending:
            token = secrets.token_urlsafe(24)
            invitation.token_hash = token_digest(token)
            invitation.reminded_at = now
            invitation.reminder_count += 1
            issued.append((invitation, token))
        Invitation.objects.bulk_update(
            pending, ["token_hash", "reminded_at", "reminder_count"], batch_size=1000
        )
        record_event(
            actor=actor,
            action="survey_reminders_sent",
            obj=wave,
            changes={"reminded": len(pending)},
        )
    delivered, failed = _deliver(wave, issued, base_url, reminder=True)
    return SendResult(invited=len(issued), delivered=delivered, failed=failed)
