"""Shortage allocation pages: the form, the recorded decisions, one decision explained."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.customers.choices import Tier
from qiwang.customers.forms_allocation import AllocationForm
from qiwang.customers.models import Allocation, Customer
from qiwang.customers.navigation import require_page
from qiwang.customers.services import allocate_shortage
from qiwang.customers.services.allocation import explanation_lines
from qiwang.errors import ServiceError


@login_required
def allocation_list(request: HttpRequest) -> HttpResponse:
    """The form and the recent decisions."""
    require_page(request.user, "allocations")
    branches = list(Branch.objects.for_user(request.user).active().order_by("code"))
    products = (
        Allocation.objects.for_user(request.user)
        .order_by("product")
        .values_list("product", flat=True)
        .distinct()[:200]
    )
    form = AllocationForm(request.POST or None, branches=branches, products=products)
    if request.method == "POST" and form.is_valid():
        branch = get_object_or_404(
            Branch.objects.for_user(request.user), pk=form.cleaned_data["branch"]
        )
        codes = [code for code, _quantity in form.cleaned_data["requests"]]
        found = {
            customer.code: customer
            for customer in Customer.objects.for_user(request.user).filter(code__in=codes)
        }
        unknown = [code for code in codes if code not in found]
        if unknown:
            form.add_error(
                "requests",
                _("Unknown customer numbers (or not your customers): %s.") % ", ".join(unknown),
            )
        else:
            try:
                allocation = allocate_shortage(
                    actor=request.user,
                    branch=branch,
                    product=form.cleaned_data["product"],
                    available=form.cleaned_data["available"],
                    is_cash_tight=form.cleaned_data["is_cash_tight"],
                    requests=[(found[code], qty) for code, qty in form.cleaned_data["requests"]],
                )
            except ServiceError as error:
                for field, field_messages in error.errors.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Allocation recorded."))
                return redirect("customers:allocation_detail", allocation_id=allocation.pk)
    allocations = Allocation.objects.for_user(request.user).select_related("branch", "created_by")[
        :20
    ]
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "customers/allocations.html",
        {"form": form, "allocations": allocations},
        status=status,
    )


@login_required
def allocation_detail(request: HttpRequest, allocation_id: int) -> HttpResponse:
    require(request.user, Action.ALLOCATE_SUPPLY)
    allocation = get_object_or_404(
        Allocation.objects.for_user(request.user).select_related("branch", "created_by"),
        pk=allocation_id,
    )
    lines = list(allocation.lines.select_related("customer"))
    by_tier = {}
    for line in lines:
        row = by_tier.setdefault(line.tier, [0, 0])
        row[0] += line.requested
        row[1] += line.allocated
    chart = {
        "tiers": [str(Tier(tier).label) for tier in Tier.values if tier in by_tier],
        "requested": [by_tier[tier][0] for tier in Tier.values if tier in by_tier],
        "allocated": [by_tier[tier][1] for tier in Tier.values if tier in by_tier],
        "labels": {"requested": _("Requested"), "allocated": _("Allocated")},
    }
    return render(
        request,
        "customers/allocation_detail.html",
        {
            "allocation": allocation,
            "lines": lines,
            "explanation": explanation_lines(allocation),
            "chart": chart,
        },
    )
