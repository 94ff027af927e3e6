"""Conditional questions on the results page (issue 14): the condition in words, with option and
scale labels instead of stored codes, and how many complete respondents saw the question.

A conditional question's figures are over those who answered it, so the page prints the
condition beside it: "shown when Q1 is 不满意 — 12 of 40 respondents saw it". Who saw it is
decided by the same rule the answer pages use (:func:`qiwang.surveys.logic.hidden_questions`)
over each complete response's answers to the questions that take part in some condition (one
query, only when the version has a condition at all).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.logic import condition_of, hidden_questions
from qiwang.surveys.models import Answer, Question, Response, Wave
from qiwang.surveys.presentation import scale_labels


@dataclass(frozen=True)
class ClauseText:
    number: int
    question: str
    values: str


@dataclass(frozen=True)
class ConditionSeen:
    """One conditional question: its condition's clauses in words, and how many saw it."""

    attribute: str
    number: int
    text: str
    clauses: tuple[ClauseText, ...]
    is_any: bool
    shown: int
    total: int


def _value_labels(question: Question) -> dict[str, str]:
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return dict(question.option_labels())
    labels = scale_labels(question.kind)
    low = 0 if question.kind == QuestionKind.NPS else 1
    return {str(low + i): label for i, label in enumerate(labels)}


def conditions_seen(wave: Wave) -> dict[str, ConditionSeen]:
    """Per conditional question's attribute: its condition in words and who saw it."""
    questions = list(Question.objects.filter(version_id=wave.version_id).order_by("position"))
    conditions = {q.attribute: condition_of(q) for q in questions}
    conditional = [q for q in questions if conditions[q.attribute] is not None]
    if not conditional:
        return {}
    by_attribute = {q.attribute: q for q in questions}
    taking_part = {q.attribute for q in conditional}
    for condition in conditions.values():
        if condition is not None:
            taking_part |= condition.sources
    involved = [q for q in questions if q.attribute in taking_part]
    complete = Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE)
    total = complete.count()
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    rows = Answer.objects.filter(
        response__in=complete, question__in=[q.pk for q in involved]
    ).values_list("response_id", "question__attribute", "value", "text")
    for response_id, attribute, value, text in rows.iterator(chunk_size=5000):
        answers[response_id][attribute] = SimpleNamespace(value=value, text=text)
    shown: dict[int, int] = defaultdict(int)
    hidden_without_answers = hidden_questions(involved, {})
    for question in conditional:
        if question.pk not in hidden_without_answers:
            shown[question.pk] += total - len(answers)
    for given in answers.values():
        hidden = hidden_questions(involved, given)
        for question in conditional:
            if question.pk not in hidden:
                shown[question.pk] += 1
    out = {}
    for question in conditional:
        condition = conditions[question.attribute]
        assert condition is not None  # noqa: S101 - filtered above
        clauses = []
        for clause in condition.clauses:
            source = by_attribute.get(clause.question)
            labels = _value_labels(source) if source is not None else {}
            clauses.append(
                ClauseText(
                    number=source.position if source is not None else 0,
                    question=source.text if source is not None else clause.question,
                    values=", ".join(labels.get(v, v) for v in clause.values),
                )
            )
        out[question.attribute] = ConditionSeen(
            attribute=question.attribute,
            number=question.position,
            text=question.text,
            clauses=tuple(clauses),
            is_any=condition.is_any,
            shown=shown[question.pk],
            total=total,
        )
    return out
