"""Phone numbers: one rule (E.164 by phonenumbers) on every path that stores one."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import make_customer

from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Contact, Customer
from qiwang.customers.phones import (
    display_phone,
    is_e164,
    mask_phone,
    normalise_phone,
    try_normalise_phone,
)
from qiwang.customers.services.io import preview_import
from qiwang.customers.services.relationship import add_contact
from qiwang.errors import ServiceError

# --- the normaliser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13800001111", "+8613800001111"),
        ("138 0000 1111", "+8613800001111"),
        ("138-0000-1111", "+8613800001111"),
        ("+86 138 0000 1111", "+8613800001111"),
        ("008613800001111", "+8613800001111"),
        (
            "＋８６　１３８００００１１１１",
            "+8613800001111",
        ),  # full-width, as typed with a Chinese IME
        ("0571-88886666", "+8657188886666"),
        ("(010) 6552 9988", "+861065529988"),
        ("+852 9123 4567", "+85291234567"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_numbers_in_every_usual_form_are_stored_in_e164(raw, stored):
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize(
    "raw", ["call me maybe", "12345", "1380000111", "138000011112222", "+86 999", "1-800-FLOWERS"]
)
def test_what_is_not_a_number_is_refused_naming_field_and_value(raw):
    with pytest.raises(ServiceError) as caught:
        normalise_phone(raw, field="reporter_phone")

    assert list(caught.value.errors) == ["reporter_phone"]
    assert raw.strip() in caught.value.errors["reporter_phone"][0]


@override_settings(QIWANG_PHONE_REGION="HK")
def test_the_default_region_is_a_setting():
    assert normalise_phone("9123 4567") == "+85291234567"
    assert display_phone("+85291234567") == "9123 4567"
    assert display_phone("+8613800001111") == "+86 138 0000 1111"


def test_display_and_masking_read_the_stored_form():
    assert display_phone("+8613812345678") == "138 1234 5678"
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("13812345678") == "138****5678"  # a row not yet migrated
    assert mask_phone("+85291234567") == "+852 91****67"
    assert mask_phone("") == ""
    assert display_phone("call me") == "call me"  # a legacy value is shown as it is


mobiles = st.builds(
    lambda prefix, rest: f"1{prefix}{rest:08d}",
    st.sampled_from(["30", "38", "39", "50", "58", "86", "89"]),
    st.integers(min_value=0, max_value=10**8 - 1),
)
separators = st.sampled_from(["", " ", "-", "  "])


@given(mobiles, separators, st.booleans())
def test_normalising_is_idempotent_and_gives_e164(mobile, separator, with_country):
    typed = separator.join([mobile[:3], mobile[3:7], mobile[7:]])
    if with_country:
        typed = "+86" + separator + typed

    stored = normalise_phone(typed)

    assert stored == "+86" + mobile
    assert is_e164(stored)
    assert normalise_phone(stored) == stored
    assert normalise_phone(display_phone(stored)) == stored


@given(st.text(max_size=30))
def test_any_text_is_either_refused_or_stored_in_e164(text):
    stored = try_normalise_phone(text)

    assert stored is None or stored == "" or (is_e164(stored) and normalise_phone(stored) == stored)


# --- every path ------------------------------------------------------------------------------


def _api(user):
    token = create_api_token(user=user, name=f"t{user.api_tokens.count()}").key
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}


def test_api_create_refuses_a_non_number_and_stores_e164(org):
    headers = _api(org.users["administrator"])
    body = {"code": "P1", "name": "王建国", "kind": "household", "branch_id": org.own.pk}

    refused = Client().post(
        "/api/customers", json.dumps({**body, "phone": "call me maybe"}), **headers
    )
    created = Client().post(
        "/api/customers", json.dumps({**body, "phone": "138 0000 1111"}), **headers
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "phone"
    assert "call me maybe" in refused.json()["errors"][0]["message"]
    assert created.status_code == 201
    assert Customer.objects.get(code="P1").phone == "+8613800001111"


def test_api_update_normalises_the_phone(org, customers):
    own = customers["own"]
    headers = _api(org.users["administrator"])

    refused = Client().patch(
        f"/api/customers/{own.pk}", json.dumps({"phone": "call me"}), **headers
    )
    changed = Client().patch(
        f"/api/customers/{own.pk}",
        json.dumps({"phone": "139-0000-2222"}),
        **headers,
    )

    own.refresh_from_db()
    assert refused.status_code == 422
    assert changed.status_code == 200
    assert own.phone == "+8613900002222"


def test_customer_page_form_refuses_a_non_number_and_stores_e164(org, customers):
    own = customers["own"]
    client = Client()
    client.force_login(org.users["administrator"])
    url = reverse("customers:edit", args=[own.pk])
    form = {"name": own.name, "tier": own.tier, "email": own.email, "address": own.address}

    shown = client.get(url).content.decode()
    refused = client.post(url, {**form, "phone": "call me maybe"})
    own.refresh_from_db()
    phone_after_refusal = own.phone
    saved = client.post(url, {**form, "phone": "138 0000 1111"})

    own.refresh_from_db()
    assert 'value="138 1234 5678"' in shown
    assert refused.status_code == 200
    assert "call me maybe" in refused.content.decode()
    assert phone_after_refusal == "+8613812345678"
    assert saved.status_code == 302
    assert own.phone == "+8613800001111"


def test_import_stores_e164_and_names_row_and_value_of_a_bad_number(org):
    content = (
        "code,name,kind,branch,phone\n"
        "N1,王建国,household,a,+86 138 0000 1111\n"
        "N2,李娜,household,a,call me maybe\n"
    ).encode()

    preview = preview_import(actor=org.users["administrator"], content=content, filename="x.csv")

    assert preview.rows[0].values["phone"] == "+8613800001111"
    [issue] = preview.rows[1].issues
    assert (issue.row, issue.field, issue.value) == (3, "phone", "call me maybe")


def test_an_existing_number_in_another_form_is_unchanged_on_import(org):
    make_customer(org.own, "N1", phone="+8613800001111")
    content = b"code,phone\nN1,138 0000 1111\n"

    preview = preview_import(actor=org.users["administrator"], content=content, filename="x.csv")

    assert preview.rows[0].action == "unchanged"


def test_contact_person_phone_is_normalised(org, customers):
    admin = org.users["administrator"]

    contact = add_contact(
        actor=admin, customer=customers["own"], data={"name": "王经理", "phone": "139 1234 5678"}
    )
    with pytest.raises(ServiceError) as caught:
        add_contact(actor=admin, customer=customers["own"], data={"name": "x", "phone": "abc"})

    assert Contact.objects.get(pk=contact.pk).phone == "+8613912345678"
    assert "phone" in caught.value.errors
