"""Writes on surveys: waves, sampling, invitations (instruments and their questions are in
:mod:`qiwang.surveys.authoring`, re-exported here).

Each public function validates, runs in one transaction and records an audit event. Answering is in
:mod:`qiwang.surveys.responding`.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.services import record_event
from qiwang.customers.choices import Tier
from qiwang.customers.models import Customer
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.authoring import (  # noqa: F401 — instruments and authoring, re-exported
    MAX_DIMENSION,
    MAX_TEXT,
    QUESTION_FIELDS,
    SLUG,
    InstrumentChange,
    QuestionData,
    _require_change,
    add_question,
    clean_question,
    create_instrument_from_template,
    move_question,
    remove_question,
    revise_instrument,
    set_condition,
    suggest_attribute,
    version_is_frozen,
)
from qiwang.surveys.choices import (
    FollowUpRule,
    InvitationChannel,
    InvitationStatus,
    SendKind,
    WaveStatus,
)
from qiwang.surveys.models import InstrumentVersion, Invitation, Wave
from qiwang.surveys.sending import (  # noqa: F401 — invitation_message re-exported
    MESSAGE_CHANNELS,
    invitation_message,
    queue_for_sending,
)


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
    elif wave.channel == InvitationChannel.WECHAT:  # not following the Official Account
        unreachable = set(customers.filter(wechat_openid="").values_list("pk", flat=True))
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
    """What "send" or "remind" did: ``invited`` invitations, all ``queued`` for the worker
    (:mod:`qiwang.surveys.sending`); ``delivered`` and ``failed`` stay 0 here (the wave page
    shows the progress) and are kept for the API's answer."""

    invited: int
    queued: int
    delivered: int = 0
    failed: int = 0


def send_wave(*, actor: User, wave: Wave, base_url: str) -> SendResult:
    """Open a draft wave: create one invitation per sampled customer and queue them for the
    worker, which sends the links (:mod:`qiwang.surveys.sending`, with retries and rate limits).

    The invitations, the status change and the queueing are one transaction; the task is queued
    after it commits. Printed-link waves queue nothing (their links are printed)."""
    _require_change(actor, wave)
    if wave.status != WaveStatus.DRAFT:
        raise ConflictError(_("This wave has already been sent."))
    if wave.channel == InvitationChannel.WECHAT and not (
        settings.QIWANG_WECHAT_APP_ID and "invitation" in settings.QIWANG_WECHAT_TEMPLATES
    ):
        raise ConflictError(
            _(
                "WeChat invitations need the Official Account's settings: "
                "QIWANG_WECHAT_APP_ID, QIWANG_WECHAT_APP_SECRET and QIWANG_WECHAT_TEMPLATE_INVITATION."
            )
        )
    sample = draw_sample(wave)
    with transaction.atomic():
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        if locked.status != WaveStatus.DRAFT:
            raise ConflictError(_("This wave has already been sent."))
        channel = wave.channel
        customers = Customer.objects.filter(pk__in=sample.customer_ids).only("pk", "branch_id")
        rows = [
            # A placeholder digest: the worker mints the real token when it sends the link.
            Invitation(
                wave=wave,
                customer=customer,
                branch_id=customer.branch_id,
                token_hash=token_digest(secrets.token_urlsafe(24)),
                channel=channel,
            )
            for customer in customers
        ]
        Invitation.objects.bulk_create(rows, batch_size=1000)
        wave.status = WaveStatus.OPEN
        wave.sent_at = timezone.now()
        wave.link_base_url = base_url[:200]
        wave.save(update_fields=["status", "sent_at", "link_base_url"])
        queued = 0
        if channel in MESSAGE_CHANNELS:
            queued = queue_for_sending(
                list(Invitation.objects.filter(wave=wave).values_list("pk", flat=True)),
                SendKind.INVITATION,
            )
        record_event(
            actor=actor,
            action="survey_wave_sent",
            obj=wave,
            changes={"invited": len(rows), "channel": channel, "queued": queued},
        )
    return SendResult(invited=len(rows), queued=queued)


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
    replaces the digest, ADR 0007) and the earlier links keep working (ADR 0172); answers
    already saved are kept and resume."""
    _require_change(actor, wave)
    if not wave.accepts_answers():
        raise ConflictError(_("Only an open wave can send reminders."))
    if wave.channel not in MESSAGE_CHANNELS:
        raise ConflictError(_("Reminders go by e-mail or SMS; this wave uses printed links."))
    with transaction.atomic():
        pending = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(wave=wave, status__in=[InvitationStatus.SENT, InvitationStatus.OPENED])
            .exclude(response__status="complete")
            .values_list("pk", flat=True)
        )
        # The worker gives each a new link when it sends the reminder; the links sent before
        # keep answering until the invitation is answered (ADR 0172).
        Wave.objects.filter(pk=wave.pk).update(link_base_url=base_url[:200])
        queued = queue_for_sending(pending, SendKind.REMINDER)
        record_event(
            actor=actor,
            action="survey_reminders_sent",
            obj=wave,
            changes={"reminded": len(pending)},
        )
    return SendResult(invited=len(pending), queued=queued)
