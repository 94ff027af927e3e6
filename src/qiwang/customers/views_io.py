"""Customer import (upload → dry-run preview → apply) and export pages.

Between the preview and the apply the uploaded file waits in the data directory under a random
token kept in the user's session; the apply re-reads it, checks its SHA-256 against the one the
preview showed and re-validates every row inside the one transaction that writes them.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qiwang.accounts.permissions import Action, require
from qiwang.customers.filters import CustomerFilter
from qiwang.customers.models import Customer
from qiwang.customers.services.export import export_csv_chunks, export_xlsx
from qiwang.customers.services.io import (
    MAX_BYTES,
    apply_import,
    build_template,
    preview_import,
)
from qiwang.customers.services.reading import ENCODINGS
from qiwang.errors import ServiceError
from qiwang.project import config

SESSION_KEY = "customer_imports"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 24 * 3600
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _upload_dir() -> Path:
    path = config.data_dir() / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_old_uploads(directory: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for item in directory.glob("*.upload"):
        if item.stat().st_mtime < cutoff:
            item.unlink(missing_ok=True)


def _stored(request: HttpRequest, token: str) -> tuple[Path, str]:
    """The stored upload of this session's ``token`` and its original name (404 otherwise)."""
    uploads = request.session.get(SESSION_KEY, {})
    if not _TOKEN.match(token or "") or token not in uploads:
        raise Http404
    path = _upload_dir() / f"{token}.upload"
    if not path.exists():
        raise Http404
    return path, uploads[token]


@login_required
@require_http_methods(["GET", "POST"])
def customer_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form; POST: store the file and show the dry-run preview."""
    require(request.user, Action.CHANGE_CUSTOMERS)
    context: dict[str, object] = {
        "max_mb": MAX_BYTES // 1024 // 1024,
        "encodings": list(ENCODINGS),
        "encoding": request.POST.get("encoding", ""),
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a CSV or Excel (.xlsx) file.")
            return render(request, "customers/import.html", context, status=400)
        if upload.size > MAX_BYTES:
            context["error"] = _("The file is larger than %(size)d MB.") % {
                "size": MAX_BYTES // 1024 // 1024
            }
            return render(request, "customers/import.html", context, status=400)
        content = upload.read()
        chosen = request.POST.get("encoding", "")[:20]
        try:
            preview = preview_import(
                actor=request.user, content=content, filename=upload.name, encoding=chosen
            )
        except ServiceError as error:
            context["error"] = error.text
            return render(request, "customers/import.html", context, status=400)
        directory = _upload_dir()
        _forget_old_uploads(directory)
        token = secrets.token_hex(16)
        (directory / f"{token}.upload").write_bytes(content)
        uploads = request.session.get(SESSION_KEY, {})
        uploads[token] = upload.name
        request.session[SESSION_KEY] = uploads
        return render(
            request,
            "customers/import_preview.html",
            {"preview": preview, "token": token, "filename": upload.name, "encoding": chosen},
        )
    return render(request, "customers/import.html", context)


@login_required
@require_POST
def customer_import_apply(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.CHANGE_CUSTOMERS)
    token = request.POST.get("token", "")
    path, filename = _stored(request, token)
    try:
        result = apply_import(
            actor=request.user,
            content=path.read_bytes(),
            filename=filename,
            expected_fingerprint=request.POST.get("fingerprint", ""),
            expected_plan=request.POST.get("plan", ""),
            encoding=request.POST.get("encoding", "")[:20],
        )
    except ServiceError as error:
        return render(
            request,
            "customers/import.html",
            {
                "error": " ".join(error.errors.get("file", [str(error)])),
                "details": error.errors.get("rows", []),
                "max_mb": MAX_BYTES // 1024 // 1024,
            },
            status=error.status_code,
        )
    path.unlink(missing_ok=True)
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    messages.success(
        request,
        _("Imported %(file)s: %(created)d customers created, %(updated)d updated.")
        % {"file": filename, "created": result.created, "updated": result.updated},
    )
    return redirect("customers:list")


@login_required
@require_GET
def customer_import_template(request: HttpRequest, file_format: str) -> HttpResponse:
    require(request.user, Action.CHANGE_CUSTOMERS)
    if file_format not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(build_template(file_format), content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = (
        f'attachment; filename="customer-import-template.{file_format}"'
    )
    return response


@login_required
@require_GET
def customer_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The customers of the list page (same filters), personal data as the page shows it."""
    require(request.user, Action.VIEW_CUSTOMERS)
    if file_format not in CONTENT_TYPES:
        raise Http404
    filters = CustomerFilter.from_query(request.GET)
    customers = filters.filter(Customer.objects.for_user(request.user))
    name = f"customers-{timezone.localdate():%Y%m%d}.{file_format}"
    if file_format == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            export_csv_chunks(request.user, customers), content_type=CONTENT_TYPES["csv"]
        )
    else:
        # The XLSX is written to a file on disk in constant memory (qiwang.xlsx), then streamed.
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        export_xlsx(request.user, customers, spool)
        spool.seek(0)
        response = FileResponse(spool, content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
