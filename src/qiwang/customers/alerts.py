"""Alerts for urgent follow-ups: the assignee hears of a task that is due today at once.

An urgent follow-up (a very bad survey answer, ``create_follow_up(urgent=True)``) is shown first
in the assignee's "My day" with an *Urgent* badge — that is its in-app notice. Besides, on the
channels of ``QIWANG_FOLLOW_UP_ALERTS`` (``email``, ``sms``, ``wecom``; default e-mail) the
assignee gets a message through :mod:`qiwang.customers.messaging` (``wecom``: a WeCom application
message to the user's ``wecom_userid``; staff are WeCom members, customers are not). The message
is queued in the creating transaction (the database task queue writes its row through the
caller's connection, as the webhook outbox does, ADR 0009: no alert for a rolled-back answer, none lost for a committed one)
and sent by the worker (``send_follow_up_alert``), so a slow or failing mail server never delays
or loses a survey answer; a failure is logged and the task stays in "My day".

The message is rendered when it is sent, in the site's language (users have no language of their
own yet), from the task's stored reason code and parameters.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from qiwang.customers.choices import TaskStatus
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


def deliver_follow_up_alert(task_id: int) -> list[str]:
    """Send the alert now on each configured channel the assignee can be reached on; return the
    channels it went out on. A channel that fails is logged and skipped."""
    row = ContactTask.objects.select_related("customer", "assignee").filter(pk=task_id).first()
    if row is None or row.assignee is None or row.status != TaskStatus.OPEN:
        return []
    user = row.assignee
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Urgent follow-up today: %(customer)s") % {"customer": row.customer.name}
        body = _(
            "%(reason)s\nCall %(customer)s (%(code)s) today; the task is first in your “My day”."
        ) % {"reason": row.note_text, "customer": row.customer.name, "code": row.customer.code}
    sent: list[str] = []
    for channel in settings.QIWANG_FOLLOW_UP_ALERTS:
        try:
            if channel == "email" and user.email:
                send_email(user.email, subject, body)
            elif channel == "sms" and user.phone:
                send_sms(
                    user.phone,
                    f"{subject}\n{body}"[:300],
                    purpose="alert",
                    params={"customer": row.customer.name, "code": row.customer.code},
                )
            elif channel == "wecom" and user.wecom_userid:
                send_wecom_message(user.wecom_userid, f"{subject}\n{body}")
            else:
                continue
        except MessagingError:
            logger.warning("follow-up alert %s for task %s failed", channel, task_id, exc_info=True)
            continue
        sent.append(channel)
    return sent


@task()
def send_follow_up_alert(task_id: int) -> list[str]:
    return deliver_follow_up_alert(task_id)
