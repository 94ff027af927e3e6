"""No input ends in a 500 (issue 10): every GET page and API list, with a page number beyond
bigint, numbers beyond 64 bits, dates out of range and a NUL byte in the query string, answers a
4xx; JSON bodies with NUL, lone surrogates, numbers beyond 32 bits and dates out of range are
refused with 422 naming the field."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
QUERIES = {
    "page": f"page={HUGE}",
    "number": f"branch={HUGE}&wave={HUGE}&customer={HUGE}",
    "late date": "day=9999-12-31&date=9999-12-31&month=9999-12&since=9999-12-31",
    "early date": "day=0000-01-01&date=0001-01-01&until=0000-01-01",
    "year": "year=10000",
    "nul": "q=%00&search=a%00b",
}
SKIP = ("admin/", "static/", "i18n/", "jsi18n/")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif not route.startswith(SKIP) and "(?P" not in route and "^" not in route:
            yield route


def _get_urls():
    return sorted(
        {"/" + re.sub(r"<(?:\w+:)?\w+>", "1", r) for r in _routes(get_resolver().url_patterns)}
    )


@pytest.fixture
def admin_client(org, customers):
    client = Client(raise_request_exception=False)
    client.force_login(org.users["administrator"])
    return client


@pytest.mark.parametrize("kind", sorted(QUERIES))
def test_no_get_page_or_endpoint_answers_500_to_bad_query_values(admin_client, kind):
    failures = []
    for url in _get_urls():
        response = admin_client.get(f"{url}?{QUERIES[kind]}")
        if response.status_code >= 500:
            failures.append(url)

    assert failures == []


def test_an_id_beyond_64_bits_in_the_path_is_refused_not_a_500(admin_client):
    page = admin_client.get(f"/customers/{HUGE}/")
    api = admin_client.get(f"/api/customers/{HUGE}")

    assert page.status_code == 400 and 'data-field="customer_id"' in page.content.decode()
    assert api.status_code == 422
    assert api.json()["errors"][0]["field"] == "customer_id"


def test_a_page_beyond_bigint_names_the_page(admin_client):
    beyond_bigint = admin_client.get(f"/api/customers?page={HUGE}")
    beyond_int32 = admin_client.get(f"/api/customers?page={2**40}")
    html = admin_client.get(f"/customers/?page={HUGE}")

    assert beyond_bigint.status_code == 422
    assert beyond_bigint.json()["errors"] == [
        {"field": "page", "message": "数字超出范围。"}
    ]  # refused before the API (64 bits); beyond 32 bits the API's own validation names it
    assert beyond_int32.status_code == 422
    assert beyond_int32.json()["errors"][0]["field"] == "query.page"
    assert html.status_code == 400 and 'data-field="page"' in html.content.decode()


def _post_json(client, url, text):
    return client.post(url, text.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"code": "N1", "name": "a\\u0000b", "kind": "household", "branch_id": %(b)s}', "name"),
        ('{"code": "N1", "name": "\\ud800", "kind": "household", "branch_id": %(b)s}', "name"),
        ('{"code": "N1", "name": "x", "kind": "household", "branch_id": 2147483648}', "branch_id"),
        (
            '{"code": "N1", "name": "x", "kind": "household", "branch_id": %(b)s, '
            '"notes": "ok", "tags": {"\\u0000": 1}}',
            "tags.?",
        ),
    ],
    ids=["nul", "surrogate", "int32", "nul-key"],
)
def test_a_json_body_with_unstorable_values_is_422_naming_the_field(admin_client, org, body, field):
    response = _post_json(admin_client, "/api/customers", body % {"b": org.own.pk})

    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


def test_nan_and_invalid_utf8_bodies_are_refused(admin_client):
    nan = admin_client.post("/api/customers", b'{"name": NaN}', content_type="application/json")
    latin = admin_client.post(
        "/api/customers", '{"name": "é"}'.encode("latin-1"), content_type="application/json"
    )

    assert nan.status_code == 422 and nan.json()["errors"][0]["field"] == "body"
    assert latin.status_code == 422


def test_the_public_answer_api_refuses_a_nul_and_a_surrogate(admin_client):
    nul = _post_json(
        Client(), "/api/surveys/respond/forged", '{"answers": {"a": {"text": "\\u0000"}}}'
    )
    lone = _post_json(
        Client(), "/api/surveys/respond/forged", '{"answers": {"a": {"text": "\\udfff"}}}'
    )

    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "answers.a.text"
    assert lone.status_code == 422 and lone.json()["errors"][0]["field"] == "answers.a.text"


def test_a_nul_in_a_form_field_is_a_400_naming_it(org):
    client = Client()
    client.force_login(org.users["administrator"])

    response = client.post("/customers/topics/new/", {"name": "话题\x00"})

    assert response.status_code == 400
    assert 'data-field="name"' in response.content.decode()


def test_the_400_page_speaks_both_languages(admin_client):
    english = admin_client.get("/customers/?q=%00", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = admin_client.get("/customers/?q=%00", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "The text contains a NUL character." in english
    assert "文本中含有 NUL 字符" in chinese


def test_a_number_of_thousands_of_digits_is_refused_not_a_500(admin_client):
    # Python's int() refuses strings beyond 4,300 digits: found by schemathesis.
    response = admin_client.get(f"/api/customers/{'9' * 5000}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer_id"


def test_thousands_of_leading_zeros_are_a_small_number_not_a_500(admin_client):
    # The leading zeros count towards int()'s limit too: found by schemathesis in a JSON body.
    response = admin_client.get("/api/customers", {"page": "0" * 5000 + "1"})

    assert response.status_code == 200


def test_a_multipart_post_without_a_boundary_is_refused_not_a_500(admin_client):
    response = admin_client.generic(
        "POST", "/customers/topics/new/", b"x", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert 'data-field="body"' in response.content.decode()
