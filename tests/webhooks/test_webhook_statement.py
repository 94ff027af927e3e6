"""The webhook outbox written by the submission's one prepared statement (webhooks/statement.py)
writes exactly the rows the ORM hook writes (webhooks/hooks.py): the same endpoints (an
ancestor's endpoint yes; another branch's, an inactive one and one subscribed to another event
no), the same payload, one task per delivery; and the worker delivers them.

The reference is the hook path itself, run on the same wave by taking the statement part out of
``surveys.loop.STATEMENT_PARTS`` (the registry the webhooks app fills in ``ready``)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult
from tests.conftest import make_customer
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.surveys import loop
from qiwang.surveys.models import Response
from qiwang.surveys.services import send_wave
from qiwang.webhooks.choices import Event
from qiwang.webhooks.models import Delivery, Endpoint
from qiwang.webhooks.services import covers, create_endpoint, invalidate_cache

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {
    "overall": {"value": 5, "importance": 4},
    "repair-speed": {"value": 2, "importance": 5},
    "repair-quality": {"value": 4},
    "cleanliness": {"value": 4},
    "recommend": {"value": 9},
    "effort": {"value": 6},
}


def _endpoints(org, receiver):
    admin = org.users["administrator"]

    def make(name, branch, events):
        return create_endpoint(
            actor=admin, name=name, branch=branch, url=receiver.url, events=events
        )[0]

    above = make("company CRM", org.company, [Event.SURVEY_RESPONSE_COMPLETED])
    own = make(
        "community", org.own, [Event.SURVEY_RESPONSE_COMPLETED, Event.SURVEY_FOLLOW_UP_CREATED]
    )
    make("other branch", org.other, [Event.SURVEY_RESPONSE_COMPLETED])
    make("follow-ups only", org.own, [Event.SURVEY_FOLLOW_UP_CREATED])
    inactive = make("paused", org.own, [Event.SURVEY_RESPONSE_COMPLETED])
    Endpoint.objects.filter(pk=inactive.pk).update(is_active=False)
    invalidate_cache()
    return {above.pk, own.pk}


def _submit(token: str) -> Response:
    answered = Client().post(
        f"/api/surveys/respond/{token}", {"answers": ANSWERS}, content_type="application/json"
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "complete"
    return Response.objects.latest("pk")


def _normalised(delivery: Delivery) -> dict:
    payload = delivery.payload
    data = dict(payload["data"])
    data["response"] = {
        k: v for k, v in data["response"].items() if k not in ("id", "submitted_at")
    }
    data.pop("customer_code")
    return {"event": payload["event"], "data": data}


def test_the_statement_writes_the_rows_the_hook_writes_and_the_worker_sends_them(
    org, receiver, monkeypatch
):
    quality = org.users["quality_manager"]
    for i in range(2):
        make_customer(org.own, f"S{i:04d}", email=f"s{i}@example.cn")
    wave = make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    tokens = [re.search(r"/s/([A-Za-z0-9_\-]+)/", m.body).group(1) for m in mail.outbox]
    expected = _endpoints(org, receiver)
    assert loop.STATEMENT_PARTS.get(covers) is not None

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        by_statement = _submit(tokens[0])
    monkeypatch.delitem(loop.STATEMENT_PARTS, covers)
    by_hook = _submit(tokens[1])

    rows = {}
    for response in (by_statement, by_hook):
        deliveries = list(Delivery.objects.filter(object_key=f"response:{response.pk}"))
        assert {d.endpoint_id for d in deliveries} == expected
        for delivery in deliveries:
            assert delivery.payload["data"]["response"]["id"] == response.pk
            assert delivery.payload["data"]["customer_code"] == response.customer.code
            assert delivery.payload["data"]["branch"] == {"id": org.own.pk, "code": org.own.code}
            assert (delivery.status, delivery.attempts) == ("pending", 0)
            assert delivery.next_attempt_at is not None
        tasks = [DBTaskResult.objects.get(args_kwargs__args=[d.pk]) for d in deliveries]
        rows[response.pk] = (
            sorted((d.endpoint_id, repr(_normalised(d))) for d in deliveries),
            {
                (t.status, t.task_path, t.queue_name, t.priority, t.backend_name, t.run_after)
                for t in tasks
            },
        )
    assert rows[by_statement.pk] == rows[by_hook.pk]
    if connection.vendor == "postgresql":
        writes = [sql for sql in statements if "INSERT" in sql and "ratecounter" not in sql]
        assert len(writes) == 1 and "wh_task" in writes[0]  # one round trip writes everything

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert len(receiver.requests) == 4
    assert {r.json["data"]["response"]["id"] for r in receiver.requests} == {
        by_statement.pk,
        by_hook.pk,
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
