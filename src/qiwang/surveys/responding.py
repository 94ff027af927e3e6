"""Answering a wave: resolve a token, validate answers, save partial pages, submit once.

Idempotency (ADR 0007): every response has a unique ``submission_key`` — ``i<invitation id>`` for
an invitation, ``o<wave id>-<browser key>`` for the anonymous open link, or a client-supplied key
over the API. Saving and submitting lock the response row; a second submit of a complete response
changes nothing and reports ``already_submitted``. Each save is one transaction: a page with one
bad answer stores none of its answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qiwang.errors import ServiceError
from qiwang.surveys.choices import InvitationStatus, QuestionKind, ResponseStatus
from qiwang.surveys.logic import hidden_questions
from qiwang.surveys.loop import response_completed
from qiwang.surveys.models import Answer, Invitation, InvitationToken, Question, Response, Wave
from qiwang.surveys.services import token_digest

#: (lowest, highest) accepted for ``value`` / ``second`` / ``importance`` of each kind.
RANGES: dict[str, tuple[int, int]] = {
    QuestionKind.KANO: (1, 5),
    QuestionKind.SERVQUAL: (1, 7),
    QuestionKind.SCALE_5: (1, 5),
    QuestionKind.SCALE_7: (1, 7),
    QuestionKind.NPS: (0, 10),
    QuestionKind.CES: (1, 7),
    QuestionKind.RATING_10: (1, 10),
    QuestionKind.ALLOCATION: (0, 100),
}
#: The points of a page's allocation questions must add up to exactly this (weighted SERVQUAL).
ALLOCATION_TOTAL = 100
IMPORTANCE_RANGE = (1, 5)
PAIRED = {QuestionKind.KANO, QuestionKind.SERVQUAL}


class TokenNotFound(Exception):
    """No invitation has this token (tampered or mistyped): answer 404."""


class WaveClosed(Exception):
    """The wave does not accept answers (closed, expired or not yet open): the polite 410 page."""

    def __init__(self, wave: Wave) -> None:
        self.wave = wave
        super().__init__(str(wave))


@dataclass(frozen=True)
class AnswerValues:
    value: int | None = None
    second: int | None = None
    importance: int | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self.value is None and self.second is None and not self.text


def invitation_for_token(token: str) -> Invitation:
    """The invitation of a link: its current token or an earlier one a reminder replaced."""
    digest = token_digest(token)
    invitations = Invitation.objects.select_related("wave__version", "customer")
    try:
        return invitations.get(token_hash=digest)
    except Invitation.DoesNotExist:
        earlier = InvitationToken.objects.filter(token_hash=digest).values("invitation_id")
        invitation = invitations.filter(pk__in=earlier).first()
        if invitation is None:
            raise TokenNotFound(token) from None
        return invitation


def _integer(raw: Any, question: Question, part: str, bounds: tuple[int, int]) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        number = int(str(raw).strip())
    except ValueError:
        number = None
    if number is None or not bounds[0] <= number <= bounds[1]:
        if question.kind == QuestionKind.ALLOCATION:
            message = _("“%(question)s”: give a whole number of points from %(low)s to %(high)s.")
        else:
            message = _("“%(question)s”: choose a value from %(low)s to %(high)s.")
        raise ServiceError(
            message % {"question": question.text, "low": bounds[0], "high": bounds[1]},
            field=f"{question.attribute}.{part}",
        )
    return number


def parse_answer(question: Question, raw: Mapping[str, Any]) -> AnswerValues:
    """Check one question's raw answer (``value``, ``second``, ``importance``, ``text``,
    ``choices``); raise :class:`ServiceError` naming the question."""
    kind = question.kind
    if kind in RANGES:
        bounds = RANGES[kind]
        value = _integer(raw.get("value"), question, "value", bounds)
        second = _integer(raw.get("second"), question, "second", bounds) if kind in PAIRED else None
        importance = None
        if question.asks_importance:
            importance = _integer(raw.get("importance"), question, "importance", IMPORTANCE_RANGE)
        return AnswerValues(value=value, second=second, importance=importance)
    if kind == QuestionKind.TEXT:
        text = str(raw.get("text") or "").strip()
        if len(text) > question.max_length:
            raise ServiceError(
                _("“%(question)s”: at most %(limit)s characters (you wrote %(length)s).")
                % {"question": question.text, "limit": question.max_length, "length": len(text)},
                field=f"{question.attribute}.text",
            )
        return AnswerValues(text=text)
    allowed = {str(option[0]) for option in question.options}
    chosen = raw.get("choices")
    if chosen is None:
        chosen = [raw["text"]] if raw.get("text") else []
    if isinstance(chosen, str):
        chosen = [chosen]
    chosen = [str(choice) for choice in chosen if str(choice)]
    bad = [choice for choice in chosen if choice not in allowed]
    if bad or (kind == QuestionKind.SINGLE and len(chosen) > 1):
        raise ServiceError(
            _("“%(question)s”: choose among the options shown.") % {"question": question.text},
            field=f"{question.attribute}.choices",
        )
    return AnswerValues(text=",".join(chosen))


def _is_complete(question: Question, values: AnswerValues | None) -> bool:
    if values is None:
        return False
    if question.kind in PAIRED:
        return values.value is not None and values.second is not None
    if question.kind in RANGES:
        return values.value is not None
    return bool(values.text)


def _missing_message(question: Question) -> str:
    if question.kind in PAIRED:
        return _("“%(question)s”: please answer both parts.") % {"question": question.text}
    return _("“%(question)s”: please answer this question.") % {"question": question.text}


def validate_page(
    questions: Iterable[Question],
    raw: Mapping[str, Mapping[str, Any]],
    *,
    require: bool,
    earlier: Mapping[str, Any] | None = None,
) -> dict[int, AnswerValues]:
    """Parse every question's answer; with ``require``, missing required answers are errors too.
    Raises one :class:`ServiceError` listing every problem (field ``<attribute>.<part>``).

    Display logic (``surveys.logic``): a question hidden by the answers — these and ``earlier``
    ones by attribute key — is not required and its answer is dropped."""
    questions = list(questions)
    parsed: dict[int, AnswerValues] = {}
    errors: dict[str, list[str]] = {}
    hidden: set[int] = set()
    if any(question.show_if for question in questions):
        answers = dict(earlier or {})
        for question in questions:
            try:
                answers[question.attribute] = parse_answer(
                    question, raw.get(question.attribute, {})
                )
            except ServiceError:
                answers.pop(question.attribute, None)
        hidden = hidden_questions(questions, answers)
    for question in questions:
        if question.pk in hidden:
            continue
        try:
            values = parse_answer(question, raw.get(question.attribute, {}))
        except ServiceError as error:
            for field, messages in error.errors.items():
                errors.setdefault(field, []).extend(messages)
            continue
        if require and question.is_required and not _is_complete(question, values):
            errors.setdefault(question.attribute, []).append(_missing_message(question))
            continue
        parsed[question.pk] = values
    if not errors:
        _check_allocation(questions, parsed, require=require, errors=errors)
    if errors:
        raise ServiceError(errors)
    return parsed


def _check_allocation(
    questions: list[Question],
    parsed: Mapping[int, AnswerValues],
    *,
    require: bool,
    errors: dict[str, list[str]],
) -> None:
    """The 100-point allocation of a page must add up to exactly 100 (Zeithaml, Parasuraman &
    Berry 1990). Checked when the respondent moves on or submits (blank points count as 0) and,
    on "save and finish later", once every allocation question of the page has points; an
    optional block left entirely blank is not an answer and passes."""
    block = [q for q in questions if q.kind == QuestionKind.ALLOCATION]
    if not block:
        return
    points = [parsed[q.pk].value if q.pk in parsed else None for q in block]
    given = [value for value in points if value is not None]
    if not given or (not require and len(given) < len(block)):
        return
    total = sum(given)
    if total != ALLOCATION_TOTAL:
        separator = ", " if translation.get_language() == "en" else "、"
        names = separator.join(f"“{q.text}”" for q in block)
        errors.setdefault(f"{block[0].attribute}.value", []).append(
            _("The points for %(questions)s must add up to %(expected)s; they add up to %(total)s.")
            % {"questions": names, "expected": ALLOCATION_TOTAL, "total": total}
        )


def _hidden_on_submit(
    response: Response, questions: list[Question], answered: dict[int, Answer]
) -> set[int]:
    """The questions the final answers hide; their answers (given before the respondent went
    back and changed an earlier one) are deleted and left out of ``answered``."""
    if not any(question.show_if for question in questions):
        return set()
    by_pk = {question.pk: question for question in questions}
    hidden = hidden_questions(
        questions, {by_pk[pk].attribute: a for pk, a in answered.items() if pk in by_pk}
    )
    dropped = [pk for pk in hidden if pk in answered]
    if dropped:
        Answer.objects.filter(response=response, question_id__in=dropped).delete()
        for pk in dropped:
            del answered[pk]
    return hidden


def start_response(
    *, wave: Wave, submission_key: str, invitation: Invitation | None = None
) -> Response:
    """The response for ``submission_key``, created on first use (safe under concurrent taps)."""
    existing = Response.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing
    customer = invitation.customer if invitation is not None else None
    try:
        with transaction.atomic():
            return Response.objects.create(
                wave=wave,
                invitation=invitation,
                customer=customer,
                branch_id=customer.branch_id if customer is not None else wave.branch_id,
                tier=customer.tier if customer is not None else "",
                submission_key=submission_key,
            )
    except IntegrityError:
        return Response.objects.get(submission_key=submission_key)


@dataclass(frozen=True)
class SaveResult:
    response: Response
    saved: int
    is_complete: bool
    already_submitted: bool = False


def save_answers(
    *,
    response: Response,
    questions: list[Question],
    raw: Mapping[str, Mapping[str, Any]],
    submit: bool = False,
    require_page: bool = True,
    now: Any = None,
    all_questions: list[Question] | None = None,
) -> SaveResult:
    """Save one page of answers; with ``submit``, also check every required question of the
    instrument is answered and mark the response complete. One transaction: all or nothing.
    ``all_questions`` (every question of the wave's version), when the caller has them, saves
    reading them again."""
    now = now or timezone.now()
    wave = response.wave
    if not wave.accepts_answers(now):
        raise WaveClosed(wave)
    earlier = None
    if any(question.show_if for question in questions):  # display logic: the answers so far
        earlier = {
            answer.question.attribute: answer
            for answer in Answer.objects.filter(response=response).select_related("question")
        }
    parsed = validate_page(questions, raw, require=require_page or submit, earlier=earlier)
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status == ResponseStatus.COMPLETE:
            return SaveResult(locked, 0, True, already_submitted=True)
        kept = {pk: values for pk, values in parsed.items() if not values.is_empty}
        current = {a.question_id: a for a in Answer.objects.filter(response=locked)}
        new, changed = [], []
        for question_pk, values in kept.items():
            answer = current.get(question_pk)
            if answer is None:
                new.append(Answer(response=locked, question_id=question_pk, **values.__dict__))
            else:
                for name, value in values.__dict__.items():
                    setattr(answer, name, value)
                changed.append(answer)
        Answer.objects.bulk_create(new)
        if changed:
            Answer.objects.bulk_update(changed, ["value", "second", "importance", "text"])
        if submit:
            answered = dict(current) | {a.question_id: a for a in new}
            missing = {}
            if all_questions is None:
                all_questions = list(wave.version.questions.order_by("position"))
            hidden = _hidden_on_submit(locked, all_questions, answered)
            for question in all_questions:
                if question.pk in hidden:
                    continue
                answer = answered.get(question.pk)
                values = (
                    AnswerValues(answer.value, answer.second, answer.importance, answer.text)
                    if answer is not None
                    else None
                )
                if question.is_required and not _is_complete(question, values):
                    missing[question.attribute] = [_missing_message(question)]
            if missing:
                raise ServiceError(missing)
            locked.status = ResponseStatus.COMPLETE
            locked.submitted_at = now
            locked.save(update_fields=["status", "submitted_at"])
            by_pk = {question.pk: question for question in all_questions}
            response_completed(
                locked,
                wave,
                [(by_pk[pk], answer) for pk, answer in answered.items() if pk in by_pk],
            )
            if locked.invitation_id:
                Invitation.objects.filter(pk=locked.invitation_id).update(
                    status=InvitationStatus.RESPONDED, responded_at=now
                )
    return SaveResult(locked, len(kept), locked.status == ResponseStatus.COMPLETE)


def mark_opened(invitation: Invitation) -> None:
    # Queued: a retry is waiting, but an earlier attempt's message arrived (surveys.sending).
    opened_from = (InvitationStatus.SENT, InvitationStatus.QUEUED)
    if invitation.status in opened_from:
        Invitation.objects.filter(pk=invitation.pk, status__in=opened_from).update(
            status=InvitationStatus.OPENED, opened_at=timezone.now()
        )


def opt_out(invitation: Invitation) -> None:
    """The customer asks not to be surveyed again: honoured by every later sample."""
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(
            status=InvitationStatus.OPTED_OUT, opted_out_at=timezone.now()
        )
