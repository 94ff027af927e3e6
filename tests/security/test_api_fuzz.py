"""Schemathesis over the OpenAPI document (issue 10): every operation, as two roles, with a
bounded budget; no generated request may end in a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from qiwang.accounts.services import create_api_token
from qiwang.project.wsgi import application

pytestmark = pytest.mark.django_db

#: Examples per operation and role: small enough for every run of the suite.
BUDGET = 4


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


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


@pytest.fixture
def tokens(org, customers):
    return [
        create_api_token(user=org.users[role], name="fuzz").key
        for role in ("quality_manager", "agent")
    ]


@schema.parametrize()
@settings(
    max_examples=BUDGET,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_generated_request_is_a_server_error(case, tokens):
    for token in tokens:
        response = case.call(headers={"Authorization": f"Bearer {token}"})

        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path}: {response.text[:300]}"
        )
