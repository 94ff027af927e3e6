"""SMS delivery receipts → the invitation's delivery state (issue 17, item 5).

The providers post their receipts to ``/hooks/sms/aliyun/<token>/`` and
``/hooks/sms/tencent/<token>/`` (the URL entered in their console, docs/messaging.md). The token
is ``QIWANG_SMS_RECEIPT_TOKEN``, compared in constant time; while it is not set the hooks do not
exist (404). Each item names the message id ``SendSms`` answered, which the invitation keeps
(``provider_message_id``); its ``delivery_status`` becomes delivered, failed or bounced. Applying
the same receipt twice changes nothing; ids no invitation has (a greeting's, a reminder's
earlier message) are counted and ignored. A malformed body gets a 400 naming the problem.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from qiwang.accounts.limits import hit, parse_rate, rate_limited_response
from qiwang.accounts.security import client_ip
from qiwang.customers.channels.receipts import READERS, Receipt, ReceiptError, read_receipts
from qiwang.customers.models import OutboundMessage
from qiwang.operations.metrics import SMS_RECEIPTS
from qiwang.surveys.models import Invitation

__all__ = ["apply_receipts", "sms_receipt"]

logger = logging.getLogger(__name__)
#: The rows that keep an SMS provider's message id and its receipt: survey invitations and
#: greetings (the same four fields on each).
RECEIPT_MODELS: tuple[Any, ...] = (Invitation, OutboundMessage)
#: What each provider expects back when it may stop retrying.
ACCEPTED = {
    "aliyun": {"code": 0, "msg": "成功"},
    "tencent": {"result": 0, "errmsg": "OK"},
}
MAX_BODY = 1024 * 1024


def apply_receipts(receipts: list[Receipt]) -> dict[str, int]:
    """Store each receipt on the invitation or greeting whose last message it reports; return
    the counts ``updated``, ``unchanged`` (the same receipt again) and ``unknown`` (no such
    message)."""
    counts = {"updated": 0, "unchanged": 0, "unknown": 0}
    ids = {receipt.provider_id for receipt in receipts}
    fields = ["delivery_status", "delivered_at", "delivery_error"]
    found: dict[str, list[Any]] = {}
    for model in RECEIPT_MODELS:
        for row in model.objects.filter(provider_message_id__in=ids).only(
            "pk", "provider_message_id", *fields
        ):
            found.setdefault(row.provider_message_id, []).append(row)
    changed: dict[tuple[type, int], Any] = {}
    for receipt in receipts:
        rows = found.get(receipt.provider_id)
        if not rows:
            counts["unknown"] += 1
            continue
        for row in rows:
            new = (receipt.status, receipt.at, receipt.error[:200])
            old = (row.delivery_status, row.delivered_at, row.delivery_error)
            if new == old:
                counts["unchanged"] += 1
                continue
            (row.delivery_status, row.delivered_at, row.delivery_error) = new
            changed[(type(row), row.pk)] = row
            counts["updated"] += 1
    for model in RECEIPT_MODELS:
        model.objects.bulk_update(
            [row for (kind, _pk), row in changed.items() if kind is model], fields
        )
    return counts


def _quiet(response: HttpResponse) -> HttpResponse:
    """Keep Django's request logger from writing this 4xx with its path, which holds the secret
    (the access log hides it: qiwang.operations.middleware.logged_path)."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _problem(detail: str, status: int) -> HttpResponse:
    return _quiet(
        JsonResponse({"detail": detail, "code": "bad_receipt", "errors": []}, status=status)
    )


@csrf_exempt
@never_cache
@require_POST
def sms_receipt(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    expected = settings.QIWANG_SMS_RECEIPT_TOKEN
    if (
        provider not in READERS
        or not expected
        or not hmac.compare_digest(token.encode(), expected.encode())
    ):
        raise Http404
    limit, period = parse_rate(settings.QIWANG_SMS_RECEIPT_RATE)
    verdict = hit(f"sms-receipt:{client_ip(request)}", limit=limit, period=period)
    if not verdict.allowed:
        return _quiet(rate_limited_response(request, verdict.retry_after))
    if len(request.body) > MAX_BODY:
        return _problem("The body is larger than 1 MB.", 413)
    try:
        receipts = read_receipts(provider, request.body)
    except ReceiptError as error:
        return _problem(f"Not a {provider} delivery receipt: {error}.", 400)
    counts = apply_receipts(receipts)
    for outcome, n in counts.items():
        if n:
            SMS_RECEIPTS.labels(provider=provider, outcome=outcome).inc(n)
    logger.info("sms receipts from %s: %s", provider, counts)
    return JsonResponse(ACCEPTED[provider], json_dumps_params={"ensure_ascii": False})
