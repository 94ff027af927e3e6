"""Health, metrics and the database-outage answers, through the real middleware stack."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client


def test_live_and_ready_answer_a_load_balancer_that_sends_an_ip_as_host(db):
    client = Client(HTTP_HOST="10.20.30.40")

    live = client.get("/health/live")
    ready = client.get("/health/ready")

    assert live.status_code == 200 and live.json() == {"status": "ok"}
    body = ready.json()
    assert set(body["checks"]) == {
        "database",
        "cache",
        "worker",
        "queue_lag",
        "fold_lag",
        "working_calendar",
    }
    assert body["checks"]["database"]["ok"] is True
    # test mode does not require a worker (QIWANG_READY_REQUIRE_WORKER is on in production)
    assert ready.status_code == 200, body
    assert ready["X-Request-ID"]


def test_ready_fails_naming_the_worker_check_when_a_worker_is_required(db, settings):
    settings.QIWANG_READY_REQUIRE_WORKER = True

    response = Client(HTTP_HOST="10.0.0.1").get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["worker"] == {**body["checks"]["worker"], "ok": False, "alive": 0}


def test_metrics_are_prefixed_aggregated_and_closed_to_other_addresses(db, settings):
    client = Client()
    client.get("/accounts/login/")

    allowed = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    settings.QIWANG_METRICS_TOKEN = "t" * 32
    with_token = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer " + "t" * 32
    )

    assert refused.status_code == 403
    assert with_token.status_code == 200
    text = allowed.content.decode()
    names = {
        line.split("{")[0].split(" ")[0]
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert all(name.startswith("qiwang_") for name in names), names
    for expected in (
        "qiwang_http_requests_total",
        "qiwang_http_request_duration_seconds_bucket",
        "qiwang_database_up",
        "qiwang_task_queue_depth",
        "qiwang_survey_responses",
        "qiwang_workers_alive",
        "qiwang_webhook_deliveries",
        "qiwang_job_next_slot_timestamp_seconds",
    ):
        assert expected in names
    assert 'qiwang_http_requests_total{method="GET",route="/accounts/login/",status="200"}' in text


def test_a_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(db):
    client = Client()

    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="req-123")
    replaced = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\n")

    assert kept["X-Request-ID"] == "req-123"
    assert len(replaced["X-Request-ID"]) == 32


@pytest.fixture
def database_down(transactional_db):
    """The real driver failing to connect: the connection's target moved somewhere unreachable
    (PostgreSQL: a closed port; SQLite: a file in a directory that does not exist). The test
    database's own connection is put aside and restored afterwards."""
    saved_settings = dict(connection.settings_dict)
    saved_connection = connection.connection
    connection.connection = None
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = "1"
    else:
        connection.settings_dict["NAME"] = "/nonexistent/qiwang/db.sqlite3"
    yield
    broken = connection.connection
    if broken is not None:
        broken.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved_settings)
    connection.connection = saved_connection
    connection.needs_rollback = False
    connection.errors_occurred = False


def test_a_database_outage_gives_503_pages_and_the_api_its_json_error(database_down):
    client = Client(raise_request_exception=False)

    public = client.get("/s/some-invitation-token/")
    api = client.post(
        "/api/surveys/respond/some-token",
        data=json.dumps({"answers": {}, "submit": True}),
        content_type="application/json",
    )
    ready = client.get("/health/ready")

    assert public.status_code == 503
    assert public["Retry-After"] == "60"
    assert "已保存的回答都会保留" in public.content.decode() or "kept" in public.content.decode()
    assert api.status_code == 503
    assert api.json()["code"] == "database_unavailable"
    assert api["Retry-After"] == "60"
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["ok"] is False


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("administrator", 200),
        ("quality_manager", 403),
        ("account_manager", 403),
        ("agent", 403),
        ("analyst", 403),
    ],
)
def test_the_operations_page_is_for_administrators(role, expected, org):
    from qiwang.operations import scheduler

    scheduler.tick()  # queue the current slots so that the page shows real runs
    client = Client()
    client.force_login(org.users[role])

    response = client.get("/operations/jobs/")

    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        for key in (
            "customers.daily_tasks",
            "surveys.fold",
            "webhooks.retries",
            "operations.prune",
        ):
            assert f'data-job="{key}"' in html
        assert 'data-status="queued"' in html
        assert 'data-testid="check-table"' in html
