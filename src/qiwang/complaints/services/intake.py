"""Intake from every door: staff, public page, API, a bad survey answer, a broken commitment.

One function, :func:`open_complaint`, validates and stores a complaint with its emotion,
priority, SLA deadlines and first history row, in one transaction. A ``submission_key`` makes a
repeated submission (a double tap on the public form, an API retry) a conflict that names the
complaint already stored, never a second complaint.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch
from qiwang.complaints.choices import Channel, MoveKind, Severity, Status, Workflow
from qiwang.complaints.emotion import read_emotion
from qiwang.complaints.models import Category, Complaint, Incident, Move
from qiwang.complaints.services.sla import apply_targets
from qiwang.complaints.workflow import FIRST_STEP, INCIDENT_RESOLVED_STEP
from qiwang.customers.models import Customer
from qiwang.customers.phones import normalise_phone
from qiwang.errors import ConflictError, ServiceError

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 2000
#: A new complaint of the same customer within this many days of an earlier one is a second
#: failure (double deviation: the recovery paradox vanishes, Maxham & Netemeyer 2002).
SECOND_FAILURE_DAYS = 90
#: Earlier contacts about the same matter are counted over this many days.
REPEAT_WINDOW_DAYS = 30
#: Open incidents of the same branch and category started this recently absorb new reports.
INCIDENT_WINDOW = datetime.timedelta(hours=48)

SEVERITY_WEIGHT = {Severity.LOW: 10, Severity.MEDIUM: 20, Severity.HIGH: 30, Severity.CRITICAL: 40}
EMOTION_WEIGHT = {"calm": 0, "upset": 5, "angry": 15}
TIER_WEIGHT = {"vip": 10, "important": 5}


class DuplicateSubmission(ConflictError):
    """The same submission was stored before; ``complaint`` is the stored one."""

    def __init__(self, complaint: Complaint) -> None:
        self.complaint = complaint
        super().__init__(
            _("This complaint was already received as number %(number)s.")
            % {"number": complaint.pk},
            field="submission_key",
        )


def priority_of(severity: str, emotion: str, tier: str) -> int:
    return (
        SEVERITY_WEIGHT.get(severity, 20)
        + EMOTION_WEIGHT.get(emotion, 0)
        + TIER_WEIGHT.get(tier, 0)
    )


def _clean_temperature(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ServiceError(
            _("“%(value)s” is not a temperature.") % {"value": value}, field="measured_temperature"
        ) from None
    if not Decimal(-30) <= number <= Decimal(45):
        raise ServiceError(
            _("%(value)s °C is not a plausible room temperature.") % {"value": number},
            field="measured_temperature",
        )
    return number.quantize(Decimal("0.1"))


def open_complaint(
    *,
    branch: Branch,
    category: Category,
    description: str,
    channel: str,
    actor: Any = None,
    customer: Customer | None = None,
    severity: str = Severity.MEDIUM,
    reporter_name: str = "",
    reporter_phone: str = "",
    submission_key: str | None = None,
    measured_temperature: Any = None,
    workflow: str = Workflow.COMPLAINT,
    incident: Incident | None = None,
    received_at: datetime.datetime | None = None,
    return_reason: str = "",
) -> Complaint:
    """Store one complaint (see the module docstring). Raises :class:`ServiceError` naming the
    field for bad input, :class:`DuplicateSubmission` for a repeated submission."""
    text = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["description"] = [_("Say what happened.")]
    elif len(text) > MAX_DESCRIPTION:
        errors["description"] = [
            _("At most %(max)s characters (this text has %(count)s).")
            % {"max": MAX_DESCRIPTION, "count": len(text)}
        ]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel “%(value)s”.") % {"value": channel}]
    if severity not in Severity.values:
        errors["severity"] = [_("Unknown severity “%(value)s”.") % {"value": severity}]
    if workflow not in Workflow.values:
        errors["workflow"] = [_("Unknown workflow “%(value)s”.") % {"value": workflow}]
    if customer is not None and customer.branch_id != branch.pk:
        errors["customer"] = [_("The customer belongs to another branch.")]
    if incident is not None and incident.branch_id != branch.pk:
        errors["incident"] = [_("The incident belongs to another branch.")]
    if len(reporter_phone or "") > 30 or len(reporter_name or "") > 60:
        errors["reporter"] = [_("Name or phone number too long.")]
    else:
        try:
            reporter_phone = normalise_phone(reporter_phone or "", field="reporter_phone")
        except ServiceError as error:
            errors.update(error.errors)
    try:
        temperature = _clean_temperature(measured_temperature)
    except ServiceError as error:
        errors.update(error.errors)
        temperature = None
    if errors:
        raise ServiceError(errors)
    if submission_key:
        existing = Complaint.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            raise DuplicateSubmission(existing)
    now = received_at or timezone.now()
    earlier = Complaint.objects.none()
    if customer is not None:
        earlier = Complaint.objects.filter(customer=customer)
    elif reporter_phone:
        earlier = Complaint.objects.filter(reporter_phone=reporter_phone, branch=branch)
    repeated = earlier.filter(
        Q(status__in=("open", "waiting"))
        | Q(received_at__gte=now - datetime.timedelta(days=REPEAT_WINDOW_DAYS)),
        category=category,
    ).count()
    second_failure = (
        customer is not None
        and earlier.filter(
            received_at__gte=now - datetime.timedelta(days=SECOND_FAILURE_DAYS),
            received_at__lt=now,
        ).exists()
    )
    reading = read_emotion(text, repeated_contacts=min(repeated, 10))
    if incident is None:
        incident = (
            Incident.objects.filter(
                branch=branch,
                category=category,
                resolved_at__isnull=True,
                started_at__gte=now - INCIDENT_WINDOW,
                started_at__lte=now,
            )
            .order_by("-started_at")
            .first()
        )
    complaint = Complaint(
        branch=branch,
        customer=customer,
        reporter_name=(reporter_name or "").strip(),
        reporter_phone=reporter_phone,
        category=category,
        dimension=category.dimension,
        failure_kind=category.failure_kind,
        severity=severity,
        channel=channel,
        workflow=workflow,
        description=text,
        emotion=reading.level,
        emotion_signals=list(reading.signals),
        repeated_contacts=repeated,
        is_second_failure=second_failure,
        priority=priority_of(severity, reading.level, customer.tier if customer else ""),
        step=FIRST_STEP[workflow],
        incident=incident,
        measured_temperature=temperature,
        return_reason=return_reason,
        submission_key=submission_key or None,
        received_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    apply_targets(complaint)
    try:
        with transaction.atomic():
            complaint.save()
            Move.objects.create(
                complaint=complaint,
                kind=MoveKind.OPENED,
                to_step=complaint.step,
                code=f"opened.{channel}",
                params={"emotion": reading.level},
                actor=complaint.created_by,
                at=now,
            )
            if second_failure:
                from qiwang.complaints.services.notify import queue_supervisor_notifications

                Move.objects.create(
                    complaint=complaint,
                    kind=MoveKind.NOTE,
                    code="second_failure",
                    params={"days": SECOND_FAILURE_DAYS},
                    at=now,
                )
                queue_supervisor_notifications([(complaint.pk, "complaint.second_failure")])
    except IntegrityError:
        stored = Complaint.objects.filter(submission_key=submission_key).first()
        if submission_key and stored is not None:  # a concurrent twin won the race
            raise DuplicateSubmission(stored) from None
        raise
    return complaint


def general_category() -> Category:
    category = Category.objects.filter(code="general").first()
    if category is None:
        category = Category.objects.order_by("pk").first()
    if category is None:
        raise ServiceError(_("No complaint category is set up."), field="category")
    return category


def open_complaint_for_survey(response: Any, customer: Customer, reason: str) -> None:
    """``surveys.loop.FOLLOW_UP_HOOKS`` entry: a bad answer opens a complaint (once per
    response)."""
    key = f"survey-response:{response.pk}"
    if Complaint.objects.filter(submission_key=key).exists():
        return
    try:
        open_complaint(
            branch=customer.branch,
            category=general_category(),
            description=reason[:MAX_DESCRIPTION],
            channel=Channel.SURVEY,
            customer=customer,
            severity=Severity.MEDIUM,
            submission_key=key,
        )
    except ServiceError:  # never lose the survey answer over a complaint set-up problem
        logger.warning("no complaint opened for survey response %s", response.pk, exc_info=True)


def open_complaint_for_broken_promise(delivery: Any) -> None:
    """``catalogue.hooks.BROKEN_PROMISE_HOOKS`` entry: a broken commitment to a known customer
    opens a complaint (once per delivery)."""
    customer = getattr(delivery, "customer", None)
    if customer is None:
        return
    key = f"broken-commitment:{delivery.pk}"
    if Complaint.objects.filter(submission_key=key).exists():
        return
    service = getattr(delivery, "service", None)
    open_complaint(  # the catalogue calls hooks after commit and logs a failure
        branch=customer.branch,
        category=general_category(),
        description=_("Commitment not kept: %(service)s") % {"service": service or "—"},
        channel=Channel.BROKEN_COMMITMENT,
        customer=customer,
        severity=Severity.MEDIUM,
        submission_key=key,
    )


def open_incident(
    *,
    branch: Branch,
    category: Category,
    title: str,
    actor: Any,
    started_at: datetime.datetime | None = None,
    complaints: list[Complaint] | None = None,
) -> Incident:
    """Group reports of one event; later reports of the same branch and category join it."""
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Give the incident a title."), field="title")
    if len(title) > 120:
        raise ServiceError(_("At most 120 characters."), field="title")
    with transaction.atomic():
        incident = Incident.objects.create(
            branch=branch,
            category=category,
            title=title,
            created_by=actor,
            started_at=started_at or timezone.now(),
        )
        if complaints:
            ids = [c.pk for c in complaints if c.branch_id == branch.pk]
            Complaint.objects.filter(pk__in=ids).update(incident=incident)
    return incident


class IncidentAlreadyResolved(ConflictError):
    """A resolved incident's answer went to every reporter once; it is not sent again."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This incident is already resolved and its answer was sent to every reporter: "
                "nothing was sent again. Follow up each report from its own page."
            ),
            field="answer",
        )


def answer_incident(*, incident: Incident, actor: Any, text: str, resolve: bool = True) -> int:
    """Answer every reporter of the incident once (an SMS each, from the outbox) and, with
    ``resolve``, resolve it: each open report moves to the follow-up step (one row each).
    Returns the number of reports answered."""
    from qiwang.complaints.services.notify import queue_message

    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write the answer for the reporters."), field="answer")
    if len(text) > 500:
        raise ServiceError(_("At most 500 characters."), field="answer")
    now = timezone.now()
    with transaction.atomic():
        # Lock the incident: two clicks (or two agents) must not both send to every reporter.
        current = Incident.objects.select_for_update().get(pk=incident.pk)
        if current.resolved_at is not None:
            raise IncidentAlreadyResolved()
        incident.answer, incident.answered_at = text, now
        incident.resolved_at = now if resolve else None
        incident.save(update_fields=["answer", "answered_at", "resolved_at"])
        reports = list(incident.reports.select_related("customer"))
        phones = set()
        for report in reports:
            phone = report.reporter_phone or (report.customer.phone if report.customer else "")
            Move.objects.create(
                complaint=report,
                kind=MoveKind.REPLY,
                text=text,
                actor=actor,
                at=now,
                from_step=report.step,
                to_step=report.step,
                code="incident.answer",
            )
            if report.first_response_at is None:
                report.first_response_at = now
            target = INCIDENT_RESOLVED_STEP.get(report.workflow)
            if resolve and target and report.is_open and report.step not in (target, "closed"):
                Move.objects.create(
                    complaint=report,
                    kind=MoveKind.DONE,
                    from_step=report.step,
                    to_step=target,
                    actor=actor,
                    at=now,
                    code="incident.resolved",
                    params={"incident": incident.pk},
                )
                report.step, report.status = target, Status.RESOLVED
                report.resolved_at, report.paused_since = now, None
            report.save(
                update_fields=[
                    "first_response_at",
                    "step",
                    "status",
                    "resolved_at",
                    "paused_since",
                    "updated_at",
                ]
            )
            if phone and phone not in phones:
                phones.add(phone)
                queue_message(
                    complaint=report,
                    phone=phone,
                    code="incident.answer",
                    params={"text": text, "incident": incident.title},
                )
    return len(reports)
