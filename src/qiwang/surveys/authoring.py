"""Writes on instruments: versions from templates and the authoring of their questions.

One change, one transaction, copy on write: the latest version is edited while no wave uses it,
else the change makes version n + 1 (docs/surveys.md, *Versions*). Each public function checks its
input (errors name the field), runs in one transaction and records an audit event. Re-exported by
:mod:`qiwang.surveys.services`, where callers import it from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, can
from qiwang.accounts.services import record_event
from qiwang.customers.services.profiles import chosen_industry_of_branch
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.choices import QuestionKind, Template
from qiwang.surveys.logic import check_logic, show_if_from_data
from qiwang.surveys.models import Instrument, InstrumentVersion, Question
from qiwang.surveys.templates_data import template_questions

QUESTION_FIELDS = (
    "kind",
    "attribute",
    "dimension",
    "text_zh",
    "text_en",
    "options",
    "is_required",
    "asks_importance",
    "max_length",
    "catalogue_service_id",
    "show_if",
)

MAX_TEXT = Question._meta.get_field("text_zh").max_length
MAX_DIMENSION = Question._meta.get_field("dimension").max_length
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
#: An option's stored value (the same rule as the authoring form's).
OPTION_VALUE = re.compile(r"[A-Za-z0-9_-]{1,40}")

# --- instruments ---------------------------------------------------------------------------------


def _require_change(actor: User, obj: Any = None) -> None:
    if not can(actor, Action.CHANGE_SURVEYS, obj):
        raise ServiceError(_("You may not change surveys here."))


def _add_version(instrument: Instrument, questions: list[dict[str, Any]]) -> InstrumentVersion:
    number = (instrument.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    version = InstrumentVersion.objects.create(instrument=instrument, number=number + 1)
    _create_questions(version, questions)
    return version


def _create_questions(version: InstrumentVersion, questions: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    rows = []
    for position, data in enumerate(questions, start=1):
        attribute = str(data.get("attribute", "")).strip()
        if not attribute or attribute in seen:
            raise ServiceError(
                _("Question %(n)s: the attribute key must be given and unique.") % {"n": position},
                field="questions",
            )
        seen.add(attribute)
        rows.append(
            Question(
                version=version,
                position=position,
                **{key: data[key] for key in QUESTION_FIELDS if key in data},
            )
        )
    Question.objects.bulk_create(rows)


def create_instrument_from_template(
    *, actor: User, template: str, branch: Branch, name: str = "", allocation: bool = False
) -> Instrument:
    """A new instrument with version 1 holding the template's questions; with ``allocation``
    (SERVQUAL only) also the 100-point allocation over the five dimensions."""
    _require_change(actor, branch)
    try:
        default_name, questions = template_questions(
            template, allocation=allocation, industry=chosen_industry_of_branch(branch.pk)
        )
    except ValueError as error:
        field = "allocation" if allocation and template in Template.values else "template"
        message = (
            _("Only the SERVQUAL template has the 100-point allocation.")
            if field == "allocation"
            else _("Unknown template.")
        )
        raise ServiceError(message, field=field) from error
    with transaction.atomic():
        instrument = Instrument.objects.create(
            name=name.strip() or default_name, template=template, branch=branch, created_by=actor
        )
        _add_version(instrument, questions)
        record_event(actor=actor, action="survey_instrument_created", obj=instrument)
    return instrument


# --- authoring: one change, one transaction, frozen once a wave uses the version ----------------

QuestionData = dict[str, Any]


@dataclass(frozen=True)
class InstrumentChange:
    """What a change to an instrument's questions did: the version now holding them and whether
    that version was new (the previous one is used by a wave and stays as it was)."""

    version: InstrumentVersion
    is_new_version: bool


def version_is_frozen(version: InstrumentVersion) -> bool:
    """A version some wave uses (draft, open or closed) never changes again."""
    return version.waves.exists()


def _question_data(question: Question) -> QuestionData:
    return {key: getattr(question, key) for key in QUESTION_FIELDS}


def _change_questions(
    *,
    actor: User,
    instrument: Instrument,
    change: Any,
    action: str,
    details: dict[str, Any],
    expected_version: int | None = None,
) -> InstrumentChange:
    """Apply ``change`` (questions → questions) to the latest version in one transaction.

    The latest version is edited in place while no wave uses it (it is still a draft nobody has
    been sent); once a wave uses it, the change makes version n + 1 and the wave keeps its own.
    The instrument row and the version row are locked, so two managers' changes are serial and
    a wave created at the same moment either sees the change or waits for it (a wave's foreign
    key takes a share lock on the version row that conflicts with ``FOR UPDATE``).
    """
    _require_change(actor, instrument)
    with transaction.atomic():
        Instrument.objects.select_for_update().get(pk=instrument.pk)
        latest = (
            InstrumentVersion.objects.select_for_update()
            .filter(instrument=instrument)
            .order_by("-number")
            .first()
        )
        if latest is None:
            raise ServiceError(_("The instrument has no questions."))
        if expected_version is not None and expected_version != latest.number:
            raise ConflictError(
                _(
                    "The instrument changed while you were editing it (now version %(n)s). "
                    "Reload the page and make your change again."
                )
                % {"n": latest.number}
            )
        current = [_question_data(q) for q in latest.questions.order_by("position")]
        questions = change(current)
        _check_questions(questions)
        if version_is_frozen(latest):
            version, is_new = _add_version(instrument, questions), True
        else:
            latest.questions.all().delete()
            _create_questions(latest, questions)
            version, is_new = latest, False
        record_event(
            actor=actor,
            action=action,
            obj=instrument,
            changes={"version": version.number, **details},
        )
    return InstrumentChange(version=version, is_new_version=is_new)


def _check_questions(questions: list[QuestionData]) -> None:
    """Rules across the questions of one version: unique attribute keys, one allocation
    question per dimension."""
    if not questions:
        raise ServiceError(_("An instrument needs at least one question."), field="questions")
    seen: set[str] = set()
    dimensions: set[str] = set()
    for position, data in enumerate(questions, start=1):
        attribute = data["attribute"]
        if attribute in seen:
            raise ServiceError(
                _("Question %(n)s: the attribute key “%(key)s” is already used in this version.")
                % {"n": position, "key": attribute},
                field="attribute",
            )
        seen.add(attribute)
        if data["kind"] == QuestionKind.ALLOCATION:
            if data["dimension"] in dimensions:
                raise ServiceError(
                    _("The 100-point allocation already has a question for “%(dimension)s”.")
                    % {"dimension": data["dimension"]},
                    field="dimension",
                )
            dimensions.add(data["dimension"])
    check_logic(questions)  # display logic: every question stays reachable


def suggest_attribute(data: QuestionData, taken: set[str]) -> str:
    """An attribute key from the wording: the English text as a slug, else the dimension for an
    allocation question (``weight-tangibles``), else the kind; numbered until it is free."""
    if data.get("kind") == QuestionKind.ALLOCATION and data.get("dimension"):
        base = slugify(f"weight-{data['dimension']}")
    else:
        base = slugify(str(data.get("text_en") or ""))[:40].strip("-")
        base = base or slugify(str(data.get("kind") or "question"))
    base = base[:55] or "question"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def clean_question(data: QuestionData, *, taken: set[str]) -> QuestionData:
    """Check one new question and fill its defaults; errors name the field.

    ``data``: kind, text_zh, text_en, attribute (empty: suggested), dimension, is_required,
    asks_importance, options (``[[value, 中文, English], …]`` for choice questions), max_length.
    """
    errors: dict[str, list[str]] = {}
    kind = str(data.get("kind") or "")
    if kind not in QuestionKind.values:
        errors["kind"] = [_("Choose the kind of question.")]
    text_zh = str(data.get("text_zh") or "").strip()
    text_en = str(data.get("text_en") or "").strip()
    if not text_zh:
        errors["text_zh"] = [_("Write the question in Chinese.")]
    for field, text in (("text_zh", text_zh), ("text_en", text_en)):
        if len(text) > MAX_TEXT:
            errors.setdefault(field, []).append(
                _("At most %(n)s characters (this has %(length)s).")
                % {"n": MAX_TEXT, "length": len(text)}
            )
    dimension = str(data.get("dimension") or "").strip()
    if len(dimension) > MAX_DIMENSION:
        errors["dimension"] = [_("At most %(n)s characters.") % {"n": MAX_DIMENSION}]
    elif kind == QuestionKind.ALLOCATION and not dimension:
        errors["dimension"] = [_("Give the SERVQUAL dimension these points go to, e.g. tangibles.")]
    attribute = str(data.get("attribute") or "").strip()
    if attribute and not SLUG.fullmatch(attribute):
        errors["attribute"] = [
            _("Use lower-case letters, digits and hyphens (at most 60), e.g. repair-speed.")
        ]
    elif attribute in taken:
        errors["attribute"] = [
            _("The attribute key “%(key)s” is already used in this version.") % {"key": attribute}
        ]
    options = data.get("options") or []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if not isinstance(options, list | tuple) or any(
            not isinstance(option, list | tuple) or not 2 <= len(option) <= 3 for option in options
        ):
            raise ServiceError(
                {
                    "options": [
                        _("Each option is [value, 中文, English] (the English may be left out).")
                    ]
                }
            )
        values = [str(option[0]).strip() for option in options]
        if len(options) < 2:
            errors["options"] = [_("A choice question needs at least two options.")]
        elif len(set(values)) != len(values):
            errors["options"] = [_("Each option needs its own value.")]
        elif any(
            not value or len(option) < 2 or not str(option[1]).strip()
            for value, option in zip(values, options, strict=True)
        ):
            errors["options"] = [_("Each option needs a value and a Chinese label.")]
        elif any(not OPTION_VALUE.fullmatch(value) for value in values):
            errors["options"] = [
                _("An option value may hold letters, digits, - and _ only (at most 40).")
            ]
        elif any(len(str(part)) > MAX_TEXT for option in options for part in option):
            errors["options"] = [_("At most %(n)s characters.") % {"n": MAX_TEXT}]
    else:
        options = []
    show_if: dict[str, Any] = {}
    try:
        raw_condition = data.get("show_if")
        if not raw_condition and (data.get("show_if_question") or data.get("show_if_values")):
            raw_condition = {  # one condition with typed values (the API's older form field)
                "question": data.get("show_if_question") or "",
                "values": str(data.get("show_if_values") or ""),
            }
        show_if = show_if_from_data(raw_condition)
    except ServiceError as error:
        errors.update(error.errors)
    if errors:
        raise ServiceError(errors)
    cleaned: QuestionData = {
        "kind": kind,
        "text_zh": text_zh,
        "text_en": text_en,
        "dimension": dimension,
        "options": [[str(part).strip() for part in option] for option in options],
        "is_required": bool(data.get("is_required", True)),
        # self-stated importance belongs to Kano pairs and ratings (IPA), not to points
        "asks_importance": bool(data.get("asks_importance"))
        and kind in (QuestionKind.KANO, QuestionKind.SCALE_5, QuestionKind.SCALE_7),
        "max_length": int(data.get("max_length") or 2000),
        "catalogue_service_id": data.get("catalogue_service_id"),
        "show_if": show_if,
    }
    cleaned["attribute"] = attribute or suggest_attribute(cleaned, taken)
    return cleaned


def add_question(
    *,
    actor: User,
    instrument: Instrument,
    data: QuestionData,
    expected_version: int | None = None,
) -> InstrumentChange:
    """Add a question at the end of the instrument (see :func:`_change_questions`)."""
    added: dict[str, str] = {}

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        cleaned = clean_question(data, taken={q["attribute"] for q in questions})
        added["attribute"] = cleaned["attribute"]
        return [*questions, cleaned]

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_question_added",
        details=added,
        expected_version=expected_version,
    )


def _position_of(questions: list[QuestionData], attribute: str) -> int:
    for index, question in enumerate(questions):
        if question["attribute"] == attribute:
            return index
    raise ServiceError(
        _("The instrument has no question “%(key)s”.") % {"key": attribute}, field="attribute"
    )


def remove_question(
    *,
    actor: User,
    instrument: Instrument,
    attribute: str,
    expected_version: int | None = None,
) -> InstrumentChange:
    """Remove the question with this attribute key (a sent version keeps it)."""

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        index = _position_of(questions, attribute)
        return questions[:index] + questions[index + 1 :]

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_question_removed",
        details={"attribute": attribute},
        expected_version=expected_version,
    )


def move_question(
    *,
    actor: User,
    instrument: Instrument,
    attribute: str,
    direction: str,
    expected_version: int | None = None,
) -> InstrumentChange:
    """Move a question one place up or down (``direction`` ``"up"`` / ``"down"``)."""
    if direction not in ("up", "down"):
        raise ServiceError(_("Move a question up or down."), field="direction")

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        index = _position_of(questions, attribute)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(questions):
            message = (
                _("“%(key)s” is already the first question.")
                if direction == "up"
                else _("“%(key)s” is already the last question.")
            )
            raise ServiceError(message % {"key": attribute}, field="direction")
        moved = list(questions)
        moved[index], moved[other] = moved[other], moved[index]
        return moved

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_question_moved",
        details={"attribute": attribute, "direction": direction},
        expected_version=expected_version,
    )


def revise_instrument(
    *,
    actor: User,
    instrument: Instrument,
    texts: dict[int, tuple[str, str]],
    expected_version: int | None = None,
) -> InstrumentVersion:
    """Change the question texts (``{position: (中文, English)}``): in place while no wave uses
    the latest version, else as a new version; waves keep the version they were sent with."""

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        revised = []
        for position, data in enumerate(questions, start=1):
            data = dict(data)
            if position in texts:
                text_zh, text_en = (text.strip() for text in texts[position])
                if not text_zh:
                    raise ServiceError(
                        _("Question %(n)s: the Chinese wording may not be empty.")
                        % {"n": position},
                        field=f"text_zh_{position}",
                    )
                for field, text in (
                    (f"text_zh_{position}", text_zh),
                    (f"text_en_{position}", text_en),
                ):
                    if len(text) > MAX_TEXT:
                        raise ServiceError(
                            _("Question %(n)s: at most %(limit)s characters.")
                            % {"n": position, "limit": MAX_TEXT},
                            field=field,
                        )
                data["text_zh"], data["text_en"] = text_zh, text_en
            revised.append(data)
        return revised

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_instrument_revised",
        details={},
        expected_version=expected_version,
    ).version


def set_condition(
    *,
    actor: User,
    instrument: Instrument,
    attribute: str,
    show_if: Mapping[str, Any] | None,
    expected_version: int | None = None,
) -> InstrumentChange:
    """Change the display condition of the question with this attribute key (``{}`` or ``None``:
    always shown): in the latest version while no wave uses it, else as version n + 1. The whole
    instrument's logic is checked again (:func:`qiwang.surveys.logic.check_logic`)."""
    cleaned = show_if_from_data(show_if or {})

    def change(questions: list[QuestionData]) -> list[QuestionData]:
        index = _position_of(questions, attribute)
        changed = list(questions)
        changed[index] = {**changed[index], "show_if": cleaned}
        return changed

    return _change_questions(
        actor=actor,
        instrument=instrument,
        change=change,
        action="survey_question_condition_changed",
        details={"attribute": attribute, "show_if": cleaned},
        expected_version=expected_version,
    )
