"""Writes on free-text labels: analyse a wave's unlabelled answers once, correct a label.

Labels are computed **after** an answer is stored, never on the submission's hot path (that path
is one prepared statement, ADR 0008): by the worker's periodic job, by an import or the demo when
they finish, and on the results page for what is still unlabelled, in batches (ADR 0041). Each
batch is one transaction; a label, once stored, is read and never recomputed unless the model
changes (``qiwang surveys label-text --relabel``) — and a corrected label is never recomputed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.services import record_event
from qiwang.analysis import text
from qiwang.errors import ServiceError
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Question, Wave
from qiwang.surveys.text_models import (
    DIMENSION_FIELDS,
    AnswerTextLabel,
    Sentiment,
    TextLabelCorrection,
)

BATCH = 1_000
"""Answers analysed and written per transaction."""


def model_version() -> str:
    """The shipped sentiment model's identifier, stored with each label."""
    return text.model_version()


def _head_word(name: str) -> str | None:
    """The last word of a service's name of two or more characters: the head of a Chinese noun
    phrase ("夜间安保巡逻" → "巡逻"), a synonym customers use more often than the full name."""
    words = [w for w in text.segment(name) if len(w) >= 2 and not w.isdigit()]
    return words[-1] if words else None


def services_of(wave: Wave) -> list[text.Service]:
    """The services a wave asks about (its Kano attributes and the questions tied to a catalogue
    service), with the head word of the name as a synonym, keyed by the question's attribute."""
    services = []
    for question in wave.version.questions.order_by("position"):
        if question.kind != QuestionKind.KANO and question.catalogue_service_id is None:
            continue
        name = question.text_zh.removeprefix("关于「").removesuffix("」").strip()
        english = question.text_en.removeprefix("About: ").strip()
        synonyms = tuple(s for s in (_head_word(name), english) if s and s != name)
        services.append(text.Service(name, synonyms, key=question.attribute))
    return services


def _row(
    answer_id: int,
    question_id: int,
    branch_id: int,
    wave_id: int,
    result: text.CommentAnalysis,
    version: str,
) -> AnswerTextLabel:
    per_dimension = result.aspect_labels("dimension")
    return AnswerTextLabel(
        answer_id=answer_id,
        wave_id=wave_id,
        question_id=question_id,
        branch_id=branch_id,
        sentiment=result.label,
        score=result.score,
        aspects=[
            {k: v for k, v in aspect.to_dict().items() if k != "clause"}
            for aspect in result.aspects
        ],
        model_version=version,
        **{name: per_dimension.get(name, "") for name in DIMENSION_FIELDS},
    )


def unlabelled(wave: Wave):  # type: ignore[no-untyped-def]
    """Free-text answers of the wave's complete responses that have no label yet."""
    return (
        Answer.objects.filter(
            response__wave=wave,
            response__status=ResponseStatus.COMPLETE,
            question__kind=QuestionKind.TEXT,
            text_label__isnull=True,
        )
        .exclude(text="")
        .order_by("pk")
    )


@dataclass(frozen=True)
class LabelRun:
    labelled: int
    remaining: int


def _batches(wave: Wave, limit: int | None) -> Iterator[list[tuple[int, int, str, int]]]:
    done = 0
    last = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        rows = list(
            unlabelled(wave)
            .filter(pk__gt=last)
            .values_list("pk", "question_id", "text", "response__branch_id")[:size]
        )
        if not rows:
            return
        yield rows
        done += len(rows)
        last = rows[-1][0]


def label_wave_answers(wave: Wave, *, limit: int | None = None) -> LabelRun:
    """Analyse up to ``limit`` unlabelled free-text answers of ``wave`` (all without a limit) and
    store their labels, one transaction per batch of :data:`BATCH`."""
    analyzer = text.TextAnalyzer(services=services_of(wave))
    version = model_version()
    labelled = 0
    for rows in _batches(wave, limit):
        labels = [
            _row(pk, question_id, branch_id, wave.pk, analyzer.analyze(answer_text), version)
            for pk, question_id, answer_text, branch_id in rows
        ]
        with transaction.atomic():
            AnswerTextLabel.objects.bulk_create(labels, ignore_conflicts=True)
        labelled += len(labels)
    remaining = unlabelled(wave).count() if limit is not None else 0
    return LabelRun(labelled, remaining)


def relabel_wave(wave: Wave) -> LabelRun:
    """Drop the wave's labels that no user corrected and that another model made, then label
    again (after a new model ships)."""
    with transaction.atomic():
        AnswerTextLabel.objects.filter(wave=wave, is_corrected=False).exclude(
            model_version=model_version()
        ).delete()
    return label_wave_answers(wave)


def correct_text_label(
    *, actor: User, answer: Answer, sentiment: str, dimensions: list[str]
) -> TextLabelCorrection:
    """Record a user's correction of a free-text answer's sentiment and dimensions.

    Raises
    ------
    ServiceError
        An unknown sentiment or dimension, or an answer that is not free text.
    """
    errors: dict[str, list[str]] = {}
    if sentiment not in Sentiment.values:
        errors["sentiment"] = [_("Choose negative, neutral or positive.")]
    unknown = [d for d in dimensions if d not in DIMENSION_FIELDS]
    if unknown:
        errors["dimensions"] = [
            _("Unknown SERVQUAL dimension: %(names)s.") % {"names": ", ".join(unknown)}
        ]
    if answer.question.kind != QuestionKind.TEXT or not answer.text:
        errors["answer"] = [_("Only free-text answers carry labels.")]
    if errors:
        raise ServiceError(errors)
    chosen = [d for d in DIMENSION_FIELDS if d in dimensions]
    with transaction.atomic():
        label = AnswerTextLabel.objects.select_for_update().filter(answer=answer).first()
        if label is None:
            wave = answer.response.wave
            result = text.TextAnalyzer(services=services_of(wave)).analyze(answer.text)
            label = _row(
                answer.pk,
                answer.question_id,
                answer.response.branch_id,
                wave.pk,
                result,
                model_version(),
            )
            label.save(force_insert=True)
        correction = TextLabelCorrection.objects.create(
            answer=answer,
            branch_id=label.branch_id,
            sentiment=sentiment,
            dimensions=chosen,
            previous_sentiment=label.sentiment,
            previous_dimensions=label.dimensions,
            model_version=label.model_version,
            corrected_by=actor,
            corrected_at=timezone.now(),
        )
        label.sentiment = sentiment
        for name in DIMENSION_FIELDS:
            current = getattr(label, name)
            setattr(label, name, (current or sentiment) if name in chosen else "")
        label.is_corrected = True
        label.save()
        record_event(
            actor=actor,
            action="survey_text_label_corrected",
            obj=correction,
            changes={
                "sentiment": [correction.previous_sentiment, sentiment],
                "dimensions": [correction.previous_dimensions, chosen],
            },
        )
    return correction


def text_questions(wave: Wave) -> list[Question]:
    return list(wave.version.questions.filter(kind=QuestionKind.TEXT).order_by("position"))


def enqueue_labelling(wave: Wave) -> None:
    """Queue the background labelling of the wave's remaining answers for ``qiwang worker``
    (once: a job already waiting for the wave is enough)."""
    from django_tasks_db.models import DBTaskResult

    from qiwang.surveys.text_tasks import label_text_answers

    waiting = DBTaskResult.objects.filter(
        task_path=label_text_answers.module_path, status="READY", args_kwargs__args=[wave.pk]
    ).exists()
    if not waiting:
        transaction.on_commit(lambda: label_text_answers.enqueue(wave.pk))
