"""Webhook writes and delivery: endpoints, the outbox (:func:`emit`) and one delivery attempt.

The outbox: :func:`emit` inserts one :class:`Delivery` per matching active endpoint in the
caller's transaction and queues its task in the same transaction (the database task queue writes
a row through the same connection), so a rolled-back write leaves no delivery and a committed
write never loses its event. The HTTP request happens later, in ``qiwang worker``, outside any
transaction. Decision and consequences: docs/adr/0009-webhooks-outbox.md.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
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
from qiwang.webhooks.choices import SUBSCRIBABLE, DeliveryStatus, Event
from qiwang.webhooks.models import Delivery, Endpoint

__all__ = [
    "BACKOFF_SECONDS",
    "CACHE_SECONDS",
    "attempt_delivery",
    "check_url",
    "create_endpoint",
    "emit",
    "invalidate_cache",
    "redeliver",
    "send_test_event",
    "set_endpoint_active",
    "sign",
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


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> str:
    """The URL if Qiwang may POST to it: https (http only with ``QIWANG_WEBHOOK_ALLOW_HTTP``),
    no credentials in it, and a host that resolves only to public addresses (private, loopback,
    link-local and reserved ones only with ``QIWANG_WEBHOOK_ALLOW_PRIVATE``: a webhook must not
    become a way to reach the internal network). Checked on creation and before every POST."""
    url = str(url or "").strip()
    parts = urllib.parse.urlsplit(url)
    allowed = ("https", "http") if _flag("QIWANG_WEBHOOK_ALLOW_HTTP") else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ServiceError(_("Enter an https:// address."), field="url")
    if parts.username or parts.password:
        raise ServiceError(_("Put no user name or password in the address."), field="url")
    if len(url) > 500:
        raise ServiceError(_("The address is at most 500 characters."), field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
    except (OSError, ValueError, UnicodeError):
        raise ServiceError(
            _("The host %(host)s cannot be found.") % {"host": parts.hostname}, field="url"
        ) from None
    if not _flag("QIWANG_WEBHOOK_ALLOW_PRIVATE"):
        private = sorted(address for address in addresses if not _is_public(str(address)))
        if private:
            raise ServiceError(
                _(
                    "%(host)s is a private or local address (%(address)s); webhooks go to public addresses."
                )
                % {"host": parts.hostname, "address": private[0]},
                field="url",
            )
    return url


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
    secret = "whsec_" + secrets.token_hex(24)
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
    """The ``X-Qiwang-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead past :func:`check_url` to an internal address: not followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: No proxies from the environment (the address check must see the real destination), no
#: redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirects)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST and return (status code, error). Never raises for network trouble."""
    try:
        check_url(url)
    except ServiceError as error:
        return None, error.text[:300]
    # check_url allowed only https (or http when configured): no file: or custom schemes.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=_timeout()) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"[:300]
    except urllib.error.URLError as error:
        return None, str(error.reason)[:300]
    except (TimeoutError, OSError, ValueError) as error:
        return None, (str(error) or type(error).__name__)[:300]


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
