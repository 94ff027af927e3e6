"""Shortage allocations (缺货分配): who got how much of a scarce supply, and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.customers.choices import Tier
from qiwang.customers.querysets import AllocationQuerySet

__all__ = ["Allocation", "AllocationLine"]


class Allocation(models.Model):
    """One decision: ``available`` units of a product shared among customers' requests."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    product = models.CharField(_("product"), max_length=120)
    available = models.PositiveIntegerField(_("available quantity"))
    is_cash_tight = models.BooleanField(_("cash flow tight"), default=False)
    explanation = models.TextField(_("explanation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("shortage allocation")
        verbose_name_plural = _("shortage allocations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.product} ({self.available})"


class AllocationLine(models.Model):
    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), related_name="lines", on_delete=models.CASCADE
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="allocation_lines",
        on_delete=models.PROTECT,
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    requested = models.PositiveIntegerField(_("requested"))
    allocated = models.PositiveIntegerField(_("allocated"))

    class Meta:
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "customer"], name="allocation_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.allocated}/{self.requested}"

    @property
    def shortfall(self) -> int:
        return self.requested - self.allocated
