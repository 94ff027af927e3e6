"""The working-day calendar page (administrators): years, days, imports."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qiwang.accounts import calendar_services as services
from qiwang.accounts.calendar_models import (
    CalendarDay,
    CalendarYear,
    DayKind,
    HolidayName,
    YearStatus,
)
from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.errors import ServiceError


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2200)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=YearStatus.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class DayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DayKind.choices)
    name = forms.ChoiceField(label=gettext_lazy("Holiday"), choices=HolidayName.choices)
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Branch"),
        queryset=Branch.objects.all(),
        required=False,
        empty_label=gettext_lazy("Whole company"),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class ImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Days, one per line"),
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "2026-02-15 holiday spring_festival"}
        ),
        help_text=gettext_lazy(
            "YYYY-MM-DD holiday|workday [holiday code]. Replaces the company-wide days of the "
            "years named."
        ),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status of these years"), choices=YearStatus.choices
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that the days of these years are replaced."),
    )


def _page(request: HttpRequest, year: int) -> str:
    return f"{reverse('accounts:calendar')}?year={year}"


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_ORGANISATION)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    if not 1900 <= year <= 2200:  # the years the calendar form accepts
        year = today.year
    years = CalendarYear.objects.order_by("-year")  # the years a person acts on first
    counts = {
        row["day__year"]: row
        for row in CalendarDay.objects.filter(branch__isnull=True)
        .values("day__year")
        .annotate(
            holidays=Count("pk", filter=Q(kind=DayKind.HOLIDAY)),
            workdays=Count("pk", filter=Q(kind=DayKind.WORKDAY)),
        )
    }
    year_rows = [
        {
            "entry": entry,
            "holidays": counts.get(entry.year, {}).get("holidays", 0),
            "workdays": counts.get(entry.year, {}).get("workdays", 0),
        }
        for entry in years
    ]
    days = CalendarDay.objects.filter(day__year=year).select_related("branch")
    return render(
        request,
        "accounts/calendar.html",
        {
            "year": year,
            "years": year_rows,
            "days": days,
            "year_known": any(row["entry"].year == year for row in year_rows),
            "warnings": services.calendar_warnings(today),
            "year_form": YearForm(initial={"year": year, "status": YearStatus.PUBLISHED}),
            "day_form": DayForm(initial={"day": datetime.date(year, 1, 1)}),
            "import_form": ImportForm(initial={"status": YearStatus.PUBLISHED}),
        },
    )


def _show_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@login_required
@require_POST
def calendar_year(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_ORGANISATION)
    form = YearForm(request.POST)
    if not form.is_valid():
        _show_errors(request, form)
        return redirect("accounts:calendar")
    data = form.cleaned_data
    try:
        services.set_calendar_year(
            actor=request.user, year=data["year"], status=data["status"], note=data["note"]
        )
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("Year %(year)s saved.") % {"year": data["year"]})
    return redirect(_page(request, data["year"]))


@login_required
@require_POST
def calendar_day(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_ORGANISATION)
    form = DayForm(request.POST)
    if not form.is_valid():
        _show_errors(request, form)
        return redirect("accounts:calendar")
    data = form.cleaned_data
    try:
        services.set_calendar_day(
            actor=request.user,
            day=data["day"],
            kind=data["kind"],
            name=data["name"],
            branch=data["branch"],
            note=data["note"],
        )
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("%(day)s saved.") % {"day": data["day"].isoformat()})
    return redirect(_page(request, data["day"].year))


@login_required
@require_POST
def calendar_day_delete(request: HttpRequest, day_id: int) -> HttpResponse:
    require(request.user, Action.MANAGE_ORGANISATION)
    entry = get_object_or_404(CalendarDay, pk=day_id)
    year = entry.day.year
    services.delete_calendar_day(actor=request.user, entry=entry)
    messages.success(request, _("%(day)s removed.") % {"day": entry.day.isoformat()})
    return redirect(_page(request, year))


@login_required
@require_POST
def calendar_import(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_ORGANISATION)
    form = ImportForm(request.POST)
    if not form.is_valid():
        _show_errors(request, form)
        return redirect("accounts:calendar")
    try:
        count = services.import_calendar_lines(
            actor=request.user,
            text=form.cleaned_data["text"],
            year_status=form.cleaned_data["status"],
        )
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("%(count)s days imported.") % {"count": count})
    return redirect("accounts:calendar")


@login_required
@require_POST
def calendar_seed(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_ORGANISATION)
    added = services.seed_calendar_from_library()
    if added:
        messages.success(
            request,
            _("Years added from the chinese-calendar package: %(years)s.")
            % {"years": ", ".join(str(year) for year in added)},
        )
    else:
        messages.success(
            request, _("The chinese-calendar package knows no year that is missing here.")
        )
    return redirect("accounts:calendar")
