"""The monthly relationship report: page with charts, XLSX and PDF downloads.

An account manager gets their own report; other roles choose among the branches and account
managers they see. A branch or manager outside the user's scope answers 404 (ADR 0004).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qiwang.accounts.choices import Role
from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.customers.services.report import (
    MonthlyReport,
    monthly_report,
    parse_month,
    visible_account_managers,
)
from qiwang.customers.services.report_files import report_filename, report_pdf, report_xlsx

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _is_own_report_only(user: User) -> bool:
    return user.role == Role.ACCOUNT_MANAGER and not user.is_administrator


def _report_for(request: HttpRequest) -> tuple[MonthlyReport, dict[str, object]]:
    user = request.user
    require(user, Action.VIEW_CUSTOMER_REPORTS)
    try:
        month = parse_month(request.GET.get("month"), timezone.localdate())
    except ValueError as error:
        raise Http404(str(error)) from None
    branch = manager = None
    if request.GET.get("branch"):
        if not request.GET["branch"].isdigit():
            raise Http404
        branch = get_object_or_404(Branch.objects.for_user(user), pk=int(request.GET["branch"]))
    if request.GET.get("manager") and not _is_own_report_only(user):
        if not request.GET["manager"].isdigit():
            raise Http404
        manager = get_object_or_404(visible_account_managers(user), pk=int(request.GET["manager"]))
    report = monthly_report(user=user, month=month, branch=branch, manager=manager)
    return report, {"branch": branch, "manager": manager}


@login_required
@require_GET
def monthly_report_page(request: HttpRequest) -> HttpResponse:
    report, chosen = _report_for(request)
    user = request.user
    own_only = _is_own_report_only(user)
    chart = {
        "tiers": [row.label for row in report.tiers],
        "planned": [row.planned for row in report.tiers],
        "made": [row.made for row in report.tiers],
        "groups": [row.label for row in report.effort],
        "target": [round(row.target * 100, 1) for row in report.effort],
        "actual": [
            round(row.actual * 100, 1) if row.actual is not None else 0 for row in report.effort
        ],
        "labels": {
            "planned": _("Planned"),
            "made": _("Made"),
            "target": _("Target %"),
            "actual": _("Actual %"),
        },
    }
    query = request.GET.copy()
    query["month"] = report.month_label
    return render(
        request,
        "customers/report_monthly.html",
        {
            "report": report,
            "chart": chart,
            "own_only": own_only,
            "branches": [] if own_only else Branch.objects.for_user(user).order_by("code"),
            "managers": [] if own_only else visible_account_managers(user),
            "chosen_branch": chosen["branch"],
            "chosen_manager": chosen["manager"],
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def monthly_report_download(request: HttpRequest, file_format: str) -> HttpResponse:
    if file_format not in CONTENT_TYPES:
        raise Http404
    report, _chosen = _report_for(request)
    content = report_xlsx(report) if file_format == "xlsx" else report_pdf(report)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = (
        f'attachment; filename="{report_filename(report, file_format)}"'
    )
    return response
