"""Greetings: the occasions that call for one, message templates per tier and channel, and the
messages actually sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.customers.choices import (
    Channel,
    Industry,
    MessageStatus,
    OccasionKind,
    ReceiptStatus,
    Tier,
)
from qiwang.customers.querysets import CustomerChildQuerySet

__all__ = ["MessageTemplate", "Occasion", "OutboundMessage"]


class Occasion(models.Model):
    """A dated event for greetings: a public holiday or festival of the year's table (company-wide,
    ``branch`` empty), a product launch, or a customer's sales rise (``customer`` set)."""

    kind = models.CharField(_("kind"), max_length=20, choices=OccasionKind.choices)
    date = models.DateField(_("date"), db_index=True)
    name = models.CharField(_("name"), max_length=80)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        related_name="+",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: every branch."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="occasions",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    tiers = models.JSONField(
        _("tiers"), default=list, blank=True, help_text=_("Empty: every tier.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("occasion")
        verbose_name_plural = _("occasions")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "date", "name"],
                condition=models.Q(customer__isnull=True, branch__isnull=True),
                name="occasion_once_company_wide",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the holiday table's names are translated)."""
        from qiwang.customers.texts import occasion_name

        return occasion_name(self.name)

    @property
    def tier_labels(self) -> list[str]:
        return [str(Tier(tier).label) for tier in self.tiers if tier in Tier.values]


class MessageTemplate(models.Model):
    """The text of a greeting for one tier, channel and kind of occasion.

    Placeholders: ``{customer}``, ``{occasion}``, ``{manager}``, ``{company}``. ``body`` is the
    Chinese text (the default language); ``body_en`` the text for customers who chose English.
    """

    industry = models.CharField(
        _("industry"), max_length=20, choices=Industry.choices, default=Industry.B2B_SUPPLIER
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    occasion_kind = models.CharField(_("occasion"), max_length=20, choices=OccasionKind.choices)
    subject = models.CharField(_("subject"), max_length=120, blank=True)
    body = models.TextField(_("text"))
    # The same message for customers who read English; empty: they get the Chinese text.
    subject_en = models.CharField(_("subject (English)"), max_length=120, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["occasion_kind", "tier", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["industry", "tier", "channel", "occasion_kind"],
                name="message_template_once_per_industry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occasion_kind} {self.tier} {self.channel}"

    def text_for(self, language: str) -> tuple[str, str]:
        """(subject, body) in ``language``, falling back to the default language's text."""
        if language == "en" and self.body_en.strip():
            return self.subject_en or self.subject, self.body_en
        return self.subject, self.body


class OutboundMessage(models.Model):
    """An e-mail or SMS sent to a customer (the recipient is personal data)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="messages",
        on_delete=models.CASCADE,
    )
    task = models.ForeignKey(
        "customers.ContactTask",
        verbose_name=_("task"),
        related_name="messages",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=20, choices=MessageStatus.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    sent_at = models.DateTimeField(_("sent"))
    # The SMS provider's id and what its delivery receipt said (surveys.receipts applies them).
    provider_message_id = models.CharField(
        _("provider message id"), max_length=100, blank=True, db_index=True
    )
    delivery_status = models.CharField(
        _("delivery"), max_length=20, choices=ReceiptStatus.choices, blank=True
    )
    delivered_at = models.DateTimeField(_("delivery reported"), null=True, blank=True)
    delivery_error = models.CharField(_("delivery error"), max_length=200, blank=True)

    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel} {self.sent_at:%Y-%m-%d}"
