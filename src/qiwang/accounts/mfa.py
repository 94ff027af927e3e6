"""Multi-factor authentication with TOTP (RFC 6238) and recovery codes (ADR 0180).

- :func:`start_enrolment` gives the user a new secret (an unconfirmed :class:`MfaDevice`);
  :func:`provisioning_uri` / :func:`qr_svg` put it into an authenticator app.
- :func:`confirm_enrolment` checks one code from the app, switches the device on and returns ten
  recovery codes: shown once, stored only as SHA-256 digests.
- :func:`verify` is the second log-in step: a current code (each accepted once) or an unused
  recovery code.
- :func:`required_for` reads ``QIWANG_MFA_REQUIRED_ROLES``; :func:`admin_reset` is an
  administrator's way out for a user who lost the device. Every change is audited.

TOTP itself is pyotp's (SHA-1, 6 digits, 30-second steps: what every authenticator app reads).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import MfaDevice, RecoveryCode, User
from qiwang.accounts.services import record_event

__all__ = [
    "RECOVERY_CODE_COUNT",
    "MfaError",
    "Verified",
    "admin_reset",
    "code_at",
    "confirm_enrolment",
    "confirmed_device",
    "disable",
    "is_enabled",
    "provisioning_uri",
    "qr_svg",
    "recovery_codes_left",
    "regenerate_recovery_codes",
    "required_for",
    "start_enrolment",
    "verify",
]

RECOVERY_CODE_COUNT = 10
#: Codes of the step before and after the current one are accepted too (clock drift, ±30 s).
DRIFT_STEPS = 1
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed from paper


class MfaError(Exception):
    """A multi-factor operation was refused; the message says why (shown to the user)."""


@dataclass(frozen=True)
class Verified:
    """A second factor accepted: ``method`` is ``"totp"`` or ``"recovery"``."""

    method: str
    recovery_codes_left: int


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def code_at(secret: str, moment: float) -> str:
    """The 6-digit code of ``secret`` at Unix time ``moment`` (tests and the walk use it)."""
    return _totp(secret).at(int(moment))


def _normalise_code(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _digest(text: str) -> str:
    return hashlib.sha256(_normalise_code(text).encode()).hexdigest()


def confirmed_device(user: User) -> MfaDevice | None:
    return MfaDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def is_enabled(user: User) -> bool:
    return MfaDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def required_for(user: User) -> bool:
    """Whether ``QIWANG_MFA_REQUIRED_ROLES`` requires a second factor of this user (a superuser
    counts as an administrator)."""
    roles = set(settings.QIWANG_MFA_REQUIRED_ROLES)
    return user.role in roles or ("administrator" in roles and user.is_administrator)


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def start_enrolment(user: User) -> MfaDevice:
    """The user's unconfirmed device (a new random 160-bit secret the first time). A user whose
    device is already on must turn it off or be reset first."""
    device = MfaDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise MfaError(_("Two-factor authentication is already on for this account."))
    if device is None:
        device = MfaDevice.objects.create(user=user, secret=pyotp.random_base32(32))
    return device


def provisioning_uri(device: MfaDevice) -> str:
    """The ``otpauth://`` address that authenticator apps read from the QR code."""
    return _totp(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=settings.QIWANG_MFA_ISSUER
    )


def qr_svg(device: MfaDevice) -> bytes:
    """The provisioning address as an SVG QR code (segno, as for survey links)."""
    buffer = io.BytesIO()
    segno.make(provisioning_uri(device), error="m").save(buffer, kind="svg", scale=5, border=2)
    return buffer.getvalue()


def _accept_totp(device: MfaDevice, code: str, now: float) -> bool:
    """Check ``code`` against the steps around ``now``; a step at or before the last accepted one
    is refused (no replay). On success the step is stored, atomically against a parallel use."""
    digits = _normalise_code(code)
    if len(digits) != 6 or not digits.isdigit():
        return False
    totp = _totp(device.secret)
    current = totp.timecode(int(now))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step <= device.last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            updated = MfaDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
                last_step=step, last_used_at=timezone.now()
            )
            return updated == 1
    return False


def _issue_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _index in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _char in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(c)) for c in codes)
    return codes


@transaction.atomic
def confirm_enrolment(user: User, code: str, *, now: float | None = None) -> list[str]:
    """Switch the user's new device on with a code from the app; returns the recovery codes
    (shown once). A wrong code raises :class:`MfaError` and changes nothing."""
    device = MfaDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise MfaError(_("Start the set-up first: no authenticator is waiting for a code."))
    if device.confirmed_at is not None:
        raise MfaError(_("Two-factor authentication is already on for this account."))
    if not _accept_totp(device, code, time.time() if now is None else now):
        raise MfaError(_("That code is not right. Type the 6 digits your app shows now."))
    MfaDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    codes = _issue_recovery_codes(user)
    record_event(actor=user, action="mfa_enabled", obj=user)
    return codes


def verify(user: User, code: str, *, now: float | None = None) -> Verified | None:
    """The second log-in step: a current TOTP code, or an unused recovery code (used up now).
    ``None`` when neither matches or the user has no confirmed device."""
    device = confirmed_device(user)
    if device is None:
        return None
    if _accept_totp(device, code, time.time() if now is None else now):
        return Verified(method="totp", recovery_codes_left=recovery_codes_left(user))
    normalised = _normalise_code(code)
    if len(normalised) != 10:
        return None
    with transaction.atomic():
        used = RecoveryCode.objects.filter(
            user=user, digest=_digest(normalised), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used != 1:
            return None
        left = recovery_codes_left(user)
        record_event(actor=user, action="mfa_recovery_code_used", obj=user, changes={"left": left})
    return Verified(method="recovery", recovery_codes_left=left)


@transaction.atomic
def regenerate_recovery_codes(user: User, code: str, *, now: float | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    device = confirmed_device(user)
    if device is None:
        raise MfaError(_("Two-factor authentication is not on for this account."))
    if not _accept_totp(device, code, time.time() if now is None else now):
        raise MfaError(_("That code is not right. Type the 6 digits your app shows now."))
    codes = _issue_recovery_codes(user)
    record_event(actor=user, action="mfa_recovery_codes_renewed", obj=user)
    return codes


@transaction.atomic
def disable(user: User, code: str, *, now: float | None = None) -> None:
    """The user turns two-factor authentication off with a current code; refused when their role
    requires it."""
    if required_for(user):
        raise MfaError(_("Your role requires two-factor authentication; it cannot be turned off."))
    device = confirmed_device(user)
    if device is None:
        raise MfaError(_("Two-factor authentication is not on for this account."))
    if not _accept_totp(device, code, time.time() if now is None else now):
        raise MfaError(_("That code is not right. Type the 6 digits your app shows now."))
    MfaDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record_event(actor=user, action="mfa_disabled", obj=user)


@transaction.atomic
def admin_reset(user: User, *, actor: User) -> bool:
    """An administrator removes ``user``'s authenticator and recovery codes (a lost phone). The
    user sets up a new one at the next log-in if their role requires it. Returns whether there was
    anything to remove; audited either way."""
    if not actor.is_administrator:
        raise MfaError(_("Only administrators may reset two-factor authentication."))
    removed, _counts = MfaDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record_event(actor=actor, action="mfa_reset", obj=user, changes={"had_device": bool(removed)})
    return bool(removed)
