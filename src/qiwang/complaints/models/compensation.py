"""Compensation: the menu, the value each role may give, and every compensation given."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.choices import Role
from qiwang.accounts.models import Branch
from qiwang.complaints.choices import CompensationKind, CompensationStatus
from qiwang.complaints.querysets import CompensationQuerySet
from qiwang.customers.models import Customer


class CompensationOption(models.Model):
    """One item of the compensation menu (a free cleaning, a gift box, 10 % off one month …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    kind = models.CharField(_("kind"), max_length=14, choices=CompensationKind.choices)
    default_value = models.DecimalField(
        _("usual value (yuan)"), max_digits=9, decimal_places=2, default=0
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("compensation option")
        verbose_name_plural = _("compensation options")
        ordering = ["kind", "default_value"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class RoleLimit(models.Model):
    """The largest compensation a role may give on its own; above it an approver decides."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    max_value = models.DecimalField(_("limit (yuan)"), max_digits=9, decimal_places=2)

    class Meta:
        verbose_name = _("compensation limit")
        verbose_name_plural = _("compensation limits")
        ordering = ["max_value"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ≤ {self.max_value}"


class Compensation(models.Model):
    """A compensation for one complaint, or for every reporter of an incident (group)."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        related_name="compensations",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    incident = models.ForeignKey(
        "complaints.Incident",
        verbose_name=_("incident"),
        related_name="compensations",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    option = models.ForeignKey(
        CompensationOption,
        verbose_name=_("compensation"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    value = models.DecimalField(_("value (yuan)"), max_digits=9, decimal_places=2)
    recipients = models.PositiveIntegerField(_("recipients"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=CompensationStatus.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    affected_only = models.BooleanField(
        _("told only to those affected"),
        default=True,
        help_text=_(
            "Group compensation is not announced to customers who were not affected, "
            "so that it does not become an expected entitlement."
        ),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    proposed_at = models.DateTimeField(_("proposed"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = CompensationQuerySet.as_manager()

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        ordering = ["-proposed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.option} {self.value}"

    @property
    def total_value(self):  # type: ignore[no-untyped-def]
        return self.value * self.recipients
