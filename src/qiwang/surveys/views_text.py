"""The free-text section of the results page (an htmx fragment) and label corrections."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from qiwang.accounts.permissions import Action, can, require
from qiwang.errors import ServiceError
from qiwang.surveys import text_answers, text_services
from qiwang.surveys.models import Answer, Wave
from qiwang.surveys.presentation import DIMENSION_LABELS
from qiwang.surveys.results import wave_results
from qiwang.surveys.text_models import AnswerTextLabel, Sentiment


def _visible_wave(request: HttpRequest, wave_id: int) -> Wave:
    require(request.user, Action.VIEW_SURVEYS)
    return get_object_or_404(
        Wave.objects.for_user(request.user).select_related("version__instrument", "branch"),
        pk=wave_id,
    )


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
    label = AnswerTextLabel.objects.filter(answer=answer).first()
    row = {
        "answer_id": answer.pk,
        "text": answer.text,
        "question": answer.question.text,
        "sentiment": label.sentiment if label else "neutral",
        "sentiment_label": Sentiment(label.sentiment).label if label else "",
        "score": round(label.score, 2) if label else None,
        "dimensions": [
            {"code": d, "label": DIMENSION_LABELS[d], "sentiment": getattr(label, d)}
            for d in (label.dimensions if label else [])
        ],
        "services": sorted(
            {
                str(a.get("name"))
                for a in (label.aspects if label else [])
                if a.get("kind") == "service"
            }
        ),
        "is_corrected": bool(label and label.is_corrected),
    }
    return render(
        request,
        "surveys/_text_answer_row.html",
        {
            "wave": wave,
            "comment": row,
            "can_correct": True,
            "error": error,
            "sentiment_choices": [(s, Sentiment(s).label) for s in text_answers.SENTIMENTS],
            "dimension_choices": [(d, DIMENSION_LABELS[d]) for d in text_services.DIMENSION_FIELDS],
        },
        status=error.status_code if error else 200,
    )
