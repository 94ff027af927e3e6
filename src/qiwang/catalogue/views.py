"""Catalogue pages: the catalogue by tier, a service with its promise-keeping chart and the
over-promise calculator, recording deliveries, commitments and publications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, can, require
from qiwang.catalogue.choices import (
    Audience,
    CommitmentLevel,
    Comparison,
    KanoClass,
    PublicationChannel,
    ServiceTier,
)
from qiwang.catalogue.models import Delivery, Service
from qiwang.catalogue.presentation import render_warning
from qiwang.catalogue.services import add_commitment, create_publication, record_delivery
from qiwang.catalogue.services.keeping import keeping_by
from qiwang.catalogue.services.promise import promise_check
from qiwang.catalogue.services.tallies import tallied_months, tallied_rates, window
from qiwang.catalogue.services.warnings import ServiceFacts, service_facts
from qiwang.customers.choices import Tier
from qiwang.customers.models import Customer
from qiwang.errors import ServiceError


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}\u00a0%"


def _row(f: ServiceFacts) -> dict[str, Any]:
    rate = f.keeping
    return {
        "facts": f,
        "service": f.service,
        "kano": str(KanoClass(f.kano_class).label) if f.kano_class else "",
        "kano_previous": str(KanoClass(f.kano_previous).label) if f.kano_previous else "",
        "keeping": _percent(rate.rate) if rate else "—",
        "keeping_interval": f"{_percent(rate.low)} – {_percent(rate.high)}"
        if rate and rate.n
        else "",
        "keeping_n": rate.n if rate else 0,
        "warnings": [render_warning(w.code, w.params) for w in f.warnings],
    }


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue by tier: Kano class, commitment, keeping rate, publicity and warnings."""
    require(request.user, Action.VIEW_SERVICES)
    services = Service.objects.for_user(request.user).active().select_related("branch")
    facts = service_facts(services, today=timezone.localdate(), user=request.user)
    rows = [_row(f) for f in facts]
    tiers = [
        {
            "key": tier.value,
            "label": tier.label,
            "rows": [r for r in rows if r["service"].tier == tier],
        }
        for tier in ServiceTier
    ]
    return render(
        request,
        "catalogue/catalogue.html",
        {
            "tiers": tiers,
            "total": len(rows),
            "window_first": window(timezone.localdate())[0],
            "warnings": sum(len(r["warnings"]) for r in rows),
            "risk": sum(r["facts"].comparison_risk for r in rows),
            "can_change": can(request.user, Action.CHANGE_SERVICES),
        },
    )


def visible_service(request: HttpRequest, service_id: int) -> Service:
    return get_object_or_404(
        Service.objects.for_user(request.user).select_related("branch"), pk=service_id
    )


def _chart(request: HttpRequest, service: Service, facts: ServiceFacts) -> dict[str, Any]:
    months = tallied_months(request.user, service.pk, today=timezone.localdate())
    promised = (
        1 - facts.commitment.allowed_breach
        if facts.commitment and facts.commitment.has_target
        else None
    )
    return {
        "months": [m.key.strftime("%Y-%m") for m in months],
        "rate": [round(100 * m.rate, 1) if m.rate is not None else None for m in months],
        "low": [round(100 * m.low, 1) for m in months],
        "high": [round(100 * m.high, 1) for m in months],
        "n": [m.n for m in months],
        "promised": None if promised is None else round(100 * promised, 1),
        "labels": {
            "rate": _("Promises kept (%)"),
            # xgettext:no-python-format
            "low": _("95 % interval, low"),
            # xgettext:no-python-format
            "high": _("95 % interval, high"),
            "n": _("Deliveries judged"),
            "promised": _("Promised share kept (%)"),
            "axis": _("Kept (%)"),
            "count": _("Deliveries"),
        },
    }


@login_required
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    require(request.user, Action.VIEW_SERVICES)
    service = visible_service(request, service_id)
    deliveries = Delivery.objects.for_user(request.user)
    today = timezone.localdate()
    (facts,) = service_facts([service], today=today, user=request.user)
    first, last = window(today)
    mine = deliveries.filter(service=service)
    branch_names = dict(Branch.objects.values_list("pk", "name"))
    by_branch = [
        {"label": branch_names.get(key, "—"), "rate": r}
        for key, r in sorted(
            tallied_rates(request.user, [service.pk], "branch", today=today).items()
        )
    ]
    # by the customer's tier as it is now: counted live (a tier changes outside the catalogue)
    tier_labels = dict(Tier.choices)
    by_tier = [
        {"label": tier_labels.get(key, key), "rate": r}
        for key, r in keeping_by(mine, "customer__tier", start=first, end=last).items()
    ]
    commitment = facts.commitment
    suggestion = commitment.target_text if commitment and commitment.has_target else ""
    return render(
        request,
        "catalogue/service.html",
        {
            "service": service,
            "row": _row(facts),
            "commitments": service.commitments.all(),
            "measurements": service.measurements.all()[:12],
            "recent": mine.select_related("customer", "commitment")[:15],
            "by_branch": by_branch,
            "by_tier": by_tier,
            "chart": _chart(request, service, facts),
            "window_first": first,
            "suggestion": suggestion,
            "can_change": can(request.user, Action.CHANGE_SERVICES, service),
            "can_record": can(request.user, Action.RECORD_DELIVERIES),
            "levels": CommitmentLevel.choices,
            "comparisons": Comparison.choices,
            "channels": PublicationChannel.choices,
            "audiences": Audience.choices,
            "tier_choices": Tier.choices,
            "today": timezone.localdate(),
            "has_target": service.tier != ServiceTier.SURPRISE,
        },
    )


@login_required
def promise_calculator(request: HttpRequest, service_id: int) -> HttpResponse:
    """The over-promise calculator (an htmx fragment, or a page without JavaScript)."""
    require(request.user, Action.VIEW_SERVICES)
    service = visible_service(request, service_id)
    target = request.GET.get("target", "").strip()
    context: dict[str, Any] = {"service": service, "target": target}
    try:
        allowed = float(request.GET.get("allowed_breach") or 5) / 100
    except ValueError:
        allowed = -1.0
    context["allowed"] = request.GET.get("allowed_breach") or "5"
    if target:
        try:
            answer = promise_check(service, target=target, allowed_breach=allowed)
        except ServiceError as error:
            context["error"] = error.text
        else:
            check = answer.check
            context.update(
                answer=answer,
                check=check,
                breach=_percent(check.breach_probability),
                low=_percent(check.interval[0]),
                high=_percent(check.interval[1]),
                recommended=str(check.recommended) if check.recommended is not None else "",
            )
    template = "catalogue/_promise.html" if request.htmx else "catalogue/promise.html"
    return render(request, template, context)


def _form_data(request: HttpRequest, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: request.POST.get(name, "").strip() for name in names if name in request.POST}


@login_required
@require_POST
def commitment_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = visible_service(request, service_id)
    require(request.user, Action.CHANGE_SERVICES, service)
    data = _form_data(
        request,
        (
            "level",
            "statement",
            "scope",
            "metric",
            "comparison",
            "threshold",
            "unit",
            "valid_from",
            "valid_to",
        ),
    )
    if "allowed_breach" in request.POST and request.POST["allowed_breach"].strip():
        try:
            data["allowed_breach"] = float(request.POST["allowed_breach"]) / 100
        except ValueError:
            data["allowed_breach"] = request.POST["allowed_breach"]
    try:
        add_commitment(actor=request.user, service=service, data=data)
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("Commitment saved; deliveries were judged again."))
    return redirect("catalogue:service", service_id=service.pk)


@login_required
@require_POST
def delivery_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = visible_service(request, service_id)
    require(request.user, Action.RECORD_DELIVERIES)
    data = _form_data(request, ("customer", "delivered_at", "value", "unit", "reference", "note"))
    data["service"] = service.pk
    try:
        delivery = record_delivery(actor=request.user, data=data)
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        if delivery.kept is False:
            messages.warning(
                request, _("Delivery recorded: the promise was broken; a follow-up was created.")
            )
        else:
            messages.success(request, _("Delivery recorded."))
    return redirect("catalogue:service", service_id=service.pk)


@login_required
@require_POST
def publication_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = visible_service(request, service_id)
    require(request.user, Action.CHANGE_SERVICES, service)
    data: dict[str, Any] = _form_data(request, ("title", "channel", "audience", "published_on"))
    data["audience_tiers"] = request.POST.getlist("audience_tiers")
    numbers = [
        n.strip()
        for n in request.POST.get("audience_customers", "").replace("，", ",").split(",")
        if n.strip()
    ]
    if numbers:
        found = dict(
            Customer.objects.for_user(request.user)
            .filter(code__in=numbers)
            .values_list("code", "pk")
        )
        missing = [n for n in numbers if n not in found]
        if missing:
            messages.error(request, _("Unknown customer: %(value)s.") % {"value": missing[0]})
            return redirect("catalogue:service", service_id=service.pk)
        data["audience_customers"] = [found[n] for n in numbers]
    try:
        create_publication(actor=request.user, service=service, data=data)
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("Publication recorded."))
    return redirect("catalogue:service", service_id=service.pk)
