"""API: customer import (preview, apply), export and the monthly report, with the pages' rules."""

from __future__ import annotations

import datetime
import tempfile
from typing import Literal

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from qiwang.accounts.choices import Role
from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.customers.filters import CustomerFilter
from qiwang.customers.models import Customer
from qiwang.customers.services.export import export_csv_chunks, export_xlsx
from qiwang.customers.services.io import (
    MAX_BYTES,
    ImportPreview,
    apply_import,
    preview_import,
)
from qiwang.customers.services.report import (
    monthly_report,
    parse_month,
    visible_account_managers,
)
from qiwang.project.api import ERRORS, WRITE_ERRORS

router = Router(tags=["customers: import, export, report"])


class IssueOut(Schema):
    row: int
    field: str
    value: str
    reason: str


class RowOut(Schema):
    row: int
    code: str
    action: Literal["create", "update", "unchanged", "reject"]
    changes: dict[str, list[str]]
    issues: list[IssueOut]


class PreviewOut(Schema):
    fingerprint: str
    plan: str
    file_format: str
    encoding: str
    created: int
    updated: int
    unchanged: int
    rejected: int
    can_apply: bool
    file_issues: list[IssueOut]
    rows: list[RowOut]


class ApplyOut(Schema):
    created: int
    updated: int
    unchanged: int
    fingerprint: str


class TierRowOut(Schema):
    tier: str
    label: str
    planned: int
    made: int
    interactions: int
    anomalies: int


class EffortOut(Schema):
    group: str
    label: str
    target: float
    interactions: int
    actual: float | None


class ChangeOut(Schema):
    before: str
    after: str
    customers: int


class ReportOut(Schema):
    month: datetime.date
    scope: str
    planned: int
    made: int
    interactions: int
    anomalies: int
    new_customers: int
    referrals: int
    referrals_followed_up: int
    tiers: list[TierRowOut]
    effort: list[EffortOut]
    tier_changes: list[ChangeOut]
    lifecycle_changes: list[ChangeOut]


def _issue(issue) -> dict:  # type: ignore[no-untyped-def]
    return {"row": issue.row, "field": issue.field, "value": issue.value, "reason": issue.reason}


def _preview_out(preview: ImportPreview) -> dict:
    return {
        "fingerprint": preview.fingerprint,
        "plan": preview.plan_digest,
        "file_format": preview.file_format,
        "encoding": preview.encoding,
        "created": preview.created,
        "updated": preview.updated,
        "unchanged": preview.unchanged,
        "rejected": preview.rejected,
        "can_apply": preview.can_apply,
        "file_issues": [_issue(issue) for issue in preview.file_issues],
        "rows": [
            {
                "row": row.row,
                "code": row.code,
                "action": row.action,
                "changes": {name: list(pair) for name, pair in row.changes.items()},
                "issues": [_issue(issue) for issue in row.issues],
            }
            for row in preview.rows
        ],
    }


def _read(upload: UploadedFile) -> bytes:
    if upload.size and upload.size > MAX_BYTES:
        raise HttpError(422, f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")
    return upload.read()


@router.post("/import/preview", response={200: PreviewOut, **WRITE_ERRORS})
def import_preview(
    request: HttpRequest, file: File[UploadedFile], encoding: Form[str] = ""
) -> dict:
    """Dry run: what importing the file would do, row by row. Writes nothing.

    ``encoding`` (UTF-8, GBK, Big5, Shift_JIS, UTF-16) overrides the detected one of a CSV."""
    require(request.user, Action.CHANGE_CUSTOMERS)
    content = _read(file)
    return _preview_out(
        preview_import(
            actor=request.user,
            content=content,
            filename=file.name or "upload",
            encoding=encoding[:20],
        )
    )


@router.post("/import/apply", response={200: ApplyOut, **WRITE_ERRORS})
def import_apply(
    request: HttpRequest,
    file: File[UploadedFile],
    fingerprint: Form[str],
    plan: Form[str] = "",
    encoding: Form[str] = "",
) -> dict:
    """Apply the previewed file, all or nothing (409 when the file or the customers changed)."""
    require(request.user, Action.CHANGE_CUSTOMERS)
    result = apply_import(
        actor=request.user,
        content=_read(file),
        filename=file.name or "upload",
        expected_fingerprint=fingerprint,
        expected_plan=plan or None,
        encoding=encoding[:20],
    )
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "fingerprint": result.fingerprint,
    }


@router.get("/export", response={200: None, **ERRORS})
def export_customers(
    request: HttpRequest,
    filters: Query[CustomerFilter],
    format: Literal["csv", "xlsx"] = "csv",  # noqa: A002 (the query parameter's name)
) -> HttpResponse:
    """The customers the user sees (list filters), personal data masked as on the page."""
    require(request.user, Action.VIEW_CUSTOMERS)
    customers = filters.filter(Customer.objects.for_user(request.user))
    name = f"customers-{timezone.localdate():%Y%m%d}.{format}"
    if format == "csv":
        response: HttpResponse = StreamingHttpResponse(
            export_csv_chunks(request.user, customers), content_type="text/csv; charset=utf-8"
        )
    else:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        export_xlsx(request.user, customers, spool)
        spool.seek(0)
        response = FileResponse(
            spool,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/reports/monthly", response={200: ReportOut, **ERRORS})
def report_monthly(
    request: HttpRequest,
    month: str | None = None,
    branch: int | None = None,
    manager: int | None = None,
) -> dict:
    """The monthly report (an account manager always gets their own)."""
    user = request.user
    require(user, Action.VIEW_CUSTOMER_REPORTS)
    try:
        first = parse_month(month, timezone.localdate())
    except ValueError as error:
        raise HttpError(422, str(error)) from None
    chosen_branch = get_object_or_404(Branch.objects.for_user(user), pk=branch) if branch else None
    chosen_manager = None
    if manager and not (user.role == Role.ACCOUNT_MANAGER and not user.is_administrator):
        chosen_manager = get_object_or_404(visible_account_managers(user), pk=manager)
    report = monthly_report(user=user, month=first, branch=chosen_branch, manager=chosen_manager)
    return {
        "month": report.month,
        "scope": report.scope,
        "planned": report.planned,
        "made": report.made,
        "interactions": report.interactions,
        "anomalies": report.anomaly_total,
        "new_customers": report.new_customers,
        "referrals": report.referral_total,
        "referrals_followed_up": report.referral_followed_up,
        "tiers": [row.__dict__ for row in report.tiers],
        "effort": [row.__dict__ for row in report.effort],
        "tier_changes": [
            {"before": c.before, "after": c.after, "customers": c.customers}
            for c in report.tier_changes
        ],
        "lifecycle_changes": [
            {"before": c.before, "after": c.after, "customers": c.customers}
            for c in report.lifecycle_changes
        ],
    }
