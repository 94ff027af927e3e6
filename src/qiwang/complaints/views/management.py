"""Incidents, approvals, the compensation ledger (with export) and the SLA and outcome pages."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, can, require
from qiwang.complaints.choices import Dimension, ReturnReason
from qiwang.complaints.models import Category, Compensation, CompensationOption, Incident
from qiwang.complaints.services import compensation as compensation_services
from qiwang.complaints.services import outcomes
from qiwang.complaints.services.intake import answer_incident, open_incident
from qiwang.complaints.services.tallies import figures_for
from qiwang.customers.services.io import guard_formula
from qiwang.errors import ServiceError


@login_required
def incidents(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_COMPLAINTS)
    if request.method == "POST":
        require(request.user, Action.CHANGE_COMPLAINTS)
        branch = (
            Branch.objects.for_user(request.user).filter(pk=request.POST.get("branch") or 0).first()
        )
        category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
        try:
            if branch is None or category is None:
                raise ServiceError(_("Choose a branch and a category."), field="branch")
            incident = open_incident(
                branch=branch,
                category=category,
                title=request.POST.get("title", ""),
                actor=request.user,
            )
        except ServiceError as error:
            messages.error(request, error.text)
        else:
            messages.success(request, _("Incident opened: new reports of this category join it."))
            return redirect("complaints:incident", incident.pk)
    rows = (
        Incident.objects.for_user(request.user)
        .select_related("branch", "category")
        .annotate(reports_count=Count("reports"))[:100]
    )
    return render(
        request,
        "complaints/incidents.html",
        {
            "incidents": rows,
            "branches": Branch.objects.for_user(request.user).active(),
            "categories": Category.objects.all(),
            "may_change": can(request.user, Action.CHANGE_COMPLAINTS),
        },
    )


@login_required
def incident(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_COMPLAINTS)
    item = get_object_or_404(
        Incident.objects.for_user(request.user).select_related("branch", "category"), pk=pk
    )
    if request.method == "POST":
        require(request.user, Action.CHANGE_COMPLAINTS, item)
        try:
            if request.POST.get("action") == "compensate":
                option = CompensationOption.objects.filter(
                    pk=request.POST.get("option") or 0, is_active=True
                ).first()
                if option is None:
                    raise ServiceError(_("Choose a compensation."), field="option")
                made = compensation_services.propose_incident_compensation(
                    item,
                    actor=request.user,
                    option=option,
                    value=request.POST.get("value", "") or option.default_value,
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request,
                    _("Group compensation recorded.")
                    if made.status == "approved"
                    else _("Above your limit: the compensation waits for an approver."),
                )
            else:
                count = answer_incident(
                    incident=item, actor=request.user, text=request.POST.get("answer", "")
                )
                messages.success(request, _("Answered %(count)s reports.") % {"count": count})
        except ServiceError as error:
            # Shown on the page itself with the status it earned (400 bad input, 409 already
            # resolved), the incident re-read so the page shows what is really stored.
            messages.error(request, error.text)
            item.refresh_from_db()
            return _incident_page(request, item, status=getattr(error, "status_code", 400))
        return redirect("complaints:incident", item.pk)
    return _incident_page(request, item)


def _incident_page(request: HttpRequest, item: Incident, *, status: int = 200) -> HttpResponse:
    reports = item.reports.select_related("customer", "assigned_to").order_by("received_at")
    return render(
        request,
        "complaints/incident.html",
        {
            "incident": item,
            "reports": reports,
            "compensations": item.compensations.select_related("option"),
            "options": compensation_services.suggested_options(item.category.failure_kind),
            "may_change": can(request.user, Action.CHANGE_COMPLAINTS, item),
        },
        status=status,
    )


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.CHANGE_COMPLAINTS)
    limit = compensation_services.limit_for(request.user)
    pending = list(
        Compensation.objects.for_user(request.user)
        .pending()
        .select_related("option", "complaint", "incident", "proposed_by", "customer", "branch")
    )
    for row in pending:
        row.may_approve = row.total_value <= limit
    return render(request, "complaints/approvals.html", {"pending": pending, "limit": limit})


def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today - datetime.timedelta(days=365)
    try:
        end = datetime.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    return start, end


def _ledger_rows(request: HttpRequest) -> tuple[Any, str, datetime.date, datetime.date]:
    start, end = _period(request)
    by = request.GET.get("by", "customer")
    if by not in ("customer", "branch", "month"):
        by = "customer"
    scoped = Compensation.objects.for_user(request.user).filter(
        proposed_at__date__gte=start, proposed_at__date__lte=end
    )
    return compensation_services.ledger(scoped, by=by), by, start, end


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_COMPLAINTS)
    rows, by, start, end = _ledger_rows(request)
    habits = {}
    if by == "customer":
        habits = compensation_services.habit_warnings(
            [row["customer_id"] for row in rows if row["customer_id"]]
        )
    for row in rows:
        row["habit"] = habits.get(row.get("customer_id"))
    return render(
        request,
        "complaints/ledger.html",
        {
            "rows": rows,
            "by": by,
            "start": start,
            "end": end,
            "query": request.GET.urlencode(),
            "habit_count": compensation_services.HABIT_COUNT,
            "habit_days": compensation_services.HABIT_DAYS,
            "may_change": can(request.user, Action.CHANGE_COMPLAINTS),
        },
    )


@login_required
def ledger_csv(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_COMPLAINTS)
    rows, by, start, end = _ledger_rows(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    name_key = {"customer": "customer__name", "branch": "branch__name", "month": "month"}[by]
    writer.writerow([_("Group"), _("Compensations"), _("Recipients"), _("Total (yuan)")])
    for row in rows:
        label = row.get(name_key)
        label = (
            label.strftime("%Y-%m")
            if isinstance(label, datetime.date | datetime.datetime)
            else (label or "—")
        )
        writer.writerow([guard_formula(str(label)), row["count"], row["recipients"], row["total"]])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="compensation-{by}-{start}-{end}.csv"'
    return response


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    """SLA and outcome figures with charts, for the reader's branches."""
    require(request.user, Action.VIEW_COMPLAINTS)
    figures = figures_for(request.user, now=timezone.now())
    sla = figures.sla
    dimension_labels = dict(Dimension.choices)
    reason_labels = dict(ReturnReason.choices)
    english = (request.LANGUAGE_CODE or "").startswith("en")
    chart = {
        "labels": {
            "complaints": _("Complaints"),
            "recovered": _("Recovered"),
            "lost": _("Lost"),
            "seed": _("Claimed by the course"),
            "own": _("Your organisation"),
        },
        "weeks": [row["week"].strftime("%Y-%m-%d") for row in figures.by_week if row["week"]],
        "week_counts": [row["n"] for row in figures.by_week if row["week"]],
        "categories": [
            [row["category__name_en"] if english else row["category__name_zh"], row["n"]]
            for row in figures.by_category
        ],
        "dimensions": [
            [str(dimension_labels.get(row["dimension"], row["dimension"])), row["n"]]
            for row in figures.by_dimension
        ],
        "reasons": [
            [str(reason_labels.get(row["return_reason"], row["return_reason"])), row["n"]]
            for row in figures.return_reasons
        ],
    }
    return render(
        request,
        "complaints/reports.html",
        {
            "sla": sla,
            "figures": figures,
            "chart": chart,
            "seed_resolved": outcomes.SEED_RETURN_WHEN_RESOLVED,
            "seed_quick": outcomes.SEED_RETURN_WHEN_QUICK,
            "wom_negative": outcomes.WORD_OF_MOUTH_NEGATIVE,
            "wom_positive": outcomes.WORD_OF_MOUTH_POSITIVE,
            "dimension_labels": dimension_labels,
            "reason_labels": reason_labels,
            "may_change": can(request.user, Action.CHANGE_COMPLAINTS),
        },
    )
