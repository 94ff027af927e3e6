"""Industry profiles as data: which business a branch is in, the contact topics (and the questions
and measurements they carry) of each profile, and the goods a profile allocates in shortages.

A profile is chosen per branch (the organisation is the root branch); a branch without one takes
its nearest ancestor's, and a tree without any takes :data:`DEFAULT_INDUSTRY` (the B2B supplier of
docs/customers.md, which every installation had before profiles existed). See ADR 0080.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.customers.choices import Industry, Measure

__all__ = ["DEFAULT_INDUSTRY", "AllocationGood", "BranchIndustry", "ContactTopic", "bilingual"]

#: The profile of a branch tree that chose none.
DEFAULT_INDUSTRY = Industry.B2B_SUPPLIER.value


def bilingual(chinese: str, english: str) -> str:
    """Data entered in both languages, shown in the reader's (falling back to the other)."""
    if (get_language() or "zh-hans").startswith("en"):
        return english or chinese
    return chinese or english


class BranchIndustry(models.Model):
    """The industry profile a branch (and the branches under it) works with."""

    branch = models.OneToOneField(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.CASCADE
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("branch industry")
        verbose_name_plural = _("branch industries")

    def __str__(self) -> str:
        return f"{self.branch} {self.get_industry_display()}"


class ContactTopic(models.Model):
    """Something an account manager of one industry asks about on a contact (联系话题).

    A topic may carry a measurement: a yes / no (an answer of "no" is an anomaly when
    ``alert_on_no``) or a number with a unit (an anomaly below ``alert_below`` or above
    ``alert_above``). Anomalies are escalated to the supervisor at once.
    """

    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("name (Chinese)"), max_length=80)
    label_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    question = models.CharField(_("question (Chinese)"), max_length=200, blank=True)
    question_en = models.CharField(_("question (English)"), max_length=200, blank=True)
    measure = models.CharField(
        _("what to record"), max_length=10, choices=Measure.choices, default=Measure.NONE
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(
        _("smallest value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("largest value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    alert_below = models.DecimalField(
        _("anomaly below"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    alert_above = models.DecimalField(
        _("anomaly above"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    alert_on_no = models.BooleanField(_("anomaly when the answer is no"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contact topic")
        verbose_name_plural = _("contact topics")
        ordering = ["industry", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["industry", "code"], name="contact_topic_once")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.label, self.label_en)

    @property
    def prompt(self) -> str:
        """The question to ask (the name when no question is written)."""
        return bilingual(self.question, self.question_en) or self.name

    @property
    def is_measured(self) -> bool:
        return self.measure != Measure.NONE


class AllocationGood(models.Model):
    """Something a profile hands out when there is not enough for everyone (offered, not
    enforced, on the allocation form)."""

    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("allocation good")
        verbose_name_plural = _("allocation goods")
        ordering = ["industry", "position", "pk"]

    def __str__(self) -> str:
        return bilingual(self.name, self.name_en)
