"""Season figures folded per branch, week and category, so the *SLA and outcomes* page reads a
few thousand rows instead of a season's million complaints (rebuilt by the
``complaints.tallies`` job; see ``services/tallies.py``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.complaints.querysets import TallyQuerySet

#: The additive counts a tally row holds (sums over its complaints).
COUNTS = (
    "total",
    "first_met",
    "first_breached",
    "resolved_on_time",
    "resolved_late",
    "calendar_problems",
    "recovered",
    "lost",
    "second",
    "after_sum",
    "after_n",
    "after_second_sum",
    "after_second_n",
    "n_on_time",
    "recovered_on_time",
    "lost_on_time",
    "n_late",
    "recovered_late",
    "lost_late",
    "n_not_resolved",
    "recovered_not_resolved",
    "lost_not_resolved",
)


class ComplaintTally(models.Model):
    """Counts of one branch's complaints of one week, category, workflow and reason."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.CASCADE
    )
    week = models.DateField(_("week"))
    category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("category"),
        related_name="+",
        on_delete=models.CASCADE,
    )
    dimension = models.CharField(_("SERVQUAL dimension"), max_length=20)
    workflow = models.CharField(_("workflow"), max_length=12)
    return_reason = models.CharField(_("reason for leaving"), max_length=20, blank=True)
    built_at = models.DateTimeField(_("built"))
    # the additive counts (COUNTS)
    total = models.PositiveIntegerField(default=0)
    first_met = models.PositiveIntegerField(default=0)
    first_breached = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    resolved_late = models.PositiveIntegerField(default=0)
    calendar_problems = models.PositiveIntegerField(default=0)
    recovered = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    second = models.PositiveIntegerField(default=0)
    after_sum = models.PositiveIntegerField(default=0)
    after_n = models.PositiveIntegerField(default=0)
    after_second_sum = models.PositiveIntegerField(default=0)
    after_second_n = models.PositiveIntegerField(default=0)
    n_on_time = models.PositiveIntegerField(default=0)
    recovered_on_time = models.PositiveIntegerField(default=0)
    lost_on_time = models.PositiveIntegerField(default=0)
    n_late = models.PositiveIntegerField(default=0)
    recovered_late = models.PositiveIntegerField(default=0)
    lost_late = models.PositiveIntegerField(default=0)
    n_not_resolved = models.PositiveIntegerField(default=0)
    recovered_not_resolved = models.PositiveIntegerField(default=0)
    lost_not_resolved = models.PositiveIntegerField(default=0)

    objects = TallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint tally")
        verbose_name_plural = _("complaint tallies")
        indexes = [models.Index(fields=["branch", "week"])]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.week} {self.category_id}: {self.total}"


class ParadoxTally(models.Model):
    """One branch's survey satisfaction (1–5) for the recovery paradox check: its recovered
    customers before their complaint, and its customers who never complained."""

    branch = models.OneToOneField(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.CASCADE
    )
    before_sum = models.FloatField(_("before: sum"), default=0)
    before_n = models.PositiveIntegerField(_("before: answers"), default=0)
    never_sum = models.FloatField(_("never complained: sum"), default=0)
    never_n = models.PositiveIntegerField(_("never complained: answers"), default=0)
    built_at = models.DateTimeField(_("built"))

    objects = TallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("recovery paradox tally")
        verbose_name_plural = _("recovery paradox tallies")

    def __str__(self) -> str:
        return f"{self.branch_id}: {self.before_n} / {self.never_n}"
