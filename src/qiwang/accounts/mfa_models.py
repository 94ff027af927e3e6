"""Multi-factor authentication: one TOTP authenticator per user and their recovery codes (ADR 0180).

The TOTP secret has to be readable to check a code, so it is stored as it is (like every
authenticator app stores it); recovery codes are stored only as SHA-256 digests and shown once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["MfaDevice", "RecoveryCode"]


class MfaDevice(models.Model):
    """A user's authenticator app (RFC 6238 TOTP, SHA-1, 6 digits, 30 s). Until ``confirmed_at``
    is set the user is still enrolling and the device does not guard the log-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="mfa_device",
        on_delete=models.CASCADE,
    )
    secret = models.CharField(_("secret"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # The 30-second step of the last accepted code: a code is accepted once (ASVS 2.8.4).
    last_step = models.BigIntegerField(_("last time step"), default=0)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A one-time recovery code, stored as the SHA-256 digest of its normalised text."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="recovery_codes",
        on_delete=models.CASCADE,
    )
    digest = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        indexes = [models.Index(fields=["user", "digest"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.digest[:8]}…)"
