"""Writes on accounts: API tokens and audit events. Each public function is one transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

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


# --- API tokens ---------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, user: User, name: str, expires_at: datetime | None = None) -> IssuedToken:
    """Create a token for ``user``. The plain key is returned once; only its digest is stored."""
    name = name.strip()
    if not name:
        raise TokenError("name: a token needs a name.")
    if user.api_tokens.active().filter(name=name).exists():
        raise TokenError(f"name: you already have an active token called {name!r}.")
    secret = secrets.token_urlsafe(32)
    prefix = secret[:8]
    key = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=_digest(key), expires_at=expires_at
    )
    record_event(actor=user, action="api_token_created", obj=token, changes={"name": name})
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


def user_for_token(key: str) -> User | None:
    """The active user owning an active, unexpired token, or ``None``."""
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
    return token.user
