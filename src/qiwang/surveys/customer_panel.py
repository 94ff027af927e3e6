"""The customer page's survey section (issue 14): the customer's own responses with every answer,
and their own expectation gaps S = P − E and ratios c = P / E per SERVQUAL dimension over time.

Registered with :mod:`qiwang.customers.panels` in ``SurveysConfig.ready`` (customers never
imports surveys). Only waves the user may see are shown; a user without ``VIEW_SURVEYS`` sees
nothing. One customer has a handful of responses, so this reads their answers directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from qiwang.accounts.permissions import Action, can
from qiwang.analysis import kano
from qiwang.customers.models import Customer
from qiwang.customers.panels import Panel
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Response, Wave
from qiwang.surveys.presentation import DIMENSION_LABELS, KANO_CATEGORY_LABELS, scale_labels

#: Responses listed on the customer page (latest first).
LIMIT = 20


@dataclass(frozen=True)
class Gap:
    """One customer's expectation E, perception P, S = P − E and c = P / E (means over the items
    they rated)."""

    expectation: float
    perception: float
    items: int

    @property
    def gap(self) -> float:
        return self.perception - self.expectation

    @property
    def ratio(self) -> float:
        return self.perception / self.expectation


def customer_gaps(answers: list[Answer]) -> dict[str, Gap]:
    """The customer's S and c per SERVQUAL dimension, from their (E, P) item answers: each the
    mean of the items of the dimension they answered (Parasuraman et al. 1988: a respondent's
    dimension score is the mean of its items)."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for answer in answers:
        question = answer.question
        if question.kind != QuestionKind.SERVQUAL or answer.value is None or answer.second is None:
            continue
        row = sums[question.dimension or "other"]
        row[0] += answer.value
        row[1] += answer.second
        row[2] += 1
    return {dimension: Gap(e / n, p / n, int(n)) for dimension, (e, p, n) in sums.items() if n}


def _display(answer: Answer) -> str:
    """An answer as the respondent chose it, in the reader's language."""
    question = answer.question
    kind = question.kind
    if kind == QuestionKind.KANO and answer.value and answer.second:
        labels = scale_labels(kind)
        category = str(kano.classify_pairs([answer.value], [answer.second])[0])
        return _("present: %(f)s · absent: %(d)s → %(category)s") % {
            "f": labels[answer.value - 1],
            "d": labels[answer.second - 1],
            "category": KANO_CATEGORY_LABELS[category],
        }
    if kind == QuestionKind.SERVQUAL and answer.value and answer.second:
        return _("expected %(e)s · perceived %(p)s · S = %(s)s · c = %(c)s") % {
            "e": answer.value,
            "p": answer.second,
            "s": answer.second - answer.value,
            "c": f"{answer.second / answer.value:.2f}",
        }
    if kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7) and answer.value:
        labels = scale_labels(kind)
        return f"{answer.value} · {labels[answer.value - 1]}"
    if kind == QuestionKind.ALLOCATION and answer.value is not None:
        return _("%(points)s points") % {"points": answer.value}
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        options = dict(question.option_labels())
        return "、".join(options.get(value, value) for value in answer.text.split(",") if value)
    if answer.value is not None:
        return str(answer.value)
    return answer.text


def panel_context(customer: Customer, waves: Any) -> dict[str, Any]:
    responses = list(
        Response.objects.filter(customer=customer, wave__in=waves)
        .select_related("wave__version__instrument")
        .order_by("-started_at", "-pk")[:LIMIT]
    )
    answers = defaultdict(list)
    for answer in (
        Answer.objects.filter(response__in=responses)
        .select_related("question")
        .order_by("question__position")
    ):
        answers[answer.response_id].append(answer)
    rows = []
    history: dict[str, dict[int, Gap]] = defaultdict(dict)
    for response in responses:
        gaps = customer_gaps(answers[response.pk])
        for dimension, gap in gaps.items():
            history[dimension][response.pk] = gap
        rows.append(
            {
                "response": response,
                "wave": response.wave,
                "complete": response.status == ResponseStatus.COMPLETE,
                "answers": [
                    {"question": a.question.text, "answer": _display(a)}
                    for a in answers[response.pk]
                ],
            }
        )
    with_gaps = [
        row for row in reversed(rows) if any(row["response"].pk in h for h in history.values())
    ]
    gap_rows = [
        {
            "label": str(DIMENSION_LABELS.get(dimension, dimension)),
            "cells": [
                None
                if (gap := by_response.get(row["response"].pk)) is None
                else {
                    "e": round(gap.expectation, 2),
                    "p": round(gap.perception, 2),
                    "gap": round(gap.gap, 2),
                    "ratio": round(gap.ratio, 2),
                    "negative": gap.gap < 0,
                }
                for row in with_gaps
            ],
        }
        for dimension, by_response in history.items()
    ]
    return {
        "customer": customer,
        "rows": rows,
        "gap_waves": [row["wave"] for row in with_gaps],
        "gap_rows": gap_rows,
    }


def survey_panel(request: HttpRequest, customer: Customer) -> Panel | None:
    """The customer page's survey section, for users who may read surveys."""
    if not can(request.user, Action.VIEW_SURVEYS):
        return None
    return Panel(
        "surveys/_customer_panel.html",
        panel_context(customer, Wave.objects.for_user(request.user)),
    )
