"""What managers set up: SLA targets, business hours, coaching rules, reply templates; and the
notification outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.complaints.choices import Severity, Step
from qiwang.customers.choices import Tier


class SlaTarget(models.Model):
    """First-response and resolution targets (business hours) by customer tier and severity.

    ``tier`` empty: the target for customers without a known tier (public page, anonymous)."""

    tier = models.CharField(_("customer tier"), max_length=20, choices=Tier.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    first_response_hours = models.DecimalField(
        _("first response (business hours)"), max_digits=6, decimal_places=2
    )
    resolution_hours = models.DecimalField(
        _("resolution (business hours)"), max_digits=6, decimal_places=2
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["tier", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "severity"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tier or '-'} / {self.severity}"


class BranchSetup(models.Model):
    """A branch's complaint desk: when it works on a working day (gaps are breaks), and the
    indoor heating standard of its region."""

    branch = models.OneToOneField(
        Branch, verbose_name=_("branch"), related_name="complaint_hours", on_delete=models.CASCADE
    )
    hours = models.CharField(
        _("business hours"),
        max_length=80,
        default="09:00-18:00",
        help_text=_("For example 08:30-12:00,13:30-17:30; 24/7 for a round-the-clock desk."),
    )
    time_zone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")
    heating_standard = models.DecimalField(
        _("indoor heating standard (°C)"),
        max_digits=4,
        decimal_places=1,
        default=18,
        help_text=_("The minimum room temperature the region's heating rules promise."),
    )

    class Meta:
        verbose_name = _("complaint desk setup")
        verbose_name_plural = _("complaint desk setups")

    def __str__(self) -> str:
        return f"{self.branch}: {self.hours}"


class CoachingRule(models.Model):
    """A phrase an organisation wants its agents not to say, with the better wording."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    phrase = models.CharField(
        _("phrase"),
        max_length=80,
        help_text=_("As the agent would type it; 你 also matches 您 and inserted adverbs."),
    )
    suggestion_zh = models.CharField(_("suggestion (Chinese)"), max_length=120)
    suggestion_en = models.CharField(_("suggestion (English)"), max_length=120, blank=True)
    why_zh = models.CharField(_("why (Chinese)"), max_length=200)
    why_en = models.CharField(_("why (English)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("coaching rule")
        verbose_name_plural = _("coaching rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.phrase


class ReplyTemplate(models.Model):
    """Wording an agent can start from, per step and optionally per category."""

    step = models.CharField(_("step"), max_length=12, choices=Step.choices)
    category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("category"),
        related_name="+",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    language = models.CharField(
        _("language"), max_length=8, choices=[("zh-hans", "中文"), ("en", "English")]
    )
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["step", "category_id", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Notification(models.Model):
    """An outbox row: written in the complaint's transaction, delivered by a background task
    with retries, so no complaint is lost when a channel fails."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        related_name="+",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        related_name="notifications",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    code = models.CharField(_("event"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.code} → {self.recipient_id or self.phone}"
