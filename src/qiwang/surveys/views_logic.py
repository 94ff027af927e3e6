"""The display-logic editor of the instrument page: AND / OR conditions on earlier answers.

One editor (``surveys/_condition_editor.html``) serves the add-a-question form and each existing
question's *Display logic* form. Each condition row is a select of the earlier choice and rating
questions and checkboxes of the answers that show the question; choosing another source redraws
the row's checkboxes (htmx, :func:`condition_values`; without script the page comes back with
them after *Save*). The rows become ``show_if`` through :func:`show_if_from_post`, and every rule
(earlier source, possible values, reachability) is :mod:`qiwang.surveys.logic`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from qiwang.accounts.permissions import Action, require
from qiwang.errors import ServiceError
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.logic import CONDITION_KINDS, MAX_CONDITIONS, parse_show_if, possible_values
from qiwang.surveys.presentation import scale_labels
from qiwang.surveys.services import set_condition

#: Condition rows drawn for a question without one (more appear when it has more).
EDITOR_ROWS = 3


def condition_sources(questions: Sequence[Any], before: int | None = None) -> list[Any]:
    """The questions a condition may name: choice and rating questions placed before
    position ``before`` (all of them for a question added at the end)."""
    return [
        q
        for q in questions
        if q.kind in CONDITION_KINDS and (before is None or q.position < before)
    ]


def value_choices(question: Any) -> list[tuple[str, str]]:
    """(value, label) of each answer of a source question, in the reader's language."""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [(value, f"{label} ({value})") for value, label in question.option_labels()]
    values = possible_values(question)
    labels = scale_labels(question.kind)
    if len(labels) == len(values) and labels != values:
        return [(value, f"{value} · {label}") for value, label in zip(values, labels, strict=True)]
    return [(value, value) for value in values]


def _row(n: int, prefix: str, sources: list[Any], key: str, chosen: Sequence[str]) -> dict:
    source = next((q for q in sources if q.attribute == key), None)
    return {
        "n": n,
        "prefix": prefix,
        "sources": sources,
        "selected": key,
        "values": [
            {"value": value, "label": label, "checked": value in chosen}
            for value, label in (value_choices(source) if source is not None else [])
        ],
    }


def editor_context(
    questions: Sequence[Any],
    *,
    prefix: str,
    before: int | None = None,
    show_if: Mapping[str, Any] | None = None,
    post: QueryDict | None = None,
) -> dict[str, Any]:
    """What ``_condition_editor.html`` draws: the match and the rows, filled from the stored
    condition or from a form sent back with an error."""
    sources = condition_sources(questions, before)
    if post is not None:
        match = post.get(f"{prefix}match", "all")
        pairs = [
            (post.get(f"{prefix}q{n}", ""), post.getlist(f"{prefix}v{n}"))
            for n in range(1, MAX_CONDITIONS + 1)
        ]
    else:
        condition = parse_show_if(show_if)
        match = condition.match if condition else "all"
        pairs = [(c.question, list(c.values)) for c in condition.clauses] if condition else []
    count = min(MAX_CONDITIONS, max(EDITOR_ROWS, sum(1 for key, _v in pairs if key) + 1))
    pairs = (pairs + [("", [])] * MAX_CONDITIONS)[:count]
    return {
        "prefix": prefix,
        "before": before,
        "match": match,
        "has_sources": bool(sources),
        "rows": [_row(n, prefix, sources, key, chosen) for n, (key, chosen) in enumerate(pairs, 1)],
    }


def show_if_from_post(post: QueryDict, prefix: str) -> dict[str, Any]:
    """The editor's fields as raw ``show_if`` data (``logic.show_if_from_data`` cleans it)."""
    conditions = [
        {"question": post.get(f"{prefix}q{n}", ""), "values": post.getlist(f"{prefix}v{n}")}
        for n in range(1, MAX_CONDITIONS + 1)
    ]
    conditions = [c for c in conditions if c["question"] or c["values"]]
    if not conditions:
        return {}
    return {"match": post.get(f"{prefix}match", "all"), "conditions": conditions}


def _instrument_and_questions(request: HttpRequest, instrument_id: int) -> tuple[Any, list]:
    from qiwang.surveys.views import _visible_instrument  # the page's own lookup

    instrument = _visible_instrument(request, instrument_id)
    version = instrument.latest_version()
    return instrument, list(version.questions.order_by("position")) if version else []


@login_required
@require_GET
def condition_values(request: HttpRequest, instrument_id: int) -> HttpResponse:
    """One condition row redrawn for the source just chosen (htmx)."""
    instrument, questions = _instrument_and_questions(request, instrument_id)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    prefix = request.GET.get("prefix", "")
    if not prefix.replace("-", "").replace("_", "").isalnum():
        prefix = "c-"
    try:
        n = min(max(int(request.GET.get("row", "1")), 1), MAX_CONDITIONS)
        before = int(request.GET["before"]) if request.GET.get("before") else None
    except ValueError:
        n, before = 1, None
    sources = condition_sources(questions, before)
    row = _row(n, prefix, sources, request.GET.get(f"{prefix}q{n}", ""), ())
    return render(
        request,
        "surveys/_condition_row.html",
        {"row": row, "instrument": instrument, "before": before},
    )


@login_required
@require_POST
def question_condition(request: HttpRequest, instrument_id: int, attribute: str) -> HttpResponse:
    """Save the display condition of an existing question (a new version if a wave uses it)."""
    from qiwang.surveys import views

    instrument, questions = _instrument_and_questions(request, instrument_id)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    prefix = f"c{attribute}-"
    raw = {} if "always" in request.POST else show_if_from_post(request.POST, prefix)
    try:
        change = set_condition(
            actor=request.user,
            instrument=instrument,
            attribute=attribute,
            show_if=raw,
            expected_version=views._expected_version(request),
        )
    except ServiceError as error:
        return views._instrument_page(
            request,
            instrument,
            error=error,
            status=error.status_code,
            condition_post=(attribute, request.POST),
        )
    messages.success(request, views._changed(change))
    return redirect(reverse("surveys:instrument", args=[instrument.pk]) + f"#logic-{attribute}")
