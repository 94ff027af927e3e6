"""API: contact tasks, interactions, maintenance plans and shortage allocations.

Same rules as the pages: branch scope, and an account manager sees only their own customers
(ADR 0005); out-of-scope objects are 404, actions outside the role 403.
"""

import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require, require_company
from qiwang.customers.choices import Channel, Frequency, Industry, TaskKind, TaskStatus, Tier
from qiwang.customers.models import (
    Allocation,
    ContactTask,
    ContactTopic,
    Customer,
    Interaction,
    MaintenancePlan,
)
from qiwang.customers.querysets import tier_rank
from qiwang.customers.services import allocate_shortage, log_interaction, update_plan
from qiwang.customers.services.allocation import explanation_lines
from qiwang.errors import ServiceError
from qiwang.project.api import ERRORS, WRITE_ERRORS, Pagination
from qiwang.project.api_conventions import CreatedFilter, ListFilter, aware_time

router = Router(tags=["customer maintenance"])


class TaskOut(Schema):
    id: int
    customer_id: int
    customer_name: str = Field(alias="customer.name")
    customer_tier: Tier = Field(alias="customer.tier")
    kind: TaskKind
    status: TaskStatus
    due_date: datetime.date
    channel: str
    note: str = Field(alias="note_text", description="Why the task exists, in your language")
    assignee_id: int | None
    escalated_at: datetime.datetime | None
    escalated_to_id: int | None


class TaskFilter(CreatedFilter):
    ordering: Literal["due_date", "-due_date", "created_at", "-created_at"] | None = None
    day: datetime.date | None = Field(default=None, description="Open tasks due by this day")
    status: TaskStatus | None = None
    kind: TaskKind | None = None
    customer: int | None = Field(default=None, description="Customer id")

    def filter_day(self, value: datetime.date | None) -> Q:
        return Q()  # open and due by the day, VIP first: applied by the view

    def filter_customer(self, value: int | None) -> Q:
        return Q(customer_id=value) if value else Q()


class InteractionFilter(CreatedFilter):
    """``created_after`` reads the time of the interaction (``occurred_at``)."""

    created_field: ClassVar[str] = "occurred_at"

    ordering: Literal["occurred_at", "-occurred_at"] | None = None
    customer: int | None = Field(default=None, description="Customer id")

    def filter_customer(self, value: int | None) -> Q:
        return Q(customer_id=value) if value else Q()


class InteractionIn(Schema):
    channel: Channel
    topics: list[str] = Field(
        default=[], description="Topic codes of the customer's industry profile (GET /topics)"
    )
    answers: dict[str, bool | Decimal | None] = Field(
        default={},
        description="Measured topics' answers by topic code: true / false, or a number",
    )
    supply_on_time: bool | None = Field(
        default=None, description="B2B profile: the same as answers.supply_timeliness"
    )
    pass_rate: Decimal | None = Field(
        default=None, ge=0, le=100, description="B2B profile: the same as answers.pass_rate"
    )
    is_anomaly: bool = False
    notes: str = Field(default="", max_length=5000)
    next_step: str = Field(default="", max_length=300)
    occurred_at: datetime.datetime | None = None
    task_id: int | None = Field(default=None, description="The task this contact completes")


class InteractionOut(Schema):
    id: int
    customer_id: int
    author_id: int | None
    task_id: int | None
    channel: Channel
    occurred_at: datetime.datetime
    topics: list[str]
    answers: dict[str, bool | str]
    supply_on_time: bool | None
    pass_rate: Decimal | None
    is_anomaly: bool
    notes: str
    next_step: str


class PlanOut(Schema):
    id: int
    industry: Industry
    tier: Tier
    frequency: Frequency
    weekdays: list[int]
    channel: Channel
    greeting_channel: Channel
    topics: list[str]
    is_active: bool


class PlanPatch(Schema):
    frequency: Frequency | None = None
    weekdays: list[int] | None = None
    channel: Channel | None = None
    topics: list[str] | None = None
    is_active: bool | None = None


class AllocationRequestIn(Schema):
    customer_id: int
    quantity: int = Field(ge=0)


class AllocationIn(Schema):
    branch_id: int
    product: str = Field(min_length=1, max_length=120)
    available: int = Field(ge=0)
    is_cash_tight: bool = False
    requests: list[AllocationRequestIn] = Field(min_length=1, max_length=10000)


class AllocationLineOut(Schema):
    customer_id: int
    tier: Tier
    requested: int
    allocated: int


class AllocationOut(Schema):
    id: int
    branch_id: int
    product: str
    available: int
    is_cash_tight: bool
    explanation: str = Field(description="Why each group got what it got, in your language")
    created_by_id: int | None
    created_at: datetime.datetime
    lines: list[AllocationLineOut]

    @staticmethod
    def resolve_lines(obj: Allocation) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_explanation(obj: Allocation) -> str:
        return "\n".join(explanation_lines(obj))


# --- tasks ------------------------------------------------------------------------------------


@router.get("/tasks", response={200: list[TaskOut], **ERRORS}, summary="Contact tasks")
@paginate(Pagination)
def list_tasks(request: HttpRequest, filters: Query[TaskFilter]):
    """Tasks in the user's scope; ``day`` keeps the open ones due by that day, VIP first."""
    require(request.user, Action.VIEW_CUSTOMERS)
    tasks = ContactTask.objects.for_user(request.user).select_related("customer")
    if filters.day is not None:
        tasks = (
            tasks.open()
            .due_by(filters.day)
            .annotate(tier_rank=tier_rank("customer__tier"))
            .order_by("tier_rank", "due_date", "pk")
        )
    return filters.filter(tasks)


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="One contact task")
def get_task(request: HttpRequest, task_id: int):
    require(request.user, Action.VIEW_CUSTOMERS)
    return get_object_or_404(
        ContactTask.objects.for_user(request.user).select_related("customer"), pk=task_id
    )


# --- interactions -----------------------------------------------------------------------------


@router.get("/interactions", response={200: list[InteractionOut], **ERRORS}, summary="Interactions")
@paginate(Pagination)
def list_interactions(request: HttpRequest, filters: Query[InteractionFilter]):
    require(request.user, Action.VIEW_CUSTOMERS)
    return filters.filter(Interaction.objects.for_user(request.user))


@router.post(
    "/customers/{customer_id}/interactions",
    response={201: InteractionOut, **WRITE_ERRORS},
    summary="Log an interaction (completes the customer's due contact tasks)",
)
def post_interaction(request: HttpRequest, customer_id: int, payload: InteractionIn):
    require(request.user, Action.LOG_INTERACTIONS)
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)
    task = None
    if payload.task_id is not None:
        task = get_object_or_404(
            ContactTask.objects.for_user(request.user).filter(customer=customer),
            pk=payload.task_id,
        )
    data = payload.dict(exclude={"task_id"})
    if data["occurred_at"] is None:
        data["occurred_at"] = timezone.now()
    interaction = log_interaction(actor=request.user, customer=customer, data=data, task=task)
    return Status(201, interaction)


# --- plans and topics -------------------------------------------------------------------------


class TopicOut(Schema):
    id: int
    industry: Industry
    code: str
    name: str
    question: str = Field(alias="prompt")
    measure: str
    unit: str
    alert_below: Decimal | None
    alert_above: Decimal | None
    alert_on_no: bool
    is_active: bool


@router.get("/topics", response={200: list[TopicOut], **ERRORS}, summary="Contact topics")
def list_topics(request: HttpRequest, industry: Industry | None = None):
    """Every profile's contact topics (names and questions in the reader's language)."""
    require(request.user, Action.VIEW_CUSTOMERS)
    topics = ContactTopic.objects.all()
    if industry:
        topics = topics.filter(industry=industry)
    return list(topics)


class PlanFilter(ListFilter):
    """Plans keep an update time but no creation time: ``updated_since``, no ``created_after``."""

    ordering: Literal["updated_at", "-updated_at"] | None = None
    industry: Industry | None = None
    tier: Tier | None = None
    updated_since: datetime.datetime | None = Field(
        None, description="Only plans changed at or after this time (ISO 8601)"
    )

    def filter_updated_since(self, value: datetime.datetime | None) -> Q:
        return Q(updated_at__gte=aware_time(value)) if value else Q()


@router.get("/plans", response={200: list[PlanOut], **ERRORS}, summary="Maintenance plans")
def list_plans(request: HttpRequest, filters: Query[PlanFilter]):
    require(request.user, Action.VIEW_CUSTOMERS)
    return list(filters.filter(MaintenancePlan.objects.all()))


@router.patch("/plans/{plan_id}", response={200: PlanOut, **WRITE_ERRORS}, summary="Change a plan")
def patch_plan(request: HttpRequest, plan_id: int, payload: PlanPatch):
    # Plans are company-wide: a manager scoped to one branch may not change them (issue 10).
    require_company(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    plan = get_object_or_404(MaintenancePlan, pk=plan_id)
    return update_plan(actor=request.user, plan=plan, data=payload.dict(exclude_unset=True))


# --- allocations ------------------------------------------------------------------------------


class AllocationFilter(CreatedFilter):
    """The newest decision first unless ``ordering`` says otherwise."""

    ordering: Literal["created_at", "-created_at", "product", "-product"] | None = None


@router.get(
    "/allocations", response={200: list[AllocationOut], **ERRORS}, summary="Shortage allocations"
)
@paginate(Pagination)
def list_allocations(request: HttpRequest, filters: Query[AllocationFilter]):
    require(request.user, Action.ALLOCATE_SUPPLY)
    return filters.filter(Allocation.objects.for_user(request.user).prefetch_related("lines"))


@router.get(
    "/allocations/{allocation_id}",
    response={200: AllocationOut, **ERRORS},
    summary="One shortage allocation",
)
def get_allocation(request: HttpRequest, allocation_id: int):
    require(request.user, Action.ALLOCATE_SUPPLY)
    return get_object_or_404(Allocation.objects.for_user(request.user), pk=allocation_id)


@router.post(
    "/allocations",
    response={201: AllocationOut, **WRITE_ERRORS},
    summary="Allocate a short supply by tier and record the decision",
)
def post_allocation(request: HttpRequest, payload: AllocationIn):
    require(request.user, Action.ALLOCATE_SUPPLY)
    branch = get_object_or_404(Branch.objects.for_user(request.user), pk=payload.branch_id)
    ids = [line.customer_id for line in payload.requests]
    found = Customer.objects.for_user(request.user).in_bulk(ids)
    missing = [str(customer_id) for customer_id in ids if customer_id not in found]
    if missing:
        raise ServiceError(
            {"requests": [_("Unknown customers (or not yours): %s.") % ", ".join(missing)]}
        )
    allocation = allocate_shortage(
        actor=request.user,
        branch=branch,
        product=payload.product,
        available=payload.available,
        is_cash_tight=payload.is_cash_tight,
        requests=[(found[line.customer_id], line.quantity) for line in payload.requests],
    )
    return Status(201, allocation)
