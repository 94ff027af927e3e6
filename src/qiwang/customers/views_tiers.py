"""Tiers and maintenance plans: the plans per tier (editable by the service-quality manager),
tier suggestions from value figures awaiting a manager, and the tier history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, can, can_company, require, require_company
from qiwang.customers.choices import Industry, TierChangeStatus
from qiwang.customers.forms import BranchIndustryForm, PlanForm
from qiwang.customers.models import MaintenancePlan, TierChange
from qiwang.customers.models.profiles import DEFAULT_INDUSTRY
from qiwang.customers.navigation import require_page
from qiwang.customers.querysets import tier_rank
from qiwang.customers.services import update_plan
from qiwang.customers.services.profiles import (
    branch_industries,
    industries_in_use,
    topic_names,
    topics_for,
)
from qiwang.customers.services.tiers import decide_tier_change, suggest_tiers
from qiwang.errors import ServiceError


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """One industry profile's care plans and contact topics (``?industry=``; default: the
    profile of the user's branches), and which profile each of the user's branches uses."""
    require_page(request.user, "plans")
    visible = Branch.objects.for_user(request.user).order_by("code")
    mapping = branch_industries()
    in_use = industries_in_use([branch.pk for branch in visible])
    industry = request.GET.get("industry", "")
    if industry not in Industry.values:
        industry = in_use[0]
    plans = list(
        MaintenancePlan.objects.filter(industry=industry)
        .annotate(rank=tier_rank())
        .order_by("rank")
    )
    names: dict[tuple[str, str], str] = {}
    for plan in plans:
        plan.topic_names = topic_names(industry, plan.topics, names)
    can_edit = can(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    branches = [
        {"branch": branch, "industry": Industry(mapping.get(branch.pk, DEFAULT_INDUSTRY)).label}
        for branch in visible
    ]
    return render(
        request,
        "customers/plans.html",
        {
            "industry": industry,
            "industry_label": Industry(industry).label,
            "industries": [(value, label, value in in_use) for value, label in Industry.choices],
            "plans": plans,
            "topics": topics_for(industry, active_only=False),
            "branches": branches,
            "industry_form": BranchIndustryForm(branches=visible) if can_edit else None,
            "can_edit": can_edit,
            # Plans and topics are company-wide: whole-company users only (issue 10).
            "can_edit_company": can_company(request.user, Action.MANAGE_MAINTENANCE_PLANS),
        },
    )


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    require_company(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    plan = get_object_or_404(MaintenancePlan, pk=plan_id)
    initial = {
        "frequency": plan.frequency,
        "weekdays": [str(day) for day in plan.weekdays],
        "channel": plan.channel,
        "topics": plan.topics,
        "is_active": plan.is_active,
    }
    form = PlanForm(
        request.POST or None,
        initial=initial,
        topics=topics_for(plan.industry, active_only=False),
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_plan(actor=request.user, plan=plan, data=form.cleaned_data)
        except ServiceError as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Maintenance plan saved."))
            return redirect(f"{reverse('customers:plans')}?industry={plan.industry}")
    status = 422 if request.method == "POST" else 200
    return render(request, "customers/plan_edit.html", {"plan": plan, "form": form}, status=status)


@login_required
def tier_suggestions(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "tiers")
    visible = TierChange.objects.for_user(request.user).select_related(
        "customer", "customer__account_manager", "decided_by"
    )
    return render(
        request,
        "customers/tiers.html",
        {
            "pending": visible.filter(status=TierChangeStatus.SUGGESTED).order_by("customer__code")[
                :200
            ],
            "pending_count": visible.filter(status=TierChangeStatus.SUGGESTED).count(),
            "history": visible.exclude(status=TierChangeStatus.SUGGESTED).order_by(
                "-decided_at", "-pk"
            )[:50],
            "can_decide": can(request.user, Action.MANAGE_MAINTENANCE_PLANS),
        },
    )


@login_required
@require_POST
def run_tier_rule(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    result = suggest_tiers(actor=request.user)
    messages.success(
        request,
        _("%(examined)d customers examined, %(suggested)d new suggestions.")
        % {"examined": result.examined, "suggested": result.suggested},
    )
    return redirect("customers:tiers")


@login_required
@require_POST
def decide_tier(request: HttpRequest, change_id: int) -> HttpResponse:
    require(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    change = get_object_or_404(
        TierChange.objects.for_user(request.user).select_related("customer"), pk=change_id
    )
    accept = request.POST.get("decision") == "confirm"
    try:
        change = decide_tier_change(actor=request.user, change=change, accept=accept)
    except ServiceError as error:
        if request.htmx:
            return render(
                request,
                "customers/_tier_row.html",
                {"change": change, "error": error, "can_decide": False},
                status=error.status_code,
            )
        messages.error(request, str(error))
        return redirect("customers:tiers")
    if request.htmx:
        return render(request, "customers/_tier_row.html", {"change": change, "can_decide": False})
    return redirect("customers:tiers")
