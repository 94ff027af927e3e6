"""What every sender of messages shares: which failures are worth retrying, the back-off between
attempts, and the per-channel rate limits (docs/messaging.md "Sending, retries and rate limits").

- :func:`is_retryable` classifies a failure: a network error or time-out, a provider's throttling
  or rate-limit code (Alibaba ``isv.BUSINESS_LIMIT_CONTROL``, Tencent ``LimitExceeded.*``) or a
  temporary SMTP answer (4xx) may succeed later; a template, signature, number or configuration
  error will not. A :class:`~qiwang.customers.messaging.MessagingError` that carries its own
  ``retryable`` flag (a channel that knows) is taken at its word.
- :func:`backoff_seconds` is the wait before the next attempt: ``QIWANG_SEND_BACKOFF_SECONDS``
  doubled per failed attempt, at most ``QIWANG_SEND_BACKOFF_MAX_SECONDS``.
- :func:`take_slot` counts one message of a channel on the shared database counter (ADR 0012),
  for the whole account (``QIWANG_RATE_<CHANNEL>``) and per recipient
  (``QIWANG_RATE_<CHANNEL>_RECIPIENT``), so every worker process shares the same limit.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from django.conf import settings

from qiwang.accounts.limits import hit, parse_rate, peek

__all__ = [
    "RETRYABLE_CODES",
    "RETRYABLE_PREFIXES",
    "Slot",
    "backoff_seconds",
    "channel_rate",
    "is_retryable",
    "take_slot",
]

#: Provider error codes that mean "not now" rather than "never" (compared case-insensitively).
RETRYABLE_CODES = frozenset(
    code.lower()
    for code in (
        # Alibaba Cloud SMS: flow control per number / account, throttling, their own faults.
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isp.SYSTEM_ERROR",
        "isp.RAM_PERMISSION_DENY_LIMIT",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "ServiceUnavailable",
        "InternalError",
        "SDK.ServerUnreachable",
        # Tencent Cloud: network, their faults, rate limits (LimitExceeded.* below).
        "ClientNetworkError",
        "ServerNetworkError",
        "InternalError",
        "RequestLimitExceeded",
        "FailedOperation.ServiceUnavailable",
    )
)
#: Code prefixes that are always temporary (Tencent's LimitExceeded.PhoneNumberOneHourLimit …).
RETRYABLE_PREFIXES = ("limitexceeded.", "throttling.", "internalerror.", "requestlimitexceeded")


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        # The Alibaba Cloud SDK keeps the network error in ``inner_exception``.
        current = (
            current.__cause__ or current.__context__ or getattr(current, "inner_exception", None)
        )
    return seen


def is_retryable(error: BaseException) -> bool:
    """Whether sending again later may succeed (see the module's description)."""
    flag = getattr(error, "retryable", None)
    if flag is not None:
        return bool(flag)
    code = str(getattr(error, "code", "") or "").strip().lower()
    if code and (code in RETRYABLE_CODES or code.startswith(RETRYABLE_PREFIXES)):
        return True
    for link in _chain(error):
        if isinstance(link, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
            return False
        if isinstance(link, smtplib.SMTPResponseException):
            return 400 <= link.smtp_code < 500
        if isinstance(link, OSError | TimeoutError | ConnectionError):
            # Network failures, time-outs, refused connections (requests' errors are OSErrors).
            return True
    return False


def backoff_seconds(attempts: int) -> int:
    """The wait after the ``attempts``-th failed attempt: base × 2^(attempts − 1), capped."""
    base = int(settings.QIWANG_SEND_BACKOFF_SECONDS)
    most = int(settings.QIWANG_SEND_BACKOFF_MAX_SECONDS)
    return int(min(base * 2 ** max(attempts - 1, 0), most))


def channel_rate(channel: str, *, recipient: bool = False) -> str:
    """The configured rate of ``channel`` (``"20/s"``), or ``""`` when it has none."""
    name = f"QIWANG_RATE_{channel.upper()}" + ("_RECIPIENT" if recipient else "")
    return str(getattr(settings, name, "") or "")


@dataclass(frozen=True)
class Slot:
    """Whether a message may go now; if not, how many seconds until its window ends and which
    limit said no (``"account"`` or ``"recipient"``)."""

    allowed: bool
    wait: int = 0
    limit: str = ""


def take_slot(channel: str, recipient: str, *, now: float | None = None) -> Slot:
    """Count one message to ``recipient`` on ``channel`` if both limits allow it.

    The recipient's limit is looked at first without counting, so a number at its limit does not
    use up the account's window; the account's limit is then counted (an atomic upsert shared by
    every worker) and the recipient's last."""
    account_rate = channel_rate(channel)
    person_rate = channel_rate(channel, recipient=True)
    person_bucket = f"send:{channel}:to:{recipient}"
    if person_rate:
        limit, period = parse_rate(person_rate)
        verdict = peek(person_bucket, limit=limit, period=period, now=now)
        if not verdict.allowed:
            return Slot(False, max(verdict.retry_after, 1), "recipient")
    if account_rate:
        limit, period = parse_rate(account_rate)
        verdict = hit(f"send:{channel}", limit=limit, period=period, now=now)
        if not verdict.allowed:
            return Slot(False, max(verdict.retry_after, 1), "account")
    if person_rate:
        limit, period = parse_rate(person_rate)
        hit(person_bucket, limit=limit, period=period, now=now)
    return Slot(True)
