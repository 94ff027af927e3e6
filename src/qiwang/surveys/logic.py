"""Display logic: a question shown only when an earlier answer is one of some values.

``Question.show_if`` is ``{"question": <attribute key of an earlier question>, "values": [...]}``
(``{}``: always shown). The source is a question with discrete answers — a single or multiple
choice (option values) or a rating, NPS, CES or 1–10 item (the numbers of its scale) — placed
before the question. :func:`check_logic` enforces that on every change of an instrument (add,
move, remove, revise), so no question becomes unreachable: each condition names an earlier
question and only values that question can take, and by induction over the positions every
question can be reached by some answers.

A question whose source is hidden or unanswered is hidden too. A hidden question is never
required and its answer is not kept. The answer pages evaluate the logic on the server: a
conditional question starts a new page when its source is on the same page
(``presentation.question_pages``), so the answer it depends on is always saved before the page is
drawn, and a page whose questions are all hidden is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from qiwang.errors import ServiceError
from qiwang.surveys.choices import QuestionKind

__all__ = [
    "CONDITION_KINDS",
    "check_logic",
    "clean_condition",
    "condition_of",
    "hidden_questions",
    "possible_values",
]

#: Kinds whose answer can be the source of a condition, with their scales.
SCALES: dict[str, tuple[int, int]] = {
    QuestionKind.SCALE_5: (1, 5),
    QuestionKind.SCALE_7: (1, 7),
    QuestionKind.NPS: (0, 10),
    QuestionKind.CES: (1, 7),
    QuestionKind.RATING_10: (1, 10),
}
CONDITION_KINDS = frozenset({*SCALES, QuestionKind.SINGLE, QuestionKind.MULTIPLE})


def _get(question: Any, name: str) -> Any:
    return question.get(name) if isinstance(question, Mapping) else getattr(question, name)


def condition_of(question: Any) -> tuple[str, frozenset[str]] | None:
    """``(source attribute, values)`` of a question (a model or a dict), or ``None``."""
    show_if = _get(question, "show_if") or {}
    source = str(show_if.get("question") or "")
    if not source:
        return None
    return source, frozenset(str(v) for v in show_if.get("values") or ())


def possible_values(question: Any) -> list[str]:
    """The answers a source question can take, as condition values."""
    kind = _get(question, "kind")
    if kind in SCALES:
        low, high = SCALES[kind]
        return [str(n) for n in range(low, high + 1)]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [str(option[0]) for option in _get(question, "options") or ()]
    return []


def clean_condition(source: str, values: Iterable[str] | str) -> dict[str, Any]:
    """A condition from a form: ``{}`` without a source; values split on commas and spaces."""
    source = str(source or "").strip()
    if isinstance(values, str):
        values = values.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    cleaned = list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
    if not source:
        if cleaned:
            raise ServiceError(
                _("Choose the earlier question these answers belong to."), field="show_if"
            )
        return {}
    return {"question": source, "values": cleaned}


def check_logic(questions: Sequence[Any]) -> None:
    """Every condition names an earlier question with discrete answers and at least one value
    that question can take (else a :class:`ServiceError` on ``show_if`` naming the question)."""
    earlier: dict[str, Any] = {}
    for position, question in enumerate(questions, start=1):
        condition = condition_of(question)
        attribute = _get(question, "attribute")
        if condition is not None:
            source_key, values = condition
            source = earlier.get(source_key)
            names = {"n": position, "key": attribute, "source": source_key}
            if source is None:
                raise ServiceError(
                    _(
                        "Question %(n)s (%(key)s) is shown only after “%(source)s”, which is not "
                        "an earlier question: it could never be reached."
                    )
                    % names,
                    field="show_if",
                )
            if _get(source, "kind") not in CONDITION_KINDS:
                raise ServiceError(
                    _(
                        "Question %(n)s (%(key)s): “%(source)s” has no fixed answers to show it by; "
                        "choose a choice or rating question."
                    )
                    % names,
                    field="show_if",
                )
            possible = possible_values(source)
            unknown = sorted(values - set(possible), key=str)
            if not values or unknown:
                raise ServiceError(
                    _(
                        "Question %(n)s (%(key)s): “%(source)s” can be answered %(possible)s; "
                        "choose among them (not %(unknown)s)."
                    )
                    % {
                        **names,
                        "possible": ", ".join(possible),
                        "unknown": ", ".join(unknown) or "—",
                    },
                    field="show_if",
                )
        earlier[attribute] = question


def _tokens(answer: Any) -> set[str]:
    if answer is None:
        return set()
    value = getattr(answer, "value", None)
    tokens = {str(value)} if value is not None else set()
    text = getattr(answer, "text", "") or ""
    return tokens | {part for part in text.split(",") if part}


def hidden_questions(questions: Sequence[Any], answers: Mapping[str, Any]) -> set[int]:
    """The ids of the questions the logic hides, given ``answers`` by attribute key (objects
    with ``value`` / ``text``: saved answers or parsed ones). Questions in position order."""
    hidden: set[int] = set()
    hidden_keys: set[str] = set()
    for question in questions:
        condition = condition_of(question)
        if condition is None:
            continue
        source, values = condition
        if source in hidden_keys or not (_tokens(answers.get(source)) & values):
            hidden.add(question.pk)
            hidden_keys.add(question.attribute)
    return hidden
