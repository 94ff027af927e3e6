"""Judged deliveries counted per service, branch and month, so the catalogue page and the
service page's chart read a few hundred rows instead of a year of deliveries (maintained by
``services/tallies.py`` after every write that stores or judges deliveries; docs/adr/0142)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.accounts.querysets import BranchScopedQuerySet
from qiwang.catalogue.models.service import Service


class DeliveryTally(models.Model):
    """``n`` judged deliveries of ``service`` to customers of ``branch`` in ``month`` (its first
    day, in the site's time zone), ``kept`` of them kept."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), related_name="+", on_delete=models.CASCADE
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.CASCADE
    )
    month = models.DateField(_("month"))
    n = models.PositiveIntegerField(_("deliveries judged"))
    kept = models.PositiveIntegerField(_("promises kept"))

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery tally")
        verbose_name_plural = _("delivery tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "month", "branch"], name="catalogue_deliverytally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} · {self.branch_id} · {self.month:%Y-%m} · {self.kept}/{self.n}"
