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
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.customers.models import Customer
from qiwang.customers.services import create_follow_up
from qiwang.surveys.choices import FollowUpRule, QuestionKind
from qiwang.surveys.models import Answer, Question, Response, Wave

FollowUpHook = Callable[[Response, Customer, str], None]
CompletionHook = Callable[[Response, Wave, list[tuple[Question, Answer]]], None]


def _account_manager_task(response: Response, customer: Customer, reason: str) -> None:
    create_follow_up(
        customer,
        reason=reason,
        due=timezone.localdate() + datetime.timedelta(days=1),
        source=f"survey-response:{response.pk}",
    )


#: Called in order for every response that meets its wave's rule.
FOLLOW_UP_HOOKS: list[FollowUpHook] = [_account_manager_task]


def follow_up_reason(wave: Wave, answers: Iterable[tuple[Question, Answer]]) -> str | None:
    """Why this response needs a follow-up under the wave's rule, or ``None``."""
    reasons = []
    for question, answer in answers:
        if answer.value is None:
            continue
        if wave.follow_up_rule == FollowUpRule.LOW_RATING and question.kind in (
            QuestionKind.SCALE_5,
            QuestionKind.SCALE_7,
        ):
            high = 5 if question.kind == QuestionKind.SCALE_5 else 7
            if answer.value <= wave.follow_up_threshold:
                reasons.append(
                    _("“%(question)s”: %(value)s of %(high)s")
                    % {"question": question.text_zh, "value": answer.value, "high": high}
                )
        elif (
            wave.follow_up_rule == FollowUpRule.NPS_DETRACTOR
            and question.kind == QuestionKind.NPS
            and answer.value <= 6
        ):
            reasons.append(
                _("“%(question)s”: %(value)s of 10 (detractor)")
                % {"question": question.text_zh, "value": answer.value}
            )
    if not reasons:
        return None
    return _("Survey “%(wave)s”: %(reasons)s") % {"wave": wave.name, "reasons": "; ".join(reasons)}


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
#: query). The one-statement submission path (qiwang.surveys.submission) is taken only when
#: every predicate says no and no follow-up is due; otherwise the response is stored in a
#: transaction that runs the hooks.
COMPLETION_INTEREST: list[Callable[[int], bool]] = []


def needs_hooks(response: Response, wave: Wave, answers: Iterable[tuple[Question, Answer]]) -> bool:
    """Whether completing ``response`` writes anything besides the response itself."""
    if any(interested(response.branch_id) for interested in COMPLETION_INTEREST):
        return True
    if not wave.follow_up_rule or response.customer_id is None:
        return False
    return follow_up_reason(wave, answers) is not None


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
