"""Rate limits and log-in lockouts on one counter shared by every process (ADR 0012).

- :func:`hit` counts one event in a bucket (``"public:203.0.113.7"``) for the current fixed window
  and says whether the limit still allows it; the count is one atomic upsert on
  :class:`~qiwang.accounts.limit_models.RateCounter`, so two web processes never lose a hit.
- :class:`PublicRateLimitMiddleware` counts every request to a public page — survey answer pages,
  the open link, the complaint form and the answer API — in **one** bucket per client address
  (``QIWANG_PUBLIC_RATE``) and answers 429 with ``Retry-After`` when it is full: a bilingual page,
  or the API's JSON error.
- The client address is :func:`qiwang.accounts.security.client_ip`: ``X-Forwarded-For`` is read
  only through the ``QIWANG_TRUSTED_PROXIES`` proxies that stand in front of Qiwang.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from qiwang.accounts.limit_models import RateCounter
from qiwang.accounts.security import client_ip

__all__ = [
    "PUBLIC_PREFIXES",
    "PublicRateLimitMiddleware",
    "Verdict",
    "hit",
    "parse_rate",
    "peek",
    "prune_expired",
    "rate_limited_response",
    "reset",
]

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Paths served to people without an account: one shared bucket per address for all of them.
PUBLIC_PREFIXES = ("/s/", "/c/", "/api/surveys/respond/")


@dataclass(frozen=True)
class Verdict:
    """What a limit says about one event: ``allowed``, the count so far and when it resets."""

    allowed: bool
    hits: int
    limit: int
    retry_after: int


def parse_rate(rate: str) -> tuple[int, int]:
    """``"120/m"`` → ``(120, 60)``: the count and the window in seconds."""
    count, _sep, unit = rate.partition("/")
    if not count.isdigit() or int(count) < 1 or unit not in PERIODS:
        raise ValueError(f"not a rate: {rate!r} (write a count per s, m, h or d, e.g. 120/m)")
    return int(count), PERIODS[unit]


def _window(period: int, now: float | None) -> tuple[int, int]:
    moment = int(time.time() if now is None else now)
    start = moment - moment % period
    return start, start + period - moment


def hit(bucket: str, *, limit: int, period: int, now: float | None = None) -> Verdict:
    """Count one event in ``bucket`` and say whether it is within ``limit`` per ``period`` s."""
    start, remaining = _window(period, now)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:  # one statement: atomic by itself
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, hits, expires) VALUES (%s, %s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 "
            "RETURNING hits",
            [bucket[:200], start, start + period],
        )
        hits = cursor.fetchone()[0]
    return Verdict(allowed=hits <= limit, hits=hits, limit=limit, retry_after=remaining)


def peek(bucket: str, *, limit: int, period: int, now: float | None = None) -> Verdict:
    """The verdict for one more event without counting it."""
    start, remaining = _window(period, now)
    hits = (
        RateCounter.objects.filter(bucket=bucket[:200], window_start=start)
        .values_list("hits", flat=True)
        .first()
        or 0
    )
    return Verdict(allowed=hits < limit, hits=hits, limit=limit, retry_after=remaining)


def prune_expired(now: float | None = None) -> int:
    """Delete the counters of windows that have ended (the daily ``operations.prune`` job)."""
    moment = int(time.time() if now is None else now)
    deleted, _counts = RateCounter.objects.filter(expires__lt=moment).delete()
    return deleted


def reset(bucket: str) -> None:
    """Forget every count of ``bucket`` (a successful log-in clears its failures)."""
    RateCounter.objects.filter(bucket=bucket[:200]).delete()


def rate_limited_response(
    request: HttpRequest, retry_after: int, *, detail: str | None = None
) -> HttpResponse:
    """429 with ``Retry-After``: the API's JSON error under ``/api/``, else the bilingual page."""
    if detail is None:
        detail = _("Too many requests from this address; try again in %(seconds)s seconds.") % {
            "seconds": retry_after
        }
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": detail, "code": "rate_limited", "errors": []}, status=429
        )
    else:
        response = render(
            request, "core/429.html", {"retry_after": retry_after, "detail": detail}, status=429
        )
    response["Retry-After"] = str(retry_after)
    return response


class PublicRateLimitMiddleware:
    """One bucket per client address across every public page (``QIWANG_PUBLIC_RATE``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PUBLIC_PREFIXES):
            limit, period = parse_rate(settings.QIWANG_PUBLIC_RATE)
            verdict = hit(f"public:{client_ip(request)}", limit=limit, period=period)
            if not verdict.allowed:
                return rate_limited_response(request, verdict.retry_after)
        return self.get_response(request)
