"""Webhooks through the API (issue 17 item 2): endpoints and deliveries, branch- and role-scoped,
the secret shown on creation and rotation only; Standard Webhooks signatures checked against
the convention's published test vector and recomputed independently on a real POST."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from qiwang.accounts.models import AuditEvent
from qiwang.accounts.services import create_api_token
from qiwang.webhooks.choices import DeliveryStatus
from qiwang.webhooks.models import Delivery, Endpoint
from qiwang.webhooks.services import attempt_delivery, create_endpoint, sign_standard

pytestmark = pytest.mark.django_db
EVENTS = ["survey.response.completed"]


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t').key}"}


def _post(client, path, body, auth):
    return client.post(path, json.dumps(body), content_type="application/json", **auth)


def _patch(client, path, body, auth):
    return client.patch(path, json.dumps(body), content_type="application/json", **auth)


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """A receiver's check, written from the convention (not with our ``sign_standard``): the
    base64 HMAC-SHA256 under the base64-decoded key of ``id.timestamp.body``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [part.split(",", 1)[1] for part in headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def test_standard_webhooks_published_test_vector():
    # The vector of the Standard Webhooks reference library's test suite
    # (github.com/standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py,
    # test_sign_function): key, message id, timestamp 1614265330 and payload → this signature.
    signature = sign_standard(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )

    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_endpoint_lifecycle_secret_shown_twice_only_and_signatures_follow_rotation(org, receiver):
    client, auth = Client(), _auth(org.users["quality_manager"])

    created = _post(
        client,
        "/api/webhooks/endpoints",
        {"name": "CRM", "branch_id": org.own.pk, "url": receiver.url, "events": EVENTS},
        auth,
    )
    assert created.status_code == 201, created.content
    endpoint_id, secret = created.json()["id"], created.json()["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    shown = client.get(f"/api/webhooks/endpoints/{endpoint_id}", **auth)
    listed = client.get("/api/webhooks/endpoints", **auth)
    assert "secret" not in shown.json() and secret not in listed.content.decode()

    test = _post(client, f"/api/webhooks/endpoints/{endpoint_id}/test", {}, auth)
    assert test.status_code == 201
    attempt_delivery(test.json()["id"])
    first = receiver.requests[-1]
    assert _verify(secret, first.headers, first.body)
    assert abs(int(first.headers["webhook-timestamp"]) - time.time()) < 300
    assert first.headers["webhook-id"] == f"msg_{test.json()['id']}"
    # The old header stays for the deprecation window.
    old = hmac.new(secret.encode(), first.body, hashlib.sha256).hexdigest()
    assert first.headers["X-Qiwang-Signature"] == f"sha256={old}"

    rotated = _post(client, f"/api/webhooks/endpoints/{endpoint_id}/rotate-secret", {}, auth)
    new_secret = rotated.json()["secret"]
    assert rotated.status_code == 200 and new_secret != secret
    assert rotated.json()["previous_secret_signs_until"] is not None
    again = _post(client, f"/api/webhooks/deliveries/{test.json()['id']}/redeliver", {}, auth)
    assert again.status_code == 200 and again.json()["status"] == "pending"
    attempt_delivery(test.json()["id"])
    second = receiver.requests[-1]
    assert _verify(new_secret, second.headers, second.body)
    # The old secret still signs during the overlap window (a second v1 signature).
    assert _verify(secret, second.headers, second.body)
    Endpoint.objects.filter(pk=endpoint_id).update(
        previous_secret_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    again = _post(client, f"/api/webhooks/deliveries/{test.json()['id']}/redeliver", {}, auth)
    attempt_delivery(test.json()["id"])
    third = receiver.requests[-1]
    assert _verify(new_secret, third.headers, third.body)
    assert not _verify(secret, third.headers, third.body)

    paused = _patch(
        client,
        f"/api/webhooks/endpoints/{endpoint_id}",
        {"is_active": False, "name": "CRM 2"},
        auth,
    )
    assert paused.status_code == 200
    assert (paused.json()["is_active"], paused.json()["name"]) == (False, "CRM 2")

    deleted = client.delete(f"/api/webhooks/endpoints/{endpoint_id}", **auth)
    assert deleted.status_code == 204
    assert not Endpoint.objects.filter(pk=endpoint_id).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"webhook_secret_rotated", "webhook_endpoint_changed", "webhook_endpoint_deleted"} <= (
        actions
    )


def test_bad_fields_are_named(org, receiver):
    client, auth = Client(), _auth(org.users["quality_manager"])

    unknown_event = _post(
        client,
        "/api/webhooks/endpoints",
        {"name": "x", "branch_id": org.own.pk, "url": receiver.url, "events": ["nope"]},
        auth,
    )
    bad_url = _post(
        client,
        "/api/webhooks/endpoints",
        {"name": "x", "branch_id": org.own.pk, "url": "ftp://example.cn", "events": EVENTS},
        auth,
    )

    assert unknown_event.status_code == 422
    assert unknown_event.json()["errors"][0]["field"].startswith("events")
    assert bad_url.status_code == 422 and bad_url.json()["errors"][0]["field"] == "url"
    assert not Endpoint.objects.exists()


def test_another_branchs_endpoints_and_deliveries_are_404(org, receiver):
    theirs, _secret = create_endpoint(
        actor=org.other_users["quality_manager"],
        name="Theirs",
        branch=org.other,
        url=receiver.url,
        events=EVENTS,
    )
    delivery = Delivery.objects.create(endpoint=theirs, event="webhook.test", payload={})
    client, auth = Client(), _auth(org.users["quality_manager"])

    assert client.get(f"/api/webhooks/endpoints/{theirs.pk}", **auth).status_code == 404
    assert (
        _patch(client, f"/api/webhooks/endpoints/{theirs.pk}", {"name": "mine"}, auth).status_code
        == 404
    )
    assert client.delete(f"/api/webhooks/endpoints/{theirs.pk}", **auth).status_code == 404
    assert (
        _post(client, f"/api/webhooks/endpoints/{theirs.pk}/rotate-secret", {}, auth).status_code
        == 404
    )
    assert client.get(f"/api/webhooks/deliveries/{delivery.pk}", **auth).status_code == 404
    assert (
        _post(client, f"/api/webhooks/deliveries/{delivery.pk}/redeliver", {}, auth).status_code
        == 404
    )
    assert client.get("/api/webhooks/endpoints", **auth).json()["count"] == 0
    assert client.get("/api/webhooks/deliveries", **auth).json()["count"] == 0
    created = _post(
        client,
        "/api/webhooks/endpoints",
        {"name": "x", "branch_id": org.other.pk, "url": receiver.url, "events": EVENTS},
        auth,
    )
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == "branch_id"
    assert Endpoint.objects.get(pk=theirs.pk).name == "Theirs"


@pytest.mark.parametrize("role", ["agent", "account_manager", "analyst"])
def test_roles_without_the_right_get_403(org, receiver, role):
    mine, _secret = create_endpoint(
        actor=org.users["quality_manager"],
        name="Ours",
        branch=org.own,
        url=receiver.url,
        events=EVENTS,
    )
    client, auth = Client(), _auth(org.users[role])

    assert client.get("/api/webhooks/endpoints", **auth).status_code == 403
    assert client.get(f"/api/webhooks/endpoints/{mine.pk}", **auth).status_code == 403
    assert (
        _post(client, f"/api/webhooks/endpoints/{mine.pk}/rotate-secret", {}, auth).status_code
        == 403
    )
    assert client.get("/api/webhooks/deliveries", **auth).status_code == 403
    assert client.get("/api/webhooks/events", **auth).status_code == 403


def test_deliveries_filter_by_status_and_endpoint(org, receiver):
    endpoint, _secret = create_endpoint(
        actor=org.users["quality_manager"],
        name="A",
        branch=org.own,
        url=receiver.url,
        events=EVENTS,
    )
    failed = Delivery.objects.create(
        endpoint=endpoint, event="webhook.test", payload={}, status=DeliveryStatus.FAILED
    )
    Delivery.objects.create(endpoint=endpoint, event="webhook.test", payload={})
    client, auth = Client(), _auth(org.users["quality_manager"])

    only_failed = client.get(
        f"/api/webhooks/deliveries?status=failed&endpoint={endpoint.pk}", **auth
    )
    both = client.get("/api/webhooks/deliveries?status=failed&status=pending", **auth)
    wrong = client.get("/api/webhooks/deliveries?status=lost", **auth)

    assert [d["id"] for d in only_failed.json()["items"]] == [failed.pk]
    assert both.json()["count"] == 2
    assert wrong.status_code == 422
