"""Preview an instrument as a respondent: the real answer page in a phone frame, nothing saved.

The latest version's questions, paged as the answer pages page them (``public.PAGE_SIZE``, the
allocation block and the display-logic page rule), drawn by ``surveys/public/page.html`` with the
respondent's labels, in the viewer's language (the frame's language switch changes it, as on the
real page). *Next* / *Back* move through the pages; *Submit* returns to the first page. Every
conditional question is shown, with its condition under the question.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from qiwang.surveys.presentation import question_pages
from qiwang.surveys.public import PAGE_SIZE, _field_view
from qiwang.surveys.views import _visible_instrument


@login_required
def instrument_preview(request: HttpRequest, instrument_id: int) -> HttpResponse:
    instrument = _visible_instrument(request, instrument_id)
    version = instrument.latest_version()
    questions = list(version.questions.order_by("position")) if version else []
    pages = question_pages(questions, PAGE_SIZE)
    base = reverse("surveys:instrument_preview", args=[instrument.pk])
    try:
        number = int(request.GET.get("page") or request.POST.get("page") or 1)
    except ValueError:
        number = 1
    number = min(max(number, 1), len(pages))
    if request.method == "POST":  # move on without saving anything
        action = request.POST.get("action", "next")
        target = {"back": number - 1, "submit": 1}.get(action, number + 1)
        return redirect(f"{base}?page={min(max(target, 1), len(pages))}")
    return render(
        request,
        "surveys/public/page.html",
        {
            "base_template": "surveys/preview_base.html",
            "preview": True,
            "instrument": instrument,
            "wave": SimpleNamespace(name=instrument.name, branch=instrument.branch),
            "fields": [{**_field_view(q, None, None), "errors": []} for q in pages[number - 1]],
            "number": number,
            "count": len(pages),
            "is_last": number == len(pages),
            "errors": [],
            "base": base,
        },
    )
