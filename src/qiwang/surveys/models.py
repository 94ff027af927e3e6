"""Surveys (问卷调查): instruments in frozen versions, waves, invitations, responses, answers.

A wave points at one :class:`InstrumentVersion`; versions never change once created (editing an
instrument makes a new version), so a sent wave never changes under its respondents.
See docs/surveys.md and docs/adr/0007-survey-tokens-and-idempotency.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.accounts.querysets import BranchScopedQuerySet
from qiwang.customers.models import Customer
from qiwang.surveys.choices import (
    DeliveryStatus,
    FollowUpRule,
    InvitationChannel,
    InvitationStatus,
    QuestionKind,
    ResponseStatus,
    WaveStatus,
)
from qiwang.surveys.querysets import (
    InstrumentQuerySet,
    InvitationQuerySet,
    ResponseQuerySet,
    WaveQuerySet,
)
from qiwang.surveys.sending_fields import SendQueueFields

__all__ = [
    "Answer",
    "AnswerTally",
    "ChoiceTally",
    "CrossTally",
    "Instrument",
    "InstrumentVersion",
    "Invitation",
    "Question",
    "RespondentTally",
    "Response",
    "SavedImportMapping",
    "Wave",
]


class Instrument(models.Model):
    """A questionnaire (问卷) owned by a branch; its content lives in versions."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    template = models.CharField(_("template"), max_length=30, blank=True)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="instruments", on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey instrument")
        verbose_name_plural = _("survey instruments")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> InstrumentVersion | None:
        return self.versions.order_by("-number").first()


class InstrumentVersion(models.Model):
    """One frozen state of an instrument's questions. Never edited after creation."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), related_name="versions", on_delete=models.CASCADE
    )
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        ordering = ["instrument", "number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="survey_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.number}"


class Question(models.Model):
    """One question of a version. ``attribute`` is the analysis key (Kano attribute, SERVQUAL
    item code, satisfaction question name); answers are grouped by it across versions and waves."""

    version = models.ForeignKey(
        InstrumentVersion,
        verbose_name=_("instrument version"),
        related_name="questions",
        on_delete=models.CASCADE,
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    attribute = models.SlugField(_("attribute key"), max_length=60)
    dimension = models.CharField(_("dimension or indicator group"), max_length=40, blank=True)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    options = models.JSONField(
        _("options"), default=list, blank=True, help_text=_("Choices: [[value, 中文, English], …]")
    )
    is_required = models.BooleanField(_("required"), default=True)
    asks_importance = models.BooleanField(_("asks self-stated importance"), default=False)
    max_length = models.PositiveIntegerField(_("longest answer (characters)"), default=2000)
    # Display logic (surveys.logic): {"question": earlier attribute key, "values": ["1", "2"]}
    # shows this question only when that earlier answer is one of the values; {"match": "all" or
    # "any", "conditions": [...]} combines several; {} always shows it.
    show_if = models.JSONField(_("shown only if"), default=dict, blank=True)
    # Designed for the service catalogue (issue 'catalogue'): when that app exists this column
    # becomes ForeignKey("catalogue.Service", null=True) with the same column name, no data move.
    catalogue_service_id = models.PositiveBigIntegerField(
        _("catalogue service"), null=True, blank=True, db_index=True
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "attribute"], name="survey_question_attribute_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        if translation.get_language() == "en" and self.text_en:
            return self.text_en
        return self.text_zh

    @property
    def condition(self) -> Any:
        """The display condition (:class:`qiwang.surveys.logic.Condition`) or ``None``."""
        from qiwang.surveys.logic import parse_show_if

        return parse_show_if(self.show_if)

    def option_labels(self) -> list[tuple[str, str]]:
        english = translation.get_language() == "en"
        return [(str(o[0]), str(o[2] if english and len(o) > 2 else o[1])) for o in self.options]


class Wave(models.Model):
    """An instrument version sent to a sample of customers between two dates."""

    name = models.CharField(_("name"), max_length=120)
    version = models.ForeignKey(
        InstrumentVersion,
        verbose_name=_("instrument version"),
        related_name="waves",
        on_delete=models.PROTECT,
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="survey_waves", on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=20, choices=WaveStatus.choices, default=WaveStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # The sample: customers of ``branch`` and the branches below it, optionally only some tiers
    # and customers with one of some tags,
    # then a reproducible random sample of ``sample_size`` drawn with ``sample_seed``.
    sample_tiers = models.JSONField(_("tiers"), default=list, blank=True)
    sample_tags = models.JSONField(_("tags"), default=list, blank=True)
    sample_size = models.PositiveIntegerField(_("random sample size"), null=True, blank=True)
    sample_seed = models.PositiveIntegerField(_("random seed"), default=1)
    contact_gap_days = models.PositiveIntegerField(
        _("minimum days between surveys of one customer"), default=30
    )
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=InvitationChannel.choices,
        default=InvitationChannel.EMAIL,
    )
    allows_open_link = models.BooleanField(_("anonymous open link (QR code)"), default=False)
    # Closing the loop (docs/surveys.md): a rule that turns a bad answer into a follow-up.
    follow_up_rule = models.CharField(
        _("follow-up rule"), max_length=20, choices=FollowUpRule.choices, blank=True, default=""
    )
    follow_up_threshold = models.PositiveSmallIntegerField(
        _("follow up ratings at or below"), default=2
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The site address the links start with, as seen by whoever clicked "send" (the worker
    # builds each link when it sends, the token only ever exists in its memory).
    link_base_url = models.CharField(_("link address"), max_length=200, blank=True)

    objects = WaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")
        ordering = ["-opens_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def accepts_answers(self, now=None) -> bool:  # type: ignore[no-untyped-def]
        now = now or timezone.now()
        return self.status == WaveStatus.OPEN and self.opens_at <= now < self.closes_at


class Invitation(SendQueueFields):
    """One respondent's link. Only the SHA-256 digest of the token is stored (ADR 0007); the
    send queue's columns are in :mod:`qiwang.surveys.sending_fields`."""

    wave = models.ForeignKey(
        Wave, verbose_name=_("wave"), related_name="invitations", on_delete=models.CASCADE
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), related_name="invitations", on_delete=models.CASCADE
    )
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), on_delete=models.PROTECT)
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=InvitationChannel.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    opted_out_at = models.DateTimeField(_("opted out"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders"), default=0)
    # The SMS provider's id of the last message sent and what its delivery receipt said.
    provider_message_id = models.CharField(
        _("provider message id"), max_length=100, blank=True, db_index=True
    )
    delivery_status = models.CharField(
        _("delivery"), max_length=20, choices=DeliveryStatus.choices, blank=True
    )
    delivered_at = models.DateTimeField(_("delivery reported"), null=True, blank=True)
    delivery_error = models.CharField(_("delivery error"), max_length=200, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["wave", "customer"], name="survey_invitation_once")
        ]
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["send_kind", "send_next_at"], name="survey_invitation_sendq"),
        ]

    def __str__(self) -> str:
        return f"{self.wave} → {self.customer_id}"


class InvitationToken(models.Model):
    """An earlier link of an invitation, replaced by a reminder's (ADR 0172): customers tap the
    first SMS they received, so it keeps working until the invitation is answered. Only the
    SHA-256 digest is stored, as for the current token (ADR 0007)."""

    invitation = models.ForeignKey(
        Invitation,
        verbose_name=_("invitation"),
        related_name="earlier_tokens",
        on_delete=models.CASCADE,
    )
    token_hash = models.CharField(max_length=64, unique=True)
    replaced_at = models.DateTimeField(_("replaced"), default=timezone.now)

    class Meta:
        verbose_name = _("earlier invitation link")
        verbose_name_plural = _("earlier invitation links")

    def __str__(self) -> str:
        return f"{self.invitation_id} ({self.replaced_at:%Y-%m-%d})"


class Response(models.Model):
    """One respondent's answers to one wave. ``submission_key`` is unique: an invitation has
    exactly one response, an open-link respondent one per browser key, so retries never count
    twice."""

    # Indexed by (wave, status) below; a separate wave index would only cost every submission.
    wave = models.ForeignKey(
        Wave,
        verbose_name=_("wave"),
        related_name="responses",
        on_delete=models.CASCADE,
        db_index=False,
    )
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        related_name="response",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        related_name="survey_responses",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), on_delete=models.PROTECT)
    tier = models.CharField(_("tier"), max_length=20, blank=True)
    # Unique through Meta.constraints (one index; unique=True would add a LIKE index too).
    submission_key = models.CharField(max_length=64)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ResponseStatus.choices,
        default=ResponseStatus.PARTIAL,
    )
    source = models.CharField(_("source"), max_length=20, default="web")
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # An open-link response completed from an address that had just completed others
    # (QIWANG_OPEN_LINK_BURST): counted as usual, flagged in the results for a human to judge.
    # A database default too: the one-statement submission (submission.py) inserts raw SQL.
    is_burst = models.BooleanField(_("in a burst"), default=False, db_default=False)
    # Which fold of qiwang.surveys.tallies counted this complete response (NULL: not yet; the
    # results add such responses live). ADR 0008.
    tally_batch = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], name="survey_response_submission")
        ]
        indexes = [
            models.Index(fields=["wave", "status"]),
            models.Index(
                fields=["wave"],
                condition=models.Q(status="complete", tally_batch__isnull=True),
                name="survey_response_untallied",
            ),
            models.Index(
                fields=["tally_batch"],
                condition=models.Q(tally_batch__isnull=False),
                name="survey_response_tally_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wave} #{self.pk}"


class Answer(models.Model):
    """One question's answer. ``value`` is the functional answer (Kano), the expectation
    (SERVQUAL) or the rating; ``second`` the dysfunctional answer or the perception;
    ``importance`` the self-stated importance; ``text`` free text or chosen options."""

    # Indexed by the unique (response, question) constraint below.
    response = models.ForeignKey(
        Response,
        verbose_name=_("response"),
        related_name="answers",
        on_delete=models.CASCADE,
        db_index=False,
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), related_name="answers", on_delete=models.PROTECT
    )
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    second = models.SmallIntegerField(_("second value"), null=True, blank=True)
    importance = models.SmallIntegerField(_("importance"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}/{self.second}"


class AnswerTally(models.Model):
    """Stage-1 counts of folded complete responses (ADR 0008): one row per wave, question,
    respondent segment (tier, branch) and answer cell (``value``, ``second``; -1 when empty), with
    the self-stated importance's count, sum and sum of squares. Every count and sum the results
    need (Kano pairs, scale levels, SERVQUAL item moments, IPA means) is a sum over these rows."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=20, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()
    second = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)
    importance_n = models.BigIntegerField(default=0)
    importance_sum = models.BigIntegerField(default=0)
    importance_square_sum = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "question", "tier", "branch", "value", "second"],
                name="survey_answer_tally_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}/{self.question_id} ({self.value}, {self.second}): {self.n}"


class RespondentTally(models.Model):
    """What answer cells cannot give, per wave and segment: the number of complete responses
    (``scope`` "responses") and the moments of respondents' SERVQUAL dimension means ("dimension",
    ``key`` = dimension) and overall means ("overall"). ADR 0008."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=20)
    key = models.CharField(max_length=60, blank=True)
    tier = models.CharField(max_length=20, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    n = models.BigIntegerField(default=0)
    sum_e = models.FloatField(default=0)
    sum_e2 = models.FloatField(default=0)
    sum_p = models.FloatField(default=0)
    sum_p2 = models.FloatField(default=0)
    sum_ep = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "scope", "key", "tier", "branch"], name="survey_respondent_tally"
            )
        ]

    def __str__(self) -> str:
        return f"{self.wave_id} {self.scope} {self.key}: {self.n}"


class ChoiceTally(models.Model):
    """Stage-1 counts of folded single / multiple-choice answers (issue 14): one row per wave,
    question and stored answer text (the chosen option values, comma-separated). A multiple-choice
    combination is split into its options when the results are read; combinations are few."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "question", "text"], name="survey_choice_tally_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}/{self.question_id} {self.text}: {self.n}"


class CrossTally(models.Model):
    """Stage-1 cross-products of rating answers for key drivers and the satisfaction index
    (issue 14, ADR 0071): per wave, bucket (response id mod ``tallies.BUCKETS``) and pair of
    rating questions ``a ≤ b`` (by id), over the complete responses that rated every rating
    question of the wave (listwise), the count and the sums of a, b and a·b. The Poisson
    bootstrap of the index reweights the buckets."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    bucket = models.SmallIntegerField()
    question_a = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    question_b = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    n = models.BigIntegerField(default=0)
    sum_a = models.FloatField(default=0)
    sum_b = models.FloatField(default=0)
    sum_ab = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "bucket", "question_a", "question_b"], name="survey_cross_tally"
            )
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}/{self.bucket} {self.question_a_id}×{self.question_b_id}"


class SavedImportMapping(models.Model):
    """How the last file from one tool was imported into one instrument's waves of one branch:
    file header → wave column, and the value recode (wave column → {file value: code}). The
    next file from the same tool starts from it (``imports.saved_mapping``)."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("survey instrument"), on_delete=models.CASCADE, related_name="+"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(_("source tool"), max_length=20)
    columns = models.JSONField(_("column mapping"), default=dict)
    recode = models.JSONField(_("value recode"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("saved import mapping")
        verbose_name_plural = _("saved import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "branch", "source"], name="survey_saved_import_mapping"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id}/{self.branch_id}/{self.source}"


# Labels of free-text answers and their corrections live in their own module (text_models.py).
from qiwang.surveys.text_models import AnswerTextLabel, TextLabelCorrection  # noqa: E402

__all__ += ["AnswerTextLabel", "InvitationToken", "LibraryQuestion", "TextLabelCorrection"]


class LibraryQuestion(models.Model):
    """A question a manager saved to the branch's question library (issue 14, item 6): copied
    into instruments with its attribute key, so its answers compare across waves. The curated
    library sits beside the questions of other instruments (``surveys.library``)."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="survey_library", on_delete=models.CASCADE
    )
    attribute = models.SlugField(_("attribute key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    dimension = models.CharField(_("dimension or indicator group"), max_length=40, blank=True)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    asks_importance = models.BooleanField(_("asks self-stated importance"), default=False)
    max_length = models.PositiveIntegerField(_("longest answer (characters)"), default=2000)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("library question")
        verbose_name_plural = _("library questions")
        ordering = ["branch", "attribute"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "attribute"], name="survey_library_key_once")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        if translation.get_language() == "en" and self.text_en:
            return self.text_en
        return self.text_zh
