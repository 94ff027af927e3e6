"""API: customers, scoped to the user's branches; personal data only for roles that need it."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from qiwang.accounts.permissions import Action, require
from qiwang.customers.choices import CustomerKind, Language, Tier
from qiwang.customers.filters import CustomerFilter
from qiwang.customers.models import Customer
from qiwang.customers.presentation import personal_fields
from qiwang.customers.services import create_customer, update_customer
from qiwang.errors import ServiceError
from qiwang.project.api import ERRORS, WRITE_ERRORS, Pagination
from qiwang.project.api_conventions import SyncFilter

router = Router(tags=["customers"])


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    kind: CustomerKind
    tier: Tier
    branch_id: int
    account_manager_id: int | None
    phone: str
    email: str
    address: str
    wechat_openid: str
    language: Language
    created_at: datetime
    updated_at: datetime

    # Personal data goes through presentation.personal_fields: masked for roles without the right.
    @staticmethod
    def resolve_phone(obj: Customer, context: dict) -> str:
        return personal_fields(obj, context["request"].user)["phone"]

    @staticmethod
    def resolve_email(obj: Customer, context: dict) -> str:
        return personal_fields(obj, context["request"].user)["email"]

    @staticmethod
    def resolve_address(obj: Customer, context: dict) -> str:
        return personal_fields(obj, context["request"].user)["address"]

    @staticmethod
    def resolve_wechat_openid(obj: Customer, context: dict) -> str:
        return personal_fields(obj, context["request"].user)["wechat_openid"]


class CustomerListFilter(SyncFilter, CustomerFilter):
    """The list page's filter with the API's ordering, ``created_after`` and ``updated_since``."""

    ordering: (
        Literal[
            "code",
            "-code",
            "name",
            "-name",
            "created_at",
            "-created_at",
            "updated_at",
            "-updated_at",
        ]
        | None
    ) = None


class CustomerIn(Schema):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=120)
    kind: CustomerKind
    tier: Tier = Tier.GENERAL
    branch_id: int
    account_manager_id: int | None = None
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=200)
    wechat_openid: str = Field(default="", max_length=64)
    language: Language = Language.ZH_HANS
    notes: str = ""


class CustomerPatch(Schema):
    code: str | None = Field(default=None, min_length=1, max_length=30)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    kind: CustomerKind | None = None
    tier: Tier | None = None
    branch_id: int | None = None
    account_manager_id: int | None = None
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=200)
    wechat_openid: str | None = Field(default=None, max_length=64)
    language: Language | None = None
    notes: str | None = None


_RENAMED = {"branch_id": "branch", "account_manager_id": "account_manager"}


def _service_data(payload: dict) -> dict:
    return {_RENAMED.get(name, name): value for name, value in payload.items()}


def _named_as_sent(error: ServiceError) -> ServiceError:
    """The service's error with the fields named as the request named them
    (``account_manager_id``, not the model's ``account_manager``)."""
    return error.renamed({model: sent for sent, model in _RENAMED.items()})


@router.get("", response={200: list[CustomerOut], **ERRORS}, summary="List customers")
@paginate(Pagination)
def list_customers(request: HttpRequest, filters: Query[CustomerListFilter]):
    require(request.user, Action.VIEW_CUSTOMERS)
    customers = filters.filter(Customer.objects.for_user(request.user).with_related())
    return customers


@router.get("/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="One customer")
def get_customer(request: HttpRequest, customer_id: int):
    require(request.user, Action.VIEW_CUSTOMERS)
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)
    return customer


@router.post("", response={201: CustomerOut, **WRITE_ERRORS}, summary="Create a customer")
def post_customer(request: HttpRequest, payload: CustomerIn):
    require(request.user, Action.CHANGE_CUSTOMERS)
    try:
        customer = create_customer(actor=request.user, data=_service_data(payload.dict()))
    except ServiceError as error:
        raise _named_as_sent(error) from None
    return Status(201, customer)


@router.patch(
    "/{customer_id}", response={200: CustomerOut, **WRITE_ERRORS}, summary="Change a customer"
)
def patch_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch):
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)
    data = _service_data(payload.dict(exclude_unset=True))
    try:
        return update_customer(actor=request.user, customer=customer, data=data)
    except ServiceError as error:
        raise _named_as_sent(error) from None
