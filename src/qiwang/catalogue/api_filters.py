"""The catalogue lists' filters (ADR 0190): the parameters each list took before, plus
``ordering`` over declared fields and ``created_after`` (``updated_since`` on services, the one
catalogue model that keeps an update time)."""

import datetime
from typing import Literal

from django.db.models import Q
from pydantic import Field

from qiwang.catalogue.choices import ServiceTier
from qiwang.project.api_conventions import CreatedFilter, SyncFilter


class ServiceListFilter(SyncFilter):
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
    tier: ServiceTier | None = None
    branch_id: int | None = Field(None, description="Branch id")

    def filter_branch_id(self, value: int | None) -> Q:
        return Q(branch_id=value) if value else Q()


class DeliveryListFilter(CreatedFilter):
    ordering: Literal["delivered_at", "-delivered_at", "created_at", "-created_at"] | None = None
    service_id: int | None = Field(None, description="Service id")
    customer: str | None = Field(None, description="Customer number")
    kept: bool | None = None
    since: datetime.date | None = Field(None, description="Delivered on or after this date")

    def filter_service_id(self, value: int | None) -> Q:
        return Q(service_id=value) if value else Q()

    def filter_customer(self, value: str | None) -> Q:
        return Q(customer__code=value) if value else Q()

    def filter_since(self, value: datetime.date | None) -> Q:
        return Q(delivered_at__date__gte=value) if value else Q()


class PublicationListFilter(CreatedFilter):
    ordering: Literal["published_on", "-published_on", "created_at", "-created_at"] | None = None
    service_id: int | None = Field(None, description="Service id")

    def filter_service_id(self, value: int | None) -> Q:
        return Q(service_id=value) if value else Q()


class SurprisePlanListFilter(CreatedFilter):
    ordering: Literal["start", "-start", "name", "-name", "created_at", "-created_at"] | None = None
    service_id: int | None = Field(None, description="Service id")

    def filter_service_id(self, value: int | None) -> Q:
        return Q(service_id=value) if value else Q()
