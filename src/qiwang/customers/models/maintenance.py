"""Maintenance plans per tier, the contact tasks they generate, and the interactions that close them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.customers.choices import (
    Channel,
    Frequency,
    Industry,
    OccasionKind,
    TaskKind,
    TaskStatus,
    Tier,
)
from qiwang.customers.querysets import ContactTaskQuerySet, InteractionQuerySet

__all__ = ["ContactTask", "Interaction", "MaintenancePlan"]

#: Days in the monthly rotation: a general customer is due on day ``1 + id % 28``.
MONTH_ROTATION = 28


class MaintenancePlan(models.Model):
    """How often and about what an account manager contacts the customers of one tier in the
    branches of one industry profile (维护计划)."""

    industry = models.CharField(
        _("industry"), max_length=20, choices=Industry.choices, default=Industry.B2B_SUPPLIER
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("0 = Monday … 6 = Sunday.")
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE
    )
    topics = models.JSONField(_("topics"), default=list, blank=True)
    greeting_channel = models.CharField(
        _("greeting channel"),
        max_length=20,
        choices=Channel.choices,
        default=Channel.SMS,
        help_text=_("How this tier is greeted on holidays and other occasions."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["industry", "tier"], name="maintenance_plan_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_industry_display()} · {self.get_tier_display()}"

    @property
    def weekday_labels(self) -> list[str]:
        if self.frequency != Frequency.WEEKLY:
            return []
        names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday")]
        names += [_("Saturday"), _("Sunday")]
        return [str(names[day]) for day in self.weekdays if 0 <= day <= 6]

    @property
    def topic_labels(self) -> list[str]:
        """The plan's topics by name in the reader's language (one query; pages listing many
        plans use ``services.profiles.topic_names`` with one lookup for all)."""
        from qiwang.customers.models.profiles import ContactTopic

        names = {
            topic.code: topic.name
            for topic in ContactTopic.objects.filter(industry=self.industry, code__in=self.topics)
        }
        return [names.get(code, code) for code in self.topics]

    def is_due_on(self, day: datetime.date) -> bool:
        """Whether the plan contacts (some of) its customers on ``day``."""
        if not self.is_active:
            return False
        if self.frequency == Frequency.WEEKLY:
            return day.weekday() in self.weekdays
        return True  # daily: everyone; monthly: the customers whose rotation day it is

    def rotation_slot(self, day: datetime.date) -> int | None:
        """For monthly plans, the ``id % 28`` slot due on ``day`` (days 29–31 have none)."""
        if self.frequency != Frequency.MONTHLY:
            return None
        return day.day - 1 if day.day <= MONTH_ROTATION else -1


class ContactTask(models.Model):
    """One contact owed to one customer on one day (联系任务), assigned to the account manager."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="tasks",
        on_delete=models.CASCADE,
    )
    # Copied from the customer when generated: lets the day's list use one index.
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        related_name="contact_tasks",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    plan = models.ForeignKey(
        MaintenancePlan,
        verbose_name=_("maintenance plan"),
        related_name="tasks",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=TaskKind.choices, default=TaskKind.CONTACT
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    # What makes the task unique besides customer, kind and day: "" for plan contacts, e.g.
    # "festival:2026-09-25:中秋节", "allocation:12", "survey-response:7" for the others.
    key = models.CharField(_("key"), max_length=120, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    occasion = models.ForeignKey(
        "customers.Occasion",
        verbose_name=_("occasion"),
        related_name="tasks",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    greeting_kind = models.CharField(
        _("occasion"), max_length=20, choices=OccasionKind.choices, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # A generated reason: its code and parameters, rendered in the reader's language
    # (``customers.texts``); ``note`` keeps free text and the rows written before codes.
    note_code = models.CharField(_("reason code"), max_length=40, blank=True)
    note_params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    # Urgent: first in "My day" with a badge (a follow-up of a very bad survey answer).
    is_urgent = models.BooleanField(_("urgent"), default=False, db_default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("completed"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        related_name="escalated_tasks",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    objects = ContactTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact task")
        verbose_name_plural = _("contact tasks")
        ordering = ["due_date", "pk"]
        constraints = [
            # Generating the same day twice inserts nothing new (ON CONFLICT DO NOTHING).
            models.UniqueConstraint(
                fields=["customer", "kind", "due_date", "key"], name="contact_task_once"
            )
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.due_date}"

    @property
    def note_text(self) -> str:
        """Why the task exists, in the reader's language."""
        from qiwang.customers.texts import render_text

        return render_text(self.note_code, self.note_params, self.note)


class Interaction(models.Model):
    """Something that happened with a customer (互动记录): a call, a visit, a message."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="interactions",
        on_delete=models.CASCADE,
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    task = models.ForeignKey(
        ContactTask,
        verbose_name=_("contact task"),
        related_name="interactions",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("time"))
    topics = models.JSONField(_("topics covered"), default=list, blank=True)
    supply_on_time = models.BooleanField(_("supply on time"), null=True, blank=True)
    pass_rate = models.DecimalField(
        _("inspection pass rate (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # The measured topics' answers by topic code: true / false, or a number as a string.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    is_anomaly = models.BooleanField(_("anomaly"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["customer", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.occurred_at:%Y-%m-%d}"
