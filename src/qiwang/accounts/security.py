"""Security headers for every page and the client address behind trusted proxies (ADR 0011).

- **Content-Security-Policy**: scripts and styles only from Qiwang's own static files — no inline
  ``<script>``, no ``style=`` attribute, no ``eval`` — so text somebody stored can never run, even
  if a template or a chart forgot to escape it. Data reach scripts through ``json_script``.
- **Permissions-Policy**: no camera, microphone, geolocation, payment or USB for any page.
- **Cache-Control: no-store** on every answer that is not a static file: staff pages, API answers
  and exports carry personal data, and the public survey pages carry a respondent's answers.
- :func:`client_ip`: the address a request came from, read from ``X-Forwarded-For`` only through
  the number of proxies ``QIWANG_TRUSTED_PROXIES`` says stand in front of Qiwang.

Lives in ``accounts`` (the lowest app) so that every app, ``operations`` included, may use it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

__all__ = ["SecurityHeadersMiddleware", "client_ip", "content_security_policy"]

#: The policy: everything from this origin only, no inline code, no plugins, no framing.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), browsing-topics=()"
)


def content_security_policy() -> str:
    directives = dict(CSP_DIRECTIVES)
    report = getattr(settings, "QIWANG_CSP_REPORT_URI", "")
    if report:
        directives["report-uri"] = report
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Adds the policy headers above; ``Cache-Control: no-store`` unless the view set a policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy()
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not request.path.startswith(self.static_prefix) and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or — behind ``QIWANG_TRUSTED_PROXIES`` proxies —
    the address the outermost trusted proxy saw (``X-Forwarded-For`` read from the right, so a
    client cannot choose its own address by sending the header itself)."""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104
    proxies = getattr(settings, "QIWANG_TRUSTED_PROXIES", 0)
    if not proxies:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
