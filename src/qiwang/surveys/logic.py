"""Display logic: a question shown only when earlier answers are some values.

``Question.show_if`` is data, in one of three shapes:

* ``{}`` — always shown;
* ``{"question": <attribute key of an earlier question>, "values": [...]}`` — one condition
  (the shape of the first version, kept for one condition);
* ``{"match": "all" | "any", "conditions": [{"question": …, "values": […]}, …]}`` — two or more
  conditions, all of which (AND) or any of which (OR) must hold.

A condition holds when its source question is shown and its answer is one of the values (for a
multiple choice: any chosen option is one of them). The source is a question with discrete
answers — a single or multiple choice (option values) or a rating, NPS, CES or 1–10 item (the
numbers of its scale) — placed before the question.

:func:`check_logic` runs on every change of an instrument (add, move, remove, revise, a new
condition) and proves every question can be shown by some answers: each question's visibility is
expanded into the combinations of answers that show it (a disjunction of terms, each a set of
``(source, value)`` pairs), and a term is possible unless it asks two different answers of a
question that takes one answer. A question with no possible term could never be shown and the
change is refused naming it ("satisfaction is 1 and satisfaction is 5").

:func:`hidden_questions` is the one evaluator: the answer pages, ``responding.validate_page``
(API submissions, imports) and the submission's clean-up of hidden answers all call it. A hidden
question is never required and its answer is not kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from qiwang.errors import ServiceError
from qiwang.surveys.choices import QuestionKind

__all__ = [
    "CONDITION_KINDS",
    "MAX_CONDITIONS",
    "Clause",
    "Condition",
    "check_logic",
    "clean_condition",
    "clean_show_if",
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
#: Kinds whose answer holds one value (a condition asking two of them at once never holds).
SINGLE_VALUED = frozenset({*SCALES, QuestionKind.SINGLE})
#: At most this many conditions per question.
MAX_CONDITIONS = 5
#: The reachability proof gives up (and asks for simpler logic) beyond this many combinations.
MAX_TERMS = 512
MATCHES = ("all", "any")


@dataclass(frozen=True)
class Clause:
    """One condition: the answer to ``question`` is one of ``values``."""

    question: str
    values: tuple[str, ...]

    @property
    def values_text(self) -> str:
        return ", ".join(self.values)


@dataclass(frozen=True)
class Condition:
    """A question's display condition: ``match`` ``"all"`` (AND) or ``"any"`` (OR)."""

    match: str
    clauses: tuple[Clause, ...]

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(clause.question for clause in self.clauses)

    @property
    def is_any(self) -> bool:
        return self.match == "any"


def _get(question: Any, name: str) -> Any:
    return question.get(name) if isinstance(question, Mapping) else getattr(question, name)


def _clause(raw: Any) -> Clause | None:
    if not isinstance(raw, Mapping):
        return None
    source = str(raw.get("question") or "")
    if not source:
        return None
    values = raw.get("values") or ()
    if isinstance(values, str | int):
        values = [values]
    return Clause(source, tuple(dict.fromkeys(str(v) for v in values)))


def parse_show_if(show_if: Any) -> Condition | None:
    """The :class:`Condition` of a stored ``show_if`` (any of its shapes), or ``None``."""
    if not isinstance(show_if, Mapping) or not show_if:
        return None
    if "conditions" in show_if:
        clauses = tuple(c for c in map(_clause, show_if.get("conditions") or ()) if c)
        match = str(show_if.get("match") or "all")
        return Condition(match, clauses) if clauses else None
    clause = _clause(show_if)
    return Condition("all", (clause,)) if clause else None


def condition_of(question: Any) -> Condition | None:
    """The display condition of a question (a model or a dict), or ``None``."""
    return parse_show_if(_get(question, "show_if"))


def possible_values(question: Any) -> list[str]:
    """The answers a source question can take, as condition values."""
    kind = _get(question, "kind")
    if kind in SCALES:
        low, high = SCALES[kind]
        return [str(n) for n in range(low, high + 1)]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [str(option[0]) for option in _get(question, "options") or ()]
    return []


def _split(values: Iterable[Any] | str) -> list[str]:
    if isinstance(values, str):
        values = values.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def clean_condition(source: str, values: Iterable[Any] | str) -> dict[str, Any]:
    """One condition from a form: ``{}`` without a source; values split on commas and spaces."""
    return clean_show_if("all", [(source, values)])


def clean_show_if(match: str, pairs: Iterable[tuple[str, Iterable[Any] | str]]) -> dict[str, Any]:
    """``show_if`` from a match (``all`` / ``any``) and (source, values) pairs, as a form or the
    API sends them: pairs without a source and without values are left out; one condition is
    stored in the one-condition shape. Errors name the field ``show_if``."""
    match = str(match or "all")
    if match not in MATCHES:
        raise ServiceError(
            _("Choose whether all or any of the conditions must hold."), field="show_if"
        )
    clauses: list[dict[str, Any]] = []
    for source, values in pairs:
        source = str(source or "").strip()
        cleaned = _split(values)
        if not source:
            if cleaned:
                raise ServiceError(
                    _("Choose the earlier question these answers belong to."), field="show_if"
                )
            continue
        clauses.append({"question": source, "values": cleaned})
    if len(clauses) > MAX_CONDITIONS:
        raise ServiceError(
            _("At most %(n)s conditions per question.") % {"n": MAX_CONDITIONS}, field="show_if"
        )
    if not clauses:
        return {}
    if len(clauses) == 1:
        return clauses[0]
    return {"match": match, "conditions": clauses}


def show_if_from_data(raw: Any) -> dict[str, Any]:
    """``show_if`` from stored or API data in any of its shapes, cleaned (see
    :func:`clean_show_if`)."""
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise ServiceError(_("Display logic must be an object."), field="show_if")
    if raw.get("conditions"):
        if raw.get("question"):
            raise ServiceError(
                _("Give one condition (question and values) or several (conditions), not both."),
                field="show_if",
            )
        conditions = raw.get("conditions") or []
        if not isinstance(conditions, list) or not all(isinstance(c, Mapping) for c in conditions):
            raise ServiceError(
                _('Each condition is {"question": key, "values": [...]}.'), field="show_if"
            )
        return clean_show_if(
            str(raw.get("match") or "all"),
            [(str(c.get("question") or ""), c.get("values") or []) for c in conditions],
        )
    return clean_show_if("all", [(str(raw.get("question") or ""), raw.get("values") or [])])


# --- the reachability proof ------------------------------------------------------------------

Term = frozenset[tuple[str, str]]


class _TooIntricate(Exception):
    pass


def _consistent(term: Term, single: frozenset[str]) -> bool:
    seen: dict[str, str] = {}
    for source, value in term:
        if source in single and seen.setdefault(source, value) != value:
            return False
    return True


def _absorb(terms: Iterable[Term]) -> list[Term]:
    """Drop duplicates and terms that contain another (they add no way of being shown)."""
    kept: list[Term] = []
    for term in sorted(set(terms), key=len):
        if not any(other <= term for other in kept):
            kept.append(term)
    if len(kept) > MAX_TERMS:
        raise _TooIntricate
    return kept


def _clause_terms(
    clause: Clause, terms: Mapping[str, list[Term]], single: frozenset[str]
) -> list[Term]:
    out = []
    for term in terms[clause.question]:
        for value in clause.values:
            extended = term | {(clause.question, value)}
            if _consistent(extended, single):
                out.append(extended)
    return _absorb(out)


def _condition_terms(
    condition: Condition, terms: Mapping[str, list[Term]], single: frozenset[str]
) -> list[Term]:
    per_clause = [_clause_terms(clause, terms, single) for clause in condition.clauses]
    if condition.is_any:
        return _absorb(term for clause_terms in per_clause for term in clause_terms)
    combined: list[Term] = [frozenset()]
    for clause_terms in per_clause:
        combined = _absorb(
            a | b for a in combined for b in clause_terms if _consistent(a | b, single)
        )
        if not combined:
            break
    return combined


def _describe(condition: Condition) -> str:
    joiner = _(" or ") if condition.is_any else _(" and ")
    return joiner.join(
        _("%(key)s is %(values)s") % {"key": c.question, "values": c.values_text}
        for c in condition.clauses
    )


def _check_clause(clause: Clause, earlier: Mapping[str, Any], names: dict[str, Any]) -> None:
    names = {**names, "source": clause.question}
    source = earlier.get(clause.question)
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
    unknown = sorted(set(clause.values) - set(possible), key=str)
    if not clause.values or unknown:
        raise ServiceError(
            _(
                "Question %(n)s (%(key)s): “%(source)s” can be answered %(possible)s; "
                "choose among them (not %(unknown)s)."
            )
            % {**names, "possible": ", ".join(possible), "unknown": ", ".join(unknown) or "—"},
            field="show_if",
        )


def check_logic(questions: Sequence[Any]) -> None:
    """Every condition names earlier questions with discrete answers and values they can take,
    and some answers show every question (else a :class:`ServiceError` on ``show_if`` naming
    the question)."""
    earlier: dict[str, Any] = {}
    terms: dict[str, list[Term]] = {}
    single: set[str] = set()
    for position, question in enumerate(questions, start=1):
        attribute = _get(question, "attribute")
        condition = condition_of(question)
        names = {"n": position, "key": attribute}
        if condition is None:
            terms[attribute] = [frozenset()]
        else:
            if condition.match not in MATCHES or len(condition.clauses) > MAX_CONDITIONS:
                raise ServiceError(
                    _("Question %(n)s (%(key)s): at most %(max)s conditions, all or any.")
                    % {**names, "max": MAX_CONDITIONS},
                    field="show_if",
                )
            for clause in condition.clauses:
                _check_clause(clause, earlier, names)
            try:
                terms[attribute] = _condition_terms(condition, terms, frozenset(single))
            except _TooIntricate:
                raise ServiceError(
                    _(
                        "Question %(n)s (%(key)s): the display logic is too intricate to check "
                        "that it can be shown; use fewer conditions."
                    )
                    % names,
                    field="show_if",
                ) from None
            if not terms[attribute]:
                raise ServiceError(
                    _(
                        "Question %(n)s (%(key)s) could never be shown: no answers make "
                        "“%(condition)s” hold."
                    )
                    % {**names, "condition": _describe(condition)},
                    field="show_if",
                )
        earlier[attribute] = question
        if _get(question, "kind") in SINGLE_VALUED:
            single.add(attribute)


# --- evaluation ------------------------------------------------------------------------------


def _tokens(answer: Any) -> set[str]:
    if answer is None:
        return set()
    value = getattr(answer, "value", None)
    tokens = {str(value)} if value is not None else set()
    text = getattr(answer, "text", "") or ""
    return tokens | {part for part in text.split(",") if part}


def is_shown(condition: Condition | None, answers: Mapping[str, Any], hidden: set[str]) -> bool:
    """Whether a question with ``condition`` is shown, given the answers by attribute key and
    the keys of the questions hidden so far."""
    if condition is None:
        return True
    held = (
        clause.question not in hidden
        and bool(_tokens(answers.get(clause.question)) & set(clause.values))
        for clause in condition.clauses
    )
    return any(held) if condition.is_any else all(held)


def hidden_questions(questions: Sequence[Any], answers: Mapping[str, Any]) -> set[int]:
    """The ids of the questions the logic hides, given ``answers`` by attribute key (objects
    with ``value`` / ``text``: saved answers or parsed ones). Questions in position order."""
    hidden: set[int] = set()
    hidden_keys: set[str] = set()
    for question in questions:
        if not is_shown(condition_of(question), answers, hidden_keys):
            hidden.add(question.pk)
            hidden_keys.add(question.attribute)
    return hidden
