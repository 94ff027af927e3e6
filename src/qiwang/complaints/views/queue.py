"""The agent's queue (mine / my branch / overdue; angry first) and staff intake."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, can, require
from qiwang.complaints.choices import Channel, Severity, Workflow
from qiwang.complaints.models import Category, Complaint, Notification
from qiwang.complaints.services.intake import open_complaint
from qiwang.customers.models import Customer
from qiwang.errors import ServiceError

PAGE_SIZE = 30
VIEWS = {
    "mine": gettext_lazy("Mine"),
    "branch": gettext_lazy("My branches"),
    "overdue": gettext_lazy("Overdue"),
    "closed": gettext_lazy("Closed"),
}


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_COMPLAINTS)
    now = timezone.now()
    visible = Complaint.objects.for_user(request.user)
    default = "mine" if request.user.role == "agent" else "branch"
    view = request.GET.get("view", default)
    if view not in VIEWS:
        view = default
    if view == "mine":
        rows = visible.open().filter(assigned_to=request.user) | visible.open().filter(
            assigned_to__isnull=True
        )
    elif view == "overdue":
        rows = visible.overdue(now)
    elif view == "closed":
        rows = visible.exclude(status__in=("open", "waiting"))
    else:
        rows = visible.open()
    # Order and cut the page on the narrow key first, then read the page's rows with their
    # related objects (the queue stays fast with a season of a million complaints).
    ordered = rows.queue_order().values_list("pk", flat=True)
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    found = Complaint.objects.with_related().in_bulk(ids)
    page.object_list = [found[pk] for pk in ids if pk in found]
    counts = {
        "open": visible.open().count(),
        "overdue": visible.overdue(now).count(),
        "angry": visible.open().filter(emotion="angry").count(),
        "pending": 0,
    }
    notifications = Notification.objects.filter(recipient=request.user, read_at__isnull=True)[:5]
    return render(
        request,
        "complaints/queue.html",
        {
            "page": page,
            "view": view,
            "views": VIEWS,
            "counts": counts,
            "now": now,
            "notifications": notifications,
            "may_change": can(request.user, Action.CHANGE_COMPLAINTS),
        },
    )


class StaffComplaintForm(forms.Form):
    branch = forms.ModelChoiceField(label=gettext_lazy("Branch"), queryset=Branch.objects.none())
    customer_code = forms.CharField(
        label=gettext_lazy("Customer number"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("Leave empty when the customer is not known."),
    )
    reporter_name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=60)
    reporter_phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=30)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.all()
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.VISIT, Channel.VISIT.label)],
    )
    workflow = forms.ChoiceField(label=gettext_lazy("Workflow"), choices=Workflow.choices)
    description = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 5})
    )
    measured_temperature = forms.CharField(
        label=gettext_lazy("Measured room temperature (°C)"),
        required=False,
        max_length=8,
    )

    def __init__(self, *args, user, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.for_user(user).active()


@login_required
def new_complaint(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.CHANGE_COMPLAINTS)
    form = StaffComplaintForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = None
        if data["customer_code"]:
            customer = (
                Customer.objects.for_user(request.user).filter(code=data["customer_code"]).first()
            )
            if customer is None:
                form.add_error("customer_code", _("No customer with this number in your branches."))
        if not form.errors:
            try:
                complaint = open_complaint(
                    branch=data["branch"],
                    category=data["category"],
                    description=data["description"],
                    channel=data["channel"],
                    actor=request.user,
                    customer=customer,
                    severity=data["severity"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    workflow=data["workflow"],
                    measured_temperature=data["measured_temperature"],
                )
            except ServiceError as error:
                for field, errors in error.errors.items():
                    form.add_error(field if field in form.fields else None, " ".join(errors))
            else:
                messages.success(
                    request, _("Complaint %(number)s received.") % {"number": complaint.pk}
                )
                return redirect("complaints:detail", complaint.pk)
    status = 400 if request.method == "POST" else 200  # a valid POST has redirected
    return render(request, "complaints/new.html", {"form": form}, status=status)
