"""Session timeouts (ASVS 3.3): an idle limit and an absolute limit, both by setting.

``QIWANG_SESSION_IDLE_MINUTES`` (default 30): a session not used for this long is ended.
``QIWANG_SESSION_MAX_HOURS`` (default 12): a session older than this is ended however busy it is,
counted from the log-in. The session stores two Unix timestamps; the "last seen" one is written at
most once a minute, so reads do not turn into a session write per request.

An ended session is flushed (``logout``): a page request is sent to the log-in page with a message
and ``next``; an API request simply has no session any more (401 unless it carries a token).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

STARTED_KEY = "_qiwang_auth_started"
SEEN_KEY = "_qiwang_auth_seen"
SEEN_WRITE_SECONDS = 60


@receiver(user_logged_in)
def _stamp_login(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


def session_expired(session: object, now: float) -> str | None:
    """Why the session is over ("idle" or "absolute"), or ``None`` while it is still good."""
    started = session.get(STARTED_KEY)  # type: ignore[attr-defined]
    seen = session.get(SEEN_KEY)  # type: ignore[attr-defined]
    if not isinstance(started, int) or not isinstance(seen, int):
        return None
    if now - started > settings.QIWANG_SESSION_MAX_HOURS * 3600:
        return "absolute"
    if now - seen > settings.QIWANG_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


class SessionTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            if STARTED_KEY not in session:  # a session from before this middleware
                session[STARTED_KEY] = now
                session[SEEN_KEY] = now
            reason = session_expired(session, now)
            if reason is not None:
                return self._ended(request, reason)
            if now - session.get(SEEN_KEY, now) >= SEEN_WRITE_SECONDS:
                session[SEEN_KEY] = now
        return self.get_response(request)

    def _ended(self, request: HttpRequest, reason: str) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if reason == "idle":
            text = _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": settings.QIWANG_SESSION_IDLE_MINUTES
            }
        else:
            text = _("You were signed out: a session lasts at most %(hours)d hours.") % {
                "hours": settings.QIWANG_SESSION_MAX_HOURS
            }
        messages.info(request, text)
        login = resolve_url(settings.LOGIN_URL)
        target = f"{login}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
