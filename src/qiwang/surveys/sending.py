"""Survey invitations and reminders sent by the worker: queue, claim, send, retry.

"Send" on a wave (or "remind") only marks the invitations (``send_kind``, ADR 0230) and queues
the task :func:`send_invitations` after the commit; ``qiwang worker`` runs it, and the periodic
job ``surveys.send`` (every ``QIWANG_SEND_SECONDS``) picks up retries and whatever a rate limit
held back. :func:`deliver_due` does the work in small steps, never holding a transaction while
it talks to a provider:

1. **claim** a batch (``QIWANG_SEND_BATCH``) of due invitations: on PostgreSQL the rows are
   locked with ``SELECT … FOR UPDATE SKIP LOCKED`` so two workers take different rows; on every
   database the claim itself is one conditional ``UPDATE`` (only rows nobody holds), so two
   workers never hold the same row. The claim mints each link's token (kept in memory only; the
   row gets its digest, the link sent before stays valid, ADR 0172) and holds a lease;
2. **send** each one through :func:`_send_one` — the one place that chooses the channel — after
   the channel's rate limits (:func:`qiwang.customers.delivery.take_slot`) allow it;
3. **record** the outcome on the row: sent; or a temporary failure
   (:func:`~qiwang.customers.delivery.is_retryable`) with the next attempt after an exponential
   back-off; or a permanent one (or ``QIWANG_SEND_MAX_ATTEMPTS`` reached): failed, with the
   reason.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from qiwang.customers.delivery import backoff_seconds, is_retryable, take_slot
from qiwang.customers.messaging import (
    MessagingError,
    SentMessage,
    send_email,
    send_sms,
    send_wechat_template,
)
from qiwang.operations.scheduler import Job, register
from qiwang.surveys.choices import InvitationChannel, InvitationStatus, SendKind
from qiwang.surveys.models import Invitation, InvitationToken, Wave

__all__ = [
    "Progress",
    "Run",
    "deliver_due",
    "invitation_message",
    "progress",
    "queue_for_sending",
    "register_jobs",
    "send_invitations",
    "start_demo_sender",
]

logger = logging.getLogger(__name__)

#: Waits for a rate limit's window up to this many seconds inside one run; longer ones are left
#: to the next run of the job (the rows are released with their next attempt time).
MAX_SLEEP = 5.0


#: The channels that send each invitation a message, and the customer field it goes to (a
#: printed link is handed out by people: nothing is sent).
CONTACT_FIELDS = {
    InvitationChannel.EMAIL: "email",
    InvitationChannel.SMS: "phone",
    InvitationChannel.WECHAT: "wechat_openid",
}
MESSAGE_CHANNELS = tuple(CONTACT_FIELDS)


def token_digest(token: str) -> str:
    from qiwang.surveys.services import token_digest as digest

    return digest(token)


def invitation_message(wave: Wave, link: str) -> str:
    """The invitation's text in the active language (the customer's, when delivering)."""
    return _(
        "%(company)s invites you to a short survey, “%(wave)s”: %(link)s "
        "(open until %(closes)s). Reply T or use the link to opt out."
    ) % {
        "company": wave.branch.name,
        "wave": wave.name,
        "link": link,
        "closes": timezone.localtime(wave.closes_at).strftime("%Y-%m-%d"),
    }


# --- queueing (in the web request) -----------------------------------------------------------


def queue_for_sending(invitation_ids: list[int], kind: str) -> int:
    """Mark the invitations to be sent by the worker (inside the caller's transaction) and queue
    the task once that transaction commits. Returns how many were queued."""
    values: dict = {
        "send_kind": kind,
        "send_attempts": 0,
        "send_next_at": None,
        "send_error": "",
        "send_claim": "",
        "send_claimed_until": None,
    }
    if kind == SendKind.INVITATION:
        values["status"] = InvitationStatus.QUEUED
    count = Invitation.objects.filter(pk__in=invitation_ids).update(**values)
    if count:
        transaction.on_commit(lambda: send_invitations.enqueue())
    return count


# --- the worker's side ------------------------------------------------------------------------


@dataclass
class Run:
    """What one :func:`deliver_due` did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "deferred": self.deferred,
        }


def _claimable(now: datetime.datetime) -> Q:
    return (
        ~Q(send_kind="")
        & (Q(send_next_at__isnull=True) | Q(send_next_at__lte=now))
        & (Q(send_claimed_until__isnull=True) | Q(send_claimed_until__lt=now))
    )


def _lease_seconds(batch: int) -> int:
    """Long enough for a batch at the provider's time-out, so a slow batch keeps its rows."""
    return max(300, batch * (int(getattr(settings, "QIWANG_SMS_TIMEOUT", 10)) + 1))


def claim(
    *, now: datetime.datetime, limit: int, wave_id: int | None = None
) -> list[tuple[Invitation, str]]:
    """Take up to ``limit`` due invitations for this worker and mint their links' tokens; one
    short transaction. Returns (invitation, token) pairs."""
    rows = Invitation.objects.filter(_claimable(now))
    if wave_id is not None:
        rows = rows.filter(wave_id=wave_id)
    with transaction.atomic():
        ids = list(
            rows.order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        mark = secrets.token_hex(16)
        lease = now + datetime.timedelta(seconds=_lease_seconds(limit))
        # The condition again: on SQLite (no row locks) a row another worker claimed meanwhile
        # is simply not updated here.
        Invitation.objects.filter(_claimable(now), pk__in=ids).update(
            send_claim=mark, send_claimed_until=lease
        )
        claimed = list(
            Invitation.objects.filter(send_claim=mark)
            .select_related("customer", "wave__branch")
            .order_by("pk")
        )
        earlier: list[InvitationToken] = []
        issued: list[tuple[Invitation, str]] = []
        for invitation in claimed:
            # A reminder replaces a link the customer has; a retry one that may have arrived
            # (a time-out after the provider accepted). Both stay valid (ADR 0172).
            if invitation.send_kind == SendKind.REMINDER or invitation.send_attempts:
                earlier.append(
                    InvitationToken(
                        invitation=invitation, token_hash=invitation.token_hash, replaced_at=now
                    )
                )
            token = secrets.token_urlsafe(24)
            invitation.token_hash = token_digest(token)
            issued.append((invitation, token))
        InvitationToken.objects.bulk_create(earlier, ignore_conflicts=True)
        Invitation.objects.bulk_update(claimed, ["token_hash"])
    return issued


def _send_one(wave: Wave, invitation: Invitation, link: str) -> SentMessage:
    """Send one invitation or reminder on the wave's channel: the only place that chooses it."""
    customer = invitation.customer
    reminder = invitation.send_kind == SendKind.REMINDER
    # In the customer's language (the catalogues hold both), whoever clicked "send".
    with translation.override(customer.language or "zh-hans"):
        text = invitation_message(wave, link)
        if reminder:
            text = _("Reminder: ") + text
    if wave.channel == InvitationChannel.SMS:
        # The approved template of the purpose with these values (docs/messaging.md).
        return send_sms(
            customer.phone,
            text,
            purpose="reminder" if reminder else "invitation",
            params={
                "company": wave.branch.name,
                "name": customer.name,
                "wave": wave.name,
                "link": link,
                "closes": timezone.localtime(wave.closes_at).strftime("%Y-%m-%d"),
            },
        )
    if wave.channel == InvitationChannel.WECHAT:
        # The Official Account's approved template of the purpose, its fields filled from these
        # values (docs/messaging.md "WeChat Official Account").
        return send_wechat_template(
            customer.wechat_openid,
            purpose="reminder" if reminder else "invitation",
            params={
                "company": wave.branch.name,
                "name": customer.name,
                "wave": wave.name,
                "link": link,
                "closes": timezone.localtime(wave.closes_at).strftime("%Y-%m-%d"),
            },
        )
    if wave.channel == InvitationChannel.EMAIL:
        return send_email(customer.email, wave.name, text)
    raise MessagingError(
        _("Invitations of this wave are not sent (channel %(channel)s).")
        % {"channel": wave.channel},
        retryable=False,
    )


def _recipient(wave: Wave, invitation: Invitation) -> str:
    return str(getattr(invitation.customer, CONTACT_FIELDS[wave.channel]))


def _release(invitation: Invitation, *, at: datetime.datetime) -> None:
    """Give the row back unsent (a rate limit): due again at ``at``; not an attempt."""
    Invitation.objects.filter(pk=invitation.pk, send_claim=invitation.send_claim).update(
        send_claim="", send_claimed_until=None, send_next_at=at
    )


def _skip_reason(invitation: Invitation, now: datetime.datetime) -> str:
    """Why this row should not be sent any more ("" to send it)."""
    if invitation.send_kind == SendKind.REMINDER:
        if invitation.status not in (InvitationStatus.SENT, InvitationStatus.OPENED):
            return "answered"
    elif invitation.status not in (InvitationStatus.QUEUED, InvitationStatus.PENDING):
        # A retry whose earlier (timed-out) message arrived: the customer opened or answered.
        return "answered"
    if invitation.wave.closes_at <= now:
        return "closed"
    return ""


def _record_sent(invitation: Invitation, message: SentMessage, now: datetime.datetime) -> None:
    values: dict = {
        "send_kind": "",
        "send_claim": "",
        "send_claimed_until": None,
        "send_next_at": None,
        "send_error": "",
        "send_attempts": invitation.send_attempts + 1,
        # The provider's id: its delivery receipt finds this invitation (surveys.receipts).
        "provider_message_id": message.provider_id[:100],
        "delivery_status": "",
        "delivered_at": None,
        "delivery_error": "",
    }
    if invitation.send_kind == SendKind.REMINDER:
        values["reminded_at"] = now
        values["reminder_count"] = invitation.reminder_count + 1
    else:
        values["sent_at"] = now
    mine = Invitation.objects.filter(pk=invitation.pk, send_claim=invitation.send_claim)
    if invitation.send_kind == SendKind.INVITATION:
        # Only a queued invitation becomes "sent": one opened meanwhile keeps its state.
        mine.filter(status=InvitationStatus.QUEUED).update(status=InvitationStatus.SENT)
    mine.update(**values)


def _record_failure(
    invitation: Invitation, error: BaseException, now: datetime.datetime, run: Run
) -> None:
    attempts = invitation.send_attempts + 1
    reason = (str(error).strip() or type(error).__name__)[:300]
    values: dict = {
        "send_claim": "",
        "send_claimed_until": None,
        "send_attempts": attempts,
        "send_error": reason,
    }
    final = not (is_retryable(error) and attempts < settings.QIWANG_SEND_MAX_ATTEMPTS)
    if not final:
        values["send_next_at"] = now + datetime.timedelta(seconds=backoff_seconds(attempts))
        run.retrying += 1
    else:
        values["send_kind"] = ""
        values["send_next_at"] = None
        run.failed += 1
    mine = Invitation.objects.filter(pk=invitation.pk, send_claim=invitation.send_claim)
    if final and invitation.send_kind == SendKind.INVITATION:
        mine.filter(status=InvitationStatus.QUEUED).update(status=InvitationStatus.FAILED)
    mine.update(**values)
    run.errors.append(reason)


def _drop(invitation: Invitation, reason: str) -> None:
    values: dict = {"send_kind": "", "send_claim": "", "send_claimed_until": None}
    if reason == "closed" and invitation.send_kind == SendKind.INVITATION:
        values["status"] = InvitationStatus.FAILED
        with translation.override(settings.LANGUAGE_CODE):
            values["send_error"] = _("The wave closed before the invitation could be sent.")
    Invitation.objects.filter(pk=invitation.pk, send_claim=invitation.send_claim).update(**values)


def deliver_due(
    *,
    now: Callable[[], datetime.datetime] = timezone.now,
    sleep: Callable[[float], None] | None = time.sleep,
    batch: int | None = None,
    budget_seconds: float = 50.0,
    wave_id: int | None = None,
) -> Run:
    """Send the due invitations and reminders, batch after batch, until none is due, the time
    budget is spent or a rate limit asks for a longer wait than :data:`MAX_SLEEP` (the rest is
    released, due when its window ends). ``now`` and ``sleep`` are injectable: with
    ``sleep=None`` a rate limit ends the run instead of waiting."""
    batch = batch or settings.QIWANG_SEND_BATCH
    run = Run()
    started = now()
    while (now() - started).total_seconds() < budget_seconds:
        issued = claim(now=now(), limit=batch, wave_id=wave_id)
        if not issued:
            break
        stopped = False
        for invitation, token in issued:
            moment = now()
            if stopped:
                _release(invitation, at=moment)
                continue
            wave = invitation.wave
            reason = _skip_reason(invitation, moment)
            if reason:
                _drop(invitation, reason)
                continue
            recipient = _recipient(wave, invitation)
            slot = take_slot(wave.channel, recipient, now=moment.timestamp())
            while not slot.allowed and slot.limit == "account" and sleep and slot.wait <= MAX_SLEEP:
                sleep(slot.wait)
                moment = now()
                slot = take_slot(wave.channel, recipient, now=moment.timestamp())
            if not slot.allowed:
                _release(invitation, at=moment + datetime.timedelta(seconds=slot.wait))
                run.deferred += 1
                if slot.limit == "account":
                    # The whole channel is full: give the rest of the batch back too.
                    stopped = True
                continue
            link = f"{(wave.link_base_url or '/').rstrip('/')}/s/{token}/"
            try:
                message = _send_one(wave, invitation, link)
            except Exception as error:  # noqa: BLE001 - each failure is this invitation's only
                _record_failure(invitation, error, now(), run)
                continue
            _record_sent(invitation, message, now())
            run.sent += 1
        if stopped:
            break
    if run.sent or run.failed or run.retrying:
        logger.info("invitations: %s", run.as_dict())
    return run


@task()
def send_invitations() -> dict[str, int]:
    """Queued by "send" and "remind": send what is due now (the job retries the rest)."""
    return deliver_due().as_dict()


def send_job(*, slot: datetime.datetime | None = None) -> dict[str, int]:
    """The ``surveys.send`` job: retries and what a rate limit held back."""
    return deliver_due().as_dict()


def register_jobs() -> None:
    register(
        Job(
            key="surveys.send",
            function="qiwang.surveys.sending.send_job",
            label=gettext_lazy("Send queued survey invitations and retry failed ones"),
            every=lambda: settings.QIWANG_SEND_SECONDS,
        )
    )


def start_demo_sender(every: float = 2.0) -> threading.Thread:
    """``qiwang demo`` runs no ``qiwang worker``: this daemon thread does its sending part in
    the demo's process, so invitations queued by "send" go out (to the demo's outboxes) within
    seconds. Production uses the worker (the task and the ``surveys.send`` job)."""

    def loop() -> None:
        while True:
            try:
                close_old_connections()
                deliver_due(budget_seconds=every * 5)
            except Exception:  # noqa: BLE001 - a demo thread must not die (e.g. a locked database)
                logger.warning("demo sender: sending failed; trying again", exc_info=True)
            finally:
                close_old_connections()
            time.sleep(every)

    thread = threading.Thread(target=loop, name="qiwang-demo-sender", daemon=True)
    thread.start()
    return thread


# --- what the pages show ------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A wave's sending progress: sent, waiting (first attempt), retrying, failed."""

    sent: int
    queued: int
    retrying: int
    failed: int

    @property
    def busy(self) -> bool:
        return bool(self.queued or self.retrying)


def progress(wave: Wave) -> Progress:
    """One query: the counts of the wave page."""
    waiting = ~Q(send_kind="")
    counts = Invitation.objects.filter(wave=wave).aggregate(
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        queued=Count("pk", filter=waiting & Q(send_attempts=0)),
        retrying=Count("pk", filter=waiting & Q(send_attempts__gt=0)),
        failed=Count("pk", filter=Q(status=InvitationStatus.FAILED)),
    )
    return Progress(**counts)
