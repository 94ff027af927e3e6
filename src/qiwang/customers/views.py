"""Customer pages: list (filtered, paginated), detail, edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, can, require
from qiwang.customers.choices import CustomerKind, Tier
from qiwang.customers.filters import CustomerFilter
from qiwang.customers.forms import CustomerEditForm
from qiwang.customers.models import Customer
from qiwang.customers.panels import panels
from qiwang.customers.phones import display_phone
from qiwang.customers.presentation import contact_fields, personal_fields
from qiwang.customers.services import update_customer
from qiwang.customers.timeline import timeline
from qiwang.errors import ServiceError

PAGE_SIZE = 25


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_CUSTOMERS)
    filters = CustomerFilter.from_query(request.GET)
    customers = filters.filter(Customer.objects.for_user(request.user).with_related())
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(customer, personal_fields(customer, request.user)) for customer in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    template = "customers/_table.html" if request.htmx else "customers/list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "query": query.urlencode(),
            "tiers": Tier.choices,
            "kinds": CustomerKind.choices,
            "branches": Branch.objects.for_user(request.user).order_by("code"),
            "is_filtered": any(request.GET.get(name) for name in ("q", "tier", "kind", "branch")),
        },
    )


def _visible_customer(request: HttpRequest, customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.for_user(request.user).with_related(), pk=customer_id)


@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    require(request.user, Action.VIEW_CUSTOMERS)
    customer = get_object_or_404(
        Customer.objects.workable_by(request.user).with_related(), pk=customer_id
    )
    contacts = [
        (contact, contact_fields(contact, customer, request.user))
        for contact in customer.contacts.all()
    ]
    referrals_made = customer.referrals_made.select_related("referred")
    referrals_received = customer.referrals_received.select_related("referrer")
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "personal": personal_fields(customer, request.user),
            "can_edit": can(request.user, Action.CHANGE_CUSTOMERS, customer),
            "can_log": can(request.user, Action.LOG_INTERACTIONS, customer),
            "contacts": contacts,
            "tags": list(customer.tags.all()),
            "referrals_made": referrals_made,
            "referrals_received": referrals_received,
            "timeline": timeline(customer, request.user, limit=100),
            # Sections other apps add (qiwang.customers.panels), e.g. the survey answers.
            "panels": panels(request, customer),
            "lifecycle": customer.get_lifecycle_display(),
            "today": timezone.localdate(),
        },
    )


@login_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _visible_customer(request, customer_id)
    require(request.user, Action.CHANGE_CUSTOMERS, customer)
    initial = {name: getattr(customer, name) for name in CustomerEditForm.base_fields}
    initial["phone"] = display_phone(customer.phone)  # stored in E.164, typed as people read it
    form = CustomerEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_customer(actor=request.user, customer=customer, data=form.cleaned_data)
        except ServiceError as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/edit.html", {"customer": customer, "form": form})
