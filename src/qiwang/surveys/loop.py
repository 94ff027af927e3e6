"""Closing the loop: a complete response that meets its wave's follow-up rule gives the
customer's account manager a follow-up task (``customers.services.create_follow_up``).

Called explicitly, through :func:`response_completed`, by every path that completes a response
(the answer pages and API through ``responding.save_answers``, the import) inside its
transaction (no signals). Other apps hear about completed responses through
:data:`COMPLETION_HOOKS` (the webhooks app appends one in its ``AppConfig.ready``), so that this
app never imports them. Other modules hook in through :data:`FOLLOW_UP_HOOKS`: the complaints
app, when it exists, appends a callable that opens a complaint case for the same response, e.g.
``FOLLOW_UP_HOOKS.append(open_complaint_for_survey)`` in its ``AppConfig.ready``; each hook gets
the response, the customer and the reason, and must be idempotent per response.

The follow-up is due the same day and urgent (first in the account manager's "My day", with an
alert by e-mail / SMS as ``QIWANG_FOLLOW_UP_ALERTS`` says). Its reason is stored as data —
code :data:`REASON_CODE` and parameters ``{"wave", "wave_name", "answers": [{"question",
"attribute", "kind", "value", "scale"}]}`` — and rendered in the reader's language by
:func:`render_follow_up` (registered with ``customers.texts.register_renderer``); the hooks get
a :class:`FollowUpReason`: the sentence in the site's language (what a complaint or a webhook
stores) carrying the same code and parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qiwang.customers.models import Customer
from qiwang.customers.services import create_follow_up
from qiwang.surveys.choices import FollowUpRule, QuestionKind
from qiwang.surveys.models import Answer, Question, Response, Wave

FollowUpHook = Callable[[Response, Customer, str], None]
CompletionHook = Callable[[Response, Wave, list[tuple[Question, Answer]]], None]


#: The follow-up reason's code (``ContactTask.note_code``).
REASON_CODE = "survey_follow_up"


class FollowUpReason(str):
    """The reason handed to the hooks: the sentence in the site's language (a ``str``, for the
    hooks that store text) with its :attr:`code` and :attr:`params` (for those that render at
    display time)."""

    code: str
    params: dict[str, Any]

    def __new__(cls, text: str, params: dict[str, Any]) -> FollowUpReason:
        reason = super().__new__(cls, text)
        reason.code = REASON_CODE
        reason.params = params
        return reason


def _account_manager_task(response: Response, customer: Customer, reason: str) -> None:
    params = getattr(reason, "params", None)
    create_follow_up(
        customer,
        reason=str(reason),
        due=timezone.localdate(),  # a very bad answer is followed up the same day
        source=f"survey-response:{response.pk}",
        reason_code=REASON_CODE if params else "",
        reason_params=params,
        urgent=True,
    )


#: Called in order for every response that meets its wave's rule.
FOLLOW_UP_HOOKS: list[FollowUpHook] = [_account_manager_task]


def follow_up_params(
    wave: Wave, answers: Iterable[tuple[Question, Answer]]
) -> dict[str, Any] | None:
    """The answers that meet the wave's rule, as data (question id and key, kind, value, top of
    the scale), or ``None`` when none does."""
    items = []
    for question, answer in answers:
        if answer.value is None:
            continue
        if wave.follow_up_rule == FollowUpRule.LOW_RATING and question.kind in (
            QuestionKind.SCALE_5,
            QuestionKind.SCALE_7,
        ):
            if answer.value <= wave.follow_up_threshold:
                high = 5 if question.kind == QuestionKind.SCALE_5 else 7
                items.append(_item(question, "rating", answer.value, high))
        elif (
            wave.follow_up_rule == FollowUpRule.NPS_DETRACTOR
            and question.kind == QuestionKind.NPS
            and answer.value <= 6
        ):
            items.append(_item(question, "nps", answer.value, 10))
    if not items:
        return None
    return {"wave": wave.pk, "wave_name": wave.name, "answers": items}


def _item(question: Question, kind: str, value: int, scale: int) -> dict[str, Any]:
    return {
        "question": question.pk,
        "attribute": question.attribute,
        "kind": kind,
        "value": int(value),
        "scale": scale,
    }


def render_follow_up(
    params: Mapping[str, Any], questions: Mapping[int, Question] | None = None
) -> str:
    """The reason in the active language: each question's wording in that language (read by id,
    one query, unless ``questions`` are given; the key when the question is gone)."""
    answers = list(params["answers"])
    if questions is None:
        ids = [item["question"] for item in answers]
        questions = Question.objects.in_bulk(ids)
    reasons = []
    for item in answers:
        question = questions.get(item["question"])
        wording = question.text if question is not None else item["attribute"]
        if item["kind"] == "nps":
            reasons.append(
                _("“%(question)s”: %(value)s of 10 (detractor)")
                % {"question": wording, "value": item["value"]}
            )
        else:
            reasons.append(
                _("“%(question)s”: %(value)s of %(high)s")
                % {"question": wording, "value": item["value"], "high": item["scale"]}
            )
    return _("Survey “%(wave)s”: %(reasons)s") % {
        "wave": params["wave_name"],
        "reasons": "; ".join(reasons),
    }


def follow_up_reason(
    wave: Wave, answers: Iterable[tuple[Question, Answer]]
) -> FollowUpReason | None:
    """Why this response needs a follow-up under the wave's rule, or ``None``: the sentence in
    the site's language with its data (:class:`FollowUpReason`)."""
    pairs = list(answers)
    params = follow_up_params(wave, pairs)
    if params is None:
        return None
    questions = {question.pk: question for question, _answer in pairs}
    with translation.override(settings.LANGUAGE_CODE):
        text = render_follow_up(params, questions)
    return FollowUpReason(text, params)


def close_the_loop(
    response: Response, wave: Wave, answers: Iterable[tuple[Question, Answer]]
) -> bool:
    """Run the hooks when the response meets its wave's rule; ``True`` when it did."""
    if not wave.follow_up_rule or response.customer_id is None:
        return False
    reason = follow_up_reason(wave, answers)
    if reason is None:
        return False
    customer = Customer.objects.get(pk=response.customer_id)
    for hook in FOLLOW_UP_HOOKS:
        hook(response, customer, reason)
    return True


#: Called in order for every response that becomes complete, inside the completing transaction,
#: after :func:`close_the_loop`. A hook must be cheap when it has nothing to do (the submission
#: path is benchmarked) and must not commit or call out over the network: whatever it writes is
#: rolled back with the response.
COMPLETION_HOOKS: list[CompletionHook] = []

#: Cheap predicates, one per app with a completion hook: "may my hook write anything for a
#: response of this branch?" (webhooks: does an endpoint cover the branch — a cached set, no
#: query). The one-statement submission path (qiwang.surveys.submission) is taken when no
#: follow-up is due and every interested app has a statement part (:data:`STATEMENT_PARTS`);
#: otherwise the response is stored in a transaction that runs the hooks.
COMPLETION_INTEREST: list[Callable[[int], bool]] = []


@dataclass(frozen=True)
class StatementPart:
    """What a completion hook would write, as more common table expressions of the one prepared
    statement that stores the response (``qiwang.surveys.submission``). ``ctes`` starts with a
    comma and may read ``ins(id)``, the inserted response (empty when the submission key was
    taken: then nothing may be written); ``params`` are its bound values in text order. The text
    must depend only on the hook's shape, never on values, so that the statement stays prepared."""

    ctes: str
    params: list[Any]


#: Interest predicate → a function ``(response, wave, answers) -> StatementPart | None`` that
#: does that app's hook work inside the one statement (``None``: it cannot this time; the
#: transaction with the hooks is used). An app registers one next to its interest to keep the
#: one-round-trip path when its hook has work (webhooks: the outbox row and its task).
STATEMENT_PARTS: dict[
    Callable[[int], bool], Callable[[Response, Wave, list[tuple[Question, Answer]]], Any]
] = {}


def statement_parts(
    response: Response, wave: Wave, answers: Iterable[tuple[Question, Answer]]
) -> list[StatementPart] | None:
    """The statement parts that do everything completing ``response`` writes besides itself, or
    ``None`` when some of it must run in Python (a follow-up is due, or an interested app has no
    statement part or declines this time). An empty list: nothing else is written."""
    pairs = list(answers)
    if (
        wave.follow_up_rule
        and response.customer_id is not None
        and follow_up_params(wave, pairs) is not None
    ):
        return None
    parts: list[StatementPart] = []
    for interested in COMPLETION_INTEREST:
        if not interested(response.branch_id):
            continue
        contributor = STATEMENT_PARTS.get(interested)
        part = contributor(response, wave, pairs) if contributor else None
        if part is None:
            return None
        parts.append(part)
    return parts


def response_completed(
    response: Response, wave: Wave, answers: Iterable[tuple[Question, Answer]]
) -> bool:
    """Everything that follows a completed response: the wave's follow-up rule
    (:func:`close_the_loop`), then every :data:`COMPLETION_HOOKS` entry. Returns what
    :func:`close_the_loop` returned (whether a follow-up was asked for)."""
    pairs = list(answers)
    followed_up = close_the_loop(response, wave, pairs)
    for hook in COMPLETION_HOOKS:
        hook(response, wave, pairs)
    return followed_up
