"""WeChat Official Account events → the invitation's delivery state (issue 17, item 5).

The Official Account's server URL (服务器配置, docs/messaging.md) is ``/hooks/wechat/``, with
the token ``QIWANG_WECHAT_EVENT_TOKEN``; while it is not set the hook does not exist (404).
Every request carries ``signature`` = SHA-1 of the sorted token, ``timestamp`` and ``nonce`` in
its query string, checked in constant time (403 when wrong). The ``timestamp`` must be within
five minutes of the server's clock (403 otherwise), so a captured request cannot be replayed
later; the platform's own retries come within seconds.

- ``GET`` with ``echostr``: the platform checks the URL when the operator saves it; the answer
  is ``echostr``.
- ``POST``: an XML message in plaintext mode (明文模式). After each template message the platform
  sends the event ``TEMPLATESENDJOBFINISH`` with the ``MsgID`` that ``template/send`` answered
  (the invitation's ``provider_message_id``) and ``Status``: ``success`` (delivered),
  ``failed:user block`` (the customer blocked the account's messages: bounced) or
  ``failed: system failed`` (failed). Other events are acknowledged and ignored. The answer is
  ``success``, after which the platform does not retry.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from qiwang.accounts.limits import hit, parse_rate, rate_limited_response
from qiwang.accounts.security import client_ip
from qiwang.customers.channels.receipts import BOUNCED, DELIVERED, FAILED, Receipt
from qiwang.operations.metrics import SMS_RECEIPTS
from qiwang.surveys.receipts import apply_receipts

__all__ = ["read_template_event", "signature_ok", "timestamp_fresh", "wechat_event"]

logger = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


class EventError(ValueError):
    """The body is not an Official Account message; the text says what is wrong."""


def signature_ok(token: str, params: Any) -> bool:
    """Whether ``signature`` is SHA-1 of the sorted token, ``timestamp`` and ``nonce``."""
    parts = sorted([token, str(params.get("timestamp", "")), str(params.get("nonce", ""))])
    expected = hashlib.sha1("".join(parts).encode()).hexdigest()  # noqa: S324 - WeChat's rule
    return hmac.compare_digest(expected, str(params.get("signature", "")))


#: How far the request's ``timestamp`` may be from the server's clock, in seconds.
MAX_SKEW = 300


def timestamp_fresh(params: Any, now: float | None = None) -> bool:
    """Whether the signed ``timestamp`` is an integer within :data:`MAX_SKEW` of now."""
    try:
        stamp = int(str(params.get("timestamp", "")))
    except ValueError:
        return False
    current = timezone.now().timestamp() if now is None else now
    return abs(current - stamp) <= MAX_SKEW


def read_template_event(body: bytes) -> Receipt | None:
    """The receipt in a ``TEMPLATESENDJOBFINISH`` event; None for any other message."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise EventError("a DOCTYPE or an entity is not accepted")
    try:
        root = ET.fromstring(body)  # noqa: S314 - no DOCTYPE (above); expat ≥ 2.4 limits expansion
    except ET.ParseError as error:
        raise EventError(f"not XML ({error})") from None
    if root.tag != "xml":
        raise EventError("the root element is not <xml>")
    values = {child.tag: (child.text or "").strip() for child in root}
    if values.get("MsgType") != "event" or values.get("Event") != "TEMPLATESENDJOBFINISH":
        return None
    msgid = values.get("MsgID") or values.get("MsgId") or ""
    if not msgid.isdigit():
        raise EventError("the event has no numeric MsgID")
    status = values.get("Status", "")
    if status == "success":
        state, error = DELIVERED, ""
    elif "block" in status:
        state, error = BOUNCED, status
    else:
        state, error = FAILED, status or "failed"
    at = None
    if values.get("CreateTime", "").isdigit():
        at = datetime.datetime.fromtimestamp(int(values["CreateTime"]), tz=datetime.UTC)
    return Receipt(provider_id=msgid, status=state, at=at or timezone.now(), error=error)


def _quiet(response: HttpResponse) -> HttpResponse:
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def wechat_event(request: HttpRequest) -> HttpResponse:
    token = settings.QIWANG_WECHAT_EVENT_TOKEN
    if not token:
        raise Http404
    limit, period = parse_rate(settings.QIWANG_SMS_RECEIPT_RATE)
    verdict = hit(f"wechat-event:{client_ip(request)}", limit=limit, period=period)
    if not verdict.allowed:
        return _quiet(rate_limited_response(request, verdict.retry_after))
    if not signature_ok(token, request.GET):
        return _quiet(HttpResponseForbidden("signature mismatch", content_type="text/plain"))
    if not timestamp_fresh(request.GET):
        return _quiet(
            HttpResponseForbidden(
                "timestamp missing or over 5 minutes off", content_type="text/plain"
            )
        )
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    if len(request.body) > MAX_BODY:
        return _quiet(HttpResponse("body over 64 KB", status=413, content_type="text/plain"))
    try:
        receipt = read_template_event(request.body)
    except EventError as error:
        return _quiet(HttpResponseBadRequest(f"Not an Official Account event: {error}."))
    if receipt is not None:
        counts = apply_receipts([receipt])
        for outcome, n in counts.items():
            if n:
                SMS_RECEIPTS.labels(provider="wechat", outcome=outcome).inc(n)
        logger.info("wechat template event: %s", counts)
    return HttpResponse("success", content_type="text/plain")
