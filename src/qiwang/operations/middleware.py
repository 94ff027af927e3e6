"""The first middleware: operational endpoints, request id, access log, request metrics.

It sits before Django's own middleware so that:

- ``/health/live``, ``/health/ready``, ``/health/`` and ``/metrics`` answer without the host check
  (a load balancer or Prometheus may send an IP address as ``Host``), without sessions, language
  or CSRF, and without touching the database more than the checks themselves;
- every request gets a request id (``X-Request-ID``, see :mod:`qiwang.operations.logs`) before
  anything logs, and every answer — including error pages — is counted, timed and written to the
  access log (``qiwang.access``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from qiwang.accounts.security import client_ip
from qiwang.operations import logs, metrics

access_logger = logging.getLogger("qiwang.access")

HEALTH_PATHS = {"/health/live", "/health/live/", "/health/ready", "/health/ready/", "/health/"}
METRICS_PATHS = {"/metrics", "/metrics/"}


def _live() -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _ready() -> JsonResponse:
    from qiwang.operations.health import readiness

    ok, checks = readiness()
    response = JsonResponse({"status": "ok" if ok else "fail", "checks": checks})
    response.status_code = 200 if ok else 503
    if not ok:
        response["Retry-After"] = "10"
        response._has_been_logged = True  # type: ignore[attr-defined] # a poll, not an error
    return response


def _legacy_health() -> JsonResponse:
    from qiwang.operations.health import check_database

    try:
        check_database()
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        connection.close()
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _metrics(request: HttpRequest) -> HttpResponse:
    if not metrics.allowed(client_ip(request), request.META.get("HTTP_AUTHORIZATION", "")):
        return HttpResponse("metrics are not open to this address\n", status=403)
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)


def _operational(request: HttpRequest) -> HttpResponse | None:
    path = request.path_info
    if path in HEALTH_PATHS:
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        if path.startswith("/health/live"):
            return _live()
        if path.startswith("/health/ready"):
            return _ready()
        return _legacy_health()
    if path in METRICS_PATHS:
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        return _metrics(request)
    return None


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + (match.route or match.view_name or "?")


class _QueryCounter:
    """``connection.execute_wrapper`` that counts and times the request's statements."""

    __slots__ = ("count", "seconds")

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


class OperationsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        rid = logs.incoming_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        token = logs.bind_request_id(rid)
        request.request_id = rid  # type: ignore[attr-defined]
        queries = _QueryCounter()
        try:
            response = _operational(request)
            operational = response is not None
            if response is None:
                with connection.execute_wrapper(queries):
                    response = self.get_response(request)
            response["X-Request-ID"] = rid
            elapsed = time.perf_counter() - started
            route = (
                "/health"
                if operational and request.path_info.startswith("/health")
                else ("/metrics" if operational else _route(request))
            )
            metrics.REQUESTS.labels(request.method, route, str(response.status_code)).inc()
            metrics.LATENCY.labels(request.method, route).observe(elapsed)
            if queries.count:
                metrics.DB_QUERIES.inc(queries.count)
                metrics.DB_SECONDS.inc(queries.seconds)
            if not operational:
                access_logger.info(
                    "%s %s %s %.1fms",
                    request.method,
                    logged_path(request.get_full_path())[:500],
                    response.status_code,
                    elapsed * 1000,
                    extra={
                        "method": request.method,
                        "path": logged_path(request.path)[:500],
                        "status": response.status_code,
                        "duration_ms": round(elapsed * 1000, 1),
                        "queries": queries.count,
                        "client": client_ip(request),
                        "user_id": _user_id(request),
                    },
                )
            return response
        finally:
            logs.reset_request_id(token)


# Query parameters whose values are secrets or personal data: WeChat's OAuth callback
# (code, state), its event hook (signature, nonce, openid), tokens in general.
_SECRET_QUERY = frozenset(
    {"code", "state", "token", "access_token", "signature", "msg_signature", "nonce", "openid"}
)


def _hide(secret: str) -> str:
    """Enough of a link token to tell two requests apart in a log, never enough to use it."""
    return f"{secret[:4]}***" if len(secret) > 12 else "***"


def logged_path(path: str) -> str:
    """The path as logged, without the secrets in it: the receipt hooks' token
    (``/hooks/sms/<provider>/<token>/``), a survey link's token (``/s/<token>/…``,
    ``/s/o/<wave>/<token>/…``, ``/api/surveys/respond/<token>``; a link token answers a survey as
    that customer) and the values of secret query parameters (OAuth ``code`` / ``state``,
    WeChat's ``signature`` / ``openid``)."""
    path, mark, query = path.partition("?")
    parts = path.split("/")
    if path.startswith("/hooks/") and len(parts) > 4:
        parts[4] = "***"
    elif path.startswith("/s/o/") and len(parts) > 4:
        parts[4] = _hide(parts[4])
    elif path.startswith("/s/") and len(parts) > 2 and parts[2]:
        parts[2] = _hide(parts[2])
    elif path.startswith("/api/surveys/respond/") and len(parts) > 4:
        parts[4] = _hide(parts[4])
    if mark:
        pairs = []
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            pairs.append(f"{key}=***" if eq and key.lower() in _SECRET_QUERY else pair)
        query = "&".join(pairs)
    return "/".join(parts) + mark + query


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "_cached_user", None)  # never trigger a session read here
    if user is not None and getattr(user, "is_authenticated", False):
        return int(user.pk)
    return None
