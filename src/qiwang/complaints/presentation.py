"""How complaints are shown: generated texts rendered in the reader's language, personal data
masked for roles without it, clocks in business time."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.permissions import Action, can
from qiwang.complaints.choices import Channel, Outcome, Step
from qiwang.complaints.models import Complaint, Move
from qiwang.customers.presentation import mask_phone


def reporter_phone(complaint: Complaint, user: Any) -> str:
    phone = complaint.reporter_phone or (complaint.customer.phone if complaint.customer else "")
    return phone if can(user, Action.VIEW_PERSONAL_DATA, complaint) else mask_phone(phone)


def move_text(move: Move) -> str:
    """A move's generated text, in the reader's language (stored as a code and parameters)."""
    code, params = move.code, move.params or {}
    if code.startswith("opened."):
        channel = code.partition(".")[2]
        label = Channel(channel).label if channel in Channel.values else channel
        return _("Received through: %(channel)s") % {"channel": label}
    if code == "second_failure":
        return _(
            "Second failure: this customer complained within %(days)s days before. Double "
            "deviation risk: the supervisor was told."
        ) % {"days": params.get("days", "")}
    if code == "sla.first_response":
        return _("First-response time exceeded.")
    if code == "sla.resolution":
        return _("Resolution time exceeded.")
    if code == "sla.warning":
        return _("Resolution deadline close: the supervisor was warned.")
    if code == "sla.paused_for":
        hours = round(int(params.get("seconds", 0)) / 3600, 1)
        return _("Paused for %(hours)s business hours.") % {"hours": hours}
    if code == "compensation.approved":
        return _("Compensation of %(value)s yuan approved.") % {"value": params.get("value")}
    if code == "compensation.pending":
        return _("Compensation of %(value)s yuan waits for approval.") % {
            "value": params.get("value")
        }
    if code == "compensation.rejected":
        return _("Compensation of %(value)s yuan rejected.") % {"value": params.get("value")}
    if code == "sla.calendar_changed":
        return _("The working-day calendar changed; deadlines recalculated.")
    if code == "severity_changed":
        return _("Severity changed; deadlines recalculated with the pause kept.")
    if code == "follow_up_score" and params.get("by") == "customer":
        if params.get("replaces") is not None:
            return _(
                "The customer answered the follow-up: %(score)s of 5 (replacing %(old)s of 5 "
                "entered on their behalf)."
            ) % {"score": params.get("score"), "old": params.get("replaces")}
        return _("The customer answered the follow-up: %(score)s of 5.") % {
            "score": params.get("score")
        }
    if code == "follow_up_score" and params.get("by") == "staff":
        return _("Follow-up answer entered on the customer's behalf: %(score)s of 5.") % {
            "score": params.get("score")
        }
    if code == "follow_up_score":
        return _("Follow-up answer: %(score)s of 5.") % {"score": params.get("score")}
    if code == "outcome":
        value = params.get("outcome", "")
        return _("Outcome: %(outcome)s.") % {
            "outcome": Outcome(value).label if value in Outcome.values else value
        }
    if code == "incident.answer":
        return _("Answered with the incident's answer.")
    if code == "incident.resolved":
        return _("Resolved with the incident: follow up with the reporter.")
    return ""


def step_label(value: str) -> str:
    return str(Step(value).label) if value in Step.values else value


def clock(complaint: Complaint, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Remaining time to each deadline (wall-clock, for display) and the state of the clock."""
    now = now or timezone.now()

    def left(deadline: datetime.datetime | None) -> float | None:
        if deadline is None:
            return None
        return round((deadline - now).total_seconds() / 3600, 1)

    def business_hours(start: datetime.datetime | None, end: datetime.datetime) -> float | None:
        from qiwang.complaints.services.sla import business_elapsed

        if start is None or end < start:
            return None
        spent = business_elapsed(complaint, start, end)
        return None if spent is None else round(spent.total_seconds() / 3600, 1)

    end = complaint.resolved_at or now
    first_left = None if complaint.first_response_at else left(complaint.first_response_due)
    resolution_left = None if complaint.resolved_at else left(complaint.resolution_due)
    return {
        "first_response_late": -first_left if first_left is not None and first_left < 0 else None,
        "resolution_late": (
            -resolution_left if resolution_left is not None and resolution_left < 0 else None
        ),
        # a clock per stage beside the customer-facing one: the first line until the escalation
        # (or the resolution), the escalation owner from the escalation on
        "first_line_hours": business_hours(complaint.received_at, complaint.escalated_at or end),
        "escalation_hours": business_hours(complaint.escalated_at, end),
        "first_response_left": None
        if complaint.first_response_at
        else left(complaint.first_response_due),
        "resolution_left": None if complaint.resolved_at else left(complaint.resolution_due),
        "paused": complaint.paused_since is not None,
        "calendar_problem": complaint.sla_problem.partition(":")[2]
        if complaint.sla_problem
        else "",
    }
