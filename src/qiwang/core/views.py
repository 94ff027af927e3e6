"""The web shell: home page, module landing pages, health check, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.core import insights as insights_data
from qiwang.core import today
from qiwang.customers.choices import Tier
from qiwang.customers.models import Customer


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where everyone lands: what needs doing today for their role (core.today), then their
    branches' customers by tier."""
    require(request.user, Action.VIEW_CUSTOMERS)
    customers = Customer.objects.for_user(request.user)
    by_tier = dict(customers.values_list("tier").annotate(n=Count("pk")).values_list("tier", "n"))
    tiers = [
        {"key": tier.value, "label": str(tier.label), "count": by_tier.get(tier.value, 0)}
        for tier in Tier
    ]
    branch_rows = customers.values("branch_id").annotate(n=Count("pk")).order_by("branch_id")
    names = dict(Branch.objects.for_user(request.user).values_list("pk", "name"))
    branches = [
        {"name": names.get(row["branch_id"], "—"), "count": row["n"]} for row in branch_rows
    ]
    role = today.home_role(request.user)
    context: dict[str, object] = {"home_role": role, "today": timezone.localdate()}
    if role == "own":
        context["own"] = today.own_day(request.user)
    elif role == "agent":
        context["agent"] = today.agent_day(request.user)
    elif role == "supervisor":
        context["branch_counters"] = today.branch_counters(request.user)
    else:
        context["waves"] = today.recent_waves(request.user)
    return render(
        request,
        "core/home.html",
        {
            **context,
            "total": sum(by_tier.values()),
            "tiers": tiers,
            "branches": branches,
            "chart_data": {
                "tiers": [[tier["label"], tier["count"]] for tier in tiers],
                "branches": [[branch["name"], branch["count"]] for branch in branches],
                "seriesName": _("Customers"),
            },
        },
    )


@login_required
def insights(request: HttpRequest) -> HttpResponse:
    """The cross-app overview (core.insights gathers; every read in the user's branches)."""
    require(request.user, Action.VIEW_INSIGHTS)
    context = insights_data.gather(request.user)
    labels = {
        "complaints": _("Open complaints"),
        "wave": _("Wave"),
        "date": _("Date the wave opened"),
    }
    context["chart_data"] = insights_data.chart_data(context, labels)
    return render(request, "core/insights.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After while the database is unavailable (public survey pages say
    the answers are kept); the API answers its JSON error either way (qiwang.operations.outage)."""
    from qiwang.operations.outage import error_response

    response = error_response(request)
    if response is not None:
        return response
    return HttpResponse(render_to_string("core/500.html"), status=500)
