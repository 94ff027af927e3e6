"""Public answer pages: no account, phone-first, plain forms (no script needed).

``/s/<token>/`` answers an invitation; ``/s/o/<wave>/<token>/`` the anonymous open link (one
response per browser, kept in a cookie). Pages of a few questions each, saved as the respondent
goes, so a respondent can leave and come back. Rate-limited per address with every other public
page (``qiwang.accounts.limits.PublicRateLimitMiddleware``).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from qiwang.accounts.limits import hit, parse_rate, peek, rate_limited_response
from qiwang.accounts.security import client_ip
from qiwang.customers.messaging import MessagingError
from qiwang.errors import ServiceError
from qiwang.operations.metrics import count_submission
from qiwang.surveys import wechat_oauth
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.logic import hidden_questions
from qiwang.surveys.models import Answer, Question, Response, Wave
from qiwang.surveys.presentation import question_pages, respondent_labels
from qiwang.surveys.responding import (
    IMPORTANCE_RANGE,
    PAIRED,
    RANGES,
    TokenNotFound,
    WaveClosed,
    invitation_for_token,
    mark_opened,
    opt_out,
    save_answers,
    start_response,
)
from qiwang.surveys.services import check_open_link_token

logger = logging.getLogger(__name__)

PAGE_SIZE = 4
OPEN_COOKIE = "qw_open_{wave}"


def open_link_completes_limit() -> tuple[int, str]:
    """``QIWANG_OPEN_LINK_COMPLETES`` as (count, "day") for the wave page."""
    count, period = parse_rate(settings.QIWANG_OPEN_LINK_COMPLETES)
    names = {
        1: pgettext("rate period", "second"),
        60: pgettext("rate period", "minute"),
        3600: pgettext("rate period", "hour"),
        86400: pgettext("rate period", "day"),
    }
    return count, names[period]


def _pages(questions: list[Question]) -> list[list[Question]]:
    # An allocation block stays on one page: its points must add up to 100 together.
    return question_pages(questions, PAGE_SIZE)


def _raw_from_post(request: HttpRequest, questions: list[Question]) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for question in questions:
        prefix = question.attribute
        entry: dict[str, Any] = {
            part: request.POST.get(f"{prefix}.{part}", "")
            for part in ("value", "second", "importance", "text")
        }
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            entry["choices"] = request.POST.getlist(f"{prefix}.choices")
        raw[prefix] = entry
    return raw


def _closed(request: HttpRequest, wave: Wave) -> HttpResponse:
    return render(request, "surveys/public/closed.html", {"wave": wave}, status=410)


def _field_view(question: Question, saved: Answer | None, posted: dict[str, Any] | None) -> dict:
    """What the template needs to draw one question, with the saved or posted answer."""

    def current(part: str) -> str:
        if posted is not None:
            value = posted.get(part, "")
            return ",".join(value) if isinstance(value, list) else str(value)
        if saved is None:
            return ""
        value = getattr(saved, part)
        return "" if value is None else str(value)

    view: dict[str, Any] = {"q": question, "kind": question.kind}
    if question.kind in RANGES:
        low, high = RANGES[question.kind]
        labels = respondent_labels(question.kind)
        view["levels"] = list(zip(range(low, high + 1), labels, strict=True))
        view["value"], view["second"] = current("value"), current("second")
        view["paired"] = question.kind in PAIRED
        if question.asks_importance:
            view["importance_levels"] = list(range(IMPORTANCE_RANGE[0], IMPORTANCE_RANGE[1] + 1))
            view["importance"] = current("importance")
    elif question.kind == QuestionKind.TEXT:
        view["text"] = current("text")
    else:
        chosen = posted.get("choices", []) if posted is not None else current("text").split(",")
        view["options"] = [
            (value, text, value in chosen) for value, text in question.option_labels()
        ]
    return view


def _answer_page(
    request: HttpRequest, response: Response, *, base: str, extra: dict[str, Any]
) -> HttpResponse:
    wave = response.wave
    if not wave.accepts_answers():
        return _closed(request, wave)
    if response.status == ResponseStatus.COMPLETE:
        return render(request, "surveys/public/thanks.html", {"wave": wave, "already": True})
    questions = list(wave.version.questions.order_by("position"))
    pages = _pages(questions)
    # An open-link response not yet stored (a bare visit) has no answers.
    saved = (
        {a.question_id: a for a in Answer.objects.filter(response=response)}
        if response.pk is not None
        else {}
    )
    # Display logic: what the saved answers hide (a conditional question's source is always on
    # an earlier page, so it is saved before the page is drawn).
    hidden = hidden_questions(
        questions, {q.attribute: saved[q.pk] for q in questions if q.pk in saved}
    )
    try:
        number = int(request.GET.get("page") or request.POST.get("page") or 0)
    except ValueError:
        number = 0
    if not 1 <= number <= len(pages):
        # Resume where the respondent stopped: the first page with an unanswered question.
        number = next(
            (
                i
                for i, page in enumerate(pages, 1)
                if any(q.pk not in saved and q.pk not in hidden for q in page)
            ),
            len(pages),
        )
    page = [q for q in pages[number - 1] if q.pk not in hidden]
    is_last = number == len(pages)
    if not page and not is_last and request.method == "GET":
        # every question of this page is hidden by earlier answers: skip it
        step = -1 if request.GET.get("back") and number > 1 else 1
        return redirect(f"{base}?page={number + step}" + ("&back=1" if step < 0 else ""))
    errors: dict[str, list[str]] = {}
    posted: dict[str, dict[str, Any]] | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "next")
        posted = _raw_from_post(request, page)
        try:
            result = save_answers(
                response=response,
                questions=page,
                raw=posted,
                submit=is_last and action == "submit",
                require_page=action in ("next", "submit"),
                all_questions=questions,
            )
        except WaveClosed:
            return _closed(request, wave)
        except ServiceError as error:
            errors = error.errors
            status = 422
        else:
            if result.is_complete:
                count_submission("already_submitted" if result.already_submitted else "stored")
                return redirect(f"{base}done/")
            if action == "later":
                return render(request, "surveys/public/saved.html", {"wave": wave, "link": base})
            if action == "back":
                return redirect(f"{base}?page={max(number - 1, 1)}&back=1")
            return redirect(f"{base}?page={min(number + 1, len(pages))}")
        # A submit can fail on a question of an earlier page: show where.
        outside = [
            field for field in errors if field.split(".")[0] not in {q.attribute for q in page}
        ]
        if outside:
            extra = {**extra, "elsewhere": outside}
    fields = []
    for question in page:
        view = _field_view(
            question, saved.get(question.pk), posted.get(question.attribute) if posted else None
        )
        view["errors"] = [
            message
            for field, messages in errors.items()
            if field.split(".")[0] == question.attribute
            for message in messages
        ]
        fields.append(view)
    all_errors = [message for messages in errors.values() for message in messages]
    return render(
        request,
        "surveys/public/page.html",
        {
            "wave": wave,
            "fields": fields,
            "number": number,
            "count": len(pages),
            "is_last": is_last,
            "errors": all_errors,
            "base": base,
            **extra,
        },
        status=status,
    )


@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for_token(token)
    except TokenNotFound:
        return render(request, "surveys/public/not_found.html", status=404)
    if invitation.opted_out_at is not None:
        return render(request, "surveys/public/opted_out.html", {"wave": invitation.wave})
    wave = invitation.wave
    if not wave.accepts_answers():
        return _closed(request, wave)
    base = reverse("survey_public:answer", args=[token])
    if wechat_oauth.wants_openid(request, invitation):
        # Round the Official Account's authorise page for the openid (scope snsapi_base, no
        # consent screen); it comes back to answer_wechat, which always returns here.
        callback = request.build_absolute_uri(reverse("survey_public:wechat", args=[token]))
        return redirect(wechat_oauth.authorize_url(redirect_uri=callback, token=token))
    mark_opened(invitation)
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    return _answer_page(request, response, base=base, extra={"opt_out": f"{base}opt-out/"})


@never_cache
def answer_wechat(request: HttpRequest, token: str) -> HttpResponse:
    """Back from the Official Account's authorise page: the openid for the code goes on the
    customer if they have none (:mod:`qiwang.surveys.wechat_oauth`). Whatever happens, the
    respondent goes on to the survey, marked so that the page does not send them round again."""
    try:
        invitation = invitation_for_token(token)
    except TokenNotFound:
        return render(request, "surveys/public/not_found.html", status=404)
    survey = f"{reverse('survey_public:answer', args=[token])}?{wechat_oauth.DONE_MARK}=1"
    code = request.GET.get("code", "")
    if not code or not wechat_oauth.collecting():
        # refused, or opened outside WeChat: the platform comes back without a code
        logger.info("invitation %s: back from WeChat without a code", invitation.pk)
        return redirect(survey)
    if not wechat_oauth.check_state(token, request.GET.get("state", "")):
        logger.warning(
            "invitation %s: WeChat authorisation state invalid or expired", invitation.pk
        )
        return redirect(survey)
    if invitation.customer_id is None or invitation.customer.wechat_openid:
        return redirect(survey)
    limit, period = parse_rate(settings.QIWANG_WECHAT_OAUTH_RATE)
    if not hit(f"wechat-oauth:{client_ip(request)}", limit=limit, period=period).allowed:
        logger.warning("invitation %s: WeChat code exchanges over the rate limit", invitation.pk)
        return redirect(survey)
    try:
        openid = wechat_oauth.exchange_code(code[:512])
    except MessagingError as error:
        logger.warning("invitation %s: WeChat code exchange failed: %s", invitation.pk, error)
        return redirect(survey)
    wechat_oauth.store_openid(invitation, openid)
    return redirect(survey)


@never_cache
def answer_done(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for_token(token)
    except TokenNotFound:
        return render(request, "surveys/public/not_found.html", status=404)
    return render(request, "surveys/public/thanks.html", {"wave": invitation.wave})


@require_POST
def answer_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for_token(token)
    except TokenNotFound:
        return render(request, "surveys/public/not_found.html", status=404)
    opt_out(invitation)
    return render(request, "surveys/public/opted_out.html", {"wave": invitation.wave})


def _open_wave(wave_id: int, token: str) -> Wave | None:
    wave = Wave.objects.select_related("version").filter(pk=wave_id).first()
    if wave is None or not check_open_link_token(wave, token):
        return None
    return wave


@never_cache
def open_link(request: HttpRequest, wave_id: int, token: str) -> HttpResponse:
    """The anonymous open link: one response per browser (cookie), rate-limited per address."""
    wave = _open_wave(wave_id, token)
    if wave is None:
        return render(request, "surveys/public/not_found.html", status=404)
    if not wave.accepts_answers():
        return _closed(request, wave)
    cookie = OPEN_COOKIE.format(wave=wave.pk)
    key = request.COOKIES.get(cookie, "")
    if not (16 <= len(key) <= 64 and key.isalnum()):
        key = secrets.token_hex(16)
    submission_key = f"o{wave.pk}-{key}"
    base = reverse("survey_public:open", args=[wave.pk, token])
    response = Response.objects.filter(submission_key=submission_key).first()
    if request.method != "POST":
        # A bare visit writes nothing: the response is stored with its first answers.
        page = _answer_page(
            request,
            response or Response(wave=wave, branch_id=wave.branch_id, submission_key=""),
            base=base,
            extra={},
        )
    else:
        page = _post_open_answers(request, wave, response, submission_key, base)
    page.set_cookie(
        cookie,
        key,
        max_age=60 * 60 * 24 * 180,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,  # Secure in production (issue 10)
    )
    return page


def _post_open_answers(
    request: HttpRequest, wave: Wave, response: Response | None, submission_key: str, base: str
) -> HttpResponse:
    """Answers posted on the open link: the response is created now (and dropped again if the
    page is refused); completing one counts against ``QIWANG_OPEN_LINK_COMPLETES`` for the
    client's address."""
    limit, period = parse_rate(settings.QIWANG_OPEN_LINK_COMPLETES)
    bucket = f"open-complete:{wave.pk}:{client_ip(request)}"
    was_complete = response is not None and response.status == ResponseStatus.COMPLETE
    if request.POST.get("action") == "submit" and not was_complete:
        verdict = peek(bucket, limit=limit, period=period)
        if not verdict.allowed:
            detail = _(
                "This network address has already completed %(count)s answers to this survey; "
                "try again later."
            ) % {"count": verdict.hits}
            return rate_limited_response(request, verdict.retry_after, detail=detail)
    with transaction.atomic():
        if response is None:
            response = start_response(wave=wave, submission_key=submission_key)
        page = _answer_page(request, response, base=base, extra={})
        if page.status_code >= 400:
            transaction.set_rollback(True)
    if (
        not was_complete
        and page.status_code == 302
        and Response.objects.filter(pk=response.pk, status=ResponseStatus.COMPLETE).exists()
    ):
        hit(bucket, limit=limit, period=period)
        burst_limit, burst_period = parse_rate(settings.QIWANG_OPEN_LINK_BURST)
        burst = hit(f"open-burst:{bucket}", limit=burst_limit, period=burst_period)
        if not burst.allowed:
            Response.objects.filter(pk=response.pk).update(is_burst=True)
    return page


@never_cache
def open_link_done(request: HttpRequest, wave_id: int, token: str) -> HttpResponse:
    wave = _open_wave(wave_id, token)
    if wave is None:
        return render(request, "surveys/public/not_found.html", status=404)
    return render(request, "surveys/public/thanks.html", {"wave": wave})
