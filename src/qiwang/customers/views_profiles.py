"""Industry profiles on the web: a profile's contact topics (add, change) and the profile each
branch works with. The service-quality manager's pages (``MANAGE_MAINTENANCE_PLANS``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require, require_company
from qiwang.customers.choices import Industry
from qiwang.customers.forms import BranchIndustryForm, TopicForm
from qiwang.customers.models import ContactTopic
from qiwang.customers.services.profiles import save_topic, set_branch_industry
from qiwang.errors import ServiceError


def _plans_of(industry: str) -> str:
    return f"{reverse('customers:plans')}?industry={industry}"


@login_required
def topic_edit(request: HttpRequest, topic_id: int | None = None) -> HttpResponse:
    """Add a topic to a profile (``?industry=``) or change one (whole-company users only)."""
    require_company(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    topic = get_object_or_404(ContactTopic, pk=topic_id) if topic_id is not None else None
    industry = topic.industry if topic else request.GET.get("industry", "")
    if industry not in Industry.values:
        messages.error(request, _("Choose the profile to add a topic to."))
        return redirect("customers:plans")
    initial = {}
    if topic is not None:
        initial = {name: getattr(topic, name) for name in TopicForm.base_fields}
    form = TopicForm(request.POST or None, initial=initial)
    if topic is not None:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data, industry=industry)
        try:
            save_topic(actor=request.user, data=data, topic=topic)
        except ServiceError as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Topic saved."))
            return redirect(_plans_of(industry))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "customers/topic_edit.html",
        {"form": form, "topic": topic, "industry_label": Industry(industry).label},
        status=status,
    )


@login_required
@require_POST
def branch_industry(request: HttpRequest) -> HttpResponse:
    """Choose the profile of one of the user's branches (and the branches under it)."""
    require(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    visible = Branch.objects.for_user(request.user).order_by("code")
    form = BranchIndustryForm(request.POST, branches=visible)
    if not form.is_valid():
        for field, field_messages in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in field_messages:
                messages.error(request, f"{label}: {message}" if label else message)
        return redirect("customers:plans")
    branch = get_object_or_404(visible, pk=form.cleaned_data["branch"])
    try:
        set_branch_industry(
            actor=request.user, branch=branch, industry=form.cleaned_data["industry"]
        )
    except ServiceError as error:
        messages.error(request, error.text)
        return redirect("customers:plans")
    messages.success(
        request,
        _("%(branch)s now works with the %(industry)s profile.")
        % {"branch": branch.name, "industry": Industry(form.cleaned_data["industry"]).label},
    )
    return redirect(_plans_of(form.cleaned_data["industry"]))
