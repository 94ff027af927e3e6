"""Personal-data requests on the customer page: download a copy (JSON / XLSX) and erase (after
a confirmation that names what will be anonymised). Logic in ``customers/privacy.py``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from qiwang.accounts.permissions import Action, require
from qiwang.customers.models import Customer
from qiwang.customers.privacy import (
    erase_personal_data,
    personal_data_copy,
    personal_data_summary,
    write_copy_xlsx,
)
from qiwang.errors import ServiceError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)


@never_cache
@login_required
def personal_data_download(request: HttpRequest, customer_id: int, fmt: str) -> HttpResponse:
    """The customer's copy of their data, as an attachment."""
    customer = _customer(request, customer_id)
    require(request.user, Action.EXPORT_PERSONAL_DATA, customer)
    if fmt not in {"json", "xlsx"}:
        raise Http404
    copy = personal_data_copy(request.user, customer)
    if fmt == "json":
        body = json.dumps(copy, ensure_ascii=False, indent=2).encode()
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(write_copy_xlsx(copy), content_type=XLSX)
    name = f"personal-data-{customer.code}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def personal_data_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET: what will be anonymised and a confirmation; POST: erase."""
    customer = _customer(request, customer_id)
    require(request.user, Action.ERASE_PERSONAL_DATA, customer)
    error = ""
    if request.method == "POST":
        try:
            erasure = erase_personal_data(
                request.user, customer, confirm=request.POST.get("confirm", "")
            )
        except ServiceError as problem:
            error = problem.text
        else:
            messages.success(
                request,
                _("Personal data erased: %(count)d items anonymised; statistics kept.")
                % {"count": erasure.total},
            )
            return redirect("customers:detail", customer_id=customer.pk)
    return render(
        request,
        "customers/privacy_erase.html",
        {"customer": customer, "summary": personal_data_summary(customer), "error": error},
        status=400 if error else 200,
    )
