"""API: tier changes and suggestions, contact persons, referrals, greetings and occasions.

The same scope and roles as the pages (``views_tiers``, ``views_relationship``,
``views_greetings``, the customer page): branch scope, an account manager sees only their own
customers (ADR 0005); an object out of scope is 404, an action outside the role 403; a contact
person's phone, WeChat and e-mail are masked for roles without ``view_personal_data``.
"""

import datetime
from typing import ClassVar, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.customers.choices import (
    OccasionKind,
    TaskKind,
    TaskStatus,
    Tier,
    TierChangeSource,
    TierChangeStatus,
)
from qiwang.customers.models import Contact, ContactTask, Customer, Occasion, Referral, TierChange
from qiwang.customers.presentation import contact_fields
from qiwang.customers.services.greetings import add_occasion
from qiwang.customers.services.relationship import (
    add_contact,
    complete_referral_follow_up,
    record_referral,
)
from qiwang.customers.services.tiers import decide_tier_change, suggest_tiers
from qiwang.errors import ServiceError
from qiwang.project.api import ERRORS, WRITE_ERRORS, Pagination
from qiwang.project.api_conventions import CreatedFilter

router = Router(tags=["customer relationship"])


def _as_fields(error: ServiceError, names: dict[str, str]) -> ServiceError:
    """The service's error with its field names as the API spells them (``branch_id``)."""
    error.errors = {names.get(name, name): messages for name, messages in error.errors.items()}
    return error


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    require(request.user, Action.VIEW_CUSTOMERS)
    return get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)


# --- tier changes -----------------------------------------------------------------------------


class TierChangeOut(Schema):
    id: int
    customer_id: int
    customer_code: str = Field(alias="customer.code")
    customer_name: str = Field(alias="customer.name")
    old_tier: Tier
    new_tier: Tier
    status: TierChangeStatus
    source: TierChangeSource
    reason: str = Field(alias="reason_text", description="Why, in your language")
    suggested_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None


class CustomerTierChangeFilter(CreatedFilter):
    """``created_after`` is the time of the suggestion (or of the change made by hand)."""

    created_field: ClassVar[str] = "suggested_at"

    ordering: Literal["suggested_at", "-suggested_at", "decided_at", "-decided_at"] | None = None
    status: list[TierChangeStatus] | None = Field(
        None, description="One or more statuses: suggested (pending), confirmed, rejected"
    )

    def filter_status(self, value: list[str] | None) -> Q:
        return Q(status__in=value) if value else Q()


class TierChangeFilter(CustomerTierChangeFilter):
    customer: int | None = Field(None, description="Customer id")
    branch: int | None = Field(None, description="Branch id")

    def filter_customer(self, value: int | None) -> Q:
        return Q(customer_id=value) if value else Q()

    def filter_branch(self, value: int | None) -> Q:
        return Q(customer__branch_id=value) if value else Q()


class RuleRunOut(Schema):
    examined: int
    suggested: int


def _tier_changes(request: HttpRequest):  # type: ignore[no-untyped-def]
    require(request.user, Action.VIEW_CUSTOMERS)
    return TierChange.objects.for_user(request.user).select_related("customer")


@router.get(
    "/tier-changes",
    response={200: list[TierChangeOut], **ERRORS},
    summary="Tier suggestions and tier history (status=suggested: awaiting a manager)",
)
@paginate(Pagination)
def list_tier_changes(request: HttpRequest, filters: Query[TierChangeFilter]):
    return filters.filter(_tier_changes(request))


@router.get(
    "/customers/{customer_id}/tier-changes",
    response={200: list[TierChangeOut], **ERRORS},
    summary="A customer's tier history and pending suggestion",
)
@paginate(Pagination)
def list_customer_tier_changes(
    request: HttpRequest, customer_id: int, filters: Query[CustomerTierChangeFilter]
):
    customer = _customer(request, customer_id)
    return filters.filter(_tier_changes(request).filter(customer=customer))


def _decide(request: HttpRequest, change_id: int, *, accept: bool) -> TierChange:
    change = get_object_or_404(_tier_changes(request), pk=change_id)
    require(request.user, Action.MANAGE_MAINTENANCE_PLANS, change.customer)
    return decide_tier_change(actor=request.user, change=change, accept=accept)


@router.post(
    "/tier-changes/{change_id}/confirm",
    response={200: TierChangeOut, **WRITE_ERRORS},
    summary="Confirm a suggestion: the customer's tier changes (409 if already decided)",
)
def confirm_tier_change(request: HttpRequest, change_id: int):
    return _decide(request, change_id, accept=True)


@router.post(
    "/tier-changes/{change_id}/dismiss",
    response={200: TierChangeOut, **WRITE_ERRORS},
    summary="Dismiss a suggestion: the tier stays (409 if already decided)",
)
def dismiss_tier_change(request: HttpRequest, change_id: int):
    return _decide(request, change_id, accept=False)


@router.post(
    "/tier-changes/run-rule",
    response={200: RuleRunOut, **WRITE_ERRORS},
    summary="Run the value rule over your customers: new suggestions (idempotent)",
)
def run_tier_rule(request: HttpRequest):
    require(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    result = suggest_tiers(actor=request.user)
    return {"examined": result.examined, "suggested": result.suggested}


# --- contact persons ----------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    phone: str = Field(description="E.164; masked for roles without personal data")
    wechat: str
    email: str
    is_primary: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_phone(obj: Contact, context: dict) -> str:
        return contact_fields(obj, obj.customer, context["request"].user)["phone"]

    @staticmethod
    def resolve_wechat(obj: Contact, context: dict) -> str:
        return contact_fields(obj, obj.customer, context["request"].user)["wechat"]

    @staticmethod
    def resolve_email(obj: Contact, context: dict) -> str:
        return contact_fields(obj, obj.customer, context["request"].user)["email"]


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    title: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=30, description="Any usual form; stored as E.164")
    wechat: str = Field(default="", max_length=60)
    email: str = Field(default="", max_length=254)
    is_primary: bool = False


class ContactFilter(CreatedFilter):
    """The primary contact first, then by name, unless ``ordering`` says otherwise."""

    ordering: Literal["name", "-name", "created_at", "-created_at"] | None = None


@router.get(
    "/customers/{customer_id}/contacts",
    response={200: list[ContactOut], **ERRORS},
    summary="A customer's contact persons",
)
@paginate(Pagination)
def list_contacts(request: HttpRequest, customer_id: int, filters: Query[ContactFilter]):
    customer = _customer(request, customer_id)
    contacts = customer.contacts.select_related("customer").order_by("-is_primary", "name", "pk")
    return filters.filter(contacts)


@router.post(
    "/customers/{customer_id}/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Add a contact person (primary: the others stop being primary)",
)
def post_contact(request: HttpRequest, customer_id: int, payload: ContactIn):
    customer = _customer(request, customer_id)
    require(request.user, Action.CHANGE_CUSTOMERS, customer)
    contact = add_contact(actor=request.user, customer=customer, data=payload.dict())
    return Status(201, contact)


# --- referrals -----------------------------------------------------------------------------------


class ReferralOut(Schema):
    id: int
    referrer_id: int
    referrer_name: str = Field(alias="referrer.name")
    referred_id: int
    referred_name: str = Field(alias="referred.name")
    referred_on: datetime.date
    follow_up_due: datetime.date
    follow_up_done_at: datetime.datetime | None
    follow_up_note: str
    note: str
    created_at: datetime.datetime


class ReferralFilter(CreatedFilter):
    ordering: (
        Literal[
            "referred_on",
            "-referred_on",
            "follow_up_due",
            "-follow_up_due",
            "created_at",
            "-created_at",
        ]
        | None
    ) = None
    followed_up: bool | None = Field(
        None, description="false: the referrer is still to be thanked; true: thanked"
    )

    def filter_followed_up(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        return Q(follow_up_done_at__isnull=not value)


class ReferralIn(Schema):
    referred_id: int = Field(description="The customer who was referred (one you can see)")
    note: str = Field(default="", max_length=300)


class FollowUpIn(Schema):
    note: str = Field(default="", max_length=300)


def _referrals(request: HttpRequest):  # type: ignore[no-untyped-def]
    require(request.user, Action.VIEW_CUSTOMERS)
    return Referral.objects.for_user(request.user).select_related("referrer", "referred")


@router.get(
    "/referrals",
    response={200: list[ReferralOut], **ERRORS},
    summary="Referrals made by your customers (followed_up=false: thanks still owed)",
)
@paginate(Pagination)
def list_referrals(request: HttpRequest, filters: Query[ReferralFilter]):
    return filters.filter(_referrals(request))


@router.get(
    "/customers/{customer_id}/referrals",
    response={200: list[ReferralOut], **ERRORS},
    summary="Referrals a customer made or came by",
)
@paginate(Pagination)
def list_customer_referrals(request: HttpRequest, customer_id: int, filters: Query[ReferralFilter]):
    customer = _customer(request, customer_id)
    rows = Referral.objects.filter(Q(referrer=customer) | Q(referred=customer))
    return filters.filter(rows.select_related("referrer", "referred"))


@router.post(
    "/customers/{customer_id}/referrals",
    response={201: ReferralOut, **WRITE_ERRORS},
    summary="Record that this customer referred another (a thank-you task follows)",
)
def post_referral(request: HttpRequest, customer_id: int, payload: ReferralIn):
    referrer = _customer(request, customer_id)
    require(request.user, Action.LOG_INTERACTIONS, referrer)
    referred = Customer.objects.filter(pk=payload.referred_id).first()
    if referred is None or not request.user.can_see_branch(referred.branch_id):
        raise ServiceError(_("Choose a customer you can see."), field="referred_id")
    try:
        referral = record_referral(
            actor=request.user, referrer=referrer, referred=referred, note=payload.note
        )
    except ServiceError as error:
        raise _as_fields(error, {"referred": "referred_id"}) from None
    return Status(201, referral)


@router.post(
    "/referrals/{referral_id}/follow-up",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="The referrer has been thanked (closes the task; 409 if already done)",
)
def post_referral_follow_up(request: HttpRequest, referral_id: int, payload: FollowUpIn):
    referral = get_object_or_404(_referrals(request), pk=referral_id)
    require(request.user, Action.LOG_INTERACTIONS, referral.referrer)
    return complete_referral_follow_up(actor=request.user, referral=referral, note=payload.note)


# --- greetings and occasions ----------------------------------------------------------------------


class GreetingOut(Schema):
    id: int = Field(description="The greeting task's id")
    customer_id: int
    occasion_id: int | None
    occasion_name: str | None
    occasion_kind: str = Field(alias="greeting_kind")
    due_date: datetime.date
    status: TaskStatus
    channel: str
    message: str
    done_at: datetime.datetime | None

    @staticmethod
    def resolve_occasion_name(obj: ContactTask) -> str | None:
        return obj.occasion.display_name if obj.occasion is not None else None


class GreetingFilter(CreatedFilter):
    ordering: Literal["due_date", "-due_date", "created_at", "-created_at"] | None = None
    status: list[TaskStatus] | None = Field(None, description="One or more task statuses")

    def filter_status(self, value: list[str] | None) -> Q:
        return Q(status__in=value) if value else Q()


@router.get(
    "/customers/{customer_id}/greetings",
    response={200: list[GreetingOut], **ERRORS},
    summary="A customer's greeting tasks (holidays, birthdays, launches, sales rises)",
)
@paginate(Pagination)
def list_customer_greetings(request: HttpRequest, customer_id: int, filters: Query[GreetingFilter]):
    customer = _customer(request, customer_id)
    tasks = ContactTask.objects.for_user(request.user).filter(
        customer=customer, kind=TaskKind.GREETING
    )
    return filters.filter(tasks.select_related("occasion").order_by("-due_date", "-pk"))


class OccasionOut(Schema):
    id: int
    kind: OccasionKind
    date: datetime.date
    name: str = Field(alias="display_name", description="In your language")
    branch_id: int | None = Field(description="null: every branch")
    tiers: list[str] = Field(description="Empty: every tier")
    created_at: datetime.datetime


class OccasionFilter(CreatedFilter):
    ordering: Literal["date", "-date", "created_at", "-created_at"] | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    kind: list[OccasionKind] | None = Field(None, description="One or more kinds")

    def filter_year(self, value: int | None) -> Q:
        return Q(date__year=value) if value else Q()

    def filter_kind(self, value: list[str] | None) -> Q:
        return Q(kind__in=value) if value else Q()


class OccasionIn(Schema):
    kind: Literal["product_launch", "public_holiday", "festival"] = "product_launch"
    date: datetime.date
    name: str = Field(min_length=1, max_length=80)
    branch_id: int | None = Field(None, description="null: every branch (whole-company users)")
    tiers: list[Tier] = Field(default_factory=list, description="Empty: every tier")


@router.get(
    "/occasions",
    response={200: list[OccasionOut], **ERRORS},
    summary="Occasions to greet on: the holiday table and launches (company-wide ones too)",
)
@paginate(Pagination)
def list_occasions(request: HttpRequest, filters: Query[OccasionFilter]):
    require(request.user, Action.VIEW_CUSTOMERS)
    occasions = Occasion.objects.filter(customer__isnull=True)
    visible = request.user.visible_branch_ids()
    if visible is not None:
        occasions = occasions.filter(Q(branch__isnull=True) | Q(branch_id__in=visible))
    return filters.filter(occasions.order_by("date", "pk"))


@router.post(
    "/occasions",
    response={201: OccasionOut, **WRITE_ERRORS},
    summary="Add a launch (or holiday, festival) to greet customers on",
)
def post_occasion(request: HttpRequest, payload: OccasionIn):
    require(request.user, Action.MANAGE_MAINTENANCE_PLANS)
    branch = None
    if payload.branch_id is not None:
        branch = get_object_or_404(Branch.objects.for_user(request.user), pk=payload.branch_id)
    try:
        occasion = add_occasion(
            actor=request.user,
            kind=payload.kind,
            date=payload.date,
            name=payload.name,
            branch=branch,
            tiers=[str(tier) for tier in payload.tiers],
        )
    except ServiceError as error:
        raise _as_fields(error, {"branch": "branch_id"}) from None
    return Status(201, occasion)
