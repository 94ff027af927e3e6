"""The state between the two log-in steps, and the per-username failure counter both share.

After a correct password, a user with two-factor authentication (or whose role requires it) is
not signed in yet: the session holds only who passed the first step, when, and where to go next.
The second step (``mfa_views.login_verify``) signs them in. Failures of either step count in the
same lockout bucket (``QIWANG_LOGIN_FAILURES`` per ``QIWANG_LOGIN_LOCKOUT_SECONDS``), and the
bucket is cleared only when the whole log-in succeeds.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from qiwang.accounts.limits import Verdict, hit, peek
from qiwang.accounts.models import User

PENDING_KEY = "_qiwang_mfa_pending"
#: How long the second step waits after the password (seconds).
PENDING_SECONDS = 300


def failures_bucket(username: object) -> str:
    return "login-failed:" + str(username or "").strip().lower()


def lockout(username: object) -> Verdict:
    """Whether ``username`` may try again (without counting a try)."""
    return peek(
        failures_bucket(username),
        limit=settings.QIWANG_LOGIN_FAILURES,
        period=settings.QIWANG_LOGIN_LOCKOUT_SECONDS,
    )


def count_failure(username: object) -> Verdict:
    return hit(
        failures_bucket(username),
        limit=settings.QIWANG_LOGIN_FAILURES,
        period=settings.QIWANG_LOGIN_LOCKOUT_SECONDS,
    )


def locked_message(retry_after: int) -> str:
    return _(
        "Too many failed log-ins for this username: it is locked for %(minutes)s more minutes."
    ) % {"minutes": max(1, -(-retry_after // 60))}


def begin_pending(request: HttpRequest, user: User, next_url: str) -> None:
    """Remember that ``user`` passed the password step; nobody is signed in yet."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "at": int(time.time()),
        "next": next_url,
    }


def pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user waiting for the second step and the stored state, or ``None`` (none or too old)."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None:
        return None
    return user, data


def end_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
