"""API: personal-data requests (PIPL) — a customer's copy of their data and its erasure."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import Field

from qiwang.customers.models import Customer
from qiwang.customers.privacy import erase_personal_data, personal_data_copy
from qiwang.project.api import ERRORS, WRITE_ERRORS

router = Router(tags=["customers"])


class Label(Schema):
    zh_hans: str = Field(alias="zh-hans")
    en: str


class Column(Schema):
    name: str
    label: Label


class CopySection(Schema):
    key: str
    title: Label
    columns: list[Column]
    rows: list[dict[str, Any]]


class PersonalDataCopy(Schema):
    customer: str
    generated_at: str
    sections: list[CopySection]


class ErasureIn(Schema):
    confirm: str = Field(
        min_length=1, max_length=30, description="The customer number, repeated to confirm."
    )


class ErasureOut(Schema):
    customer_id: int
    total: int
    changed: dict[str, int]


@router.get(
    "/{customer_id}/personal-data",
    response={200: PersonalDataCopy, **ERRORS},
    summary="A customer's copy of their personal data (PIPL)",
    by_alias=True,
)
def get_personal_data(request: HttpRequest, customer_id: int):
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)
    return personal_data_copy(request.user, customer)


@router.post(
    "/{customer_id}/erase",
    response={200: ErasureOut, **WRITE_ERRORS},
    summary="Erase (anonymise) a customer's personal data; statistics are kept (PIPL)",
)
def post_erase(request: HttpRequest, customer_id: int, payload: ErasureIn):
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=customer_id)
    erasure = erase_personal_data(request.user, customer, confirm=payload.confirm)
    return {"customer_id": customer.pk, "total": erasure.total, "changed": erasure.changed}
