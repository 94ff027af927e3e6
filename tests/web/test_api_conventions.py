"""The API's conventions (issue 17 item 2, ADR 0190): unknown input refused and named, a
declared maximum page size, next / previous links, ordering, ``created_after`` /
``updated_since``, the ``API-Version`` header, short operation ids."""

from __future__ import annotations

import datetime
import json
import re

from django.test import Client
from django.utils import timezone
from tests.conftest import make_customer

from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Customer
from qiwang.project.api_conventions import API_VERSION, MAX_PAGE_SIZE, OPERATION_IDS


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t').key}"}


def _fields(response):
    return {error["field"] for error in response.json()["errors"]}


def test_an_unknown_query_parameter_is_a_400_naming_it(org, customers):
    # Issue 17: "unknown parameters → 400 naming them".
    client, auth = Client(), _auth(org.users["analyst"])

    response = client.get("/api/customers?tier=vip&colour=red&sort=name", **auth)

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"
    assert _fields(response) == {"query.colour", "query.sort"}
    assert "query.colour" in response.json()["detail"]
    assert client.get("/api/customers?tier=vip", **auth).status_code == 200


def test_an_unknown_body_field_is_a_400_naming_it_and_nothing_is_stored(org):
    client, auth = Client(), _auth(org.users["quality_manager"])
    body = {"code": "N1", "name": "新客户", "kind": "household", "branch_id": org.own.pk}

    response = client.post(
        "/api/customers", json.dumps({**body, "vip": True}), content_type="application/json", **auth
    )

    assert response.status_code == 400
    assert _fields(response) == {"vip"}
    assert not Customer.objects.filter(code="N1").exists()


def test_page_size_above_the_maximum_is_a_422_not_a_silent_cap(org, customers):
    client, auth = Client(), _auth(org.users["analyst"])

    too_big = client.get(f"/api/customers?page_size={MAX_PAGE_SIZE + 1}", **auth)
    largest = client.get(f"/api/customers?page_size={MAX_PAGE_SIZE}", **auth)

    assert too_big.status_code == 422
    assert _fields(too_big) == {"query.page_size"}
    assert str(MAX_PAGE_SIZE) in too_big.json()["errors"][0]["message"]
    assert largest.status_code == 200


def test_lists_link_the_next_and_previous_pages_keeping_the_filters(org):
    for index in range(5):
        make_customer(org.own, f"L{index}", tier="vip")
    client, auth = Client(), _auth(org.users["analyst"])

    first = client.get("/api/customers?tier=vip&page_size=2", **auth).json()
    second = client.get(first["next"].replace("http://testserver", ""), **auth).json()
    last = client.get("/api/customers?tier=vip&page_size=2&page=3", **auth).json()

    assert first["previous"] is None
    assert re.search(r"[?&]tier=vip", first["next"]) and "page=2" in first["next"]
    assert [i["code"] for i in second["items"]] and second["previous"].endswith("page=1")
    assert last["next"] is None and len(last["items"]) == 1
    codes = [i["code"] for page in (first, second, last) for i in page["items"]]
    assert sorted(codes) == [f"L{i}" for i in range(5)]


def test_ordering_over_declared_fields_only(org):
    for code, name in (("O2", "乙"), ("O1", "丙"), ("O3", "甲")):
        make_customer(org.own, code, name=name)
    client, auth = Client(), _auth(org.users["analyst"])

    descending = client.get("/api/customers?ordering=-code", **auth).json()["items"]
    refused = client.get("/api/customers?ordering=phone", **auth)

    assert [i["code"] for i in descending] == ["O3", "O2", "O1"]
    assert refused.status_code == 422 and _fields(refused) == {"query.ordering"}
    assert "got 'phone'" in refused.json()["errors"][0]["message"]


def test_updated_since_gives_what_changed_for_incremental_sync(org):
    old = make_customer(org.own, "S1")
    fresh = make_customer(org.own, "S2")
    then = timezone.now() - datetime.timedelta(days=3)
    Customer.objects.filter(pk=old.pk).update(updated_at=then, created_at=then)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    client, auth = Client(), _auth(org.users["analyst"])

    changed = client.get("/api/customers", {"updated_since": since}, **auth).json()["items"]
    created = client.get("/api/customers", {"created_after": since}, **auth).json()["items"]
    not_a_date = client.get("/api/customers?updated_since=yesterday", **auth)

    assert [i["code"] for i in changed] == [fresh.code]
    assert [i["code"] for i in created] == [fresh.code]
    assert not_a_date.status_code == 422 and _fields(not_a_date) == {"query.updated_since"}


def test_every_answer_carries_the_api_version(org, customers):
    client, auth = Client(), _auth(org.users["analyst"])

    ok = client.get("/api/customers", **auth)
    unauthenticated = client.get("/api/customers")
    not_found = client.get("/api/customers/999999", **auth)

    assert {r["API-Version"] for r in (ok, unauthenticated, not_found)} == {API_VERSION}


def test_operation_ids_are_short_unique_and_listed(db):
    document = Client().get("/api/openapi.json").json()
    operations = [
        (f"{method.upper()} {path.removeprefix('/api')}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    ids = [operation["operationId"] for _, operation in operations]

    assert len(ids) == len(set(ids))
    for key, operation in operations:
        assert OPERATION_IDS.get(key) == operation["operationId"], f"add {key!r} to OPERATION_IDS"
        assert re.fullmatch(r"[a-z][a-z_]{2,40}", operation["operationId"])
        assert (
            "API-Version"
            in operation["responses"][
                "200" if "200" in operation["responses"] else next(iter(operation["responses"]))
            ]["headers"]
        )
    assert OPERATION_IDS["GET /customers"] == "customers_list"
    assert OPERATION_IDS["GET /customers/{customer_id}"] == "customers_get"


def test_the_document_forbids_unknown_fields_and_names_each_component_once(db):
    document = Client().get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]

    assert schemas["CustomerIn"]["additionalProperties"] is False
    # Two classes called PlanOut (maintenance and surprise plans) no longer overwrite each other.
    assert "service_id" in schemas["CataloguePlanOut"]["properties"]
    assert "service_id" not in schemas["CustomersPlanOut"]["properties"]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert {"429", "503"} <= set(operation["responses"]), f"{method} {path}"


def test_a_bad_value_of_a_multi_value_filter_names_the_parameter_and_the_value(org):
    # Found by the outside audit: ``query.filters.status.0`` named ninja's internal argument.
    client, auth = Client(), _auth(org.users["analyst"])

    bad = client.get("/api/surveys/waves?status=open&status=opne", **auth)

    assert bad.status_code == 422
    assert _fields(bad) == {"query.status"}
    assert "'opne'" in bad.json()["errors"][0]["message"]


def test_answers_outside_any_operation_carry_the_version_and_the_error_format(org):
    # Found by the outside audit: an unknown path under /api/ was Django's HTML 404 and a wrong
    # method a bare text 405, both without API-Version.
    client, auth = Client(), _auth(org.users["analyst"])

    missing = client.get("/api/no-such-list", **auth)
    wrong_method = client.put("/api/customers", **auth)

    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert "GET" in wrong_method["Allow"] and "POST" in wrong_method["Allow"]
    assert {missing["API-Version"], wrong_method["API-Version"]} == {API_VERSION}


def test_answers_of_the_middleware_carry_the_version_too(org):
    # Found by the outside audit: the 422 of project/bad_input.py (a NUL, an integer beyond
    # 32 bits) came before any operation ran and had no API-Version.
    client, auth = Client(), _auth(org.users["administrator"])

    nul = client.post(
        "/api/customers", json.dumps({"name": "a\x00b"}), content_type="application/json", **auth
    )
    huge = client.get("/api/customers", {"page": str(2**70)}, **auth)

    assert nul.status_code == 422 and _fields(nul) == {"name"}
    assert huge.status_code == 422
    assert {nul["API-Version"], huge["API-Version"]} == {API_VERSION}


def test_a_body_that_is_not_json_is_a_400_naming_the_body_in_the_language(org):
    # Found by the outside audit: ninja's English "Cannot parse request body", naming nothing.
    client, auth = Client(), _auth(org.users["administrator"])

    broken = client.post(
        "/api/customers",
        '{"name": "x",\n "code": }',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **auth,
    )
    not_utf8 = client.post("/api/customers", b"\xff\xfe{", content_type="application/json", **auth)

    assert broken.status_code == 400 and _fields(broken) == {"body"}
    assert "JSON" in broken.json()["detail"] and "第 2 行" in broken.json()["detail"]
    # Bytes that are not UTF-8 are refused before (project/bad_input.py), naming the body too.
    assert not_utf8.status_code == 422 and _fields(not_utf8) == {"body"}
