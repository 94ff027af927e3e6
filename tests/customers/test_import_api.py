"""The API of import, export and the monthly report: same rules as the pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.utils import translation

from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Customer

HEADER = "code,name,kind,tier,branch,phone\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _api(user):
    key = create_api_token(user=user, name="test").key
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _upload(text, name="customers.csv"):
    handle = io.BytesIO(text.encode("utf-8"))
    handle.name = name
    return handle


def test_preview_then_apply_through_the_api(org):
    client = _api(org.users["account_manager"])
    body = HEADER + "N0001,王建国,household,vip,a,13812345678\n"

    preview = client.post("/api/customers-io/import/preview", {"file": _upload(body)})
    data = preview.json()
    applied = client.post(
        "/api/customers-io/import/apply",
        {"file": _upload(body), "fingerprint": data["fingerprint"], "plan": data["plan"]},
    )

    assert preview.status_code == 200
    assert data["created"] == 1 and data["rows"][0]["action"] == "create"
    assert applied.status_code == 200 and applied.json()["created"] == 1
    assert Customer.objects.filter(code="N0001", account_manager=org.users["account_manager"])


def test_rejected_rows_are_listed_and_apply_is_refused(org):
    client = _api(org.users["account_manager"])
    body = HEADER + "N0001,甲,household,vip,b,13812345678\n"

    preview = client.post("/api/customers-io/import/preview", {"file": _upload(body)}).json()
    applied = client.post(
        "/api/customers-io/import/apply",
        {"file": _upload(body), "fingerprint": preview["fingerprint"]},
    )

    assert preview["rows"][0]["issues"][0]["field"] == "branch"
    assert applied.status_code == 422
    assert applied.json()["code"] == "validation_error"
    assert not Customer.objects.filter(code="N0001").exists()


def test_apply_of_another_file_is_a_409(org):
    client = _api(org.users["account_manager"])
    body = HEADER + "N0001,甲,household,vip,a,13812345678\n"
    preview = client.post("/api/customers-io/import/preview", {"file": _upload(body)}).json()

    applied = client.post(
        "/api/customers-io/import/apply",
        {
            "file": _upload(body + "N0002,乙,household,vip,a,\n"),
            "fingerprint": preview["fingerprint"],
        },
    )

    assert applied.status_code == 409
    assert not Customer.objects.filter(code__startswith="N").exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("account_manager", 200), ("administrator", 200), ("quality_manager", 403), ("analyst", 403)],
)
def test_import_preview_by_role(org, role, status):
    response = _api(org.users[role]).post(
        "/api/customers-io/import/preview", {"file": _upload(HEADER)}
    )

    assert response.status_code == status


def test_export_masks_personal_data_for_the_quality_manager(org, customers):
    response = _api(org.users["quality_manager"]).get("/api/customers-io/export?format=csv")

    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )

    assert [row["code"] for row in rows] == ["A0001"]
    assert rows[0]["phone"] == "138****5678"


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("quality_manager", 200, 404),
        ("analyst", 200, 404),
        ("account_manager", 200, 404),
        ("agent", 403, 403),
        ("administrator", 200, 200),
    ],
)
def test_report_api_by_role_and_branch(org, role, own, other):
    client = _api(org.users[role])

    mine = client.get(f"/api/customers-io/reports/monthly?month=2026-10&branch={org.own.pk}")
    theirs = client.get(f"/api/customers-io/reports/monthly?month=2026-10&branch={org.other.pk}")

    assert (mine.status_code, theirs.status_code) == (own, other)
    if own == 200:
        assert [row["target"] for row in mine.json()["effort"]] == [0.6, 0.1, 0.3]


def test_report_api_rejects_a_bad_month(org):
    response = _api(org.users["analyst"]).get("/api/customers-io/reports/monthly?month=13-2026")

    assert response.status_code == 422
    assert "13-2026" in response.json()["detail"]  # the message names the value
