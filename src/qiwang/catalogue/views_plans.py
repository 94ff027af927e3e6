"""Publications with the comparison-risk list, and surprise plans (calendar and budget)."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts.permissions import Action, can, require
from qiwang.catalogue.choices import PlanStatus, ServiceTier
from qiwang.catalogue.models import Publication, Service, SurprisePlan
from qiwang.catalogue.presentation import render_notice
from qiwang.catalogue.services.publications import beyond_scope, comparison_risk
from qiwang.catalogue.services.surprises import (
    create_plan,
    deliver_planned,
    habituated_customers,
    set_plan_status,
)
from qiwang.catalogue.views import visible_service
from qiwang.customers.choices import Tier
from qiwang.customers.models import Customer
from qiwang.errors import ServiceError

RISK_SHOWN = 50


@login_required
def publications(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_SERVICES)
    rows = list(
        Publication.objects.for_user(request.user)
        .select_related("service", "branch")
        .order_by("-published_on", "-pk")[:200]
    )
    for row in rows:
        row.beyond = beyond_scope(row)
    visible = Customer.objects.for_user(request.user)
    risks = []
    for service in (
        Service.objects.for_user(request.user).filter(publications__isnull=False).distinct()
    ):
        risky = comparison_risk(service, within=visible).select_related("branch").order_by("code")
        count = risky.count()
        if count:
            risks.append(
                {"service": service, "count": count, "customers": list(risky[:RISK_SHOWN])}
            )
    return render(
        request,
        "catalogue/publications.html",
        {"publications": rows, "risks": risks, "shown": RISK_SHOWN},
    )


@login_required
def surprises(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_SERVICES)
    services = list(
        Service.objects.for_user(request.user).active().filter(tier=ServiceTier.SURPRISE)
    )
    for service in services:
        service.habituated = len(habituated_customers(service))
    plans = SurprisePlan.objects.for_user(request.user).select_related("service")[:100]
    return render(
        request,
        "catalogue/surprises.html",
        {
            "services": services,
            "plans": plans,
            "can_change": can(request.user, Action.CHANGE_SERVICES),
            "today": timezone.localdate(),
            "year_end": timezone.localdate().replace(month=12, day=31),
        },
    )


@login_required
@require_POST
def plan_add(request: HttpRequest) -> HttpResponse:
    try:
        service_id = int(request.POST.get("service", ""))
    except ValueError:
        messages.error(request, _("Choose a surprise service."))
        return redirect("catalogue:surprises")
    service = visible_service(request, service_id)
    require(request.user, Action.CHANGE_SERVICES, service)
    names = ("name", "budget", "cost", "start", "end", "min_gap_days", "max_per_year", "seed")
    data = {n: request.POST.get(n, "").strip() for n in names if request.POST.get(n, "").strip()}
    try:
        plan = create_plan(actor=request.user, service=service, data=data)
    except ServiceError as error:
        messages.error(request, error.text)
        return redirect("catalogue:surprises")
    messages.success(
        request, _("Plan drafted: check the calendar and the budget, then confirm it.")
    )
    return redirect("catalogue:plan", plan_id=plan.pk)


def _plan(request: HttpRequest, plan_id: int) -> SurprisePlan:
    return get_object_or_404(
        SurprisePlan.objects.for_user(request.user).select_related("service"), pk=plan_id
    )


def _calendar(plan: SurprisePlan, days: list[datetime.date]) -> dict[str, Any]:
    per_month = Counter(day.strftime("%Y-%m") for day in days)
    months = []
    cursor = plan.start.replace(day=1)
    while cursor <= plan.end:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    spent, cumulative = Decimal(0), []
    for month in months:
        spent += plan.cost * per_month.get(month, 0)
        cumulative.append(float(spent))
    return {
        "months": months,
        "count": [per_month.get(m, 0) for m in months],
        "spent": cumulative,
        "budget": float(plan.budget),
        "labels": {
            "count": _("Surprises per month"),
            "spent": _("Spent so far (yuan)"),
            "budget": _("Budget (yuan)"),
            "countAxis": _("Surprises"),
            "moneyAxis": _("yuan"),
        },
    }


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    require(request.user, Action.VIEW_SERVICES)
    plan = _plan(request, plan_id)
    items = list(
        plan.items.for_user(request.user).select_related("customer").order_by("date", "pk")
    )
    summary = plan.summary or {}
    notices = [
        render_notice(n.get("code", ""), n.get("params", {})) for n in summary.get("notices", [])
    ]
    tiers = dict(Tier.choices)
    segments = [
        {**s, "label": tiers.get(s.get("segment"), s.get("segment"))}
        for s in summary.get("segments", [])
    ]
    return render(
        request,
        "catalogue/plan.html",
        {
            "plan": plan,
            "items": items,
            "notices": notices,
            "segments": segments,
            "calendar": _calendar(plan, [i.date for i in items]),
            "can_change": can(request.user, Action.CHANGE_SERVICES, plan),
            "is_open": plan.status != PlanStatus.CANCELLED,
            "is_draft": plan.status == PlanStatus.DRAFT,
            "is_confirmed": plan.status == PlanStatus.CONFIRMED,
            "due": sum(
                1 for i in items if i.status == "planned" and i.date <= timezone.localdate()
            ),
            "remaining": plan.budget - plan.spent,
        },
    )


@login_required
@require_POST
def plan_status(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    try:
        set_plan_status(actor=request.user, plan=plan, status=request.POST.get("status", ""))
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("Plan updated."))
    return redirect("catalogue:plan", plan_id=plan.pk)


@login_required
@require_POST
def plan_deliver(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    try:
        count = deliver_planned(actor=request.user, plan=plan, up_to=timezone.localdate())
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(
            request, _("%(count)s surprises recorded as delivered.") % {"count": count}
        )
    return redirect("catalogue:plan", plan_id=plan.pk)
