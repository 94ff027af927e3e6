"""The REST API contract: auth, one error format, pagination, OpenAPI, tokens."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.conftest import make_customer

from qiwang.accounts.models import ApiToken, AuditEvent
from qiwang.accounts.services import create_api_token


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t').key}"}


def test_token_is_stored_hashed_and_shown_once(org):
    user = org.users["account_manager"]

    issued = create_api_token(user=user, name="BI export")

    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key.startswith("qw_")
    assert issued.key not in {stored.digest, stored.prefix}
    assert len(stored.digest) == 64
    assert AuditEvent.objects.filter(action="api_token_created", object_id=str(stored.pk)).exists()


def test_token_lifecycle_through_the_api(org):
    user = org.users["analyst"]
    client = Client()
    client.force_login(user)
    headers = {"HTTP_X_CSRFTOKEN": "x"}
    client.cookies["csrftoken"] = "x" * 32
    headers = {"HTTP_X_CSRFTOKEN": "x" * 32}

    created = client.post(
        "/api/tokens", json.dumps({"name": "脚本"}), content_type="application/json", **headers
    )
    key = created.json()["key"]
    token_id = created.json()["id"]
    listed = client.get("/api/tokens")
    with_token = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    revoked = client.post(f"/api/tokens/{token_id}/revoke", **headers)
    after_revoke = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    twice = client.post(f"/api/tokens/{token_id}/revoke", **headers)

    assert created.status_code == 201
    assert [item["name"] for item in listed.json()["items"]] == ["脚本"]
    assert "key" not in listed.json()["items"][0]
    assert with_token.status_code == 200
    assert with_token.json()["username"] == "analyst_a"
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert after_revoke.status_code == 401
    assert twice.status_code == 409


def test_session_writes_need_csrf(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.users["analyst"])

    response = client.post(
        "/api/tokens", json.dumps({"name": "x"}), content_type="application/json"
    )

    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(org):
    other = create_api_token(user=org.users["agent"], name="theirs").token

    response = Client().post(f"/api/tokens/{other.pk}/revoke", **_auth(org.users["analyst"]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


@pytest.mark.parametrize(
    "header", [None, "Bearer qw_not-a-real-token", "Bearer nonsense", "Basic abc"]
)
def test_unauthenticated_requests_get_401_in_the_error_format(db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    response = Client().get("/api/customers", **extra)

    assert response.status_code == 401
    assert response.json() == {
        "detail": response.json()["detail"],
        "code": "not_authenticated",
        "errors": [],
    }


def test_validation_errors_name_each_field(org):
    payload = {"code": "", "name": "x", "kind": "spaceship", "branch_id": "not-a-number"}

    response = Client().post(
        "/api/customers",
        json.dumps(payload),
        content_type="application/json",
        **_auth(org.users["account_manager"]),
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert {error["field"] for error in body["errors"]} == {"code", "kind", "branch_id"}


def test_duplicate_customer_number_is_a_409_conflict(org, customers):
    payload = {"code": "A0001", "name": "重复", "kind": "household", "branch_id": org.own.pk}

    response = Client().post(
        "/api/customers",
        json.dumps(payload),
        content_type="application/json",
        **_auth(org.users["account_manager"]),
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["errors"][0]["field"] == "code"


def test_account_manager_must_work_in_the_customer_branch(org, customers):
    other_manager = org.other_users["account_manager"]

    response = Client().patch(
        f"/api/customers/{customers['own'].pk}",
        json.dumps({"account_manager_id": other_manager.pk}),
        content_type="application/json",
        **_auth(org.users["administrator"]),
    )

    assert response.status_code == 422
    # Named as the request names it (the outside audit found the model's name here).
    assert response.json()["errors"][0]["field"] == "account_manager_id"
    assert response.json()["detail"].startswith("account_manager_id: ")


def test_update_is_audited_without_copying_personal_data(org, customers):
    response = Client().patch(
        f"/api/customers/{customers['own'].pk}",
        json.dumps({"tier": "vip", "phone": "13700000000"}),
        content_type="application/json",
        **_auth(org.users["account_manager"]),
    )

    event = AuditEvent.objects.get(action="customer_updated")
    assert response.status_code == 200
    assert event.actor == org.users["account_manager"]
    assert event.branch_id == org.own.pk
    assert event.changes["tier"] == ["general", "vip"]
    assert event.changes["phone"] == ["…", "…"]
    assert "13700000000" not in json.dumps(event.changes)


def test_pagination_pages_through_all_rows(org):
    for index in range(7):
        make_customer(org.own, f"P{index:03d}")
    client, auth = Client(), _auth(org.users["analyst"])

    first = client.get("/api/customers?page=1&page_size=5", **auth).json()
    second = client.get("/api/customers?page=2&page_size=5", **auth).json()

    assert first["count"] == 7
    assert len(first["items"]) == 5
    assert len(second["items"]) == 2
    assert {i["code"] for i in first["items"]} | {i["code"] for i in second["items"]} == {
        f"P{i:03d}" for i in range(7)
    }


def test_list_query_count_does_not_grow_with_rows(org, django_assert_max_num_queries):
    manager = org.users["account_manager"]
    for index in range(30):
        make_customer(org.own, f"Q{index:03d}", account_manager=manager)
    client, auth = Client(), _auth(manager)
    client.get("/api/customers", **auth)  # warm the token's last-used write

    with django_assert_max_num_queries(6):
        response = client.get("/api/customers", **auth)

    assert len(response.json()["items"]) == 30


def test_filters_are_shared_by_page_and_api(org):
    make_customer(org.own, "F1", tier="vip", name="王伟")
    make_customer(org.own, "F2", tier="general", name="李娜")
    client, auth = Client(), _auth(org.users["analyst"])

    api_codes = [i["code"] for i in client.get("/api/customers?tier=vip", **auth).json()["items"]]
    page_client = Client()
    page_client.force_login(org.users["analyst"])
    page = page_client.get("/customers/?tier=vip").content.decode()

    assert api_codes == ["F1"]
    # Names, not codes: a two-character code can occur by chance in the page's CSRF token.
    assert "王伟" in page and "李娜" not in page


def test_openapi_declares_every_error_response(db):
    document = Client().get("/api/openapi.json").json()

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"401", "403", "404", "422"} <= declared, f"{method.upper()} {path}: {declared}"
            if method in {"post", "patch", "put", "delete"}:
                assert "409" in declared, f"{method.upper()} {path}"


def test_interactive_docs_are_served_without_a_cdn(db):
    response = Client().get("/api/docs")

    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in html.lower()
    assert "/static/" in html


def test_login_is_rate_limited_per_address(db, settings):
    from django.core.cache import cache

    cache.clear()
    settings.QIWANG_LOGIN_RATE = "3/d"
    client = Client()

    statuses = [
        client.post("/accounts/login/", {"username": "x", "password": "wrong"}).status_code
        for _ in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
    cache.clear()
