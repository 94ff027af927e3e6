"""Contact persons and referrals on the customer page (plain POST forms, redirect back)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts.permissions import Action, require
from qiwang.customers.models import Customer, Referral
from qiwang.customers.services.relationship import (
    add_contact,
    complete_referral_follow_up,
    record_referral,
)
from qiwang.errors import ServiceError


def _fail(request: HttpRequest, error: ServiceError) -> None:
    for field_messages in error.errors.values():
        for message in field_messages:
            messages.error(request, message)


@login_required
@require_POST
def contact_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    require(request.user, Action.CHANGE_CUSTOMERS)
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)
    try:
        add_contact(actor=request.user, customer=customer, data=request.POST.dict())
    except ServiceError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Contact person added."))
    return redirect("customers:detail", customer_id=customer.pk)


@login_required
@require_POST
def referral_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    require(request.user, Action.LOG_INTERACTIONS)
    referrer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)
    code = request.POST.get("referred", "").strip()
    referred = Customer.objects.for_user(request.user).filter(code=code).first()
    if referred is None:
        messages.error(request, _("No customer of yours has the number %s.") % (code or "—"))
        return redirect("customers:detail", customer_id=referrer.pk)
    try:
        record_referral(
            actor=request.user,
            referrer=referrer,
            referred=referred,
            note=request.POST.get("note", ""),
        )
    except ServiceError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Referral recorded; a thank-you task is on your day."))
    return redirect("customers:detail", customer_id=referrer.pk)


@login_required
@require_POST
def referral_done(request: HttpRequest, referral_id: int) -> HttpResponse:
    require(request.user, Action.LOG_INTERACTIONS)
    referral = get_object_or_404(
        Referral.objects.for_user(request.user).select_related("referrer"), pk=referral_id
    )
    try:
        complete_referral_follow_up(
            actor=request.user, referral=referral, note=request.POST.get("note", "")
        )
    except ServiceError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Follow-up done."))
    return redirect("customers:detail", customer_id=referral.referrer_id)
