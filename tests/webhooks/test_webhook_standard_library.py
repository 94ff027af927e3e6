"""Our webhooks verified by the Standard Webhooks reference library (``standardwebhooks``, ADR
0233), not by code of ours: what a receiver would run. A real POST to a real HTTP server; the
library's clock is moved (the only thing replaced) to show that a captured request is refused
once it is old, while a redelivery keeps its id and is signed afresh."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from standardwebhooks import webhooks as standard
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from qiwang.accounts.services import create_api_token
from qiwang.webhooks.services import attempt_delivery

pytestmark = pytest.mark.django_db


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t').key}"}


def _post(client, path, body, auth):
    return client.post(path, json.dumps(body), content_type="application/json", **auth)


class _TenMinutesLater(datetime.datetime):
    """The library's clock, ten minutes ahead: a request captured now and replayed then."""

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.now(tz) + datetime.timedelta(minutes=10)


@pytest.fixture
def endpoint(org, receiver):
    client, auth = Client(), _auth(org.users["quality_manager"])
    created = _post(
        client,
        "/api/webhooks/endpoints",
        {
            "name": "CRM",
            "branch_id": org.own.pk,
            "url": receiver.url,
            "events": ["survey.response.completed"],
        },
        auth,
    )
    assert created.status_code == 201, created.content
    return client, auth, created.json()


def _send_test(client, auth, endpoint_id):
    queued = _post(client, f"/api/webhooks/endpoints/{endpoint_id}/test", {}, auth)
    assert queued.status_code == 201, queued.content
    attempt_delivery(queued.json()["id"])
    return queued.json()["id"]


def test_the_reference_library_verifies_a_delivery_and_refuses_a_tampered_one(endpoint, receiver):
    client, auth, created = endpoint
    delivery_id = _send_test(client, auth, created["id"])
    sent = receiver.requests[-1]

    payload = Webhook(created["secret"]).verify(sent.body, sent.headers)

    assert payload == json.loads(sent.body)
    assert payload["event"] == "webhook.test"
    assert sent.headers["webhook-id"] == f"msg_{delivery_id}"
    with pytest.raises(WebhookVerificationError):
        Webhook(created["secret"]).verify(sent.body + b" ", sent.headers)
    with pytest.raises(WebhookVerificationError):
        other_id = {**sent.headers, "webhook-id": f"msg_{delivery_id + 1}"}
        Webhook(created["secret"]).verify(sent.body, other_id)


def test_a_replay_is_refused_and_a_redelivery_keeps_its_id_with_a_fresh_signature(
    endpoint, receiver, monkeypatch
):
    client, auth, created = endpoint
    delivery_id = _send_test(client, auth, created["id"])
    captured = receiver.requests[-1]
    hook = Webhook(created["secret"])

    # The captured request cannot be made to look fresh: the timestamp is signed.
    refreshed = {
        **captured.headers,
        "webhook-timestamp": str(int(captured.headers["webhook-timestamp"]) + 60),
    }
    with pytest.raises(WebhookVerificationError, match="signature"):
        hook.verify(captured.body, refreshed)

    again = _post(client, f"/api/webhooks/deliveries/{delivery_id}/redeliver", {}, auth)
    assert again.status_code == 200, again.content
    attempt_delivery(delivery_id)
    redelivered = receiver.requests[-1]
    assert redelivered.headers["webhook-id"] == captured.headers["webhook-id"]
    assert hook.verify(redelivered.body, redelivered.headers) == json.loads(captured.body)

    # Ten minutes on, the capture as it was sent is too old for a receiver with the library.
    monkeypatch.setattr(standard, "datetime", _TenMinutesLater)
    with pytest.raises(WebhookVerificationError, match="too old"):
        hook.verify(captured.body, captured.headers)


def test_after_a_rotation_the_library_accepts_both_secrets_until_the_window_ends(
    endpoint, receiver, settings
):
    # Found by the outside audit: a rotation cut the old secret at once, so every delivery
    # between the rotation and the receiver's switch was refused.
    client, auth, created = endpoint
    url = f"/api/webhooks/endpoints/{created['id']}/rotate-secret"
    rotated = _post(client, url, {}, auth).json()
    _send_test(client, auth, created["id"])
    during = receiver.requests[-1]

    for secret in (created["secret"], rotated["secret"]):
        assert Webhook(secret).verify(during.body, during.headers)["event"] == "webhook.test"
    until = datetime.datetime.fromisoformat(rotated["previous_secret_signs_until"])
    assert datetime.timedelta(hours=23) < until - datetime.datetime.now(datetime.UTC)

    # A second rotation (a leaked secret) drops the first one at once.
    again = _post(client, url, {}, auth).json()
    _send_test(client, auth, created["id"])
    after = receiver.requests[-1]
    assert Webhook(again["secret"]).verify(after.body, after.headers)
    Webhook(rotated["secret"]).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(created["secret"]).verify(after.body, after.headers)

    # With no overlap configured the old secret signs nothing more.
    settings.QIWANG_WEBHOOK_SECRET_OVERLAP_HOURS = 0
    cut = _post(client, url, {}, auth).json()
    _send_test(client, auth, created["id"])
    last = receiver.requests[-1]
    assert cut["previous_secret_signs_until"] is None
    assert Webhook(cut["secret"]).verify(last.body, last.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(again["secret"]).verify(last.body, last.headers)
