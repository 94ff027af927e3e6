"""Moving a complaint along its workflow table, replies with coaching, notes, pauses.

:func:`move_complaint` is the one function that changes a complaint's step; it raises
:class:`IllegalMove` (409) for a move the table does not allow and records every move as a row.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.permissions import Action, require
from qiwang.complaints.choices import MoveKind, Outcome, ReturnReason, Status, Step, Workflow
from qiwang.complaints.coaching import check_text
from qiwang.complaints.models import Complaint, Move
from qiwang.complaints.services import sla
from qiwang.complaints.workflow import BACKWARD, allowed_moves, skip_target
from qiwang.errors import ConflictError, ServiceError

MAX_TEXT = 2000


class IllegalMove(ConflictError):
    """A move the workflow table does not allow from the current step."""


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("category", "customer")
        .get(pk=complaint.pk)
    )


def _text(value: str, field: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > MAX_TEXT:
        raise ServiceError(
            _("At most %(max)s characters (this text has %(count)s).")
            % {"max": MAX_TEXT, "count": len(text)},
            field=field,
        )
    return text


def move_complaint(
    complaint: Complaint,
    *,
    to_step: str,
    actor: Any,
    note: str = "",
    skip_reason: str = "",
    escalate_to: Any = None,
    return_reason: str = "",
    now: datetime.datetime | None = None,
    base_url: str = "",
) -> Move:
    """Move ``complaint`` to ``to_step``; with ``skip_reason``, skip the current step.
    ``base_url`` (the site's address) makes the follow-up SMS link absolute when closing."""
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    note = _text(note, "note", required=False)
    skip_reason = _text(skip_reason, "skip_reason", required=False)
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(complaint)
        allowed = allowed_moves(current.workflow, current.step)
        if to_step not in allowed:
            labels = ", ".join(str(Step(step).label) for step in allowed) or _("none")
            raise IllegalMove(
                _("“%(target)s” cannot follow “%(step)s”; allowed: %(allowed)s.")
                % {
                    "target": Step(to_step).label if to_step in Step.values else to_step,
                    "step": Step(current.step).label,
                    "allowed": labels,
                },
                field="to_step",
            )
        if skip_reason and skip_target(current.workflow, current.step) != to_step:
            raise IllegalMove(_("Only the next step can follow a skipped one."), field="to_step")
        if current.step == Step.REAL_REASON and not (return_reason or current.return_reason):
            raise ServiceError(_("Code the real reason for leaving first."), field="return_reason")
        if return_reason:
            if return_reason not in ReturnReason.values:
                raise ServiceError(
                    _("Unknown reason “%(value)s”.") % {"value": return_reason},
                    field="return_reason",
                )
            current.return_reason = return_reason
        kind = (
            MoveKind.SKIPPED
            if skip_reason
            else (MoveKind.BACK if (current.step, to_step) in BACKWARD else MoveKind.DONE)
        )
        move = Move.objects.create(
            complaint=current,
            kind=kind,
            from_step=current.step,
            to_step=to_step,
            text=note,
            reason=skip_reason,
            actor=actor,
            at=now,
            params={"escalated_to": escalate_to.pk} if escalate_to is not None else {},
        )
        previous = current.step
        current.step = to_step
        if current.first_response_at is None and kind != MoveKind.SKIPPED:
            current.first_response_at = now
        if to_step == Step.ESCALATE:
            current.escalated_at = now
            current.escalated_to = escalate_to
        if current.workflow == Workflow.COMPLAINT and to_step == Step.FOLLOW_UP:
            current.resolved_at, current.status = now, Status.RESOLVED
            current.paused_since = None
        if kind == MoveKind.BACK:
            current.resolved_at, current.status = None, Status.OPEN
        if to_step == Step.CLOSED:
            current.closed_at, current.status = now, Status.CLOSED
            current.resolved_at = current.resolved_at or now
            if current.workflow == Workflow.RETURN:
                kept = previous in (Step.TRY_REVERSE, Step.OTHER_WAY)
                current.outcome = Outcome.RECOVERED if kept else Outcome.LOST
                current.outcome_at = now
            else:
                _ask_follow_up(current, base_url)
        current.save()
    complaint.refresh_from_db()
    return move


def _ask_follow_up(complaint: Complaint, base_url: str = "") -> None:
    """The one-question follow-up (an SMS through the messaging channel of the surveys and
    customers apps, with the link to the answer page), queued in the closing transaction."""
    from qiwang.complaints.services.follow_up import follow_up_link
    from qiwang.complaints.services.notify import queue_message

    phone = complaint.reporter_phone or (complaint.customer.phone if complaint.customer else "")
    if phone:
        queue_message(
            complaint=complaint,
            phone=phone,
            code="complaint.follow_up",
            params={"link": follow_up_link(complaint, base_url)},
        )


def record_reply(complaint: Complaint, *, actor: Any, text: str, language: str = "zh") -> Move:
    """Store a reply to the customer with the coaching flags it had (codes only)."""
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    text = _text(text, "text", required=True)
    flags = check_text(text, language=language).flags
    now = timezone.now()
    with transaction.atomic():
        current = _locked(complaint)
        move = Move.objects.create(
            complaint=current,
            kind=MoveKind.REPLY,
            text=text,
            actor=actor,
            at=now,
            from_step=current.step,
            to_step=current.step,
            params={"flags": [flag.rule for flag in flags]},
        )
        if current.first_response_at is None:
            current.first_response_at = now
            current.save(update_fields=["first_response_at", "updated_at"])
    return move


def add_note(complaint: Complaint, *, actor: Any, text: str) -> Move:
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    text = _text(text, "text", required=True)
    return Move.objects.create(
        complaint=complaint,
        kind=MoveKind.NOTE,
        text=text,
        actor=actor,
        at=timezone.now(),
        from_step=complaint.step,
        to_step=complaint.step,
    )


def pause(complaint: Complaint, *, actor: Any, reason: str) -> None:
    """Wait for the customer: the resolution clock stops, the reason shows on the timeline."""
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    reason = _text(reason, "reason", required=True)
    with transaction.atomic():
        current = _locked(complaint)
        if not current.is_open or current.paused_since is not None:
            raise ConflictError(_("The clock is not running."), field="reason")
        sla.pause_clock(current, actor=actor, reason=reason, now=timezone.now())
        current.save()


def resume(complaint: Complaint, *, actor: Any) -> None:
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    with transaction.atomic():
        current = _locked(complaint)
        if current.paused_since is None:
            raise ConflictError(_("The clock is not paused."))
        sla.resume_clock(current, actor=actor, now=timezone.now())
        current.save()


def change_severity(complaint: Complaint, *, actor: Any, severity: str) -> None:
    """A new severity means new targets; the accumulated pause is kept."""
    from qiwang.complaints.choices import Severity
    from qiwang.complaints.services.intake import priority_of

    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    if severity not in Severity.values:
        raise ServiceError(
            _("Unknown severity “%(value)s”.") % {"value": severity}, field="severity"
        )
    with transaction.atomic():
        current = _locked(complaint)
        current.severity = severity
        current.priority = priority_of(
            severity, current.emotion, current.customer.tier if current.customer else ""
        )
        sla.apply_targets(current)
        current.save()
        Move.objects.create(
            complaint=current,
            kind=MoveKind.NOTE,
            code="severity_changed",
            params={"severity": severity},
            actor=actor,
            at=timezone.now(),
        )


def assign(complaint: Complaint, *, actor: Any, user: Any) -> None:
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    if user is not None and not user.can_see_branch(complaint.branch_id):
        raise ServiceError(_("That person does not work for this branch."), field="assigned_to")
    with transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(assigned_to=user)
        Move.objects.create(
            complaint=complaint,
            kind=MoveKind.ASSIGNED,
            actor=actor,
            at=timezone.now(),
            params={"user": user.pk if user else None},
        )
    complaint.assigned_to = user


def record_follow_up_score(complaint: Complaint, *, actor: Any, score: int) -> None:
    """The answer to the one-question follow-up (1–5) staff heard from the customer (by
    phone): recorded only while no answer is stored, marked as entered by staff."""
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ServiceError(_("A score from 1 to 5."), field="score")
    with transaction.atomic():
        current = _locked(complaint)
        if current.follow_up_score is not None:
            raise FollowUpAlreadyAnswered(current.follow_up_score, current.follow_up_by)
        Complaint.objects.filter(pk=complaint.pk).update(
            follow_up_score=score, follow_up_by="staff", updated_at=timezone.now()
        )
        Move.objects.create(
            complaint=complaint,
            kind=MoveKind.OUTCOME,
            code="follow_up_score",
            params={"score": score, "by": "staff"},
            actor=actor,
            at=timezone.now(),
            from_step=current.step,
            to_step=current.step,
        )
    complaint.follow_up_score, complaint.follow_up_by = score, "staff"


class FollowUpAlreadyAnswered(ConflictError):
    """Staff may enter the follow-up answer only while none is stored."""

    def __init__(self, score: int, by: str) -> None:
        if by == "customer":
            text = _(
                "The customer has already answered the follow-up (%(score)s of 5); their own "
                "answer is kept and cannot be replaced."
            )
        else:
            text = _(
                "A follow-up answer is already recorded (%(score)s of 5, entered on the "
                "customer's behalf); it is not overwritten."
            )
        super().__init__(text % {"score": score}, field="score")


def record_outcome(complaint: Complaint, *, actor: Any, outcome: str) -> None:
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    if outcome not in Outcome.values:
        raise ServiceError(_("Unknown outcome “%(value)s”.") % {"value": outcome}, field="outcome")
    now = timezone.now()
    with transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(outcome=outcome, outcome_at=now)
        Move.objects.create(
            complaint=complaint,
            kind=MoveKind.OUTCOME,
            code="outcome",
            params={"outcome": outcome},
            actor=actor,
            at=now,
        )
    complaint.outcome = outcome
