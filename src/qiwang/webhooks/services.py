"""Webhook writes and delivery: endpoints, the outbox (:func:`emit`) and one delivery attempt.

The outbox: :func:`emit` inserts one :class:`Delivery` per matching active endpoint in the
caller's transaction and queues its task in the same transaction (the database task queue writes
a row through the same connection), so a rolled-back write leaves no delivery and a committed
write never loses its event. The HTTP request happens later, in ``qiwang worker``, outside any
transaction. Decision and consequences: docs/adr/0009-webhooks-outbox.md.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, can
from qiwang.accounts.services import record_event
from qiwang.errors import ServiceError
from qiwang.webhooks import transport
from qiwang.webhooks.choices import SUBSCRIBABLE, DeliveryStatus, Event
from qiwang.webhooks.models import Delivery, Endpoint

__all__ = [
    "BACKOFF_SECONDS",
    "CACHE_SECONDS",
    "attempt_delivery",
    "check_url",
    "create_endpoint",
    "delete_endpoint",
    "emit",
    "invalidate_cache",
    "new_secret",
    "redeliver",
    "rotate_secret",
    "send_test_event",
    "set_endpoint_active",
    "sign",
    "sign_standard",
    "update_endpoint",
]

#: Wait after failed attempt 1, 2, 3, 4; the fifth failure is final (about 2 h 36 min in all).
BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600)
#: How long a process trusts its list of branches that have endpoints (see :func:`emit`).
CACHE_SECONDS = 30.0
USER_AGENT = "Qiwang-Webhooks/1"


def _flag(name: str) -> bool:
    return bool(getattr(settings, name))


def _timeout() -> float:
    return float(settings.QIWANG_WEBHOOK_TIMEOUT)


# --- which branches have endpoints: a per-process cache -------------------------------------


@dataclass(frozen=True)
class _Coverage:
    expires: float
    parents: Mapping[int, int | None]  # every branch → its parent
    roots: frozenset[int]  # branches with an active endpoint
    covered: frozenset[int]  # those and every branch below them


_coverage: _Coverage | None = None
_coverage_lock = threading.Lock()


def invalidate_cache() -> None:
    """Forget this process's coverage (other processes refresh within ``CACHE_SECONDS``)."""
    global _coverage
    _coverage = None


def _load_coverage() -> _Coverage:
    roots = frozenset(Endpoint.objects.active().values_list("branch_id", flat=True).distinct())
    parents: dict[int, int | None] = {}
    covered: set[int] = set()
    if roots:
        parents = dict(Branch.objects.values_list("pk", "parent_id"))
        for branch_id in parents:
            node: int | None = branch_id
            seen = 0
            while node is not None and seen <= len(parents):
                if node in roots:
                    covered.add(branch_id)
                    break
                node = parents.get(node)
                seen += 1
    return _Coverage(time.monotonic() + CACHE_SECONDS, parents, roots, frozenset(covered))


def _current_coverage() -> _Coverage:
    global _coverage
    coverage = _coverage
    if coverage is None or coverage.expires <= time.monotonic():
        with _coverage_lock:
            coverage = _coverage
            if coverage is None or coverage.expires <= time.monotonic():
                coverage = _coverage = _load_coverage()
    return coverage


def covers(branch_id: int) -> bool:
    """Whether an active endpoint may hear about events of ``branch_id`` (the cached set: no
    query; the same staleness as :func:`emit`)."""
    return branch_id in _current_coverage().covered


def _ancestors(coverage: _Coverage, branch_id: int) -> list[int]:
    chain: list[int] = []
    node: int | None = branch_id
    while node is not None and node not in chain:
        chain.append(node)
        node = coverage.parents.get(node)
    return chain


# --- the outbox ------------------------------------------------------------------------------


def _uses_database_queue() -> bool:
    from django_tasks_db import DatabaseBackend

    from qiwang.webhooks.tasks import deliver_webhook

    return isinstance(deliver_webhook.get_backend(), DatabaseBackend)


def _enqueue(delivery_ids: list[int], run_after: datetime.datetime | None = None) -> None:
    """Queue the delivery task. On the database queue the task row joins the caller's
    transaction (outbox and queue commit or roll back together); on any other backend the task
    is queued after the commit."""
    from qiwang.webhooks.tasks import deliver_webhook

    def queue() -> None:
        task = deliver_webhook.using(run_after=run_after) if run_after else deliver_webhook
        for delivery_id in delivery_ids:
            task.enqueue(delivery_id)

    if _uses_database_queue():
        queue()
    else:
        transaction.on_commit(queue)


def _envelope(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"event": event, "created_at": timezone.now().isoformat(), "data": dict(data)}


def emit(
    event: str,
    branch_id: int,
    payload: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    *,
    object_key: str = "",
) -> list[Delivery]:
    """Put ``event`` of ``branch_id`` in the outbox of every active endpoint of that branch or a
    branch above it that subscribes to it. Call inside the transaction of the write.

    Costs no query when no endpoint covers the branch: each process keeps the set of covered
    branches for ``CACHE_SECONDS`` (30 s). Staleness: an endpoint created in another process, or
    a branch created under a covered one, starts receiving events up to 30 s later; deactivation
    takes effect at once (the endpoints are read live whenever the branch is covered).
    ``payload`` may be a callable, built only when some endpoint will receive it. ``object_key``
    ("response:42") names what the event is about: the backfill of a new endpoint
    (``webhooks/backfill.py``) sends what this cache made a process miss, never twice."""
    coverage = _current_coverage()
    if branch_id not in coverage.covered:
        return []
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.active().filter(
            branch_id__in=_ancestors(coverage, branch_id)
        )
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    body = _envelope(event, payload() if callable(payload) else payload)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                endpoint=endpoint,
                event=event,
                payload=body,
                next_attempt_at=now,
                object_key=object_key,
            )
            for endpoint in endpoints
        ]
    )
    _enqueue([delivery.pk for delivery in deliveries])
    return deliveries


# --- endpoints -------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """The URL if Qiwang may POST to it: https (http only with ``QIWANG_WEBHOOK_ALLOW_HTTP``),
    no credentials in it, and a host that resolves only to public addresses (private, loopback,
    link-local, reserved and IPv4-in-IPv6 ones only with ``QIWANG_WEBHOOK_ALLOW_PRIVATE``: a
    webhook must not become a way to reach the internal network). Checked on creation and again
    by every POST, which connects to the very address it checked (``webhooks.transport``)."""
    transport.resolve(url)
    return str(url or "").strip()


def _check_events(events: Iterable[str]) -> list[str]:
    chosen = sorted({str(event) for event in events})
    unknown = [event for event in chosen if event not in SUBSCRIBABLE]
    if unknown:
        raise ServiceError(
            _("Unknown event: %(events)s.") % {"events": ", ".join(unknown)}, field="events"
        )
    if not chosen:
        raise ServiceError(_("Choose at least one event."), field="events")
    return chosen


def _require(actor: User, branch_id: int | None) -> None:
    if branch_id is None or not can(actor, Action.MANAGE_WEBHOOKS, _BranchRef(branch_id)):
        raise ServiceError(_("You may not manage webhooks of this branch."), field="branch")


@dataclass(frozen=True)
class _BranchRef:
    branch_id: int


def create_endpoint(
    *, actor: User, name: str, branch: Branch, url: str, events: Iterable[str]
) -> tuple[Endpoint, str]:
    """A new active endpoint and its secret. The secret is returned this once: show it to the
    user now; no page shows it again."""
    _require(actor, branch.pk)
    errors: dict[str, list[str]] = {}
    name = str(name or "").strip()
    if not name:
        errors["name"] = [_("Give the endpoint a name.")]
    clean_url = ""
    chosen: list[str] = []
    for check in ("url", "events"):
        try:
            if check == "url":
                clean_url = check_url(url)
            else:
                chosen = _check_events(events)
        except ServiceError as error:
            for field, messages in error.errors.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ServiceError(errors)
    secret = new_secret()
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            name=name[:100],
            branch=branch,
            url=clean_url,
            events=chosen,
            secret=secret,
            created_by=actor,
        )
        record_event(
            actor=actor,
            action="webhook_endpoint_created",
            obj=endpoint,
            changes={"url": clean_url, "events": chosen},
        )
        transaction.on_commit(invalidate_cache)
    invalidate_cache()
    return endpoint, secret


def set_endpoint_active(*, actor: User, endpoint: Endpoint, is_active: bool) -> Endpoint:
    """Pause or resume an endpoint. A paused endpoint gets no new deliveries; its waiting ones
    fail at their next attempt."""
    _require(actor, endpoint.branch_id)
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(is_active=is_active)
        endpoint.is_active = is_active
        record_event(
            actor=actor,
            action="webhook_endpoint_resumed" if is_active else "webhook_endpoint_paused",
            obj=endpoint,
        )
        transaction.on_commit(invalidate_cache)
    return endpoint


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in
    base64 (receivers' libraries decode it to the HMAC key)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def update_endpoint(*, actor: User, endpoint: Endpoint, data: Mapping[str, Any]) -> Endpoint:
    """Change an endpoint's name, URL, events or whether it is active (the fields in ``data``),
    with the rules of :func:`create_endpoint`; its branch and secret stay."""
    _require(actor, endpoint.branch_id)
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            errors["name"] = [_("Give the endpoint a name.")]
        changes["name"] = name[:100]
    for field, check in (("url", check_url), ("events", _check_events)):
        if field in data:
            try:
                changes[field] = check(data[field])
            except ServiceError as error:
                for name, messages in error.errors.items():
                    errors.setdefault(name, []).extend(messages)
    if "is_active" in data:
        changes["is_active"] = bool(data["is_active"])
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(**changes)
        record_event(actor=actor, action="webhook_endpoint_changed", obj=endpoint, changes=changes)
        transaction.on_commit(invalidate_cache)
    endpoint.refresh_from_db()
    return endpoint


def rotate_secret(*, actor: User, endpoint: Endpoint) -> tuple[Endpoint, str]:
    """A new secret for the endpoint, returned this once. The old one still signs, as a second
    ``webhook-signature``, for ``QIWANG_WEBHOOK_SECRET_OVERLAP_HOURS`` (24 by default), so the
    receiver can take the new one without refusing a delivery; a second rotation drops it at
    once (a leaked secret: rotate twice)."""
    _require(actor, endpoint.branch_id)
    secret = new_secret()
    hours = float(settings.QIWANG_WEBHOOK_SECRET_OVERLAP_HOURS)
    until = timezone.now() + datetime.timedelta(hours=hours) if hours > 0 else None
    with transaction.atomic():
        current = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        fields = {
            "secret": secret,
            "previous_secret": current.secret if until else "",
            "previous_secret_until": until,
        }
        Endpoint.objects.filter(pk=endpoint.pk).update(**fields)
        record_event(actor=actor, action="webhook_secret_rotated", obj=endpoint)
    for name, value in fields.items():
        setattr(endpoint, name, value)
    return endpoint, secret


def delete_endpoint(*, actor: User, endpoint: Endpoint) -> None:
    """Delete an endpoint and its delivery log (the audit log keeps that it existed)."""
    _require(actor, endpoint.branch_id)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="webhook_endpoint_deleted",
            obj=endpoint,
            changes={"url": endpoint.url, "events": endpoint.events},
        )
        endpoint.delete()
        transaction.on_commit(invalidate_cache)


def send_test_event(*, actor: User, endpoint: Endpoint) -> Delivery:
    """Queue a ``webhook.test`` delivery to this one endpoint (active or not)."""
    _require(actor, endpoint.branch_id)
    with transaction.atomic():
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event=Event.TEST,
            payload=_envelope(
                Event.TEST,
                {"endpoint": endpoint.pk, "message": "Qiwang webhook test", "sent_by": actor.pk},
            ),
            next_attempt_at=timezone.now(),
        )
        _enqueue([delivery.pk])
    return delivery


def redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a delivery again with the same id (the receiver's idempotency key) and a fresh
    round of retries."""
    _require(actor, delivery.endpoint.branch_id)
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        record_event(actor=actor, action="webhook_redelivered", obj=delivery.endpoint)
        _enqueue([delivery.pk])
    delivery.refresh_from_db()
    return delivery


# --- delivering ------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    """The ``X-Qiwang-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the body.
    Deprecated (it signs neither the time nor the id, so a captured request can be replayed);
    sent alongside :func:`sign_standard` until the window in docs/api.md ends."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _key(secret: str) -> bytes:
    """The HMAC key of a secret, as Standard Webhooks libraries derive it: the base64 after
    ``whsec_`` (older secrets, 48 hex digits, are valid base64 too); a secret that is not
    base64 at all (set by hand in the database) is used as its UTF-8 bytes."""
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        return secret.encode()


def sign_standard(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value of the Standard Webhooks convention: ``v1,`` and the
    base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` — id and time are signed, so a receiver
    that refuses old timestamps and seen ids cannot be replayed against."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_headers(
    secret: str, message_id: str, body: bytes, previous: str = ""
) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` (now, in seconds) and ``webhook-signature``: one
    ``v1,`` signature per secret, space-separated (the convention's form for a rotation)."""
    timestamp = int(time.time())
    keys = [secret, previous] if previous else [secret]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            sign_standard(key, message_id, timestamp, body) for key in keys
        ),
    }


def signing_previous(endpoint: Endpoint) -> str:
    """The previous secret while it still signs (after a rotation), else ``""``."""
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and timezone.now() < until:
        return endpoint.previous_secret
    return ""


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST and return (status code, error). Never raises for network trouble."""
    return transport.post(url, body, headers, _timeout())


def body_of(delivery: Delivery) -> bytes:
    """The exact bytes POSTed (and signed) for a delivery."""
    return json.dumps(
        delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def attempt_delivery(delivery_id: int) -> Delivery | None:
    """POST one waiting delivery once; record the outcome and schedule the next attempt
    (``BACKOFF_SECONDS``) or give up. Deliveries already delivered or failed are left alone, so
    a task that runs twice changes nothing; the receiver may still see a POST twice (a worker
    dying after the POST) and uses ``X-Qiwang-Delivery`` to ignore the second."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return delivery
    endpoint = delivery.endpoint
    if not endpoint.is_active and delivery.event != Event.TEST:
        code, error = None, _("The endpoint is paused.")
        final = True
    else:
        body = body_of(delivery)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Qiwang-Event": delivery.event,
            "X-Qiwang-Delivery": str(delivery.pk),
            "X-Qiwang-Signature": sign(endpoint.secret, body),
            **standard_headers(
                endpoint.secret, f"msg_{delivery.pk}", body, signing_previous(endpoint)
            ),
        }
        code, error = _post(endpoint.url, body, headers)
        final = False
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {"attempts": attempts, "last_status_code": code, "last_error": error}
    retry_at = None
    if code is not None and 200 <= code < 300:
        fields |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "last_error": ""}
        fields["next_attempt_at"] = None
    elif final or attempts > len(BACKOFF_SECONDS):
        fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        retry_at = now + datetime.timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
        fields["next_attempt_at"] = retry_at
    with transaction.atomic():
        # Only the attempt that read this state records its outcome (no double counting).
        changed = Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
        ).update(**fields)
        if changed and retry_at is not None:
            _enqueue([delivery.pk], run_after=retry_at)
    delivery.refresh_from_db()
    return delivery
