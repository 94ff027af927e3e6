"""What surrounds a customer: contact persons, tags, referrals, value by month, and the history
of tier and lifecycle changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.customers.choices import Lifecycle, Tier, TierChangeSource, TierChangeStatus
from qiwang.customers.querysets import CustomerChildQuerySet, ReferralQuerySet

__all__ = [
    "Contact",
    "CustomerTag",
    "LifecycleChange",
    "MonthlySales",
    "Referral",
    "TierChange",
]


class CustomerTag(models.Model):
    """A free label on customers (标签), e.g. "开发商" or "老小区"."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A contact person at a customer (联系人). Phone, WeChat and e-mail are personal data."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="contacts",
        on_delete=models.CASCADE,
    )
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("role or title"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CustomerChildQuerySet.as_manager()

    PERSONAL_FIELDS = ("phone", "wechat", "email")

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["-is_primary", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    """Who referred whom (转介绍), and the thanks / follow-up owed to the referrer."""

    referrer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("referrer"),
        related_name="referrals_made",
        on_delete=models.CASCADE,
    )
    referred = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("referred customer"),
        related_name="referrals_received",
        on_delete=models.CASCADE,
    )
    referred_on = models.DateField(_("referred on"))
    follow_up_due = models.DateField(_("follow-up due"))
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    follow_up_note = models.CharField(_("follow-up note"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["referrer", "referred"], name="referral_once"),
            models.CheckConstraint(
                condition=~models.Q(referrer=models.F("referred")), name="referral_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referrer} → {self.referred}"

    @property
    def is_followed_up(self) -> bool:
        return self.follow_up_done_at is not None


class TierChange(models.Model):
    """One tier decision (等级变更): a rule's suggestion awaiting a manager, or a confirmed change.

    Confirmed rows are the customer's tier history; rejected suggestions stay for the record.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="tier_changes",
        on_delete=models.CASCADE,
    )
    old_tier = models.CharField(_("old tier"), max_length=20, choices=Tier.choices)
    new_tier = models.CharField(_("new tier"), max_length=20, choices=Tier.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=TierChangeStatus.choices, db_index=True
    )
    source = models.CharField(
        _("source"), max_length=20, choices=TierChangeSource.choices, default=TierChangeSource.RULE
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    basis = models.JSONField(_("value figures"), default=dict, blank=True)
    suggested_at = models.DateTimeField(_("suggested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-suggested_at", "-pk"]
        constraints = [
            # At most one pending suggestion per customer: re-running the rule adds none.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="suggested"),
                name="tier_change_one_pending",
            )
        ]
        indexes = [models.Index(fields=["decided_at"])]

    def __str__(self) -> str:
        return f"{self.customer}: {self.old_tier} → {self.new_tier}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (``customers.texts.tier_change_reason``)."""
        from qiwang.customers.texts import tier_change_reason

        return tier_change_reason(self.source, self.new_tier, self.basis or {}, self.reason)


class LifecycleChange(models.Model):
    """A customer moved between new / active / dormant / lost (rules in docs/customers.md).

    Written by the daily job that refreshes ``Customer.lifecycle``.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="lifecycle_changes",
        on_delete=models.CASCADE,
    )
    old_lifecycle = models.CharField(
        _("old lifecycle"), max_length=20, choices=Lifecycle.choices, blank=True
    )
    new_lifecycle = models.CharField(_("new lifecycle"), max_length=20, choices=Lifecycle.choices)
    changed_on = models.DateField(_("changed on"), db_index=True)

    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("lifecycle change")
        verbose_name_plural = _("lifecycle changes")
        ordering = ["-changed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "changed_on"], name="lifecycle_change_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.old_lifecycle} → {self.new_lifecycle}"


class MonthlySales(models.Model):
    """A customer's orders and revenue in one month: the value figures behind tier suggestions
    and the "sales rise" greeting."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="monthly_sales",
        on_delete=models.CASCADE,
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, default=0)

    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly sales")
        verbose_name_plural = _("monthly sales")
        ordering = ["customer", "month"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="monthly_sales_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.month:%Y-%m}"
