"""Occasions for greetings: the year's holiday table and product launches."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, can, can_company, is_company_scoped, require
from qiwang.customers.choices import OccasionKind, Tier
from qiwang.customers.models import Occasion
from qiwang.customers.navigation import require_page
from qiwang.customers.services.greetings import add_occasion, load_year
from qiwang.errors import ServiceError


class LaunchForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Product"), max_length=80)
    date = forms.DateField(
        label=gettext_lazy("Launch date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    branch = forms.TypedChoiceField(
        label=gettext_lazy("Branch"), coerce=int, required=False, empty_value=None
    )
    tiers = forms.MultipleChoiceField(
        label=gettext_lazy("Tiers to greet"),
        choices=Tier.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[Tier.VIP, Tier.IMPORTANT],
    )

    def __init__(self, *args, branches=(), is_administrator=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(branch.pk, branch.name) for branch in branches]
        if is_administrator:
            choices = [("", gettext_lazy("Every branch")), *choices]
        self.fields["branch"].choices = choices


@login_required
def occasion_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "occasions")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    can_edit = can(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    branches = list(Branch.objects.for_user(request.user).active().order_by("code"))
    form = LaunchForm(
        request.POST or None,
        branches=branches,
        is_administrator=is_company_scoped(request.user),
    )
    status = 200
    if request.method == "POST":
        require(request.user, Action.MANAGE_MAINTENANCE_PLANS)
        if request.POST.get("action") == "load_year":
            try:
                created = load_year(year, actor=request.user)
            except ServiceError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("%(count)d occasions added for %(year)d.") % {"count": created, "year": year},
                )
            return redirect(f"{request.path}?year={year}")
        if form.is_valid():
            branch = next((b for b in branches if b.pk == form.cleaned_data["branch"]), None)
            try:
                occasion = add_occasion(
                    actor=request.user,
                    kind=OccasionKind.PRODUCT_LAUNCH,
                    date=form.cleaned_data["date"],
                    name=form.cleaned_data["name"],
                    branch=branch,
                    tiers=form.cleaned_data["tiers"],
                )
            except ServiceError as error:
                for field, field_messages in error.errors.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Product launch added."))
                return redirect(f"{request.path}?year={occasion.date.year}")
        status = 422
    visible = request.user.visible_branch_ids()
    occasions = Occasion.objects.filter(date__year=year, customer__isnull=True).select_related(
        "branch"
    )
    if visible is not None:
        occasions = occasions.filter(branch__isnull=True) | occasions.filter(branch_id__in=visible)
    return render(
        request,
        "customers/occasions.html",
        {
            "year": year,
            "occasions": occasions.order_by("date", "pk"),
            "previous_year": year - 1,
            "next_year": year + 1,
            "form": form,
            "can_edit": can_edit,
            # The holiday table is company-wide: whole-company users only (issue 10).
            "can_load": can_company(request.user, Action.MANAGE_MAINTENANCE_PLANS),
        },
        status=status,
    )
