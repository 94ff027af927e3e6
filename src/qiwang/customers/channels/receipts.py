"""The providers' delivery receipts, read into one shape.

- Alibaba Cloud SMS pushes *SmsReport*: a JSON array of ``{"phone_number", "send_time",
  "report_time", "success", "err_code", "err_msg", "sms_size", "biz_id", "out_id"}``; it expects
  ``{"code": 0, "msg": "成功"}`` back.
- Tencent Cloud SMS posts its status callback: a JSON array of ``{"user_receive_time",
  "nationcode", "mobile", "report_status": "SUCCESS"|"FAIL", "errmsg", "description", "sid"}``;
  it expects ``{"result": 0, "errmsg": "OK"}`` back.

Each item becomes a :class:`Receipt`: the provider's message id (``biz_id`` / ``sid``, what
``SendSms`` answered), *delivered*, *failed* or *bounced*, when, and the error. *Bounced* means the
number itself cannot receive: it does not exist, is suspended or cancelled, is on a block list or
refuses messages (:data:`BOUNCE_CODES`, or those words in the carrier's description); any other
failure (switched off, out of reach for the day, a carrier fault) is *failed*. A malformed body
raises :class:`ReceiptError` naming what is wrong.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

__all__ = ["BOUNCE_CODES", "BOUNCE_WORDS", "Receipt", "ReceiptError", "read_receipts"]

DELIVERED, FAILED, BOUNCED = "delivered", "failed", "bounced"
#: Error codes that mean the number cannot receive (both providers pass on the carrier's code).
BOUNCE_CODES = frozenset(
    {
        "MOBILE_NOT_ON_SERVICE",  # the number is suspended or not in service
        "INVALID_NUMBER",  # no such number
        "MOBILE_IN_BLACK",  # on the carrier's or the provider's block list
        "MOBILE_ACCOUNT_ABNORMAL",
        "USER_REJECT",  # the subscriber refuses messages
        "IS_CLOSE",  # the line is closed
        "NO_ROUTE",
    }
)
#: The same, as the carriers' Chinese descriptions say it.
BOUNCE_WORDS = ("空号", "停机", "销号", "不存在", "黑名单", "拒收")
MAX_ITEMS = 1000


class ReceiptError(ValueError):
    """The body is not a receipt of this provider; the text says what is wrong."""


@dataclass(frozen=True)
class Receipt:
    provider_id: str
    status: str  # delivered / failed / bounced
    at: datetime.datetime | None
    error: str


def _classify(success: bool, code: str, description: str) -> str:
    if success:
        return DELIVERED
    if code.strip().upper() in BOUNCE_CODES or any(word in description for word in BOUNCE_WORDS):
        return BOUNCED
    return FAILED


def _moment(value: Any) -> datetime.datetime | None:
    """``"2026-12-06 18:01:02"`` in China time (both providers), or a Unix time in seconds."""
    if value in (None, ""):
        return None
    china = datetime.timezone(datetime.timedelta(hours=8))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    try:
        moment = datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=china)


def _items(body: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ReceiptError(f"the body is not JSON: {error}") from error
    if isinstance(data, dict):  # one receipt on its own
        data = [data]
    if not isinstance(data, list):
        raise ReceiptError("the body must be a JSON array of receipts")
    if len(data) > MAX_ITEMS:
        raise ReceiptError(f"at most {MAX_ITEMS} receipts per request")
    for number, item in enumerate(data):
        if not isinstance(item, dict):
            raise ReceiptError(f"receipt {number} is not a JSON object")
    return data


def _text(item: dict[str, Any], key: str, number: int, *, required: bool = False) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise ReceiptError(f"receipt {number} has no {key}")
        return ""
    if not isinstance(value, str | int):
        raise ReceiptError(f"receipt {number}: {key} must be text")
    return str(value)[:200]


def _receipt(provider_id: str, success: bool, code: str, message: str, at: Any) -> Receipt:
    """One receipt, whichever provider's field names it came under."""
    return Receipt(
        provider_id=provider_id,
        status=_classify(success, code, message),
        at=_moment(at),
        error="" if success else f"{code} {message}".strip(),
    )


def _aliyun(items: list[dict[str, Any]]) -> list[Receipt]:
    receipts = []
    for number, item in enumerate(items):
        provider_id = _text(item, "biz_id", number, required=True)
        success = item.get("success")
        if not isinstance(success, bool):
            raise ReceiptError(f"receipt {number}: success must be true or false")
        receipts.append(
            _receipt(
                provider_id,
                success,
                _text(item, "err_code", number),
                _text(item, "err_msg", number),
                item.get("report_time"),
            )
        )
    return receipts


def _tencent(items: list[dict[str, Any]]) -> list[Receipt]:
    receipts = []
    for number, item in enumerate(items):
        provider_id = _text(item, "sid", number, required=True)
        status = _text(item, "report_status", number, required=True).upper()
        if status not in ("SUCCESS", "FAIL"):
            raise ReceiptError(f"receipt {number}: report_status must be SUCCESS or FAIL")
        success = status == "SUCCESS"
        receipts.append(
            _receipt(
                provider_id,
                success,
                _text(item, "errmsg", number),
                _text(item, "description", number),
                item.get("user_receive_time"),
            )
        )
    return receipts


READERS = {"aliyun": _aliyun, "tencent": _tencent}


def read_receipts(provider: str, body: bytes) -> list[Receipt]:
    """The receipts in ``body`` as ``provider`` (``aliyun`` or ``tencent``) sends them."""
    return READERS[provider](_items(body))
