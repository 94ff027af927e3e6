"""Manager pages: waves, instruments from templates, a new wave, sample preview, sending,
the QR code of the open link, and the results page."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from qiwang.accounts.permissions import Action, can, require
from qiwang.errors import ServiceError
from qiwang.surveys import exports, trends
from qiwang.surveys.choices import InvitationChannel, WaveStatus
from qiwang.surveys.forms import DIMENSION_SUGGESTIONS, QuestionForm, TemplateForm, WaveForm
from qiwang.surveys.invitees import STATES, invitees
from qiwang.surveys.library import LIBRARY_FIELDS, curated_questions, library_questions
from qiwang.surveys.models import Instrument, Wave
from qiwang.surveys.presentation import min_n, results_context, trend_labels
from qiwang.surveys.public import open_link_completes_limit
from qiwang.surveys.results import wave_results
from qiwang.surveys.results_conditions import conditions_seen
from qiwang.surveys.sending import progress as sending_progress
from qiwang.surveys.services import (
    InstrumentChange,
    add_question,
    close_wave,
    create_instrument_from_template,
    create_wave,
    draw_sample,
    move_question,
    open_link_token,
    remove_question,
    revise_instrument,
    send_reminders,
    send_wave,
)
from qiwang.surveys.views_logic import condition_sources, editor_context, show_if_from_post


def _form_errors(form, error: ServiceError) -> None:  # type: ignore[no-untyped-def]
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@login_required
def wave_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_SURVEYS)
    waves = Wave.objects.for_user(request.user).with_counts()
    instruments = Instrument.objects.for_user(request.user).prefetch_related("versions")
    return render(
        request,
        "surveys/wave_list.html",
        {
            "waves": waves,
            "instruments": instruments,
            "can_change": can(request.user, Action.CHANGE_SURVEYS),
        },
    )


@login_required
def instrument_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.CHANGE_SURVEYS)
    form = TemplateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            instrument = create_instrument_from_template(
                actor=request.user,
                template=form.cleaned_data["template"],
                branch=form.cleaned_data["branch"],
                name=form.cleaned_data["name"],
                allocation=form.cleaned_data["allocation"],
            )
        except ServiceError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Instrument created from the template."))
            return redirect("surveys:instrument", instrument_id=instrument.pk)
    return render(
        request,
        "surveys/instrument_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


def _visible_instrument(request: HttpRequest, instrument_id: int) -> Instrument:
    require(request.user, Action.VIEW_SURVEYS)
    return get_object_or_404(
        Instrument.objects.for_user(request.user).select_related("branch"), pk=instrument_id
    )


def _instrument_page(
    request: HttpRequest,
    instrument: Instrument,
    *,
    form: QuestionForm | None = None,
    error: ServiceError | None = None,
    notice: str = "",
    status: int = 200,
    condition_post: tuple[str, Any] | None = None,
) -> HttpResponse:
    """The instrument page: its latest version's questions, the wording form, the move and
    remove buttons and the add-a-question form."""
    version = instrument.latest_version()
    questions = list(version.questions.order_by("position")) if version else []
    waves = list(version.waves.order_by("-opens_at")) if version else []
    can_change = can(request.user, Action.CHANGE_SURVEYS, instrument)
    logic_items = []
    for q in questions:
        if not can_change or not condition_sources(questions, q.position):
            continue
        post = condition_post[1] if condition_post and condition_post[0] == q.attribute else None
        logic_items.append(
            {
                "question": q,
                "open": post is not None,
                "editor": editor_context(
                    questions,
                    prefix=f"c{q.attribute}-",
                    before=q.position,
                    show_if=q.show_if,
                    post=post,
                ),
            }
        )
    add_post = request.POST if form is not None and form.is_bound else None
    return render(
        request,
        "surveys/instrument_detail.html",
        {
            "instrument": instrument,
            "version": version,
            "questions": questions,
            "waves": waves,
            "can_change": can_change,
            "library": library_questions(request.user, instrument) if can_change else [],
            "curated": curated_questions(request.user, instrument) if can_change else [],
            "error": error,
            "notice": notice,
            "form": form or QuestionForm(initial={"is_required": True}, questions=questions),
            "dimension_suggestions": DIMENSION_SUGGESTIONS,
            "logic_items": logic_items,
            "add_editor": editor_context(questions, prefix="add-", post=add_post),
        },
        status=status,
    )


def _expected_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _changed(change: InstrumentChange) -> str:
    if change.is_new_version:
        return _(
            "Saved as version %(n)s; waves already created keep the version they were made with."
        ) % {"n": change.version.number}
    return _("Saved in version %(n)s (no wave uses it yet).") % {"n": change.version.number}


def _after_change(
    request: HttpRequest, instrument: Instrument, change: InstrumentChange
) -> HttpResponse:
    notice = _changed(change)
    if request.htmx:
        # htmx swaps the question list in place: render it now, with the notice inside it.
        return _instrument_page(request, instrument, notice=notice)
    messages.success(request, notice)
    return redirect("surveys:instrument", instrument_id=instrument.pk)


@login_required
def instrument_detail(request: HttpRequest, instrument_id: int) -> HttpResponse:
    instrument = _visible_instrument(request, instrument_id)
    if request.method != "POST":
        return _instrument_page(request, instrument)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    version = instrument.latest_version()
    questions = list(version.questions.order_by("position")) if version else []
    texts = {
        q.position: (
            request.POST.get(f"text_zh_{q.position}", q.text_zh),
            request.POST.get(f"text_en_{q.position}", q.text_en),
        )
        for q in questions
    }
    try:
        new = revise_instrument(
            actor=request.user,
            instrument=instrument,
            texts=texts,
            expected_version=_expected_version(request),
        )
    except ServiceError as failure:
        return _instrument_page(request, instrument, error=failure, status=failure.status_code)
    changed = version is not None and new.pk != version.pk
    return _after_change(request, instrument, InstrumentChange(new, is_new_version=changed))


@login_required
@require_POST
def instrument_question_add(request: HttpRequest, instrument_id: int) -> HttpResponse:
    instrument = _visible_instrument(request, instrument_id)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    version = instrument.latest_version()
    form = QuestionForm(
        request.POST,
        questions=list(version.questions.order_by("position")) if version else [],
    )
    if not form.is_valid():
        return _instrument_page(request, instrument, form=form, status=422)
    try:
        change = add_question(
            actor=request.user,
            instrument=instrument,
            data={**form.cleaned_data, "show_if": show_if_from_post(request.POST, "add-")},
            expected_version=_expected_version(request),
        )
    except ServiceError as error:
        _form_errors(form, error)
        return _instrument_page(request, instrument, form=form, status=error.status_code)
    return _after_change(request, instrument, change)


@login_required
@require_POST
def instrument_question_copy(request: HttpRequest, instrument_id: int) -> HttpResponse:
    """Copy a question of the branch's library into the instrument (same attribute key)."""
    instrument = _visible_instrument(request, instrument_id)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    offered: dict[str, Any] = {str(q.pk): q for q in library_questions(request.user, instrument)}
    offered |= {f"lib-{e.pk}": e for e in curated_questions(request.user, instrument)}
    source = offered.get(request.POST.get("question", ""))
    try:
        if source is None:
            raise ServiceError(_("Choose a question from the library."), field="question")
        data = {key: getattr(source, key) for key in LIBRARY_FIELDS}
        change = add_question(
            actor=request.user,
            instrument=instrument,
            data=data,
            expected_version=_expected_version(request),
        )
    except ServiceError as error:
        return _instrument_page(request, instrument, error=error, status=error.status_code)
    return _after_change(request, instrument, change)


@login_required
@require_POST
def instrument_question_move(
    request: HttpRequest, instrument_id: int, attribute: str
) -> HttpResponse:
    instrument = _visible_instrument(request, instrument_id)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    try:
        change = move_question(
            actor=request.user,
            instrument=instrument,
            attribute=attribute,
            direction=request.POST.get("direction", ""),
            expected_version=_expected_version(request),
        )
    except ServiceError as error:
        return _instrument_page(request, instrument, error=error, status=error.status_code)
    return _after_change(request, instrument, change)


@login_required
@require_POST
def instrument_question_remove(
    request: HttpRequest, instrument_id: int, attribute: str
) -> HttpResponse:
    instrument = _visible_instrument(request, instrument_id)
    require(request.user, Action.CHANGE_SURVEYS, instrument)
    try:
        change = remove_question(
            actor=request.user,
            instrument=instrument,
            attribute=attribute,
            expected_version=_expected_version(request),
        )
    except ServiceError as error:
        return _instrument_page(request, instrument, error=error, status=error.status_code)
    return _after_change(request, instrument, change)


@login_required
def wave_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.CHANGE_SURVEYS)
    form = WaveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            wave = create_wave(actor=request.user, data=form.cleaned_data)
        except ServiceError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Wave created. Check the sample, then send it."))
            return redirect("surveys:wave", wave_id=wave.pk)
    return render(
        request, "surveys/wave_new.html", {"form": form}, status=422 if form.errors else 200
    )


def _visible_wave(request: HttpRequest, wave_id: int) -> Wave:
    require(request.user, Action.VIEW_SURVEYS)
    return get_object_or_404(
        Wave.objects.for_user(request.user).select_related("version__instrument", "branch"),
        pk=wave_id,
    )


@login_required
def wave_detail(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = _visible_wave(request, wave_id)
    results = wave_results(wave)
    open_link = None
    if wave.allows_open_link and wave.status != WaveStatus.DRAFT:
        open_link = request.build_absolute_uri(
            reverse("survey_public:open", args=[wave.pk, open_link_token(wave)])
        )
    return render(
        request,
        "surveys/wave_detail.html",
        {
            "wave": wave,
            "rate": results.rate,
            "can_change": can(request.user, Action.CHANGE_SURVEYS, wave),
            "open_link": open_link,
            "open_link_completes": open_link_completes_limit(),
            "questions": wave.version.questions.order_by("position"),
            "sending": sending_progress(wave) if wave.status != WaveStatus.DRAFT else None,
        },
    )


@login_required
def wave_invitees(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Who was invited and how far each invitation got (issue 14, item 7)."""
    wave = _visible_wave(request, wave_id)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    listing = invitees(wave, request.user, state=request.GET.get("state", ""), page=page)
    return render(
        request,
        "surveys/invitees.html",
        {
            "wave": wave,
            "listing": listing,
            "states": STATES,
            "all_count": sum(c["n"] for c in listing.counts),
        },
    )


@login_required
def wave_sample(request: HttpRequest, wave_id: int) -> HttpResponse:
    """The sample preview (htmx fragment): who would be invited and who the rules leave out."""
    wave = _visible_wave(request, wave_id)
    require(request.user, Action.CHANGE_SURVEYS, wave)
    sample = draw_sample(wave)
    return render(request, "surveys/_sample.html", {"wave": wave, "sample": sample})


@login_required
@require_POST
def wave_send(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = _visible_wave(request, wave_id)
    require(request.user, Action.CHANGE_SURVEYS, wave)
    try:
        result = send_wave(actor=request.user, wave=wave, base_url=request.build_absolute_uri("/"))
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        if wave.channel == InvitationChannel.LINK:
            messages.success(
                request,
                _("%(invited)s links created; this wave's links are handed out, nothing is sent.")
                % {"invited": result.invited},
            )
            return redirect("surveys:wave", wave_id=wave.pk)
        messages.success(
            request,
            ngettext(
                "%(queued)s invitation queued: the worker sends it; this page shows the progress.",
                "%(queued)s invitations queued: the worker sends them; this page shows the "
                "progress.",
                result.queued,
            )
            % {"queued": result.queued},
        )
    return redirect("surveys:wave", wave_id=wave.pk)


@login_required
@require_POST
def wave_remind(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = _visible_wave(request, wave_id)
    require(request.user, Action.CHANGE_SURVEYS, wave)
    try:
        result = send_reminders(
            actor=request.user, wave=wave, base_url=request.build_absolute_uri("/")
        )
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(
            request,
            ngettext(
                "%(queued)s reminder queued: the worker sends it; this page shows the progress.",
                "%(queued)s reminders queued: the worker sends them; this page shows the progress.",
                result.queued,
            )
            % {"queued": result.queued},
        )
    return redirect("surveys:wave", wave_id=wave.pk)


@login_required
@require_POST
def wave_close(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = _visible_wave(request, wave_id)
    require(request.user, Action.CHANGE_SURVEYS, wave)
    try:
        close_wave(actor=request.user, wave=wave)
    except ServiceError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("Wave closed."))
    return redirect("surveys:wave", wave_id=wave.pk)


@login_required
def wave_qr(request: HttpRequest, wave_id: int) -> HttpResponse:
    """The open link as an SVG QR code, for printed notices in a residential community."""
    wave = _visible_wave(request, wave_id)
    if not wave.allows_open_link or wave.status == WaveStatus.DRAFT:
        return render(request, "core/404.html", status=404)
    link = request.build_absolute_uri(
        reverse("survey_public:open", args=[wave.pk, open_link_token(wave)])
    )
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=6, border=2, title=wave.name)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


def _compared_wave(request: HttpRequest, wave: Wave) -> tuple[Wave | None, list[Wave]]:
    """The wave the results compare with: ``?compare=<id>`` among the earlier waves that share
    Kano attribute keys (any instrument), else the latest of them. Raises Http404 for a wave
    that is not among them (another branch's, a later one, one without shared keys)."""
    candidates = trends.comparable_waves(wave, Wave.objects.for_user(request.user))
    chosen = request.GET.get("compare", "")
    if not chosen:
        return (candidates[0] if candidates else None), candidates
    if chosen == "none":
        return None, candidates
    match = next((other for other in candidates if str(other.pk) == chosen), None)
    if match is None:
        raise Http404(
            _("No earlier wave %(wave)s shares attributes with this one.") % {"wave": chosen}
        )
    return match, candidates


@login_required
def wave_results_page(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = _visible_wave(request, wave_id)
    previous, candidates = _compared_wave(request, wave)
    results = wave_results(wave, previous=previous)
    context = results_context(results)
    conditions = conditions_seen(wave)
    context["conditions"] = list(conditions.values())
    for key in ("csat_rows", "nps_rows", "ces_rows", "choice_rows"):
        for row in context.get(key, ()):
            row["condition"] = conditions.get(row.get("attribute", ""))
    context["compare_choices"] = candidates
    context["compared"] = previous
    return render(request, "surveys/results.html", context)


@login_required
def wave_trend(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Every attribute of the wave across all waves that share its keys (any instrument)."""
    wave = _visible_wave(request, wave_id)
    waves = trends.related_waves(wave, Wave.objects.for_user(request.user))
    trend = trends.build_trend(waves)
    context = trends.trend_context(trend, attribute=request.GET.get("attribute", ""), min_n=min_n())
    charts = {"trendChart": context["trend_chart"], "labels": trend_labels()}
    return render(request, "surveys/trend.html", {"wave": wave, **context, "charts": charts})


@login_required
def wave_export(request: HttpRequest, wave_id: int) -> HttpResponse:
    """Raw responses or results as CSV, XLSX or SPSS .sav (``?what=…&format=…``)."""
    wave = _visible_wave(request, wave_id)
    what = request.GET.get("what", "responses")
    fmt = request.GET.get("format", "csv")
    if what not in ("responses", "results", "instrument") or fmt not in exports.FORMATS:
        return HttpResponse(
            _("Choose what=responses, results or instrument and format=csv, xlsx or sav."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if what == "responses":
        # The customer code is personal data: only for roles that may see it (the wave's branch
        # is one the reader sees, and its sample is drawn from that branch and those below).
        frame, columns = exports.response_frame(
            wave, include_customer=can(request.user, Action.VIEW_PERSONAL_DATA, wave)
        )
        body = exports.render({"responses": frame}, fmt, columns)
    elif what == "instrument":
        frame = exports.instrument_frame(wave)
        if frame.empty:
            return HttpResponse(
                _("This wave has no SERVQUAL items: no instrument to export."),
                status=404,
                content_type="text/plain; charset=utf-8",
            )
        body = exports.render({"instrument": frame}, fmt)
    else:
        previous, _candidates = _compared_wave(request, wave)
        frames = exports.results_frames(wave_results(wave, previous=previous))
        if not frames:
            return HttpResponse(
                _("No results yet: nothing to export."),
                status=404,
                content_type="text/plain; charset=utf-8",
            )
        body = exports.render(frames, fmt)
    content_type, extension = exports.FORMATS[fmt]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="wave-{wave.pk}-{what}.{extension}"'
    return response
