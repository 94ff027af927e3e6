"""Bulk actions and pickers of the account manager's day (issue 15 item 6): tier suggestions
decided together, open tasks reassigned, the customer search behind the allocation form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, require
from qiwang.customers.models import ContactTask, Customer
from qiwang.customers.navigation import require_page
from qiwang.customers.querysets import tier_rank
from qiwang.customers.search import matches
from qiwang.customers.services.worklist import BulkResult, decide_tier_changes, reassign_tasks
from qiwang.customers.worklist import colleagues_for
from qiwang.errors import ServiceError

#: Customers a picker search answers at most.
PICKER_LIMIT = 20


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse(default)
    return redirect(target)


def _report(request: HttpRequest, result: BulkResult, done_text: str) -> None:
    """``done_text``: what was done (shown when anything was), then what was skipped and why."""
    if result.done:
        messages.success(request, done_text)
    if result.skipped:
        messages.warning(
            request,
            _("Not changed: %s")
            % "; ".join(f"{name} ({reason})" for name, reason in result.skipped[:20]),
        )


@login_required
@require_POST
def decide_tiers_bulk(request: HttpRequest) -> HttpResponse:
    """Confirm or reject the selected tier suggestions at once."""
    require(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    decision = request.POST.get("decision", "")
    if decision not in {"confirm", "reject"}:
        messages.error(request, _("Choose whether to confirm or reject the selected suggestions."))
        return redirect("customers:tiers")
    try:
        result = decide_tier_changes(
            actor=request.user,
            change_ids=request.POST.getlist("changes"),
            accept=decision == "confirm",
        )
    except ServiceError as error:
        messages.error(request, error.text)
        return redirect("customers:tiers")
    count = result.done
    if decision == "confirm":
        text = ngettext(
            "%(count)d suggestion confirmed.", "%(count)d suggestions confirmed.", count
        )
    else:
        text = ngettext("%(count)d suggestion rejected.", "%(count)d suggestions rejected.", count)
    _report(request, result, text % {"count": count})
    return redirect("customers:tiers")


@login_required
@require_POST
def reassign_tasks_view(request: HttpRequest) -> HttpResponse:
    """Hand the selected open tasks to another account manager of the same branch."""
    require(request.user, Action.REASSIGN_TASKS)
    raw = request.POST.get("assignee", "")
    allowed = {person.pk: person for person in colleagues_for(request.user)}
    assignee: User | None = allowed.get(int(raw)) if raw.isdigit() else None
    try:
        if assignee is None:
            raise ServiceError(
                _("Choose an account manager of your branches to hand the tasks to."),
                field="assignee",
            )
        result = reassign_tasks(
            actor=request.user, task_ids=request.POST.getlist("tasks"), assignee=assignee
        )
    except ServiceError as error:
        messages.error(request, error.text)
        return _back(request, "customers:my_day")
    text = ngettext(
        "%(count)d task handed to %(name)s.", "%(count)d tasks handed to %(name)s.", result.done
    )
    _report(request, result, text % {"count": result.done, "name": str(assignee)})
    return _back(request, "customers:my_day")


@login_required
@require_GET
def customer_picker(request: HttpRequest) -> HttpResponse:
    """``?q=`` → up to 20 customers of the user's branches found by number, name, phone or
    pinyin: ``{"results": [{"id", "code", "name", "tier", "tier_label", "branch"}]}``."""
    require(request.user, Action.ALLOCATE_SUPPLY)
    query = request.GET.get("q", "").strip()[:100]
    if len(query) < 1:
        return JsonResponse({"results": []})
    customers = Customer.objects.for_user(request.user).filter(matches(query))
    branch = request.GET.get("branch", "")
    if branch.isdigit():
        customers = customers.filter(branch_id=int(branch))
    customers = customers.select_related("branch").order_by("code")[:PICKER_LIMIT]
    return JsonResponse(
        {
            "results": [
                {
                    "id": customer.pk,
                    "code": customer.code,
                    "name": customer.name,
                    "tier": customer.tier,
                    "tier_label": str(customer.get_tier_display()),
                    "branch": customer.branch.name,
                }
                for customer in customers
            ]
        }
    )


#: Open tasks per page of the task list.
TASKS_PER_PAGE = 50


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """Open tasks of the user's branches (an account manager: their own), filtered by assignee
    and overdue, to hand some of them to a colleague at once (a manager away, a heavy day)."""
    require_page(request.user, "tasks")
    today = timezone.localdate()
    tasks = (
        ContactTask.objects.for_user(request.user)
        .open()
        .select_related("customer", "assignee")
        .annotate(tier_rank=tier_rank("customer__tier"))
        .order_by("due_date", "tier_rank", "pk")
    )
    colleagues = colleagues_for(request.user)
    people = {str(person.pk): person for person in colleagues}
    people[str(request.user.pk)] = request.user
    assignee = request.GET.get("assignee", "")
    if assignee == "none":
        tasks = tasks.filter(assignee__isnull=True)
    elif assignee in people:
        tasks = tasks.filter(assignee_id=int(assignee))
    else:
        assignee = ""
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        tasks = tasks.filter(due_date__lt=today)
    page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    for task in page.object_list:
        task.is_overdue = task.due_date < today
    return render(
        request,
        "customers/tasks.html",
        {
            "page": page,
            "tasks": page.object_list,
            "colleagues": colleagues,
            "filter_people": sorted(people.values(), key=lambda person: person.username),
            "assignee": assignee,
            "overdue": overdue,
            "query": request.GET.urlencode(),
        },
    )
