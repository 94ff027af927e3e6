"""The free-text section of the results page (an htmx fragment) and label corrections."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from qiwang.accounts.permissions import Action, can, require
from qiwang.errors import ServiceError
from qiwang.surveys import text_answers, text_services
from qiwang.surveys.models import Answer
from qiwang.surveys.presentation import DIMENSION_LABELS
from qiwang.surveys.results import wave_results
from qiwang.surveys.text_models import AnswerTextLabel, Sentiment
from qiwang.surveys.views import _visible_wave


@login_required
def wave_text_answers(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Labels what is still unlabelled (a bounded batch; the worker does the rest), then shows
    the comments with the chosen filters."""
    wave = _visible_wave(request, wave_id)
    run = text_services.label_wave_answers(wave, limit=text_answers.LABEL_ON_VIEW)
    if run.remaining:
        text_services.enqueue_labelling(wave)
    questions = list(wave.version.questions.all())
    services = [s.key or s.name for s in text_services.services_of(wave)]
    filters = text_answers.Filters.from_query(request.GET, questions, services)
    context = text_answers.section_context(
        wave, filters, results=wave_results(wave), pending=run.remaining
    )
    context["can_correct"] = can(request.user, Action.CHANGE_SURVEYS, wave)
    return render(request, "surveys/_text_answers.html", context)


@login_required
@require_POST
def text_label_correct(request: HttpRequest, wave_id: int, answer_id: int) -> HttpResponse:
    """Store a user's correction of one comment's labels; answer the updated row (htmx)."""
    wave = _visible_wave(request, wave_id)
    require(request.user, Action.CHANGE_SURVEYS, wave)
    answer = get_object_or_404(
        Answer.objects.select_related("question", "response"), pk=answer_id, response__wave=wave
    )
    error = None
    try:
        text_services.correct_text_label(
            actor=request.user,
            answer=answer,
            sentiment=request.POST.get("sentiment", ""),
            dimensions=request.POST.getlist("dimensions"),
        )
    except ServiceError as failure:
        error = failure
    label = AnswerTextLabel.objects.filter(answer=answer).select_related("answer").first()
    row = text_answers.comment_row(label, answer.question.text) if label else None
    return render(
        request,
        "surveys/_text_answer_row.html",
        {
            "wave": wave,
            "comment": row
            or {"answer_id": answer.pk, "text": answer.text, "dimensions": [], "services": []},
            "can_correct": True,
            "error": error,
            "sentiment_choices": [(s, Sentiment(s).label) for s in text_answers.SENTIMENTS],
            "dimension_choices": [(d, DIMENSION_LABELS[d]) for d in text_services.DIMENSION_FIELDS],
        },
        status=error.status_code if error else 200,
    )
