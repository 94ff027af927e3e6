"""API: complaints, their steps, replies, compensation, approvals and incidents.

Same rules as the pages: branch scope (out-of-scope objects 404), role (forbidden actions 403),
personal data masked for roles without it; writes go through the services.
"""

import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.complaints.choices import (
    Channel,
    Emotion,
    Outcome,
    ReturnReason,
    Severity,
    Step,
    Workflow,
)
from qiwang.complaints.choices import (
    Status as ComplaintStatus,
)
from qiwang.complaints.coaching import check_text
from qiwang.complaints.models import Category, Compensation, CompensationOption, Complaint, Incident
from qiwang.complaints.presentation import reporter_phone
from qiwang.complaints.services import compensation as compensation_services
from qiwang.complaints.services import handling
from qiwang.complaints.services.intake import answer_incident, open_complaint, open_incident
from qiwang.customers.models import Customer
from qiwang.errors import ServiceError
from qiwang.project.api import ERRORS, WRITE_ERRORS, Pagination
from qiwang.project.api_conventions import CreatedFilter, SyncFilter

router = Router(tags=["complaints"])


class ComplaintOut(Schema):
    id: int
    branch_id: int
    customer_id: int | None
    category: str = Field(alias="category.code")
    dimension: str
    failure_kind: str
    severity: Severity
    channel: Channel
    workflow: Workflow
    description: str
    emotion: Emotion
    priority: int
    step: Step
    status: ComplaintStatus
    reporter_name: str
    reporter_phone: str
    incident_id: int | None
    received_at: datetime.datetime
    first_response_at: datetime.datetime | None
    first_response_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    resolved_at: datetime.datetime | None
    sla_problem: str
    paused: bool
    outcome: Outcome
    is_second_failure: bool

    @staticmethod
    def resolve_reporter_phone(obj: Complaint, context: dict) -> str:
        return reporter_phone(obj, context["request"].user)

    @staticmethod
    def resolve_paused(obj: Complaint) -> bool:
        return obj.paused_since is not None


class ComplaintFilter(SyncFilter):
    """``created_after`` is the time the complaint was received; without ``ordering`` the list
    keeps the queue's order (overdue and urgent first)."""

    created_field: ClassVar[str] = "received_at"

    ordering: Literal["received_at", "-received_at", "updated_at", "-updated_at"] | None = None
    status: ComplaintStatus | None = None
    step: Step | None = None
    emotion: Emotion | None = None
    overdue: bool = Field(default=False, description="Only complaints past a deadline")

    def filter_overdue(self, value: bool) -> Q:
        return Q()  # a queryset method (needs the time): applied by the view


class ComplaintIn(Schema):
    branch: str = Field(description="Branch code")
    category: str = Field(description="Category code, e.g. heating")
    description: str
    channel: Channel = Channel.API
    customer_id: int | None = None
    severity: Severity = Severity.MEDIUM
    workflow: Workflow = Workflow.COMPLAINT
    reporter_name: str = ""
    reporter_phone: str = ""
    measured_temperature: Decimal | None = None
    submission_key: str | None = Field(
        default=None,
        max_length=60,
        description="Your id for this submission: sending it again answers 409 naming the complaint",
    )


def _visible(request: HttpRequest, pk: int) -> Complaint:
    require(request.user, Action.VIEW_COMPLAINTS)
    return get_object_or_404(Complaint.objects.for_user(request.user).with_related(), pk=pk)


@router.get("/complaints", response={200: list[ComplaintOut], **ERRORS})
@paginate(Pagination, page_size=50)
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilter]):  # type: ignore[no-untyped-def]
    require(request.user, Action.VIEW_COMPLAINTS)
    rows = Complaint.objects.for_user(request.user)
    if filters.overdue:
        rows = rows.overdue(timezone.now())
    return filters.filter(rows.with_related().queue_order())


@router.post("/complaints", response={201: ComplaintOut, **WRITE_ERRORS})
def create_complaint(request: HttpRequest, payload: ComplaintIn):  # type: ignore[no-untyped-def]
    require(request.user, Action.CHANGE_COMPLAINTS)
    branch = Branch.objects.for_user(request.user).filter(code=payload.branch).first()
    if branch is None:
        message = _("No branch “%(code)s” among yours.") % {"code": payload.branch}
        raise ServiceError(message, field="branch")
    require(request.user, Action.CHANGE_COMPLAINTS, branch)
    category = Category.objects.filter(code=payload.category).first()
    if category is None:
        message = _("No complaint category “%(code)s”.") % {"code": payload.category}
        raise ServiceError(message, field="category")
    customer = None
    if payload.customer_id is not None:
        customer = Customer.objects.for_user(request.user).filter(pk=payload.customer_id).first()
        if customer is None:
            raise ServiceError(
                f"no customer {payload.customer_id} among yours", field="customer_id"
            )
    key = f"api:{request.user.pk}:{payload.submission_key}" if payload.submission_key else None
    complaint = open_complaint(
        branch=branch,
        category=category,
        description=payload.description,
        channel=payload.channel,
        actor=request.user,
        customer=customer,
        severity=payload.severity,
        workflow=payload.workflow,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        measured_temperature=payload.measured_temperature,
        submission_key=key,
    )
    return Status(201, Complaint.objects.with_related().get(pk=complaint.pk))


@router.get("/complaints/{complaint_id}", response={200: ComplaintOut, **ERRORS})
def get_complaint(request: HttpRequest, complaint_id: int):  # type: ignore[no-untyped-def]
    return _visible(request, complaint_id)


class StepOut(Schema):
    id: int
    kind: str
    from_step: str
    to_step: str
    text: str
    reason: str
    code: str
    params: dict
    actor_id: int | None
    at: datetime.datetime


class StepIn(Schema):
    to_step: Step
    note: str = ""
    skip_reason: str = Field(default="", description="Skip the current step (required to skip)")
    return_reason: ReturnReason | None = None
    escalate_to: int | None = Field(default=None, description="User id, when escalating")


@router.get("/complaints/{complaint_id}/steps", response={200: list[StepOut], **ERRORS})
def list_steps(request: HttpRequest, complaint_id: int):  # type: ignore[no-untyped-def]
    return list(_visible(request, complaint_id).moves.all())


@router.post("/complaints/{complaint_id}/steps", response={201: StepOut, **WRITE_ERRORS})
def move(request: HttpRequest, complaint_id: int, payload: StepIn):  # type: ignore[no-untyped-def]
    complaint = _visible(request, complaint_id)
    escalate_to = None
    if payload.escalate_to is not None:
        escalate_to = User.objects.filter(pk=payload.escalate_to, is_active=True).first()
        if escalate_to is None:
            raise ServiceError("no such active user", field="escalate_to")
    made = handling.move_complaint(
        complaint,
        to_step=payload.to_step,
        actor=request.user,
        note=payload.note,
        skip_reason=payload.skip_reason,
        escalate_to=escalate_to,
        return_reason=payload.return_reason or "",
        base_url=request.build_absolute_uri("/"),
    )
    return Status(201, made)


class FlagOut(Schema):
    rule: str
    start: int
    end: int
    text: str
    suggestion: str
    why: str


class ReplyIn(Schema):
    text: str
    language: str = Field(default="zh", pattern="^(zh|en)$")


class ReplyOut(Schema):
    step_id: int | None = None
    flags: list[FlagOut]


@router.post("/complaints/{complaint_id}/replies", response={201: ReplyOut, **WRITE_ERRORS})
def reply(request: HttpRequest, complaint_id: int, payload: ReplyIn):  # type: ignore[no-untyped-def]
    complaint = _visible(request, complaint_id)
    made = handling.record_reply(
        complaint, actor=request.user, text=payload.text, language=payload.language
    )
    flags = check_text(payload.text, language=payload.language).flags
    return Status(201, {"step_id": made.pk, "flags": [flag.to_dict() for flag in flags]})


@router.post("/reply-check", response={200: ReplyOut, **WRITE_ERRORS})
def reply_check(request: HttpRequest, payload: ReplyIn):  # type: ignore[no-untyped-def]
    """Coach a reply without storing it (the organisation's own rules included)."""
    require(request.user, Action.VIEW_COMPLAINTS)
    if len(payload.text) > handling.MAX_TEXT:
        raise ServiceError(f"at most {handling.MAX_TEXT} characters", field="text")
    return {
        "flags": [
            flag.to_dict() for flag in check_text(payload.text, language=payload.language).flags
        ]
    }


class CompensationOut(Schema):
    id: int
    complaint_id: int | None
    incident_id: int | None
    option: str = Field(alias="option.code")
    value: Decimal
    recipients: int
    status: str
    proposed_by_id: int | None
    decided_by_id: int | None
    proposed_at: datetime.datetime
    decided_at: datetime.datetime | None


class CompensationIn(Schema):
    option: str = Field(description="Compensation option code")
    value: Decimal | None = Field(
        default=None, description="Yuan; default: the option's usual value"
    )
    note: str = ""


def _option(code: str) -> CompensationOption:
    option = CompensationOption.objects.filter(code=code, is_active=True).first()
    if option is None:
        raise ServiceError(f"no active compensation option “{code}”", field="option")
    return option


@router.get(
    "/complaints/{complaint_id}/compensations", response={200: list[CompensationOut], **ERRORS}
)
def list_compensations(request: HttpRequest, complaint_id: int):  # type: ignore[no-untyped-def]
    return list(_visible(request, complaint_id).compensations.select_related("option"))


@router.post(
    "/complaints/{complaint_id}/compensations", response={201: CompensationOut, **WRITE_ERRORS}
)
def propose(request: HttpRequest, complaint_id: int, payload: CompensationIn):  # type: ignore[no-untyped-def]
    complaint = _visible(request, complaint_id)
    option = _option(payload.option)
    made = compensation_services.propose_compensation(
        complaint,
        actor=request.user,
        option=option,
        value=payload.value if payload.value is not None else option.default_value,
        note=payload.note,
    )
    return Status(201, made)


@router.get("/approvals", response={200: list[CompensationOut], **ERRORS})
def approvals(request: HttpRequest):  # type: ignore[no-untyped-def]
    require(request.user, Action.CHANGE_COMPLAINTS)
    return list(Compensation.objects.for_user(request.user).pending().select_related("option"))


class DecisionIn(Schema):
    decision: str = Field(pattern="^(approve|reject)$")


@router.post("/approvals/{compensation_id}", response={200: CompensationOut, **WRITE_ERRORS})
def decide(request: HttpRequest, compensation_id: int, payload: DecisionIn):  # type: ignore[no-untyped-def]
    require(request.user, Action.CHANGE_COMPLAINTS)
    item = get_object_or_404(Compensation.objects.for_user(request.user), pk=compensation_id)
    return compensation_services.decide_compensation(
        item, actor=request.user, approve=payload.decision == "approve"
    )


class IncidentOut(Schema):
    id: int
    branch_id: int
    title: str
    category: str = Field(alias="category.code")
    started_at: datetime.datetime
    resolved_at: datetime.datetime | None
    answer: str


class IncidentIn(Schema):
    branch: str
    category: str
    title: str


class AnswerIn(Schema):
    text: str


class AnswerOut(Schema):
    answered: int


class IncidentFilter(CreatedFilter):
    """The latest incident first unless ``ordering`` says otherwise."""

    ordering: Literal["started_at", "-started_at", "created_at", "-created_at"] | None = None


@router.get("/incidents", response={200: list[IncidentOut], **ERRORS})
@paginate(Pagination, page_size=50)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]):  # type: ignore[no-untyped-def]
    require(request.user, Action.VIEW_COMPLAINTS)
    return filters.filter(Incident.objects.for_user(request.user).select_related("category"))


@router.post("/incidents", response={201: IncidentOut, **WRITE_ERRORS})
def create_incident(request: HttpRequest, payload: IncidentIn):  # type: ignore[no-untyped-def]
    require(request.user, Action.CHANGE_COMPLAINTS)
    branch = Branch.objects.for_user(request.user).filter(code=payload.branch).first()
    if branch is None:
        message = _("No branch “%(code)s” among yours.") % {"code": payload.branch}
        raise ServiceError(message, field="branch")
    category = Category.objects.filter(code=payload.category).first()
    if category is None:
        message = _("No complaint category “%(code)s”.") % {"code": payload.category}
        raise ServiceError(message, field="category")
    return Status(
        201,
        open_incident(branch=branch, category=category, title=payload.title, actor=request.user),
    )


@router.post("/incidents/{incident_id}/answer", response={200: AnswerOut, **WRITE_ERRORS})
def answer(request: HttpRequest, incident_id: int, payload: AnswerIn):  # type: ignore[no-untyped-def]
    require(request.user, Action.VIEW_COMPLAINTS)
    item = get_object_or_404(Incident.objects.for_user(request.user), pk=incident_id)
    require(request.user, Action.CHANGE_COMPLAINTS, item)
    try:
        answered = answer_incident(incident=item, actor=request.user, text=payload.text)
    except ServiceError as error:  # the service names the model's field; the request's is text
        raise error.renamed({"answer": "text"}) from None
    return {"answered": answered}
