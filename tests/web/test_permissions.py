"""Permission table: every role × action × own / other branch, for pages and the API.

Object-level rule: objects of a branch the user does not work in do not exist for them (404);
actions their role does not allow are refused (403). Administrators see every branch.
"""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from qiwang.accounts.services import create_api_token

ROLES = ["administrator", "quality_manager", "account_manager", "agent", "analyst"]

# role -> (view customers own, view other, change own, change other, full personal data)
TABLE = {
    "administrator": (200, 200, 200, 200, True),
    "quality_manager": (200, 404, 403, 404, False),
    "account_manager": (200, 404, 200, 404, True),
    "agent": (200, 404, 403, 404, True),
    "analyst": (200, 404, 403, 404, False),
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> tuple[Client, dict[str, str]]:
    key = create_api_token(user=user, name="test").key
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.parametrize("role", ROLES)
def test_page_view_customer_own_and_other_branch(role, org, customers):
    view_own, view_other, *_rest = TABLE[role]
    client = _client(org.users[role])

    own = client.get(reverse("customers:detail", args=[customers["own"].pk]))
    other = client.get(reverse("customers:detail", args=[customers["other"].pk]))

    assert own.status_code == view_own
    assert other.status_code == view_other


@pytest.mark.parametrize("role", ROLES)
def test_page_customer_list_shows_only_visible_branches(role, org, customers):
    client = _client(org.users[role])

    response = client.get(reverse("customers:list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert customers["own"].code in body
    assert (customers["other"].code in body) == (role == "administrator")


@pytest.mark.parametrize("role", ROLES)
def test_page_edit_customer_own_and_other_branch(role, org, customers):
    _v, _vo, change_own, change_other, _p = TABLE[role]
    client = _client(org.users[role])
    form = {
        "name": "改名后",
        "tier": "vip",
        "phone": "13900000000",
        "email": "",
        "address": "",
        "notes": "",
    }

    own = client.post(reverse("customers:edit", args=[customers["own"].pk]), form)
    other = client.post(reverse("customers:edit", args=[customers["other"].pk]), form)

    expected_own = 302 if change_own == 200 else change_own  # a saved form redirects
    expected_other = 302 if change_other == 200 else change_other
    assert own.status_code == expected_own
    assert other.status_code == expected_other
    customers["own"].refresh_from_db()
    assert (customers["own"].name == "改名后") == (change_own == 200)


@pytest.mark.parametrize("role", ROLES)
def test_page_personal_data_only_for_roles_that_need_it(role, org, customers):
    *_rest, full_personal = TABLE[role]
    client = _client(org.users[role])

    body = client.get(reverse("customers:detail", args=[customers["own"].pk])).content.decode()

    assert ("138 1234 5678" in body) == full_personal  # stored +8613812345678, shown national
    assert ("138****5678" in body) == (not full_personal)
    assert ("翠湖花园 3栋2单元1502室" in body) == full_personal


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "page",
    [
        "core:home",
        "catalogue:list",
        "surveys:list",
        "complaints:queue",
        "core:insights",
        "accounts:tokens",
    ],
)
def test_page_shell_opens_for_every_role(role, page, org, customers):
    response = _client(org.users[role]).get(reverse(page))

    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_page_admin_site_only_for_administrators(role, org):
    response = _client(org.users[role]).get("/admin/")

    assert response.status_code == (200 if role == "administrator" else 302)


def test_page_anonymous_is_sent_to_login(db):
    response = Client().get(reverse("customers:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
def test_api_list_customers_scoped_to_branches(role, org, customers):
    client, auth = _api(org.users[role])

    response = client.get("/api/customers", **auth)

    assert response.status_code == 200
    codes = {item["code"] for item in response.json()["items"]}
    expected = {"A0001", "B0001"} if role == "administrator" else {"A0001"}
    assert codes == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_get_customer_own_and_other_branch(role, org, customers):
    view_own, view_other, *_rest, full_personal = TABLE[role]
    client, auth = _api(org.users[role])

    own = client.get(f"/api/customers/{customers['own'].pk}", **auth)
    other = client.get(f"/api/customers/{customers['other'].pk}", **auth)

    assert own.status_code == view_own
    assert other.status_code == view_other
    assert own.json()["phone"] == ("+8613812345678" if full_personal else "138****5678")


@pytest.mark.parametrize("role", ROLES)
def test_api_patch_customer_own_and_other_branch(role, org, customers):
    _v, _vo, change_own, change_other, _p = TABLE[role]
    client, auth = _api(org.users[role])
    body = json.dumps({"tier": "vip"})

    own = client.patch(
        f"/api/customers/{customers['own'].pk}", body, content_type="application/json", **auth
    )
    other = client.patch(
        f"/api/customers/{customers['other'].pk}", body, content_type="application/json", **auth
    )

    assert own.status_code == change_own
    assert other.status_code == change_other
    customers["own"].refresh_from_db()
    assert (customers["own"].tier == "vip") == (change_own == 200)


@pytest.mark.parametrize("role", ROLES)
def test_api_create_customer_in_own_and_other_branch(role, org):
    _v, _vo, change_own, *_rest = TABLE[role]
    client, auth = _api(org.users[role])

    def post(code, branch):
        payload = {"code": code, "name": "新客户", "kind": "household", "branch_id": branch.pk}
        return client.post(
            "/api/customers", json.dumps(payload), content_type="application/json", **auth
        )

    own = post("N1", org.own)
    other = post("N2", org.other)

    assert own.status_code == (201 if change_own == 200 else 403)
    if role == "administrator":
        assert other.status_code == 201
    elif change_own == 200:
        assert other.status_code == 422
        assert other.json()["errors"] == [
            {"field": "branch_id", "message": other.json()["errors"][0]["message"]}
        ]
    else:
        assert other.status_code == 403


@pytest.mark.parametrize("role", ["quality_manager", "administrator"])
def test_api_audit_log_only_for_roles_that_read_it(role, org, customers):
    client, auth = _api(org.users[role])

    response = client.get("/api/audit-events", **auth)

    assert response.status_code == 200


@pytest.mark.parametrize("role", ["account_manager", "agent", "analyst"])
def test_api_audit_log_refused_to_other_roles(role, org):
    client, auth = _api(org.users[role])

    response = client.get("/api/audit-events", **auth)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# Import, export and the monthly report (customers_io): role -> (import page, export rows,
# report own branch, report other branch). Export is scoped like the list (never another branch).
IO_TABLE = {
    "administrator": (200, {"A0001", "B0001"}, 200, 200),
    "quality_manager": (403, {"A0001"}, 200, 404),
    "account_manager": (200, {"A0001"}, 200, 404),
    "agent": (403, {"A0001"}, 403, 403),
    "analyst": (403, {"A0001"}, 200, 404),
}


@pytest.mark.parametrize("role", ROLES)
def test_page_import_export_report_by_role_and_branch(role, org, customers):
    import_status, export_codes, report_own, report_other = IO_TABLE[role]
    client = _client(org.users[role])

    imported = client.get(reverse("customers_io:import"))
    exported = client.get(reverse("customers_io:export", args=["csv"]))
    body = b"".join(exported.streaming_content).decode("utf-8-sig").splitlines()[1:]
    report = reverse("customers_io:report_monthly")

    assert imported.status_code == import_status
    assert {line.split(",")[0] for line in body} == export_codes
    assert client.get(report, {"branch": org.own.pk}).status_code == report_own
    assert client.get(report, {"branch": org.other.pk}).status_code == report_other


@pytest.mark.parametrize("role", ROLES)
def test_api_import_export_report_by_role_and_branch(role, org, customers):
    import_status, export_codes, report_own, report_other = IO_TABLE[role]
    client, auth = _api(org.users[role])
    upload = io.BytesIO(b"code,name\n")
    upload.name = "empty.csv"

    imported = client.post("/api/customers-io/import/preview", {"file": upload}, **auth)
    exported = client.get("/api/customers-io/export?format=csv", **auth)
    body = b"".join(exported.streaming_content).decode("utf-8-sig").splitlines()[1:]
    report = "/api/customers-io/reports/monthly?branch="

    assert imported.status_code == import_status
    assert {line.split(",")[0] for line in body} == export_codes
    assert client.get(report + str(org.own.pk), **auth).status_code == report_own
    assert client.get(report + str(org.other.pk), **auth).status_code == report_other
