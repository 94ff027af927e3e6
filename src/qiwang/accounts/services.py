"""Writes on accounts: API tokens and audit events. Each public function is one transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import ApiToken, AuditEvent, User
from qiwang.accounts.permissions import branch_id_of

TOKEN_PREFIX = "qw_"  # noqa: S105 - a public prefix, not a secret


class TokenError(Exception):
    """An API token operation was refused; the message says why."""


@dataclass(frozen=True)
class IssuedToken:
    """A freshly created token: ``key`` is shown to the user once and never stored."""

    token: ApiToken
    key: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- audit events -------------------------------------------------------------------------------


def record_event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the audit log. Call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        branch_id=branch_id_of(obj),
        changes=changes or {},
    )


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed (values made JSON-safe)."""

    def safe(value: Any) -> Any:
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)

    return {
        name: [safe(before.get(name)), safe(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def record_password_change(user: User) -> None:
    """Note in the audit log that ``user`` changed their own password (never the password)."""
    record_event(actor=user, action="password_changed", obj=user)


#: Why a log-in failed, as stored in the audit log (rendered in the reader's language).
LOGIN_FAILURE_REASONS = ("bad_password", "locked", "mfa_failed")


def record_login_failure(*, username: str, client_ip: str, reason: str) -> AuditEvent:
    """Note a failed log-in: the username tried, the client address and why. Never the password
    or the code. The event belongs to no branch, so only administrators see it."""
    if reason not in LOGIN_FAILURE_REASONS:
        raise ValueError(f"unknown log-in failure reason {reason!r}")
    tried = str(username or "")[:150]
    user = User.objects.filter(username=tried).only("pk").first() if tried else None
    return AuditEvent.objects.create(
        actor=None,
        action="login_failed",
        object_type=User._meta.label_lower,
        object_id=str(user.pk) if user is not None else "",
        object_repr=tried,
        branch=None,
        changes={"username": tried, "client_ip": client_ip, "reason": reason},
    )


@transaction.atomic
def end_all_sessions(*, user: User, actor: User) -> int:
    """End every session of ``user`` by raising their session generation (ADR 0180): each
    session's stored hash stops matching and Django signs it out at its next request. The caller
    re-signs its own session with ``update_session_auth_hash`` to keep it. Audited."""
    User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    record_event(
        actor=actor,
        action="sessions_ended",
        obj=user,
        changes={"by_administrator": actor.pk != user.pk},
    )
    return user.session_epoch


# --- API tokens ---------------------------------------------------------------------------------


class TokenNotAllowed(TokenError):
    """The request may not create a token at all (a token without the grant): a 403."""


def _expiry(expires_at: datetime | None, parent: ApiToken | None) -> datetime:
    """The new token's expiry: the default lifetime unless chosen, in the future, within the
    longest lifetime allowed, and never after the token that creates it."""
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(days=settings.QIWANG_API_TOKEN_DAYS)
        if parent is not None and parent.expires_at is not None:
            expires_at = min(expires_at, parent.expires_at)
        return expires_at
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    if expires_at <= now:
        raise TokenError("expires_at: " + _("the expiry must lie in the future."))
    longest = settings.QIWANG_API_TOKEN_MAX_DAYS
    if longest and expires_at > now + timedelta(days=longest):
        raise TokenError(
            "expires_at: " + _("a token may live at most %(days)d days.") % {"days": longest}
        )
    if parent is not None and parent.expires_at is not None and expires_at > parent.expires_at:
        raise TokenError("expires_at: " + _("a token may not outlive the token that creates it."))
    return expires_at


@transaction.atomic
def create_api_token(
    *,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    can_create_tokens: bool = False,
    via_token: ApiToken | None = None,
) -> IssuedToken:
    """Create a token for ``user``. The plain key is returned once; only its digest is stored.

    ``via_token`` is the token the request was authenticated with (``None`` for a signed-in
    session): a token creates tokens only when it was granted ``can_create_tokens``. Every token
    expires: after ``QIWANG_API_TOKEN_DAYS`` unless ``expires_at`` says otherwise.
    """
    if via_token is not None and not via_token.can_create_tokens:
        raise TokenNotAllowed(
            "token: "
            + _(
                "this API token may not create tokens; create one on the API tokens page or "
                "with a token that was granted that right."
            )
        )
    name = name.strip()
    if not name:
        raise TokenError("name: a token needs a name.")
    if user.api_tokens.active().filter(name=name).exists():
        raise TokenError(f"name: you already have an active token called {name!r}.")
    expires_at = _expiry(expires_at, via_token)
    secret = secrets.token_urlsafe(32)
    prefix = secret[:8]
    key = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=_digest(key),
        expires_at=expires_at,
        can_create_tokens=can_create_tokens,
    )
    record_event(
        actor=user,
        action="api_token_created",
        obj=token,
        changes={
            "name": name,
            "expires_at": expires_at.isoformat(),
            "can_create_tokens": can_create_tokens,
            "via_token": via_token.prefix if via_token is not None else None,
        },
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token (its owner or an administrator). Revoking twice is an error."""
    if token.user_id != actor.pk and not actor.is_administrator:
        raise TokenError("token: you may revoke only your own tokens.")
    if token.revoked_at is not None:
        raise TokenError("token: this token is already revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(actor=actor, action="api_token_revoked", obj=token)
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The active, unexpired token with this key whose user is active, or ``None``."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.active().select_related("user").filter(digest=_digest(key)).first()
    now = timezone.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # Record use at most once a minute, so reads do not turn into a write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(key: str) -> User | None:
    """The active user owning an active, unexpired token, or ``None``."""
    token = token_for_key(key)
    return token.user if token is not None else None
