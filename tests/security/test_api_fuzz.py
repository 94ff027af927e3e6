"""Schemathesis over the OpenAPI document (issues 10 and 17): every operation, as two roles,
with a bounded budget, and **every** check schemathesis has — no 5xx, every status code, content
type, header and body the server answers is the one the document declares, schema-valid requests
are accepted and invalid ones refused, authentication is enforced (a probe without and with a
wrong token must get 401). The test fails whenever the document and the server disagree."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from qiwang.accounts.services import create_api_token
from qiwang.project.wsgi import application

pytestmark = pytest.mark.django_db

#: Examples per operation and role: small enough for every run of the suite (about a minute).
BUDGET = 3
ROLES = ("quality_manager", "agent")

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# A schema-valid request may still break a rule the document cannot express: a branch code the
# user cannot see, a customer of another branch, a date range the wrong way round. Those are a
# 422 naming the field (docs/api.md); anything else — a 400, a 5xx, an undeclared status — still
# fails. What JSON Schema can say (types, ranges, lengths, no NUL, dates' years, no unknown
# fields) the document does say, so schemathesis rarely meets such a 422.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx",
    "3xx",
    "401",
    "403",
    "404",
    "409",
    "422",
    "429",
    "503",
]

#: The token of the role under test (set by the ``token`` fixture before any case is generated).
_CURRENT: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class _Token:
    """The role's real token on every generated case, so schemathesis knows the credentials are
    explicit (and probes the operation without them and with a wrong one)."""

    def get(self, case, context):
        # Explicit examples are built while the tests are collected, before any token exists;
        # the test sets the real one on every case before calling.
        return _CURRENT.get("key", "qw_not-yet-created")

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI application directly, not through Django's test client, so
    the start and end of each request would close the database connection that holds the
    test's transaction; keep it open, as the test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def token(request, org, customers):
    _CURRENT["key"] = create_api_token(user=org.users[request.param], name="fuzz").key
    yield _CURRENT["key"]
    _CURRENT.clear()


@schema.parametrize()
@settings(
    max_examples=BUDGET,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_as_its_openapi_document_says(case, token):
    case.headers["Authorization"] = f"Bearer {token}"
    response = case.call()
    case.validate_response(response)
