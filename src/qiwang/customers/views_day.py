"""The account manager's day: today's tasks (VIP first), logging an interaction, the calendar."""

from __future__ import annotations

import calendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qiwang.accounts.permissions import Action, can, require
from qiwang.customers.choices import Channel, TaskKind
from qiwang.customers.forms import InteractionForm
from qiwang.customers.models import ContactTask, Customer
from qiwang.customers.navigation import may_open, require_page
from qiwang.customers.services import log_interaction
from qiwang.customers.services.greetings import (
    greeting_previews,
    organisation_name,
    render_greeting,
    send_greeting,
    templates_by_key,
)
from qiwang.customers.services.profiles import branch_industries, topic_names, topics_for
from qiwang.customers.worklist import (
    CUSTOMERS_PER_PAGE,
    cards_for,
    colleagues_for,
    customer_order,
    day_counters,
)
from qiwang.errors import ServiceError

#: Escalated tasks shown on "my day".
DAY_PAGE_SIZE = 50


def _day_from(request: HttpRequest) -> datetime.date:
    raw = request.GET.get("day", "").strip()
    if raw:
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("%s is not a date (YYYY-MM-DD); showing today.") % raw)
    return timezone.localdate()


def _prepare(tasks: list[ContactTask]) -> None:
    """Topic names and greeting texts of a page of tasks (a few queries for the whole page):
    the phone talking points for a phone greeting, and a preview of exactly the SMS / e-mail
    the customer would receive on each channel they can be reached on."""
    industries = branch_industries()
    names: dict[tuple[str, str], str] = {}
    greetings = [task for task in tasks if task.kind == TaskKind.GREETING]
    templates = templates_by_key() if greetings else {}
    companies: dict[int, str] = {}
    for task in tasks:
        industry = industries.get(task.customer.branch_id, "")
        if task.plan_id:
            task.topic_names = topic_names(industry, task.plan.topics, names)
        if task.kind != TaskKind.GREETING:
            continue
        branch = task.customer.branch
        if branch.pk not in companies:
            companies[branch.pk] = organisation_name(branch)
        options = {"templates": templates, "industry": industry, "company": companies[branch.pk]}
        if task.channel == Channel.PHONE:
            task.talking_points = render_greeting(task, Channel.PHONE, **options)
        task.previews = greeting_previews(task, **options)


def _working_day_notice(day: datetime.date, *, chosen: bool) -> tuple[datetime.date, str]:
    """The day to show and what to tell about it: on a day off, "my day" opens the next working
    day (its tasks are planned ahead) unless the person chose a day; a year the working-day
    calendar does not know is said, not guessed."""
    from qiwang.accounts.calendar_services import load_working_calendar
    from qiwang.customers.services.workdays import UnknownCalendarYear, next_working_day

    calendar = load_working_calendar()
    try:
        if calendar.is_working_day(day):
            return day, ""
    except UnknownCalendarYear as error:
        return day, _(
            "The working-day calendar has no data for %(year)s: no tasks are generated for "
            "that year until an administrator loads its public holidays."
        ) % {"year": error.year}
    ahead = None if chosen else next_working_day(calendar, day)
    if ahead is None:
        return day, _("%(day)s is not a working day: no new tasks are due.") % {
            "day": date_format(day, "MONTH_DAY_FORMAT")
        }
    return ahead, _(
        "Today (%(today)s) is not a working day: showing your next working day, %(day)s."
    ) % {
        "today": date_format(day, "MONTH_DAY_FORMAT"),
        "day": _("%(weekday)s, %(date)s")
        % {"weekday": date_format(ahead, "l"), "date": date_format(ahead, "MONTH_DAY_FORMAT")},
    }


def _day_context(request: HttpRequest, day: datetime.date, page_number: str | None) -> dict:
    """A page of customer cards of the day (with their tasks prepared) and what rendering them
    needs."""
    page = Paginator(customer_order(request.user, day), CUSTOMERS_PER_PAGE).get_page(page_number)
    cards = cards_for(request.user, day, [row["customer_id"] for row in page.object_list])
    _prepare([task for card in cards for task in card.tasks])
    colleagues = colleagues_for(request.user) if can(request.user, Action.REASSIGN_TASKS) else []
    return {
        "cards": cards,
        "page": page,
        "day": day,
        "can_log": can(request.user, Action.LOG_INTERACTIONS),
        # tasks are selectable only when there is someone to hand them to
        "can_reassign": bool(colleagues),
        "colleagues": colleagues,
    }


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    """Open tasks due by the day grouped by customer, the most urgent customer first (urgent,
    overdue, tier, oldest); escalations to me below (supervisors without customers of their own
    open it for the escalations)."""
    require_page(request.user, "my_day")
    day = _day_from(request)
    day, day_notice = _working_day_notice(day, chosen=bool(request.GET.get("day", "").strip()))
    context = _day_context(request, day, request.GET.get("page"))
    if request.htmx and request.GET.get("page"):
        return render(request, "customers/_day_tasks.html", context)
    escalated = list(
        ContactTask.objects.escalated_to_user(request.user).for_user(request.user)[:DAY_PAGE_SIZE]
    )
    context.update(
        {
            "day_notice": day_notice,
            "can_calendar": may_open(request.user, "calendar"),
            "is_today": day == timezone.localdate(),
            "counters": day_counters(request.user, day),
            "escalated": escalated,
            # front-line agents and supervisors have no customers of their own: say where their
            # work is instead of "nothing left to do today"
            "no_customers": not context["cards"]
            and not Customer.objects.filter(account_manager=request.user).exists(),
            "can_complaints": can(request.user, Action.VIEW_COMPLAINTS),
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        }
    )
    return render(request, "customers/my_day.html", context)


def _card_done(request: HttpRequest, customer: Customer, done_text: str) -> HttpResponse | None:
    """When the form was sent from "my day" (it carries the day): the customer's card again
    (their tasks still open, or "done") and the day's counters out of band."""
    try:
        day = datetime.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        return None
    cards = cards_for(request.user, day, [customer.pk])
    _prepare([task for card in cards for task in card.tasks])
    response = render(
        request,
        "customers/_day_card_done.html",
        {
            "card": cards[0] if cards else None,
            "customer": customer,
            "done_text": done_text,
            "day": day,
            "counters": day_counters(request.user, day),
            "can_log": can(request.user, Action.LOG_INTERACTIONS),
            "can_reassign": can(request.user, Action.REASSIGN_TASKS)
            and bool(colleagues_for(request.user)),
        },
    )
    response["HX-Retarget"] = f"#customer-{customer.pk}"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def log_interaction_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The interaction form (an htmx fragment inside "my day", or a page of its own)."""
    require(request.user, Action.LOG_INTERACTIONS)
    customer = get_object_or_404(Customer.objects.workable_by(request.user), pk=customer_id)
    task = None
    task_id = request.POST.get("task") or request.GET.get("task")
    if task_id:
        task = get_object_or_404(
            ContactTask.objects.for_user(request.user).filter(customer=customer),
            pk=task_id if str(task_id).isdigit() else 0,
        )
    initial = {"channel": (task.channel if task and task.channel else "phone")}
    if task and task.plan_id:
        initial["topics"] = task.plan.topics
    topics = topics_for(branch_industries().get(customer.branch_id, ""))
    form = InteractionForm(request.POST or None, initial=initial, topics=topics)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                log_interaction(
                    actor=request.user, customer=customer, data=form.service_data(), task=task
                )
            except ServiceError as error:
                for field, field_messages in error.errors.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                if request.htmx:
                    card = _card_done(request, customer, _("Interaction saved."))
                    if card is not None:
                        return card
                    return render(
                        request, "customers/_task_done.html", {"customer": customer, "task": task}
                    )
                messages.success(request, _("Interaction saved."))
                return redirect("customers:detail", customer_id=customer.pk)
        status = 422
    template = "customers/_interaction_form.html" if request.htmx else "customers/interaction.html"
    response = render(
        request,
        template,
        {
            "customer": customer,
            "task": task,
            "form": form,
            "day": request.GET.get("day", "") or request.POST.get("day", ""),
        },
        status=status,
    )
    if request.htmx and status == 422 and task is not None:
        # the form with its errors goes back into the task's form slot, not over the task
        response["HX-Retarget"] = f"#task-{task.pk}-form"
        response["HX-Reswap"] = "innerHTML"
    return response


@login_required
@require_POST
def send_greeting_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """Send a greeting task's message by SMS or e-mail (htmx: the task row becomes "done")."""
    require(request.user, Action.LOG_INTERACTIONS)
    task = get_object_or_404(
        ContactTask.objects.for_user(request.user).select_related("customer", "occasion"),
        pk=task_id,
    )
    channel = request.POST.get("channel", "")
    try:
        send_greeting(
            actor=request.user, task=task, channel=channel, seen=request.POST.get("seen") or None
        )
    except ServiceError as error:
        if request.htmx:
            response = render(request, "customers/_send_error.html", {"error": error}, status=422)
            response["HX-Retarget"] = f"#task-{task.pk}-form"
            response["HX-Reswap"] = "innerHTML"
            return response
        messages.error(request, error.text)
        return redirect("customers:my_day")
    sent = {Channel.EMAIL: _("E-mail sent."), Channel.WECHAT: _("WeChat message sent.")}.get(
        channel, _("SMS sent.")
    )
    if request.htmx:
        card = _card_done(request, task.customer, sent)
        if card is not None:
            return card
        return render(
            request,
            "customers/_task_done.html",
            {"customer": task.customer, "task": task, "done_text": sent},
        )
    messages.success(request, sent)
    return redirect("customers:my_day")


@login_required
def task_calendar(request: HttpRequest) -> HttpResponse:
    """A month of the user's tasks: how many were due each day and how many are done."""
    require_page(request.user, "calendar")
    today = timezone.localdate()
    raw = request.GET.get("month", "").strip()
    try:
        first = datetime.date.fromisoformat(f"{raw}-01") if raw else today.replace(day=1)
    except ValueError:
        messages.error(request, _("%s is not a month (YYYY-MM); showing this month.") % raw)
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    tasks = ContactTask.objects.for_user(request.user)
    if not request.user.is_administrator:
        tasks = tasks.filter(assignee=request.user)
    counts = {row["due_date"]: row for row in tasks.counts_by_day(first, last)}
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                {
                    "date": date,
                    "in_month": date.month == first.month,
                    "is_today": date == today,
                    "total": counts.get(date, {}).get("total", 0),
                    "done": counts.get(date, {}).get("done", 0),
                }
                for date in week
            ]
        )
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = last + datetime.timedelta(days=1)
    return render(
        request,
        "customers/calendar.html",
        {
            "first": first,
            "weeks": weeks,
            "previous_month": previous_month,
            "next_month": next_month,
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )
