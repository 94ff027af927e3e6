"""Maintenance plans, the daily generation of contact tasks, escalation, and interactions.

Generation and escalation are set-based (one ``INSERT … SELECT`` per due plan, one ``UPDATE``):
they never loop over customers in Python, so a day's tasks for a million customers is a handful of
statements. Running them twice for the same day changes nothing (a unique constraint on
customer, plan and due date).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, require, require_company
from qiwang.accounts.services import diff_fields, record_event
from qiwang.accounts.working_calendar import WorkingCalendar
from qiwang.customers.choices import Channel, Frequency, Lifecycle, TaskKind, TaskStatus
from qiwang.customers.models import ContactTask, Customer, Interaction, MaintenancePlan
from qiwang.customers.models.maintenance import MONTH_ROTATION
from qiwang.errors import ServiceError


@dataclass(frozen=True)
class GenerationResult:
    day: datetime.date
    created: int
    escalated: int
    greetings: int = 0
    #: Whether ``day`` is a working day (no task is created on a day off).
    working_day: bool = True
    #: A year the working-day calendar does not know: nothing was generated (never guessed).
    unknown_year: int | None = None


_INSERT_TASKS = """
INSERT INTO {task} (customer_id, branch_id, assignee_id, plan_id, kind, due_date, status, key,
                    channel, greeting_kind, message, note, note_code, note_params, created_at)
SELECT c.id, c.branch_id, c.account_manager_id, %s, %s, %s, %s, '', %s, '', '', '', '', '{{}}', %s
FROM {customer} c
WHERE c.tier = %s AND c.account_manager_id IS NOT NULL AND c.branch_id IN ({branches}) {rotation}
ON CONFLICT (customer_id, kind, due_date, key) DO NOTHING
"""


def _insert_for_plan(
    plan: MaintenancePlan,
    day: datetime.date,
    now: datetime.datetime,
    branch_ids: list[int],
    covered: tuple[datetime.date, ...] | None = None,
) -> int:
    """The plan's tasks due on ``day`` for its tier's owned customers in ``branch_ids`` (its
    profile's), for the plan days ``covered`` (``day`` and the days off just before it)."""
    covered = (day,) if covered is None else covered
    if not branch_ids or not any(plan.is_due_on(plan_day) for plan_day in covered):
        return 0
    ops = connection.ops
    rotation = ""
    params: list[Any] = [
        plan.pk,
        TaskKind.CONTACT.value,
        ops.adapt_datefield_value(day),
        TaskStatus.OPEN.value,
        plan.channel,
        ops.adapt_datetimefield_value(now),
        plan.tier,
        *branch_ids,
    ]
    if plan.rotation_slot(day) is not None:  # monthly: the rotation days covered
        slots = sorted({plan.rotation_slot(plan_day) for plan_day in covered} - {-1, None})
        if not slots:
            return 0
        rotation = f"AND c.id %% {MONTH_ROTATION} IN ({', '.join(['%s'] * len(slots))})"
        params.extend(slots)
    sql = _INSERT_TASKS.format(
        task=ops.quote_name(ContactTask._meta.db_table),
        customer=ops.quote_name(Customer._meta.db_table),
        rotation=rotation,
        branches=", ".join(["%s"] * len(branch_ids)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


@transaction.atomic
def generate_contact_tasks(
    day: datetime.date, *, now: datetime.datetime | None = None, escalate: bool = True
) -> GenerationResult:
    """Create the day's contact and greeting tasks from the active plans and the occasions, and
    escalate overdue ones — on working days only (``services.workdays``).

    A system job (no actor): it writes no audit event per task; the count is returned and logged
    by the caller. Idempotent for a given day. A day in a year the working-day calendar does not
    know creates nothing and says so in ``unknown_year``.
    """
    from qiwang.customers.services.greetings import generate_greeting_tasks
    from qiwang.customers.services.profiles import branch_industries, branches_in_industry
    from qiwang.customers.services.workdays import UnknownCalendarYear, branch_windows

    now = now or timezone.now()
    try:
        calendar, windows = branch_windows(day)
    except UnknownCalendarYear as error:
        return GenerationResult(
            day=day, created=0, escalated=0, working_day=False, unknown_year=error.year
        )
    created = 0
    industries = branch_industries()
    own_branches = {bid for window in windows if window.branch_ids for bid in window.branch_ids}
    for plan in MaintenancePlan.objects.filter(is_active=True):
        profile = branches_in_industry(plan.industry, industries)
        for window in windows:
            if window.branch_ids is None:
                branch_ids = [bid for bid in profile if bid not in own_branches]
            else:
                branch_ids = [bid for bid in profile if bid in window.branch_ids]
            created += _insert_for_plan(plan, day, now, branch_ids, window.days)
    greetings = generate_greeting_tasks(day, now=now, calendar=calendar)
    # Tasks are generated ahead for a future day (planning), but nothing is overdue yet on a
    # day that has not come: escalation only ever runs for today or a day gone by.
    escalate = escalate and day <= timezone.localdate(now)
    escalated = escalate_overdue_tasks(day, now=now, calendar=calendar) if escalate else 0
    return GenerationResult(
        day=day,
        created=created,
        escalated=escalated,
        greetings=greetings,
        working_day=calendar.is_working_day(day),
    )


def escalate_overdue_tasks(
    today: datetime.date,
    *,
    now: datetime.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> int:
    """Escalate open tasks still undone ``QIWANG_ESCALATE_AFTER_DAYS`` working days after their
    due date to the assignee's supervisor (one ``UPDATE``). Nothing is escalated on a day off
    (everyone is on leave) and days off do not count. Already escalated tasks are left alone."""
    from qiwang.accounts.calendar_services import load_working_calendar
    from qiwang.customers.services.workdays import UnknownCalendarYear, escalation_cutoff

    try:
        calendar = calendar or load_working_calendar()
        cutoff = escalation_cutoff(calendar, today, settings.QIWANG_ESCALATE_AFTER_DAYS)
    except UnknownCalendarYear:
        return 0
    if cutoff is None:
        return 0
    supervisor = User.objects.filter(pk=OuterRef("assignee_id")).values("supervisor_id")[:1]
    return (
        ContactTask.objects.open()
        .filter(due_date__lt=cutoff, escalated_at__isnull=True)
        .update(escalated_at=now or timezone.now(), escalated_to=Subquery(supervisor))
    )


# --- plans --------------------------------------------------------------------------------------


@transaction.atomic
def update_plan(*, actor: User, plan: MaintenancePlan, data: dict[str, Any]) -> MaintenancePlan:
    """Change a tier's cadence, channel or topics (a service-quality manager of the whole
    company: plans are company-wide)."""
    require_company(actor, Action.MANAGE_MAINTENANCE_PLANS)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "frequency" in data:
        if data["frequency"] not in Frequency.values:
            errors["frequency"] = [_("%s is not a frequency.") % data["frequency"]]
        cleaned["frequency"] = data["frequency"]
    if "weekdays" in data:
        try:
            days = sorted({int(day) for day in data["weekdays"] or []})
        except (TypeError, ValueError):
            days = [-1]
        if any(day < 0 or day > 6 for day in days):
            errors["weekdays"] = [_("Weekdays are numbers from 0 (Monday) to 6 (Sunday).")]
        cleaned["weekdays"] = days
    if "channel" in data:
        if data["channel"] not in Channel.values:
            errors["channel"] = [_("%s is not a channel.") % data["channel"]]
        cleaned["channel"] = data["channel"]
    if "topics" in data:
        from qiwang.customers.services.profiles import topics_for

        known = {topic.code for topic in topics_for(plan.industry, active_only=False)}
        unknown = [topic for topic in data["topics"] or [] if topic not in known]
        if unknown:
            errors["topics"] = [_("Unknown topics: %s.") % ", ".join(map(str, unknown))]
        cleaned["topics"] = list(dict.fromkeys(data["topics"] or []))
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    frequency = cleaned.get("frequency", plan.frequency)
    weekdays = cleaned.get("weekdays", plan.weekdays)
    if frequency == Frequency.WEEKLY and not weekdays and "weekdays" not in errors:
        errors["weekdays"] = [_("Choose at least one weekday for a weekly plan.")]
    if errors:
        raise ServiceError(errors)
    before = {name: getattr(plan, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(plan, name, value)
    plan.save()
    record_event(
        actor=actor,
        action="maintenance_plan_updated",
        obj=plan,
        changes=diff_fields(before, cleaned),
    )
    return plan


# --- interactions -------------------------------------------------------------------------------


#: Topic codes of the B2B profile behind the API's older ``supply_on_time`` / ``pass_rate``.
LEGACY_ANSWERS = {"supply_on_time": "supply_timeliness", "pass_rate": "pass_rate"}


def _clean_interaction(
    data: dict[str, Any], now: datetime.datetime, customer: Customer
) -> dict[str, Any]:
    from qiwang.customers.services.profiles import check_answers, industry_of_branch, topics_for

    topics = {topic.code: topic for topic in topics_for(industry_of_branch(customer.branch_id))}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    channel = data.get("channel") or ""
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how you contacted the customer.")]
    cleaned["channel"] = channel
    covered = list(dict.fromkeys(data.get("topics") or []))
    unknown = [topic for topic in covered if topic not in topics]
    if unknown:
        errors["topics"] = [_("Unknown topics: %s.") % ", ".join(map(str, unknown))]
    cleaned["topics"] = covered
    occurred_at = data.get("occurred_at") or now
    if occurred_at > now + datetime.timedelta(minutes=5):
        errors["occurred_at"] = [_("An interaction cannot be in the future.")]
    cleaned["occurred_at"] = occurred_at
    raw_answers = dict(data.get("answers") or {})
    for legacy, code in LEGACY_ANSWERS.items():
        if data.get(legacy) not in (None, "") and code in topics:
            raw_answers.setdefault(code, data[legacy])
    answers, anomaly, answer_errors = check_answers(raw_answers, topics)
    errors.update(answer_errors)
    cleaned["answers"] = answers
    cleaned["supply_on_time"] = answers.get("supply_timeliness")
    cleaned["pass_rate"] = (
        Decimal(answers["pass_rate"]) if answers.get("pass_rate") is not None else None
    )
    cleaned["notes"] = str(data.get("notes") or "").strip()
    cleaned["next_step"] = str(data.get("next_step") or "").strip()[:300]
    if errors:
        raise ServiceError(errors)
    cleaned["is_anomaly"] = bool(data.get("is_anomaly") or anomaly)
    return cleaned


@transaction.atomic
def log_interaction(
    *,
    actor: User,
    customer: Customer,
    data: dict[str, Any],
    task: ContactTask | None = None,
) -> Interaction:
    """Record a contact with ``customer``.

    It completes ``task`` (any kind: contact, greeting, sourcing, follow-up) if given, and every
    open plan contact task of the customer due by that day; it updates the customer's last
    activity. Anomalies (an explicit flag, or a measured answer crossing its topic's alert: a
    "no" to supply on time, a pass rate below the topic's threshold …) are escalated to the
    author's supervisor at once.
    """
    require(actor, Action.LOG_INTERACTIONS, customer)
    if not Customer.objects.workable_by(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(Action.LOG_INTERACTIONS.value)
    if task is not None and (task.customer_id != customer.pk or task.status != TaskStatus.OPEN):
        raise ServiceError(_("This task is not an open task of this customer."), field="task")
    now = timezone.now()
    cleaned = _clean_interaction(data, now, customer)
    occurred_day = timezone.localdate(cleaned["occurred_at"])
    open_tasks = ContactTask.objects.open().filter(
        customer=customer, kind=TaskKind.CONTACT, due_date__lte=occurred_day
    )
    first_task = task or open_tasks.order_by("-due_date").first()
    interaction = Interaction.objects.create(
        customer=customer, branch_id=customer.branch_id, author=actor, task=first_task, **cleaned
    )
    done = ContactTask.objects.filter(pk=getattr(first_task, "pk", None)) | open_tasks
    closed = done.filter(status=TaskStatus.OPEN).update(status=TaskStatus.DONE, done_at=now)
    if cleaned["is_anomaly"] and first_task is not None:
        ContactTask.objects.filter(pk=first_task.pk).update(
            escalated_at=now, escalated_to_id=actor.supervisor_id
        )
    Customer.objects.filter(pk=customer.pk).exclude(
        last_activity_at__gte=cleaned["occurred_at"]
    ).update(last_activity_at=cleaned["occurred_at"])
    record_event(
        actor=actor,
        action="interaction_logged",
        obj=customer,
        changes={
            "interaction": interaction.pk,
            "channel": interaction.channel,
            "tasks_closed": closed,
            "is_anomaly": interaction.is_anomaly,
        },
    )
    return interaction


# --- follow-ups (public: other modules call this) -------------------------------------------


@transaction.atomic
def create_follow_up(
    customer: Customer,
    *,
    reason: str,
    due: datetime.date,
    source: str,
    actor: User | None = None,
    kind: str = TaskKind.FOLLOW_UP,
    reason_code: str = "",
    reason_params: dict[str, Any] | None = None,
    urgent: bool = False,
) -> ContactTask:
    """Give the customer's account manager a task to follow up ``customer`` by ``due``.

    For other modules (a low survey score, a resolved complaint, a referral): ``source`` names
    what asked for it (e.g. ``"survey-response:42"``) and makes the call idempotent — calling
    twice with the same customer, kind, day and source returns the existing task. ``reason`` is
    shown on the task; a generated reason should also pass ``reason_code`` (registered with
    ``customers.texts.register_text``) and ``reason_params`` so each reader sees it in their
    language (``reason`` is then the fallback). A customer without an account manager gets an
    unassigned task that the branch sees. Audited when an ``actor`` is given. An ``urgent``
    task comes first in "My day" with a badge, and its assignee is alerted by e-mail / SMS
    (``customers.alerts``, channels by ``QIWANG_FOLLOW_UP_ALERTS``) once it is committed.
    """
    reason = str(reason or "").strip()
    source = str(source or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Say why the customer needs a follow-up.")]
    if not source:
        errors["source"] = [_("Name what asked for the follow-up.")]
    elif len(source) > 120:
        errors["source"] = [_("The source is at most 120 characters.")]
    if kind not in TaskKind.values:
        errors["kind"] = [_("%s is not a task kind.") % kind]
    if errors:
        raise ServiceError(errors)
    task, created = ContactTask.objects.get_or_create(
        customer=customer,
        kind=kind,
        due_date=due,
        key=source,
        defaults={
            "branch_id": customer.branch_id,
            "assignee_id": customer.account_manager_id,
            "note": reason[:300],
            "note_code": reason_code,
            "note_params": dict(reason_params or {}),
            "is_urgent": urgent,
        },
    )
    if created and urgent and task.assignee_id is not None:
        from qiwang.customers.alerts import queue_follow_up_alert

        queue_follow_up_alert(task.pk)
    if created and actor is not None:
        record_event(
            actor=actor,
            action="follow_up_created",
            obj=customer,
            changes={"task": task.pk, "source": source, "due": due.isoformat()},
        )
    return task


# --- lifecycle ------------------------------------------------------------------------------


def refresh_lifecycles(
    day: datetime.date, *, now: datetime.datetime | None = None, record: bool = True
) -> int:
    """Recompute every customer's lifecycle from activity (set-based) and record each change
    as a LifecycleChange row of ``day`` (``record=False`` for the first computation after an
    import, which is no change). Returns the number of customers that changed."""
    from qiwang.customers.models import LifecycleChange

    now = now or timezone.now()
    changed = Customer.objects.with_lifecycle(now).exclude(lifecycle=F("computed_lifecycle"))
    with transaction.atomic():
        if not record:
            changed = changed.none()
        LifecycleChange.objects.bulk_create(
            (
                LifecycleChange(
                    customer_id=row["pk"],
                    old_lifecycle=row["lifecycle"],
                    new_lifecycle=row["computed_lifecycle"],
                    changed_on=day,
                )
                for row in changed.values("pk", "lifecycle", "computed_lifecycle").iterator(
                    chunk_size=5000
                )
            ),
            batch_size=5000,
            ignore_conflicts=True,
        )
        count = 0
        for value in Lifecycle.values:
            count += (
                Customer.objects.with_lifecycle(now)
                .filter(computed_lifecycle=value)
                .exclude(lifecycle=value)
                .update(lifecycle=value)
            )
    return count
