"""Labels of free-text answers (sentiment, SERVQUAL dimensions, services) and users' corrections.

A free-text answer is analysed once by :mod:`qiwang.analysis.text` and its labels stored in
:class:`AnswerTextLabel` (ADR 0041: when and why). One column per SERVQUAL dimension holds the
sentiment of the clauses that speak of it ("" when the answer does not), so the results page
filters and counts with plain indexed columns on SQLite and PostgreSQL alike. A user who
disagrees records a :class:`TextLabelCorrection` (who, when, before and after); the label row then
shows the corrected values and is never overwritten by the model again. Imported by
:mod:`qiwang.surveys.models`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qiwang.accounts.models import Branch

__all__ = ["DIMENSION_FIELDS", "AnswerTextLabel", "Sentiment", "TextLabelCorrection"]

DIMENSION_FIELDS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", pgettext_lazy("sentiment", "Negative")
    NEUTRAL = "neutral", pgettext_lazy("sentiment", "Neutral")
    POSITIVE = "positive", pgettext_lazy("sentiment", "Positive")


def _dimension_field(label: str) -> models.CharField:  # type: ignore[type-arg]
    return models.CharField(label, max_length=10, choices=Sentiment.choices, blank=True)


class AnswerTextLabel(models.Model):
    """The labels of one free-text answer."""

    answer = models.OneToOneField(
        "surveys.Answer",
        verbose_name=_("answer"),
        related_name="text_label",
        on_delete=models.CASCADE,
        primary_key=True,
    )
    # Denormalised from the answer for the page's filters and counts (one indexed read).
    wave = models.ForeignKey(
        "surveys.Wave", verbose_name=_("wave"), related_name="+", on_delete=models.CASCADE
    )
    question = models.ForeignKey(
        "surveys.Question", verbose_name=_("question"), related_name="+", on_delete=models.CASCADE
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.CASCADE
    )
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices)
    score = models.FloatField(_("probability of positive"))
    reliability = _dimension_field(_("reliability"))
    responsiveness = _dimension_field(_("responsiveness"))
    assurance = _dimension_field(_("assurance"))
    empathy = _dimension_field(_("empathy"))
    tangibles = _dimension_field(_("tangibles"))
    # [{"kind": "service"|"dimension", "name", "term", "label", "score"}] as the model found them.
    aspects = models.JSONField(_("aspects"), default=list, blank=True)
    model_version = models.CharField(_("model version"), max_length=40)
    labelled_at = models.DateTimeField(_("labelled"), default=timezone.now)
    is_corrected = models.BooleanField(_("corrected by a user"), default=False)

    class Meta:
        verbose_name = _("free-text answer label")
        verbose_name_plural = _("free-text answer labels")
        indexes = [models.Index(fields=["wave", "question", "sentiment"])]

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.sentiment}"

    @property
    def dimensions(self) -> list[str]:
        """Dimensions the answer speaks of, in the instrument's order."""
        return [name for name in DIMENSION_FIELDS if getattr(self, name)]


class TextLabelCorrection(models.Model):
    """A user's correction of a free-text answer's labels: evaluation data for the model."""

    answer = models.ForeignKey(
        "surveys.Answer",
        verbose_name=_("answer"),
        related_name="text_corrections",
        on_delete=models.CASCADE,
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.CASCADE
    )
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices)
    dimensions = models.JSONField(_("dimensions"), default=list, blank=True)
    previous_sentiment = models.CharField(_("previous sentiment"), max_length=10, blank=True)
    previous_dimensions = models.JSONField(_("previous dimensions"), default=list, blank=True)
    model_version = models.CharField(_("model version"), max_length=40, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    corrected_at = models.DateTimeField(_("corrected"), default=timezone.now)

    class Meta:
        verbose_name = _("free-text label correction")
        verbose_name_plural = _("free-text label corrections")
        ordering = ["-corrected_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.previous_sentiment} → {self.sentiment}"
