"""Complaints, the incidents that group them, every move of their handling, their photos."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.complaints.choices import (
    Channel,
    Dimension,
    Emotion,
    FailureKind,
    MoveKind,
    Outcome,
    ReturnReason,
    Severity,
    Status,
    Step,
    Workflow,
)
from qiwang.complaints.querysets import ComplaintQuerySet, IncidentQuerySet, MoveQuerySet
from qiwang.customers.models import Customer


class Category(models.Model):
    """What a complaint is about (heating, repairs, cleanliness …), editable by managers.

    ``round_the_clock`` categories (a heating outage, a burst pipe) count their SLA 24/7;
    ``dimension`` and ``failure_kind`` are the defaults a new complaint of the category takes.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    dimension = models.CharField(_("SERVQUAL dimension"), max_length=20, choices=Dimension.choices)
    failure_kind = models.CharField(
        _("kind of failure"), max_length=20, choices=FailureKind.choices
    )
    round_the_clock = models.BooleanField(
        _("24/7"), default=False, help_text=_("The SLA clock runs at night and on holidays.")
    )
    is_heating = models.BooleanField(
        _("heating temperature"),
        default=False,
        help_text=_("Complaints record the measured room temperature."),
    )

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Incident(models.Model):
    """One event reported by many (a whole building without heat): handled once, answered to
    every reporter."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=120)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), related_name="+", on_delete=models.PROTECT
    )
    started_at = models.DateTimeField(_("started"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    answer = models.TextField(_("answer to every reporter"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.title


class Complaint(models.Model):
    """A customer saying an expectation was not met (投诉)."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="complaints", on_delete=models.PROTECT
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        related_name="complaints",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    reporter_name = models.CharField(_("reporter"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), related_name="complaints", on_delete=models.PROTECT
    )
    dimension = models.CharField(_("SERVQUAL dimension"), max_length=20, choices=Dimension.choices)
    failure_kind = models.CharField(
        _("kind of failure"), max_length=20, choices=FailureKind.choices
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    workflow = models.CharField(
        _("workflow"), max_length=12, choices=Workflow.choices, default=Workflow.COMPLAINT
    )
    description = models.TextField(_("what happened"))
    emotion = models.CharField(
        _("emotion"), max_length=8, choices=Emotion.choices, default=Emotion.CALM
    )
    emotion_signals = models.JSONField(_("emotion signals"), default=list, blank=True)
    repeated_contacts = models.PositiveSmallIntegerField(_("earlier contacts"), default=0)
    is_second_failure = models.BooleanField(
        _("second failure"),
        default=False,
        help_text=_("The same customer complained within the window before: a double deviation."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=0, help_text=_("Higher first: severity, then an angry customer.")
    )
    step = models.CharField(_("step"), max_length=12, choices=Step.choices, default=Step.LISTEN)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        related_name="complaints",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        related_name="reports",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    measured_temperature = models.DecimalField(
        _("measured room temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
    )
    return_reason = models.CharField(
        _("reason for leaving"), max_length=20, choices=ReturnReason.choices, blank=True
    )
    submission_key = models.CharField(
        _("submission key"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Protects against the same submission stored twice."),
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # SLA (business time on the working-day calendar; see services/sla.py)
    first_response_hours = models.DecimalField(
        _("first-response target (h)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    resolution_hours = models.DecimalField(
        _("resolution target (h)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    sla_problem = models.CharField(_("SLA problem"), max_length=120, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused business seconds"), default=0)
    first_response_breached_at = models.DateTimeField(
        _("first response breached"), null=True, blank=True
    )
    resolution_breached_at = models.DateTimeField(_("resolution breached"), null=True, blank=True)
    warned_at = models.DateTimeField(_("supervisor warned"), null=True, blank=True)
    # follow-up and outcome
    follow_up_score = models.PositiveSmallIntegerField(
        _("satisfaction after recovery (1–5)"), null=True, blank=True
    )
    #: Who entered the follow-up answer: the customer from the link, or staff on the customer's
    #: behalf (taken by phone). The customer's own answer replaces a staff entry, never the
    #: reverse.
    follow_up_by = models.CharField(
        _("follow-up answer entered by"),
        max_length=8,
        blank=True,
        default="",
        choices=[("customer", _("the customer")), ("staff", _("staff on the customer's behalf"))],
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.UNKNOWN
    )
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["branch", "status", "-priority"]),
            models.Index(fields=["status", "first_response_due"]),
            models.Index(fields=["customer", "received_at"]),
            # The open queue (a few thousand rows among a season's million): its counts and
            # overdue checks read this partial index only (the columns are INCLUDEd on
            # PostgreSQL; SQLite keeps the plain partial index).
            models.Index(
                fields=["branch", "emotion"],
                include=[
                    "priority",
                    "resolution_due",
                    "first_response_due",
                    "first_response_at",
                    "paused_since",
                    "assigned_to",
                ],
                condition=models.Q(status__in=["open", "waiting"]),
                name="complaint_open_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.description[:30]}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.OPEN, Status.WAITING)


class Move(models.Model):
    """One row per move in a complaint's handling: who, what, when, and why for a skip.

    ``code`` and ``params`` describe generated text (rendered in the reader's language);
    ``text`` is what a person wrote (a note, a reply)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), related_name="moves", on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=14, choices=MoveKind.choices)
    from_step = models.CharField(_("from step"), max_length=12, choices=Step.choices, blank=True)
    to_step = models.CharField(_("to step"), max_length=12, choices=Step.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    code = models.CharField(_("code"), max_length=60, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    at = models.DateTimeField(_("time"), db_index=True)

    objects = MoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint move")
        verbose_name_plural = _("complaint moves")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A photo sent with a complaint: checked by content, stored outside the web root and served
    only to users who may see the complaint."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        related_name="attachments",
        on_delete=models.CASCADE,
    )
    stored_name = models.CharField(_("stored file"), max_length=80, unique=True)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id}/{self.stored_name}"
