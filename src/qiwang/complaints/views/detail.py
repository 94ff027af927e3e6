"""The complaint page: the step guide, coaching as the agent types, compensation, the timeline.

Every handler validates the form, calls one service and redirects back; refused input becomes a
message on the page (4xx for the htmx coach endpoint).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, can, require
from qiwang.complaints import workflow
from qiwang.complaints.choices import Outcome, ReturnReason, Severity, Step
from qiwang.complaints.coaching import calming_lines, check_text
from qiwang.complaints.models import (
    BranchSetup,
    Compensation,
    CompensationOption,
    Complaint,
    ReplyTemplate,
)
from qiwang.complaints.presentation import clock, move_text, reporter_phone, step_label
from qiwang.complaints.services import compensation as compensation_services
from qiwang.complaints.services import handling
from qiwang.complaints.services.attachments import open_attachment
from qiwang.errors import ServiceError


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _complaint(request: HttpRequest, pk: int) -> Complaint:
    require(request.user, Action.VIEW_COMPLAINTS)
    return get_object_or_404(Complaint.objects.for_user(request.user).with_related(), pk=pk)


def _templates(complaint: Complaint, standard: Decimal) -> list[str]:
    language = "en" if _language() == "en" else "zh-hans"
    rows = ReplyTemplate.objects.filter(step=complaint.step, language=language).filter(
        category__isnull=True
    ) | ReplyTemplate.objects.filter(
        step=complaint.step, language=language, category=complaint.category
    )
    return [
        row.text.replace("{standard}", f"{standard:g}")
        for row in rows.order_by("-category_id", "pk")
    ]


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    user = request.user
    setup = BranchSetup.objects.filter(branch_id=complaint.branch_id).first()
    standard = setup.heating_standard if setup else Decimal(18)
    moves = list(complaint.moves.select_related("actor"))
    for move in moves:
        move.generated = move_text(move)
    language = _language()
    allowed = workflow.allowed_moves(complaint.workflow, complaint.step)
    limit = compensation_services.limit_for(user)
    compensations = list(
        complaint.compensations.select_related("option", "proposed_by", "decided_by")
    )
    habit = (
        compensation_services.habit_warnings([complaint.customer_id]).get(complaint.customer_id)
        if complaint.customer_id
        else None
    )
    escalation_candidates = User.objects.filter(
        is_active=True, role__in=("quality_manager", "administrator")
    ).order_by("username")[:50]
    heating = None
    if complaint.category.is_heating and complaint.measured_temperature is not None:
        heating = {
            "measured": complaint.measured_temperature,
            "standard": standard,
            "below": complaint.measured_temperature < standard,
            "gap": standard - complaint.measured_temperature,
        }
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "phone": reporter_phone(complaint, user),
            "clock": clock(complaint),
            "steps": [
                {"value": step, "label": step_label(step), "current": step == complaint.step}
                for step in workflow.ORDER[complaint.workflow]
            ],
            "guide": workflow.GUIDE.get(complaint.step),
            "current_step": step_label(complaint.step),
            "allowed": [{"value": step, "label": step_label(step)} for step in allowed],
            "skip_to": workflow.skip_target(complaint.workflow, complaint.step),
            "skip_label": step_label(
                workflow.skip_target(complaint.workflow, complaint.step) or ""
            ),
            "moves": moves,
            "calming": calming_lines(language),
            "angry": complaint.emotion == "angry",
            "templates": _templates(complaint, standard),
            "options": compensation_services.suggested_options(complaint.failure_kind),
            "suggested_kinds": compensation_services.SUGGESTED_KINDS.get(
                complaint.failure_kind, ()
            ),
            "compensations": compensations,
            "limit": limit,
            "habit": habit,
            "heating": heating,
            "may_change": can(user, Action.CHANGE_COMPLAINTS, complaint),
            "severities": Severity.choices,
            "outcomes": Outcome.choices,
            "return_reasons": ReturnReason.choices,
            "escalation_candidates": escalation_candidates,
            "attachments": list(complaint.attachments.all()),
            "is_real_reason_step": complaint.step == Step.REAL_REASON,
        },
    )


def _back(pk: int) -> HttpResponse:
    return redirect("complaints:detail", pk)


def _run(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, success)
    return _back(pk)


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    escalate_to = None
    if request.POST.get("escalate_to"):
        escalate_to = User.objects.filter(pk=request.POST["escalate_to"], is_active=True).first()
    return _run(
        request,
        pk,
        lambda: handling.move_complaint(
            complaint,
            to_step=request.POST.get("to_step", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
            skip_reason=request.POST.get("skip_reason", ""),
            escalate_to=escalate_to,
            return_reason=request.POST.get("return_reason", ""),
            base_url=request.build_absolute_uri("/"),
        ),
        _("Step recorded."),
    )


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return _run(
        request,
        pk,
        lambda: handling.record_reply(
            complaint, actor=request.user, text=request.POST.get("text", ""), language=_language()
        ),
        _("Reply recorded."),
    )


@login_required
@require_POST
def coach(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the coaching of the reply being typed (flags as escaped text, never HTML)."""
    complaint = _complaint(request, pk)
    if not can(request.user, Action.CHANGE_COMPLAINTS, complaint):
        raise PermissionDenied
    text = request.POST.get("text", "")[: handling.MAX_TEXT]
    check = check_text(text, language=_language())
    return render(request, "complaints/_coaching.html", {"check": check, "text": text})


@login_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return _run(
        request,
        pk,
        lambda: handling.add_note(complaint, actor=request.user, text=request.POST.get("text", "")),
        _("Note added."),
    )


@login_required
@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return _run(
        request,
        pk,
        lambda: handling.pause(
            complaint, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("Clock paused."),
    )


@login_required
@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return _run(
        request, pk, lambda: handling.resume(complaint, actor=request.user), _("Clock resumed.")
    )


@login_required
@require_POST
def severity(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return _run(
        request,
        pk,
        lambda: handling.change_severity(
            complaint, actor=request.user, severity=request.POST.get("severity", "")
        ),
        _("Severity changed."),
    )


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return _run(
        request,
        pk,
        lambda: handling.record_outcome(
            complaint, actor=request.user, outcome=request.POST.get("outcome", "")
        ),
        _("Outcome recorded."),
    )


@login_required
@require_POST
def score(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    raw = request.POST.get("score", "")

    def action() -> None:
        if not raw.isdigit():
            raise ServiceError(_("A score from 1 to 5."), field="score")
        handling.record_follow_up_score(complaint, actor=request.user, score=int(raw))

    return _run(request, pk, action, _("Follow-up answer recorded."))


@login_required
@require_POST
def compensate(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    option = CompensationOption.objects.filter(
        pk=request.POST.get("option") or 0, is_active=True
    ).first()

    def action() -> None:
        if option is None:
            raise ServiceError(_("Choose a compensation."), field="option")
        made = compensation_services.propose_compensation(
            complaint,
            actor=request.user,
            option=option,
            value=request.POST.get("value", "") or option.default_value,
            note=request.POST.get("note", ""),
        )
        if made.status == "pending":
            messages.info(request, _("Above your limit: the compensation waits for an approver."))

    return _run(request, pk, action, _("Compensation recorded."))


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """One click on an approval (from the complaint page or the approvals page)."""
    require(request.user, Action.CHANGE_COMPLAINTS)
    item = get_object_or_404(Compensation.objects.for_user(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        compensation_services.decide_compensation(item, actor=request.user, approve=approve)
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    target = request.POST.get("next", "")
    if target == "approvals":
        return redirect("complaints:approvals")
    if item.complaint_id:
        return _back(item.complaint_id)
    return redirect("complaints:incident", item.incident_id)


@login_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A photo, only to users who may see the complaint; never from the web root."""
    complaint = _complaint(request, pk)
    item = complaint.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    handle = open_attachment(item)
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="complaint-{complaint.pk}-{item.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
