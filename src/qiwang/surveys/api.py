"""API: instruments, waves, results and responses (branch-scoped), plus answering by token for
integrations such as a WeChat mini-program (no account; rate-limited like the public pages)."""

# No ``from __future__ import annotations`` here: ninja resolves ``Query[...]`` parameters from
# real annotations, not strings.
from datetime import datetime
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.customers.choices import Tier
from qiwang.errors import ServiceError
from qiwang.operations.metrics import count_submission
from qiwang.project.api import ERRORS, WRITE_ERRORS, ErrorOut, Pagination
from qiwang.project.api_conventions import CreatedFilter, ListFilter, aware_time
from qiwang.surveys.choices import (
    FollowUpRule,
    InvitationChannel,
    QuestionKind,
    ResponseStatus,
    Template,
    WaveStatus,
)
from qiwang.surveys.models import Instrument, InstrumentVersion, Question, Wave
from qiwang.surveys.responding import TokenNotFound, WaveClosed, save_answers, start_response
from qiwang.surveys.results import wave_results
from qiwang.surveys.services import (
    add_question,
    create_instrument_from_template,
    create_wave,
    move_question,
    remove_question,
    send_wave,
)
from qiwang.surveys.submission import TokenTarget, resolve_token, submit_at_once, version_questions
from qiwang.surveys.trends import comparable_waves

router = Router(tags=["surveys"])
PUBLIC_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 410: ERRORS[404], 429: ERRORS[404]}


class QuestionOut(Schema):
    position: int
    kind: str
    attribute: str
    dimension: str
    text_zh: str
    text_en: str
    options: list[Any]
    is_required: bool
    asks_importance: bool
    max_length: int
    show_if: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            'Display logic: {"question": earlier key, "values": [...]}, or '
            '{"match": "all"|"any", "conditions": [...]} for several; {} always shown.'
        ),
    )


class InstrumentOut(Schema):
    id: int
    name: str
    template: str
    branch_id: int
    version: int | None
    created_at: datetime

    @staticmethod
    def resolve_version(obj: Instrument) -> int | None:
        latest = obj.latest_version()
        return latest.number if latest else None


class InstrumentDetailOut(InstrumentOut):
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Instrument) -> list[Question]:
        latest = obj.latest_version()
        return list(latest.questions.order_by("position")) if latest else []


class InstrumentIn(Schema):
    template: Template
    branch_id: int
    name: str = Field(default="", max_length=120)
    allocation: bool = Field(
        default=False, description="SERVQUAL template only: add the 100-point allocation block."
    )


class ConditionIn(Schema):
    question: str = Field(description="Attribute key of an earlier choice or rating question.")
    values: list[str | int] = Field(description="Option values or scale numbers.")


class ShowIfIn(Schema):
    """One condition (``question`` + ``values``) or several (``match`` + ``conditions``)."""

    question: str = Field(
        default="", description="One condition: an earlier choice or rating question's key."
    )
    values: list[str | int] = Field(
        default_factory=list, description="One condition: option values or scale numbers."
    )
    match: Literal["all", "any"] = Field(
        default="all", description="Several conditions: all must hold (and) or any (or)."
    )
    conditions: list[ConditionIn] = Field(
        default_factory=list, description="Several conditions (at most 5)."
    )


class QuestionIn(Schema):
    kind: QuestionKind
    text_zh: str
    text_en: str = ""
    attribute: str = Field(default="", description="Analysis key; made from the wording if empty.")
    dimension: str = ""
    options: list[list[str]] = Field(
        default_factory=list, description="Choice questions: [[value, 中文, English], …]"
    )
    is_required: bool = True
    asks_importance: bool = False
    show_if: ShowIfIn | None = Field(
        default=None, description="Show only when an earlier answer is one of some values."
    )
    expected_version: int | None = Field(
        default=None, description="Refuse (409) if the instrument has moved past this version."
    )


class MoveIn(Schema):
    direction: str = Field(description='"up" or "down"')
    expected_version: int | None = None


class WaveOut(Schema):
    id: int
    name: str
    instrument_id: int
    version: int
    branch_id: int
    status: str
    opens_at: datetime
    closes_at: datetime
    sample_tiers: list[str]
    sample_tags: list[str]
    sample_size: int | None
    sample_seed: int
    contact_gap_days: int
    channel: str
    allows_open_link: bool
    follow_up_rule: str
    follow_up_threshold: int
    sent_at: datetime | None

    @staticmethod
    def resolve_instrument_id(obj: Wave) -> int:
        return obj.version.instrument_id

    @staticmethod
    def resolve_version(obj: Wave) -> int:
        return obj.version.number


class WaveIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    instrument_id: int
    branch_id: int
    opens_at: datetime
    closes_at: datetime
    sample_tiers: list[Tier] = []
    sample_tags: list[str] = []
    sample_size: int | None = Field(default=None, ge=1)
    sample_seed: int = Field(default=1, ge=1)
    contact_gap_days: int = Field(default=30, ge=0)
    channel: InvitationChannel = InvitationChannel.EMAIL
    allows_open_link: bool = False
    follow_up_rule: FollowUpRule = FollowUpRule.NONE
    follow_up_threshold: int = Field(default=2, ge=1, le=6)


class SendOut(Schema):
    invited: int
    #: Queued for the worker, which sends them (retries, rate limits); see the wave's progress.
    queued: int
    delivered: int
    failed: int


class AnswerIn(Schema):
    value: int | None = None
    second: int | None = None
    importance: int | None = None
    text: str = ""
    choices: list[str] | None = None


class SubmitIn(Schema):
    answers: dict[str, AnswerIn]
    submit: bool = True


class SubmitOut(Schema):
    status: str
    already_submitted: bool
    saved: int


class RespondOut(Schema):
    wave: str
    closes_at: datetime
    status: str
    questions: list[QuestionOut]


class AnswerOut(Schema):
    attribute: str
    value: int | None
    second: int | None
    importance: int | None
    text: str


class ResponseOut(Schema):
    id: int
    branch_id: int
    tier: str
    status: str
    source: str
    submitted_at: datetime | None
    answers: list[AnswerOut]

    @staticmethod
    def resolve_answers(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "attribute": answer.question.attribute,
                "value": answer.value,
                "second": answer.second,
                "importance": answer.importance,
                "text": answer.text,
            }
            for answer in obj.answers.all()
        ]


class InstrumentFilter(CreatedFilter):
    """Instruments: by branch and template, newest or by name."""

    ordering: Literal["name", "-name", "created_at", "-created_at"] | None = None
    branch: int | None = Field(None, description="Branch id")
    template: Template | None = None

    def filter_branch(self, value: int | None) -> Q:
        return Q(branch_id=value) if value else Q()


class WaveFilter(CreatedFilter):
    """Waves: by status (repeat for several), branch and opening date."""

    ordering: (
        Literal[
            "name",
            "-name",
            "opens_at",
            "-opens_at",
            "closes_at",
            "-closes_at",
            "created_at",
            "-created_at",
        ]
        | None
    ) = None
    status: list[WaveStatus] | None = Field(None, description="One or more statuses")
    branch: int | None = Field(None, description="Branch id")
    instrument: int | None = Field(None, description="Instrument id")
    opens_after: datetime | None = Field(
        None, description="Only waves opening at or after this time (ISO 8601)"
    )

    def filter_status(self, value: list[str] | None) -> Q:
        return Q(status__in=value) if value else Q()

    def filter_branch(self, value: int | None) -> Q:
        return Q(branch_id=value) if value else Q()

    def filter_instrument(self, value: int | None) -> Q:
        return Q(version__instrument_id=value) if value else Q()

    def filter_opens_after(self, value: datetime | None) -> Q:
        return Q(opens_at__gte=aware_time(value)) if value else Q()


class ResponseFilter(ListFilter):
    """Complete responses of a wave: submitted after a time, in submission order."""

    ordering: Literal["submitted_at", "-submitted_at"] | None = None
    submitted_after: datetime | None = Field(
        None, description="Only responses submitted at or after this time (ISO 8601)"
    )

    def filter_submitted_after(self, value: datetime | None) -> Q:
        return Q(submitted_at__gte=aware_time(value)) if value else Q()


@router.get("/instruments", response={200: list[InstrumentOut], **ERRORS}, summary="Instruments")
@paginate(Pagination)
def list_instruments(request: HttpRequest, filters: Query[InstrumentFilter]):
    require(request.user, Action.VIEW_SURVEYS)
    return filters.filter(Instrument.objects.for_user(request.user))


@router.get(
    "/instruments/{instrument_id}",
    response={200: InstrumentDetailOut, **ERRORS},
    summary="One instrument with the questions of its latest version",
)
def get_instrument(request: HttpRequest, instrument_id: int):
    require(request.user, Action.VIEW_SURVEYS)
    return get_object_or_404(Instrument.objects.for_user(request.user), pk=instrument_id)


@router.post(
    "/instruments",
    response={201: InstrumentDetailOut, **WRITE_ERRORS},
    summary="Create an instrument from a template",
)
def post_instrument(request: HttpRequest, payload: InstrumentIn):
    require(request.user, Action.CHANGE_SURVEYS)
    branch = get_object_or_404(Branch.objects.for_user(request.user), pk=payload.branch_id)
    instrument = create_instrument_from_template(
        actor=request.user,
        template=payload.template,
        branch=branch,
        name=payload.name,
        allocation=payload.allocation,
    )
    return Status(201, instrument)


def _changeable_instrument(request: HttpRequest, instrument_id: int) -> Instrument:
    require(request.user, Action.CHANGE_SURVEYS)
    return get_object_or_404(Instrument.objects.for_user(request.user), pk=instrument_id)


@router.post(
    "/instruments/{instrument_id}/questions",
    response={201: InstrumentDetailOut, **WRITE_ERRORS},
    summary="Add a question at the end (a new version if a wave uses the latest one)",
)
def post_question(request: HttpRequest, instrument_id: int, payload: QuestionIn):
    instrument = _changeable_instrument(request, instrument_id)
    data = payload.dict()
    expected = data.pop("expected_version")
    add_question(actor=request.user, instrument=instrument, data=data, expected_version=expected)
    return Status(201, instrument)


@router.post(
    "/instruments/{instrument_id}/questions/{attribute}/move",
    response={200: InstrumentDetailOut, **WRITE_ERRORS},
    summary="Move a question up or down",
)
def post_question_move(request: HttpRequest, instrument_id: int, attribute: str, payload: MoveIn):
    instrument = _changeable_instrument(request, instrument_id)
    move_question(
        actor=request.user,
        instrument=instrument,
        attribute=attribute,
        direction=payload.direction,
        expected_version=payload.expected_version,
    )
    return instrument


@router.delete(
    "/instruments/{instrument_id}/questions/{attribute}",
    response={200: InstrumentDetailOut, **WRITE_ERRORS},
    summary="Remove a question",
)
def delete_question(
    request: HttpRequest, instrument_id: int, attribute: str, expected_version: int | None = None
):
    instrument = _changeable_instrument(request, instrument_id)
    remove_question(
        actor=request.user,
        instrument=instrument,
        attribute=attribute,
        expected_version=expected_version,
    )
    return instrument


def _waves(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Wave.objects.for_user(request.user).select_related("version")


@router.get("/waves", response={200: list[WaveOut], **ERRORS}, summary="Waves")
@paginate(Pagination)
def list_waves(request: HttpRequest, filters: Query[WaveFilter]):
    require(request.user, Action.VIEW_SURVEYS)
    return filters.filter(_waves(request))


@router.get("/waves/{wave_id}", response={200: WaveOut, **ERRORS}, summary="One wave")
def get_wave(request: HttpRequest, wave_id: int):
    require(request.user, Action.VIEW_SURVEYS)
    return get_object_or_404(_waves(request), pk=wave_id)


@router.post("/waves", response={201: WaveOut, **WRITE_ERRORS}, summary="Create a draft wave")
def post_wave(request: HttpRequest, payload: WaveIn):
    require(request.user, Action.CHANGE_SURVEYS)
    branch = get_object_or_404(Branch.objects.for_user(request.user), pk=payload.branch_id)
    instrument = get_object_or_404(
        Instrument.objects.for_user(request.user), pk=payload.instrument_id
    )
    data = payload.dict()
    data.update(
        branch=branch,
        version=InstrumentVersion.objects.filter(instrument=instrument).order_by("-number")[0],
    )
    return Status(201, create_wave(actor=request.user, data=data))


@router.post(
    "/waves/{wave_id}/send",
    response={200: SendOut, **WRITE_ERRORS},
    summary="Send the invitations of a draft wave",
)
def post_send(request: HttpRequest, wave_id: int):
    wave = get_object_or_404(_waves(request), pk=wave_id)
    require(request.user, Action.CHANGE_SURVEYS, wave)
    result = send_wave(actor=request.user, wave=wave, base_url=request.build_absolute_uri("/"))
    return result.__dict__


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str
    header: str = ""
    value: str = ""


class ImportOut(Schema):
    rows: int
    imported: int
    dry_run: bool
    errors: list[ImportErrorOut]
    unmapped: list[str]
    source: str
    mapping: dict[str, str]
    recode: dict[str, dict[str, str]]


@router.post(
    "/waves/{wave_id}/import",
    response={**WRITE_ERRORS, 200: ImportOut, 422: ImportOut | ErrorOut},
    summary="Import responses from a file (CSV, TSV, XLSX, SPSS .sav), all or nothing",
)
def post_import(
    request: HttpRequest,
    wave_id: int,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    mapping: Form[str] = "",
):
    """Check (``dry_run``, the default) or import a file exported by another tool. ``mapping``
    is the command line's mapping file as JSON text: ``{"columns": {file header: wave column},
    "recode": {wave column: {file value: code}}}``; columns and values it leaves out start from
    the last import from the same tool, then from the suggestions. 422 with the report when a row
    is refused (nothing is stored); 409 when this file was already imported."""
    from qiwang.surveys.import_calls import import_responses, parse_mapping_file
    from qiwang.surveys.imports import MAX_BYTES

    wave = get_object_or_404(_waves(request), pk=wave_id)
    require(request.user, Action.CHANGE_SURVEYS, wave)
    if file.size and file.size > MAX_BYTES:
        raise ServiceError(
            _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // 1024 // 1024},
            field="file",
        )
    columns, recode = parse_mapping_file(mapping) if mapping.strip() else ({}, None)
    report = import_responses(
        actor=request.user,
        wave=wave,
        content=file.read(),
        filename=file.name or "upload",
        mapping=columns,
        recode=recode,
        dry_run=dry_run,
    )
    return Status(422 if report.errors and not dry_run else 200, report.to_dict())


@router.get(
    "/waves/{wave_id}/results",
    response={200: dict[str, Any], **ERRORS},
    summary="Results of a wave (Kano, SERVQUAL, CSAT, NPS, CES, IPA, comparison)",
)
def get_results(request: HttpRequest, wave_id: int):
    require(request.user, Action.VIEW_SURVEYS)
    wave = get_object_or_404(_waves(request), pk=wave_id)
    # The latest earlier wave sharing Kano attribute keys, any instrument (trends.py).
    earlier = comparable_waves(wave, Wave.objects.for_user(request.user))
    previous = earlier[0] if earlier else None
    results = wave_results(wave, previous=previous)
    rate = results.rate
    return {
        "invited": rate.invited,
        "complete": rate.complete,
        "partial": rate.partial,
        "response_rate": rate.rate,
        "invited_complete": rate.invited_complete,
        "open_link_complete": rate.open_complete,
        "imported_complete": rate.imported_complete,
        "other_complete": rate.other_complete,
        "started": rate.started,
        "previous_wave_id": previous.pk if results.comparison is not None else None,
        "kano": results.kano.to_dict() if results.kano else None,
        "kano_comparison": results.comparison.to_dict() if results.comparison else None,
        "servqual": results.servqual.to_dict() if results.servqual else None,
        "csat": [r.to_dict() for r in results.csat],
        "nps": [r.to_dict() for r in results.nps],
        "ces": [r.to_dict() for r in results.ces],
        "ipa": results.ipa.to_dict() if results.ipa else None,
    }


@router.get(
    "/waves/{wave_id}/responses",
    response={200: list[ResponseOut], **ERRORS},
    summary="Complete responses of a wave with their answers (no personal data)",
)
@paginate(Pagination)
def list_responses(request: HttpRequest, wave_id: int, filters: Query[ResponseFilter]):
    require(request.user, Action.VIEW_SURVEYS)
    wave = get_object_or_404(_waves(request), pk=wave_id)
    return filters.filter(
        wave.responses.filter(status=ResponseStatus.COMPLETE)
        .order_by("pk")
        .prefetch_related("answers__question")
    )


# --- answering by token (no account) ---------------------------------------------------------


def _public(request: HttpRequest, token: str) -> TokenTarget:
    # Rate-limited per address with every public page (qiwang.accounts.limits).
    try:
        target = resolve_token(token)
    except TokenNotFound as error:
        raise HttpError(404, _("This survey link is not valid")) from error
    if not target.wave.accepts_answers():
        raise HttpError(410, _("This survey has closed"))
    return target


@router.get(
    "/respond/{token}",
    response={200: RespondOut, **PUBLIC_ERRORS},
    auth=None,
    summary="The questions behind an invitation token (for a mini-program)",
)
def get_respond(request: HttpRequest, token: str):
    target = _public(request, token)
    status = target.response_status or "new"
    return {
        "wave": target.wave.name,
        "closes_at": target.wave.closes_at,
        "status": status,
        "questions": version_questions(target.wave, target.version_created_at),
    }


@router.post(
    "/respond/{token}",
    response={200: SubmitOut, **PUBLIC_ERRORS},
    auth=None,
    summary="Save or submit answers by invitation token (idempotent)",
)
def post_respond(request: HttpRequest, token: str, payload: SubmitIn):
    target = _public(request, token)
    wave = target.wave
    questions = version_questions(wave, target.version_created_at)
    known = {q.attribute for q in questions}
    unknown = sorted(set(payload.answers) - known)
    if unknown:
        raise ServiceError(
            {f"answers.{name}": [_("Not a question of this survey.")] for name in unknown}
        )
    raw = {name: answer.dict() for name, answer in payload.answers.items()}
    if target.is_complete:
        count_submission("already_submitted")
        # A retry of a submitted response: complete responses never change, so no lock is needed
        # to say so (the token query already read the status).
        return {"status": ResponseStatus.COMPLETE, "already_submitted": True, "saved": 0}
    result = submit_at_once(target, questions, raw) if payload.submit else None
    if result is None:
        # A retry, or a response saved page by page: lock it and merge (the general path).
        invitation = target.invitation
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        response.source = "api"
        try:
            result = save_answers(
                response=response,
                questions=[q for q in questions if q.attribute in raw],
                raw=raw,
                submit=payload.submit,
                require_page=False,
                all_questions=questions,
            )
        except WaveClosed as error:
            raise HttpError(410, _("This survey has closed")) from error
    count_submission(
        "already_submitted"
        if result.already_submitted
        else ("stored" if result.is_complete else "saved")
    )
    return {
        "status": ResponseStatus.COMPLETE if result.is_complete else ResponseStatus.PARTIAL,
        "already_submitted": result.already_submitted,
        "saved": result.saved,
    }
