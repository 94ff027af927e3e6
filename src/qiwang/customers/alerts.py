"""Alerts for urgent follow-ups: the assignee hears of a task that is due today at once.

An urgent follow-up (a very bad survey answer, ``create_follow_up(urgent=True)``) is shown first
in the assignee's "My day" with an *Urgent* badge — that is its in-app notice. Besides, on the
channels of ``QIWANG_FOLLOW_UP_ALERTS`` (``email``, ``sms``, ``wecom``; default e-mail) the
assignee gets a message through :mod:`qiwang.customers.messaging` (``wecom``: a WeCom application
message to the user's ``wecom_userid``; staff are WeCom members, customers are not). The message
is queued in the creating transaction (the database task queue writes its row through the
caller's connection, as the webhook outbox does, ADR 0009: no alert for a rolled-back answer, none lost for a committed one)
and sent by the worker (``send_follow_up_alert``), so a slow or failing mail server never delays
or loses a survey answer. Each channel counts against its rate limits (``QIWANG_RATE_<CHANNEL>``,
:func:`qiwang.customers.delivery.take_slot`, shared with survey invitations); a channel held back
by a limit, or refused for a reason that may pass (:func:`~qiwang.customers.delivery.is_retryable`),
is queued again for that channel alone — after the limit's window, or after the back-off of
``QIWANG_SEND_BACKOFF_SECONDS`` doubled per attempt, at most ``QIWANG_SEND_MAX_ATTEMPTS`` attempts.
A permanent refusal is logged; the task stays in "My day" either way.

The message is rendered when it is sent, in the site's language (users have no language of their
own yet), from the task's stored reason code and parameters.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from qiwang.customers.choices import TaskStatus
from qiwang.customers.delivery import backoff_seconds, is_retryable, take_slot
from qiwang.customers.messaging import (
    MessagingError,
    send_email,
    send_sms,
    send_wecom_message,
)
from qiwang.customers.models import ContactTask

logger = logging.getLogger(__name__)

__all__ = ["deliver_follow_up_alert", "queue_follow_up_alert", "send_follow_up_alert"]


def queue_follow_up_alert(task_id: int) -> None:
    """Queue the alert for ``task_id`` in the current transaction (nothing without channels)."""
    if settings.QIWANG_FOLLOW_UP_ALERTS:
        send_follow_up_alert.enqueue(task_id)


@dataclass
class AlertOutcome:
    """What one run did: the channels the alert went out on, those to try again (held back by a
    rate limit or refused for a passing reason) and how long to wait before that."""

    sent: list[str] = field(default_factory=list)
    again: list[str] = field(default_factory=list)
    wait: int = 0
    failed_attempt: bool = False


def deliver_follow_up_alert(task_id: int, channels: list[str] | None = None) -> list[str]:
    """Send the alert now on each configured channel (or those of ``channels``) the assignee can
    be reached on; return the channels it went out on."""
    return _deliver(task_id, channels).sent


def _deliver(task_id: int, channels: list[str] | None, attempt: int = 1) -> AlertOutcome:
    outcome = AlertOutcome()
    row = ContactTask.objects.select_related("customer", "assignee").filter(pk=task_id).first()
    if row is None or row.assignee is None or row.status != TaskStatus.OPEN:
        return outcome
    user = row.assignee
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Urgent follow-up today: %(customer)s") % {"customer": row.customer.name}
        body = _(
            "%(reason)s\nCall %(customer)s (%(code)s) today; the task is first in your “My day”."
        ) % {"reason": row.note_text, "customer": row.customer.name, "code": row.customer.code}
    addresses = {"email": user.email, "sms": user.phone, "wecom": user.wecom_userid}
    for channel in settings.QIWANG_FOLLOW_UP_ALERTS:
        recipient = addresses.get(channel, "")
        if not recipient or (channels is not None and channel not in channels):
            continue
        slot = take_slot(channel, recipient)
        if not slot.allowed:  # not an attempt: wait for the limit's window
            outcome.again.append(channel)
            outcome.wait = max(outcome.wait, slot.wait)
            continue
        try:
            if channel == "email":
                send_email(recipient, subject, body)
            elif channel == "sms":
                send_sms(
                    recipient,
                    f"{subject}\n{body}"[:300],
                    purpose="alert",
                    params={"customer": row.customer.name, "code": row.customer.code},
                )
            else:
                send_wecom_message(recipient, f"{subject}\n{body}")
        except MessagingError as error:
            temporary = is_retryable(error)
            logger.warning(
                "follow-up alert %s for task %s failed (attempt %s, %s)",
                channel,
                task_id,
                attempt,
                "temporary" if temporary else "permanent",
                exc_info=True,
            )
            if temporary:
                outcome.again.append(channel)
                outcome.failed_attempt = True
                outcome.wait = max(outcome.wait, backoff_seconds(attempt))
            continue
        outcome.sent.append(channel)
    return outcome


@task()
def send_follow_up_alert(
    task_id: int, channels: list[str] | None = None, attempt: int = 1
) -> list[str]:
    """The worker's task: send, then queue the channels to try again (see the module)."""
    outcome = _deliver(task_id, channels, attempt)
    if outcome.again:
        following = attempt + 1 if outcome.failed_attempt else attempt
        if following > settings.QIWANG_SEND_MAX_ATTEMPTS:
            logger.warning(
                "follow-up alert for task %s not sent on %s after %s attempts",
                task_id,
                ", ".join(outcome.again),
                attempt,
            )
        else:
            at = timezone.now() + datetime.timedelta(seconds=max(outcome.wait, 1))
            send_follow_up_alert.using(run_after=at).enqueue(
                task_id, channels=outcome.again, attempt=following
            )
    return outcome.sent
