"""Notifications from an outbox: rows written in the complaint's transaction, delivered by a
background task after commit, retried with back-off by the ``complaints.notifications`` job.

A failing channel (an SMS provider down) never loses or blocks a complaint: the complaint is
stored first, the notification row waits and is retried.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from qiwang.complaints.models import Complaint, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600)


def _quality_managers_by_branch() -> dict[int, list[Any]]:
    """Active quality managers by the branch ids they are assigned to (one query)."""
    from qiwang.accounts.models import User

    through = User.branches.through
    users = {user.pk: user for user in User.objects.filter(role="quality_manager", is_active=True)}
    found: dict[int, list[Any]] = {}
    for user_id, branch_id in through.objects.filter(user_id__in=list(users)).values_list(
        "user_id", "branch_id"
    ):
        found.setdefault(branch_id, []).append(users[user_id])
    return found


def queue_supervisor_notifications(events: Iterable[tuple[int, str]]) -> int:
    """One outbox row per supervisor for each ``(complaint id, code)``: the assignee's
    supervisor, else the quality managers of the branch or a branch above it. A fixed number of
    queries whatever the number of events; delivery after commit."""
    events = list(events)
    if not events:
        return 0
    complaints = Complaint.objects.select_related(
        "assigned_to__supervisor", "branch__parent__parent"
    ).in_bulk([pk for pk, _code in events])
    managers = _quality_managers_by_branch()
    rows = []
    for pk, code in events:
        complaint = complaints.get(pk)
        if complaint is None:
            continue
        assignee = complaint.assigned_to
        if assignee is not None and assignee.supervisor_id:
            recipients = [assignee.supervisor]
        else:
            recipients, branch = [], complaint.branch
            while branch is not None and not recipients:
                recipients = managers.get(branch.pk, [])
                branch = branch.parent
        rows += [
            Notification(recipient=user, complaint=complaint, code=code) for user in recipients
        ]
    Notification.objects.bulk_create(rows, batch_size=1000)
    transaction.on_commit(lambda: deliver_notifications.enqueue())
    return len(rows)


def queue_message(*, complaint: Complaint | None, phone: str, code: str, params: dict) -> None:
    """An SMS to a customer or reporter (incident answers, follow-up questions)."""
    Notification.objects.create(complaint=complaint, phone=phone, code=code, params=params)
    transaction.on_commit(lambda: deliver_notifications.enqueue())


def _render_sms(row: Notification) -> str:
    from django.utils import translation
    from django.utils.translation import gettext as _

    with translation.override("zh-hans"):
        if row.code == "incident.answer":
            return str(row.params.get("text", ""))
        if row.code == "complaint.follow_up":
            return _(
                "Your complaint #%(number)s has been resolved. How satisfied are you with how we "
                "handled it? Answer 1 (very dissatisfied) to 5 (very satisfied): %(link)s"
            ) % {"number": row.complaint_id, "link": row.params.get("link", "")}
        return str(row.params.get("text", row.code))


def _sms_values(row: Notification) -> tuple[str, dict[str, str]]:
    """The SMS purpose of the row and the values its provider template may use
    (docs/messaging.md): an incident's answer is its own purpose, ``incident``, with the report
    number, the incident's title and the answer; other messages are ``complaint`` with the
    number and the link."""
    number = str(row.complaint_id or "")
    if row.code == "incident.answer":
        return "incident", {
            "number": number,
            "incident": str(row.params.get("incident", "")),
            "answer": str(row.params.get("text", "")),
        }
    return "complaint", {"number": number, "link": str(row.params.get("link", ""))}


def deliver_pending(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send what is due; a failure schedules the next attempt. In-app rows are delivered by
    being stored (the recipient sees them on the queue page)."""
    from qiwang.customers.messaging import MessagingError, send_sms

    now = now or timezone.now()
    due_rows = Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).exclude(
        next_attempt_at__gt=now
    )
    sent = failed = 0
    for row in due_rows[:500]:
        try:
            if row.phone:
                purpose, values = _sms_values(row)
                send_sms(row.phone, _render_sms(row), purpose=purpose, params=values)
        except (MessagingError, OSError) as error:
            row.attempts += 1
            row.last_error = str(error)[:200]
            delay = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
            row.next_attempt_at = now + datetime.timedelta(seconds=delay)
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            failed += 1
            continue
        row.attempts += 1
        row.sent_at = now
        row.save(update_fields=["attempts", "sent_at"])
        sent += 1
    return {"sent": sent, "failed": failed}


@task()
def deliver_notifications() -> dict[str, int]:
    return deliver_pending()


def notifications_job(*, slot: datetime.datetime) -> dict[str, int]:
    """The ``complaints.notifications`` job: retries what failed."""
    return deliver_pending()
