"""What the surveys app holds about a customer, for the personal-data copy and erasure
(``qiwang.customers.privacy``): invitations, responses and answers.

Erasure keeps every response and every numeric answer (the tallies and analyses do not change)
and blanks free-text answers, whose words may identify the customer; their sentiment labels stay.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from qiwang.customers.models import Customer
from qiwang.customers.privacy import Identifiers, Section, Source, model_section, register
from qiwang.surveys.models import Answer, Invitation, Response

__all__ = ["register_source"]


def _answer_rows(customer: Customer) -> list[dict[str, Any]]:
    answers = (
        Answer.objects.filter(response__customer=customer)
        .select_related("question", "response__wave")
        .order_by("response_id", "question__position")
    )
    return [
        {
            "wave": str(answer.response.wave),
            "question": answer.question.text_zh
            + (f" / {answer.question.text_en}" if answer.question.text_en else ""),
            "value": answer.value,
            "second": answer.second,
            "importance": answer.importance,
            "text": answer.text,
        }
        for answer in answers
    ]


def _collect(customer: Customer) -> Iterable[Section]:
    yield model_section(
        "survey_invitations",
        Invitation.objects.filter(customer=customer),
        exclude=("token_hash",),
    )
    yield model_section(
        "survey_responses",
        Response.objects.filter(customer=customer),
        exclude=("submission_key", "tally_batch"),
    )
    yield Section(
        "survey_answers",
        _("answers"),
        [
            ("wave", _("wave")),
            ("question", _("question")),
            ("value", _("value")),
            ("second", _("second value")),
            ("importance", _("importance")),
            ("text", _("text")),
        ],
        _answer_rows(customer),
    )


def _erase(customer: Customer, ids: Identifiers) -> dict[str, int]:
    texts = Answer.objects.filter(response__customer=customer).exclude(text="")
    return {"answer_texts": texts.update(text="")}


def register_source() -> None:
    register(Source("surveys", _collect, _erase))
