"""API: services, commitments, deliveries (bulk, per-item results), publications, surprise
plans, the over-promise check. Scoped to the user's branches; one service call per handler."""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from qiwang.accounts.permissions import Action, require
from qiwang.catalogue.api_filters import (
    DeliveryListFilter,
    PublicationListFilter,
    ServiceListFilter,
    SurprisePlanListFilter,
)
from qiwang.catalogue.choices import (
    Audience,
    CommitmentLevel,
    PublicationChannel,
    PublicityScope,
    ServiceTier,
)
from qiwang.catalogue.models import Commitment, Delivery, Publication, Service, SurprisePlan
from qiwang.catalogue.presentation import render_warning
from qiwang.catalogue.services import (
    add_commitment,
    create_publication,
    create_service,
    record_deliveries,
    update_service,
)
from qiwang.catalogue.services.imports import import_deliveries
from qiwang.catalogue.services.promise import promise_check
from qiwang.catalogue.services.publications import comparison_risk
from qiwang.catalogue.services.surprises import create_plan, set_plan_status
from qiwang.catalogue.services.warnings import service_facts
from qiwang.customers.models import Customer
from qiwang.errors import ServiceError
from qiwang.project.api import ERRORS, WRITE_ERRORS, Pagination

router = Router(tags=["catalogue"])


# --- services ------------------------------------------------------------------------------------


class CommitmentOut(Schema):
    id: int
    service_id: int
    level: CommitmentLevel
    statement: str
    scope: str
    metric: str
    comparison: str
    threshold: float | None
    unit: str
    allowed_breach: float
    valid_from: datetime.date
    valid_to: datetime.date | None


class ServiceOut(Schema):
    id: int
    branch_id: int
    code: str
    name: str
    description: str
    tier: ServiceTier
    cost_per_delivery: Decimal
    resource_priority: int
    publicity_scope: PublicityScope
    eligible_tiers: list[str]
    eligible_branch_ids: list[int]
    eligible_customer_ids: list[int]
    survey_attributes: list[str]
    is_active: bool

    @staticmethod
    def resolve_eligible_branch_ids(obj: Service) -> list[int]:
        return [b.pk for b in obj.eligible_branches.all()]

    @staticmethod
    def resolve_eligible_customer_ids(obj: Service) -> list[int]:
        return [c.pk for c in obj.eligible_customers.all()]


class WarningOut(Schema):
    code: str
    params: dict[str, Any]
    severity: str
    title: str
    rule: str
    action: str


class RateOut(Schema):
    n: int
    kept: int
    rate: float | None
    interval: list[float]


class ServiceDetailOut(ServiceOut):
    commitment: CommitmentOut | None = None
    kano_class: str = ""
    kano_previous: str = ""
    satisfaction: float | None = None
    servqual_gap: float | None = None
    keeping_last_year: RateOut | None = None
    comparison_risk: int = 0
    warnings: list[WarningOut] = []


class ServiceIn(Schema):
    branch_id: int
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    tier: ServiceTier
    cost_per_delivery: Decimal = Decimal(0)
    resource_priority: int = 2
    publicity_scope: PublicityScope = PublicityScope.PUBLIC
    eligible_tiers: list[str] = []
    eligible_branch_ids: list[int] = []
    eligible_customer_ids: list[int] = []
    survey_attributes: list[str] = []


class ServicePatch(Schema):
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = None
    tier: ServiceTier | None = None
    cost_per_delivery: Decimal | None = None
    resource_priority: int | None = None
    publicity_scope: PublicityScope | None = None
    eligible_tiers: list[str] | None = None
    eligible_branch_ids: list[int] | None = None
    eligible_customer_ids: list[int] | None = None
    survey_attributes: list[str] | None = None
    is_active: bool | None = None


def _service_data(payload: dict[str, Any]) -> dict[str, Any]:
    renamed = {
        "eligible_branch_ids": "eligible_branches",
        "eligible_customer_ids": "eligible_customers",
    }
    return {renamed.get(k, k): v for k, v in payload.items() if k != "branch_id"}


def _service(request: HttpRequest, service_id: int) -> Service:
    return get_object_or_404(Service.objects.for_user(request.user), pk=service_id)


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, summary="List services")
@paginate(Pagination)
def list_services(request: HttpRequest, filters: Query[ServiceListFilter]):
    require(request.user, Action.VIEW_SERVICES)
    services = Service.objects.for_user(request.user).prefetch_related(
        "eligible_branches", "eligible_customers"
    )
    return filters.filter(services)


@router.get(
    "/services/{service_id}",
    response={200: ServiceDetailOut, **ERRORS},
    summary="One service with its facts and warnings",
)
def get_service(request: HttpRequest, service_id: int):
    require(request.user, Action.VIEW_SERVICES)
    service = _service(request, service_id)
    (facts,) = service_facts([service], today=timezone.localdate(), user=request.user)
    rate = facts.keeping
    detail = {
        "commitment": facts.commitment,
        "kano_class": facts.kano_class,
        "kano_previous": facts.kano_previous,
        "satisfaction": facts.satisfaction,
        "servqual_gap": facts.servqual_gap,
        "keeping_last_year": None
        if rate is None
        else {"n": rate.n, "kept": rate.kept, "rate": rate.rate, "interval": [rate.low, rate.high]},
        "comparison_risk": facts.comparison_risk,
        "warnings": [
            {"params": w.params, **render_warning(w.code, w.params).__dict__}
            for w in facts.warnings
        ],
    }
    for name, value in detail.items():
        setattr(service, name, value)
    return service


@router.post("/services", response={201: ServiceOut, **WRITE_ERRORS}, summary="Add a service")
def post_service(request: HttpRequest, payload: ServiceIn):
    require(request.user, Action.CHANGE_SERVICES)
    data = payload.dict()
    service = create_service(actor=request.user, branch=data["branch_id"], data=_service_data(data))
    return Status(201, service)


@router.patch(
    "/services/{service_id}", response={200: ServiceOut, **WRITE_ERRORS}, summary="Change a service"
)
def patch_service(request: HttpRequest, service_id: int, payload: ServicePatch):
    service = _service(request, service_id)
    return update_service(
        actor=request.user, service=service, data=_service_data(payload.dict(exclude_unset=True))
    )


# --- commitments ---------------------------------------------------------------------------------


class CommitmentIn(Schema):
    level: CommitmentLevel
    statement: str = Field(default="", max_length=200)
    scope: str = ""
    metric: str = Field(default="", max_length=60)
    comparison: str = ""
    threshold: float | None = None
    unit: str = Field(default="", max_length=20)
    allowed_breach: float = 0.05
    valid_from: datetime.date
    valid_to: datetime.date | None = None


@router.get(
    "/services/{service_id}/commitments",
    response={200: list[CommitmentOut], **ERRORS},
    summary="A service's commitments, newest first",
)
def list_commitments(request: HttpRequest, service_id: int):
    require(request.user, Action.VIEW_SERVICES)
    return list(Commitment.objects.filter(service=_service(request, service_id)))


@router.post(
    "/services/{service_id}/commitments",
    response={201: CommitmentOut, **WRITE_ERRORS},
    summary="Put a commitment in force",
)
def post_commitment(request: HttpRequest, service_id: int, payload: CommitmentIn):
    service = _service(request, service_id)
    return Status(201, add_commitment(actor=request.user, service=service, data=payload.dict()))


class PromiseCheckOut(Schema):
    n: int
    breaches: int
    breach_probability: float | None
    interval: list[float]
    recommended_target: float | None
    recommended_comparison: str | None
    reason: str
    message: str
    minimum_n: int


@router.get(
    "/services/{service_id}/promise-check",
    response={200: PromiseCheckOut, **ERRORS},
    summary="Over-promise check of a proposed target on the delivery history",
)
def get_promise_check(
    request: HttpRequest,
    service_id: int,
    target: str,
    allowed_breach: float = 0.05,
    days: int = 365,
):
    require(request.user, Action.VIEW_SERVICES)
    service = _service(request, service_id)
    return promise_check(service, target=target, allowed_breach=allowed_breach, days=days).to_api()


# --- deliveries ----------------------------------------------------------------------------------


class DeliveryOut(Schema):
    id: int
    service_id: int
    customer_id: int
    customer_code: str = Field(alias="customer.code")
    branch_id: int
    delivered_at: datetime.datetime
    value: float | None
    unit: str
    commitment_id: int | None
    kept: bool | None
    cost: Decimal | None
    source: str
    reference: str
    note: str


class DeliveryBulkIn(Schema):
    items: list[dict[str, Any]] = Field(
        description="Up to 10,000 deliveries: service (id, or code), customer (customer number), delivered_at, value, unit, reference, note, cost"
    )
    all_or_nothing: bool = False


class FieldErrorOut(Schema):
    field: str
    message: str


class ItemOut(Schema):
    index: int
    ok: bool
    id: int | None = None
    kept: bool | None = None
    errors: list[FieldErrorOut] = []


class BulkOut(Schema):
    stored: int
    failed: int
    broken: int
    results: list[ItemOut]


@router.get(
    "/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
    summary="List deliveries, newest first",
)
@paginate(Pagination)
def list_deliveries(request: HttpRequest, filters: Query[DeliveryListFilter]):
    require(request.user, Action.VIEW_SERVICES)
    return filters.filter(Delivery.objects.for_user(request.user).select_related("customer"))


def _bulk_out(batch: Any) -> dict[str, Any]:
    return {
        "stored": len(batch.stored),
        "failed": len(batch.failed),
        "broken": sum(1 for d in batch.stored if d.kept is False),
        "results": [
            {
                "index": r.index,
                "ok": r.ok,
                "id": r.delivery.pk if r.ok and r.delivery is not None else None,
                "kept": r.delivery.kept if r.ok and r.delivery is not None else None,
                "errors": [{"field": f, "message": m} for f, ms in r.errors.items() for m in ms],
            }
            for r in batch.results
        ],
    }


@router.post(
    "/deliveries",
    response={200: BulkOut, 201: BulkOut, **WRITE_ERRORS},
    summary="Record deliveries in bulk (per-item results)",
    description=(
        "201 when every item was stored; 200 with per-item results when some failed (each item "
        "is stored whole or not at all); 422 when nothing was stored because items failed."
    ),
)
def post_deliveries(request: HttpRequest, payload: DeliveryBulkIn):
    require(request.user, Action.RECORD_DELIVERIES)
    batch = record_deliveries(
        actor=request.user, items=payload.items, source="api", all_or_nothing=payload.all_or_nothing
    )
    out = _bulk_out(batch)
    if not batch.failed:
        return Status(201, out)
    if not batch.stored:
        raise ServiceError(
            {
                f"items[{r.index}].{field}": messages
                for r in batch.invalid
                for field, messages in r.errors.items()
            }
        )
    return out


class ImportOut(Schema):
    rows: int
    valid: int
    broken: int
    stored: bool
    issues: list[dict[str, Any]]


@router.post(
    "/deliveries/import",
    response={200: ImportOut, **WRITE_ERRORS},
    summary="Import deliveries from CSV or XLSX (dry run unless apply)",
)
def post_delivery_import(
    request: HttpRequest,
    file: File[UploadedFile],
    service_id: Form[int | None] = None,
    apply: Form[bool] = False,
):
    require(request.user, Action.RECORD_DELIVERIES)
    service = _service(request, service_id) if service_id else None
    result = import_deliveries(
        actor=request.user,
        content=file.read(),
        filename=file.name or "",
        service=service,
        dry_run=not apply,
    )
    if apply and result.issues:
        raise ServiceError({f"row {i['row']}.{i['field']}": [i["message"]] for i in result.issues})
    valid = result.batch.valid
    return {
        "rows": result.rows,
        "valid": len(valid),
        "broken": sum(1 for d in valid if d.kept is False),
        "stored": result.stored,
        "issues": result.issues,
    }


# --- publications --------------------------------------------------------------------------------


class PublicationOut(Schema):
    id: int
    service_id: int
    branch_id: int
    title: str
    channel: PublicationChannel
    audience: Audience
    audience_tiers: list[str]
    audience_branch_ids: list[int]
    audience_customer_ids: list[int]
    published_on: datetime.date

    @staticmethod
    def resolve_audience_branch_ids(obj: Publication) -> list[int]:
        return [b.pk for b in obj.audience_branches.all()]

    @staticmethod
    def resolve_audience_customer_ids(obj: Publication) -> list[int]:
        return [c.pk for c in obj.audience_customers.all()]


class PublicationIn(Schema):
    title: str = Field(min_length=1, max_length=160)
    channel: PublicationChannel
    audience: Audience
    branch_id: int | None = None
    audience_tiers: list[str] = []
    audience_branch_ids: list[int] = []
    audience_customer_ids: list[int] = []
    published_on: datetime.date | None = None


class RiskOut(Schema):
    id: int
    code: str
    name: str
    tier: str
    branch_id: int


@router.get(
    "/publications", response={200: list[PublicationOut], **ERRORS}, summary="List publications"
)
@paginate(Pagination)
def list_publications(request: HttpRequest, filters: Query[PublicationListFilter]):
    require(request.user, Action.VIEW_SERVICES)
    rows = Publication.objects.for_user(request.user).prefetch_related(
        "audience_branches", "audience_customers"
    )
    return filters.filter(rows)


@router.post(
    "/services/{service_id}/publications",
    response={201: PublicationOut, **WRITE_ERRORS},
    summary="Record a publication",
)
def post_publication(request: HttpRequest, service_id: int, payload: PublicationIn):
    service = _service(request, service_id)
    data = payload.dict()
    data = {
        "title": data["title"],
        "channel": data["channel"],
        "audience": data["audience"],
        "branch": data["branch_id"],
        "audience_tiers": data["audience_tiers"],
        "audience_branches": data["audience_branch_ids"],
        "audience_customers": data["audience_customer_ids"],
        "published_on": data["published_on"],
    }
    return Status(201, create_publication(actor=request.user, service=service, data=data))


@router.get(
    "/services/{service_id}/comparison-risk",
    response={200: list[RiskOut], **ERRORS},
    summary="Customers told of the service who are not eligible",
)
@paginate(Pagination)
def list_comparison_risk(request: HttpRequest, service_id: int):
    require(request.user, Action.VIEW_SERVICES)
    service = _service(request, service_id)
    return comparison_risk(service, within=Customer.objects.for_user(request.user)).order_by("code")


# --- surprise plans ------------------------------------------------------------------------------


class PlanItemOut(Schema):
    customer_id: int
    customer_code: str = Field(alias="customer.code")
    date: datetime.date
    status: str


class PlanOut(Schema):
    id: int
    service_id: int
    name: str
    budget: Decimal
    cost: Decimal
    spent: Decimal
    start: datetime.date
    end: datetime.date
    min_gap_days: int
    max_per_year: int
    seed: int
    status: str
    summary: dict[str, Any]


class PlanDetailOut(PlanOut):
    items: list[PlanItemOut]


class PlanIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    budget: Decimal
    cost: Decimal | None = None
    start: datetime.date
    end: datetime.date
    min_gap_days: int = 60
    max_per_year: int = 2
    seed: int = 1


class PlanStatusIn(Schema):
    status: str


def _plan(request: HttpRequest, plan_id: int) -> SurprisePlan:
    return get_object_or_404(SurprisePlan.objects.for_user(request.user), pk=plan_id)


@router.get(
    "/surprise-plans", response={200: list[PlanOut], **ERRORS}, summary="List surprise plans"
)
@paginate(Pagination)
def list_plans(request: HttpRequest, filters: Query[SurprisePlanListFilter]):
    require(request.user, Action.VIEW_SERVICES)
    return filters.filter(SurprisePlan.objects.for_user(request.user))


@router.get(
    "/surprise-plans/{plan_id}",
    response={200: PlanDetailOut, **ERRORS},
    summary="One surprise plan with its deliveries",
)
def get_plan(request: HttpRequest, plan_id: int):
    require(request.user, Action.VIEW_SERVICES)
    plan = _plan(request, plan_id)
    data = PlanOut.from_orm(plan).dict()
    data["items"] = list(plan.items.for_user(request.user).select_related("customer"))
    return data


@router.post(
    "/services/{service_id}/surprise-plans",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="Plan a surprise campaign",
)
def post_plan(request: HttpRequest, service_id: int, payload: PlanIn):
    service = _service(request, service_id)
    data = payload.dict()
    if data["cost"] is None:
        del data["cost"]
    return Status(201, create_plan(actor=request.user, service=service, data=data))


@router.post(
    "/surprise-plans/{plan_id}/status",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="Confirm or cancel a plan",
)
def post_plan_status(request: HttpRequest, plan_id: int, payload: PlanStatusIn):
    plan = _plan(request, plan_id)
    if payload.status not in ("confirmed", "cancelled"):
        raise ServiceError(
            {
                "status": [
                    _("%(value)s is not a plan status you can set.") % {"value": payload.status}
                ]
            }
        )
    return set_plan_status(actor=request.user, plan=plan, status=payload.status)
