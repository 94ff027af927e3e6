"""Branches, users with roles, API tokens and the audit log."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.choices import BranchKind, Role
from qiwang.accounts.querysets import ApiTokenQuerySet, AuditEventQuerySet, BranchQuerySet

__all__ = ["ApiToken", "AuditEvent", "Branch", "User"]


class Branch(models.Model):
    """The unit that scopes data (分公司 / 项目 / 小区). Branches form a tree."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=BranchKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent branch"),
        related_name="children",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = BranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff member. The role decides what they may do, the branches where."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ANALYST)
    branches = models.ManyToManyField(
        Branch,
        verbose_name=_("branches"),
        related_name="members",
        blank=True,
        help_text=_("The user sees and changes data of these branches and their sub-branches."),
    )
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # The member's account in the organisation's WeCom (企业微信): urgent follow-up alerts go to
    # it as application messages when QIWANG_FOLLOW_UP_ALERTS has "wecom" (docs/messaging.md).
    wecom_userid = models.CharField(
        _("WeCom userid"),
        max_length=64,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_.@-]{1,64}$",
                _("A WeCom userid has letters, digits and _ . @ - only (账号 in the WeCom admin)."),
            )
        ],
        help_text=_("The member's account (账号) in WeCom; urgent follow-up alerts go to it."),
    )
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("supervisor"),
        related_name="reports",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    # Raised by "sign out everywhere": every session signed with an older value ends (ADR 0180).
    session_epoch = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def _qiwang_session_hash(self, secret: str | None) -> str:
        # Django's session hash (an HMAC of the password hash), plus the session generation once
        # it has been raised, so that ending every session does not need the password to change.
        value = self.password if not self.session_epoch else f"{self.password}#{self.session_epoch}"
        salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._qiwang_session_hash(None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._qiwang_session_hash(fallback_secret)

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    def visible_branch_ids(self) -> frozenset[int] | None:
        """Ids of the branches whose data this user may see; ``None`` means every branch."""
        if self.is_administrator:
            return None
        cached: frozenset[int] | None = getattr(self, "_visible_branch_ids", None)
        if cached is None:
            own = list(self.branches.values_list("pk", flat=True))
            cached = frozenset(Branch.objects.with_descendants(own))
            self._visible_branch_ids = cached
        return cached

    def can_see_branch(self, branch_id: int | None) -> bool:
        visible = self.visible_branch_ids()
        return visible is None or branch_id in visible


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="api_tokens",
        on_delete=models.CASCADE,
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    can_create_tokens = models.BooleanField(
        _("may create tokens"),
        default=False,
        help_text=_("Requests made with this token may create further API tokens."),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def expires_soon(self) -> bool:
        """Active, not yet expired, and expiring within ``QIWANG_API_TOKEN_WARN_DAYS`` days."""
        from datetime import timedelta

        from django.utils import timezone

        if self.revoked_at is not None or self.expires_at is None:
            return False
        now = timezone.now()
        warn = timedelta(days=settings.QIWANG_API_TOKEN_WARN_DAYS)
        return now < self.expires_at <= now + warn


class AuditEvent(models.Model):
    """One row per change: who did what to which object, and what changed."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    object_repr = models.CharField(_("object"), max_length=200)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"


# The working-day calendar lives in its own module; importing it here registers its models.
from qiwang.accounts.calendar_models import CalendarDay, CalendarYear  # noqa: E402

__all__ += ["CalendarDay", "CalendarYear"]

# The rate-limit counters (ADR 0012) live in their own module too.
from qiwang.accounts.limit_models import RateCounter  # noqa: E402

__all__ += ["RateCounter"]

# Multi-factor authentication (ADR 0180).
from qiwang.accounts.mfa_models import MfaDevice, RecoveryCode  # noqa: E402

__all__ += ["MfaDevice", "RecoveryCode"]
