"""API: webhook endpoints and their deliveries, for roles with ``MANAGE_WEBHOOKS``, scoped to
the user's branches (another branch's endpoint or delivery is 404, another role 403).

The secret is answered twice only: on creation and on rotation (``EndpointSecretOut``); no
other answer carries it."""

import datetime
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.errors import ServiceError
from qiwang.project.api import ERRORS, WRITE_ERRORS, Pagination
from qiwang.project.api_conventions import CreatedFilter
from qiwang.webhooks import services
from qiwang.webhooks.choices import SUBSCRIBABLE, DeliveryStatus
from qiwang.webhooks.models import Delivery, Endpoint

router = Router(tags=["webhooks"])

EventName = Literal["survey.response.completed", "survey.follow_up.created"]


class EndpointOut(Schema):
    id: int
    name: str
    branch_id: int
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime.datetime


class EndpointSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret: shown now and never again")
    previous_secret_signs_until: datetime.datetime | None = Field(
        None,
        description="After a rotation: until then the old secret signs too (a second "
        "`webhook-signature`); null when it signs nothing more",
    )


class EndpointIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    branch_id: int
    url: str = Field(min_length=1, max_length=500)
    events: list[EventName] = Field(min_length=1)


class EndpointPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=1, max_length=500)
    events: list[EventName] | None = Field(None, min_length=1)
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None
    payload: dict


class EventOut(Schema):
    name: str
    label: str


class EndpointFilter(CreatedFilter):
    ordering: Literal["name", "-name", "created_at", "-created_at"] | None = None
    branch: int | None = Field(None, description="Branch id")
    is_active: bool | None = None

    def filter_branch(self, value: int | None) -> Q:
        return Q(branch_id=value) if value else Q()


class DeliveryFilter(CreatedFilter):
    ordering: Literal["created_at", "-created_at"] | None = None
    endpoint: int | None = Field(None, description="Endpoint id")
    status: list[DeliveryStatus] | None = Field(None, description="One or more statuses")
    event: list[EventName | Literal["webhook.test"]] | None = None

    def filter_endpoint(self, value: int | None) -> Q:
        return Q(endpoint_id=value) if value else Q()

    def filter_status(self, value: list[str] | None) -> Q:
        return Q(status__in=value) if value else Q()

    def filter_event(self, value: list[str] | None) -> Q:
        return Q(event__in=value) if value else Q()


def _endpoints(request: HttpRequest):
    require(request.user, Action.MANAGE_WEBHOOKS)
    return Endpoint.objects.for_user(request.user)


def _endpoint(request: HttpRequest, endpoint_id: int) -> Endpoint:
    return get_object_or_404(_endpoints(request), pk=endpoint_id)


def _secret_out(endpoint: Endpoint, secret: str) -> dict:
    data = EndpointOut.from_orm(endpoint).dict()
    until = endpoint.previous_secret_until if endpoint.previous_secret else None
    return {**data, "secret": secret, "previous_secret_signs_until": until}


@router.get("/events", response={200: list[EventOut], **ERRORS}, summary="Subscribable events")
def list_events(request: HttpRequest):
    require(request.user, Action.MANAGE_WEBHOOKS)
    return [{"name": event.value, "label": str(event.label)} for event in SUBSCRIBABLE]


@router.get("/endpoints", response={200: list[EndpointOut], **ERRORS}, summary="List endpoints")
@paginate(Pagination)
def list_endpoints(request: HttpRequest, filters: Query[EndpointFilter]):
    return filters.filter(_endpoints(request))


@router.post(
    "/endpoints",
    response={201: EndpointSecretOut, **WRITE_ERRORS},
    summary="Create an endpoint (the answer holds its secret, once)",
)
def create_endpoint(request: HttpRequest, payload: EndpointIn):
    require(request.user, Action.MANAGE_WEBHOOKS)
    # One answer for a branch that does not exist and one the user may not see: no leak.
    branch = Branch.objects.for_user(request.user).filter(pk=payload.branch_id).first()  # type: ignore[attr-defined]
    if branch is None:
        raise ServiceError(_("You may not manage webhooks of this branch."), field="branch_id")
    endpoint, secret = services.create_endpoint(
        actor=request.user,
        name=payload.name,
        branch=branch,
        url=payload.url,
        events=payload.events,
    )
    return Status(201, _secret_out(endpoint, secret))


@router.get(
    "/endpoints/{endpoint_id}", response={200: EndpointOut, **ERRORS}, summary="One endpoint"
)
def get_endpoint(request: HttpRequest, endpoint_id: int):
    return _endpoint(request, endpoint_id)


@router.patch(
    "/endpoints/{endpoint_id}",
    response={200: EndpointOut, **WRITE_ERRORS},
    summary="Change an endpoint's name, URL, events, or pause / resume it",
)
def update_endpoint(request: HttpRequest, endpoint_id: int, payload: EndpointPatch):
    endpoint = _endpoint(request, endpoint_id)
    data = payload.dict(exclude_unset=True)
    return services.update_endpoint(actor=request.user, endpoint=endpoint, data=data)


@router.delete(
    "/endpoints/{endpoint_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an endpoint and its delivery log",
)
def delete_endpoint(request: HttpRequest, endpoint_id: int):
    services.delete_endpoint(actor=request.user, endpoint=_endpoint(request, endpoint_id))
    return Status(204, None)


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret",
    response={200: EndpointSecretOut, **WRITE_ERRORS},
    summary="Replace the signing secret (the answer holds the new one, once)",
)
def rotate_secret(request: HttpRequest, endpoint_id: int):
    endpoint, secret = services.rotate_secret(
        actor=request.user, endpoint=_endpoint(request, endpoint_id)
    )
    return _secret_out(endpoint, secret)


@router.post(
    "/endpoints/{endpoint_id}/test",
    response={201: DeliveryOut, **WRITE_ERRORS},
    summary="Queue a test event to this endpoint",
)
def test_endpoint(request: HttpRequest, endpoint_id: int):
    delivery = services.send_test_event(
        actor=request.user, endpoint=_endpoint(request, endpoint_id)
    )
    return Status(201, delivery)


def _deliveries(request: HttpRequest):
    require(request.user, Action.MANAGE_WEBHOOKS)
    return Delivery.objects.for_user(request.user)


@router.get("/deliveries", response={200: list[DeliveryOut], **ERRORS}, summary="List deliveries")
@paginate(Pagination)
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFilter]):
    return filters.filter(_deliveries(request))


@router.get(
    "/deliveries/{delivery_id}", response={200: DeliveryOut, **ERRORS}, summary="One delivery"
)
def get_delivery(request: HttpRequest, delivery_id: int):
    return get_object_or_404(_deliveries(request), pk=delivery_id)


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response={200: DeliveryOut, **WRITE_ERRORS},
    summary="Send a delivery again (same id, fresh retries)",
)
def redeliver(request: HttpRequest, delivery_id: int):
    delivery = get_object_or_404(_deliveries(request).select_related("endpoint"), pk=delivery_id)
    return services.redeliver(actor=request.user, delivery=delivery)
