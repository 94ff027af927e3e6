"""The curated question library: save a question of an instrument to its branch's library, list
and remove entries (issue 14, item 6). Copying into an instrument is ``views.instrument_question_copy``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts.permissions import Action, can, require
from qiwang.errors import ServiceError
from qiwang.surveys.library import curated_questions, remove_from_library, save_to_library
from qiwang.surveys.models import Instrument, LibraryQuestion


@login_required
def library_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_SURVEYS)
    entries = curated_questions(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        lowered = query.lower()
        entries = [
            e
            for e in entries
            if lowered in e.text_zh.lower()
            or lowered in e.text_en.lower()
            or lowered in e.attribute
        ]
    return render(
        request,
        "surveys/library.html",
        {
            "entries": entries,
            "query": query,
            "can_change": can(request.user, Action.CHANGE_SURVEYS),
        },
    )


@login_required
@require_POST
def library_save(request: HttpRequest, instrument_id: int, attribute: str) -> HttpResponse:
    require(request.user, Action.VIEW_SURVEYS)
    instrument = get_object_or_404(Instrument.objects.for_user(request.user), pk=instrument_id)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    version = instrument.latest_version()
    question = get_object_or_404(
        version.questions if version else LibraryQuestion.objects.none(), attribute=attribute
    )
    try:
        _entry, created = save_to_library(actor=request.user, question=question)
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(
            request,
            (
                _("“%(key)s” is now in the question library of %(branch)s.")
                if created
                else _("The library's “%(key)s” of %(branch)s now has this wording.")
            )
            % {"key": attribute, "branch": instrument.branch.name},
        )
    return redirect(reverse("surveys:instrument", args=[instrument.pk]))


@login_required
@require_POST
def library_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    require(request.user, Action.CHANGE_SURVEYS)
    entry = get_object_or_404(LibraryQuestion.objects.for_user(request.user), pk=entry_id)
    try:
        remove_from_library(actor=request.user, entry=entry)
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(
            request, _("“%(key)s” is no longer in the library.") % {"key": entry.attribute}
        )
    return redirect("surveys:library")
