"""Import responses collected elsewhere (paper, a phone campaign, Wenjuanxing / 问卷星, Tencent
Questionnaire, a field team's Excel) into a wave: upload → column mapping → dry run → import.

The file is CSV (UTF-8 with or without BOM, UTF-16 or GBK) or XLSX, read by the customer
import's reader, with one row per response. Every column of the file is mapped to one column of
the wave (the raw export's ``NAME_F``, ``ITEM_E``, ``overall`` …, or its earlier names), to the
customer code, or ignored; :func:`suggest_mapping` pre-selects a target when the header is the
export name or the question's wording in Chinese or English. Every row is checked with the same
rules as the answer pages (plus scale labels such as ``满意`` for the code 4), and the dry run
(:func:`preview_import`) lists every bad row with its row number, column, value and reason.
:func:`apply_import` stores all rows or none, in one transaction, and only for the very file and
plan that were previewed (file SHA-256 and a digest of what would be stored). The same file
cannot be imported twice into a wave.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, can
from qiwang.accounts.services import record_event
from qiwang.analysis import FIVE_LEVEL, KANO_ANSWERS, SEVEN_LEVEL
from qiwang.customers.models import Customer
from qiwang.customers.services.io import MAX_BYTES
from qiwang.customers.services.io import fingerprint as file_fingerprint
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.exports import Column
from qiwang.surveys.import_keys import _CHUNK, _cell, _existing_keys, _row_keys, _submission_keys
from qiwang.surveys.import_mapping import (
    CUSTOMER_CODE,
    IGNORE,
    SourceColumn,
    Target,
    _check_mapping,
    _column_name,
    _legacy_keys,
    _questions,
    import_targets,
    source_columns,
    suggest_mapping,
)
from qiwang.surveys.import_recode import SYNONYMS, Recode, check_recode, synonym_key
from qiwang.surveys.import_sources import (
    EMPTY_MARKERS,
    MAX_ROWS,
    Table,
    read_upload,
    response_id_index,
)
from qiwang.surveys.loop import response_completed
from qiwang.surveys.models import Answer, Question, Response, SavedImportMapping, Wave
from qiwang.surveys.responding import AnswerValues, validate_page
from qiwang.surveys.tallies import fold_wave

__all__ = [
    "CUSTOMER_CODE",
    "IGNORE",
    "MAX_BYTES",
    "MAX_ROWS",
    "ImportPreview",
    "ImportResult",
    "RowIssue",
    "SourceColumn",
    "Table",
    "Target",
    "apply_import",
    "import_targets",
    "preview_import",
    "read_table",
    "read_upload",
    "saved_mapping",
    "source_columns",
    "suggest_mapping",
]

#: Problems listed by the dry run (every bad row is counted; the list stops here).
MAX_ISSUES = 500
#: Rows shown "as they would be stored" by the dry run.
PREVIEW_ROWS = 10

_SCALES = {
    QuestionKind.KANO: KANO_ANSWERS,
    QuestionKind.SCALE_5: FIVE_LEVEL,
    QuestionKind.SCALE_7: SEVEN_LEVEL,
}
# --- reading: qiwang.surveys.import_sources -------------------------------------------------


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """The file as a DataFrame of strings (header as column names)."""
    table = read_upload(content, filename)
    return pd.DataFrame(list(table.rows), columns=list(table.header), dtype=str)


# --- checking rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowIssue:
    """Why a row cannot be imported: spreadsheet row number (the header is row 1), the file's
    column, its value and the reason; ``field`` is the answer pages' key (``overall.value``)."""

    row: int
    column: str
    value: str
    reason: str
    field: str = ""

    def __str__(self) -> str:
        return f"{self.row} {self.column} {self.value!r}: {self.reason}"


@dataclass(frozen=True)
class _Row:
    number: int
    customer_id: int | None
    branch_id: int
    tier: str
    answers: dict[int, AnswerValues]
    key: str = ""  # the submission key: from the tool's response id, else file and row


@dataclass(frozen=True)
class ImportPreview:
    """The dry run: counts, the first rows as they would be stored, every problem."""

    wave_id: int
    fingerprint: str
    mapping: tuple[tuple[int, str], ...]
    rows: int
    file_issues: tuple[str, ...]
    issues: tuple[RowIssue, ...]
    rejected: int
    customers: int
    unmapped: tuple[str, ...]
    sample_header: tuple[str, ...]
    sample: tuple[tuple[int, bool, tuple[str, ...]], ...]  # row, is valid, values
    already_imported: bool
    plan_digest: str
    recode: Recode = field(default_factory=dict)
    source: str = "file"
    file_header: tuple[str, ...] = ()
    _rows: tuple[_Row, ...] = field(default=(), repr=False, compare=False)

    @property
    def valid(self) -> int:
        return self.rows - self.rejected

    @property
    def issues_shown_all(self) -> bool:
        return len(self.issues) < MAX_ISSUES

    @property
    def can_import(self) -> bool:
        return (
            not self.file_issues
            and not self.rejected
            and not self.already_imported
            and self.rows > 0
        )


def _scale_code(question: Question, part: str, value: str) -> str:
    """A scale label (满意, must-be, 我很喜欢 …) as its code, then a rating label of other tools
    (非常满意, Somewhat satisfied: ``import_recode.SYNONYMS``) when no recode said otherwise;
    anything else unchanged (the answer pages' rules judge it)."""
    scale = _SCALES.get(question.kind)
    if scale is None or part not in ("value", "second") or value.lstrip("-").isdigit():
        return value
    spelled = re.sub(r"[\s\-_]+", " ", value.strip().lower()).strip(" .。")
    code = scale.lookup().get(spelled)
    if code is None and question.kind != QuestionKind.KANO:
        code = SYNONYMS[scale.levels].get(synonym_key(value))
    return str(code) if code is not None else value


def _choice_values(question: Question, value: str) -> list[str]:
    """Chosen options from "a,b", "a;b", "a┋b" (Wenjuanxing) — by value or by label."""
    by_label: dict[str, str] = {}
    for option in question.options:
        for label in option:
            by_label.setdefault(str(label).strip().lower(), str(option[0]))
    parts = re.split(r"[,，;；┋|、]", value)
    return [by_label.get(part.strip().lower(), part.strip()) for part in parts if part.strip()]


def _raw_row(
    cells: tuple[str, ...], columns: list[Column], source: dict[str, int], recode: Recode
) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for column in columns:
        index = source.get(column.name)
        value = _cell(cells[index]) if index is not None else ""
        value = "" if value in EMPTY_MARKERS else recode.get(column.name, {}).get(value, value)
        question = column.question
        entry = raw.setdefault(question.attribute, {})
        if column.part == "text" and question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            entry["choices"] = _choice_values(question, value)
        else:
            entry[column.part] = _scale_code(question, column.part, value)
    return raw


def _column_of_error(key: str, columns: list[Column]) -> Column | None:
    """The wave column an answer-page error key (``attribute.part`` or ``attribute``) is about."""
    attribute, _dot, part = key.partition(".")
    part = "text" if part == "choices" else part
    candidates = [c for c in columns if c.question.attribute == attribute]
    for column in candidates:
        if column.part == part:
            return column
    return candidates[0] if candidates else None


def _customers_by_code(wave: Wave, codes: set[str]) -> dict[str, Customer]:
    """Customers of the wave's branch and the branches below it, by code."""
    branches = Branch.objects.with_descendants([wave.branch_id])
    found: dict[str, Customer] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for customer in Customer.objects.filter(code__in=chunk, branch_id__in=branches).only(
            "pk", "code", "branch_id", "tier"
        ):
            found[customer.code] = customer
    return found


def _shown(column: Column, values: AnswerValues | None) -> str:
    if values is None:
        return ""
    value = getattr(values, column.part)
    return "" if value is None else str(value)


def preview_import(
    *,
    actor: User | None,
    wave: Wave,
    content: bytes,
    filename: str,
    mapping: Mapping[int, str],
    recode: Mapping[str, Mapping[str, str]] | None = None,
) -> ImportPreview:
    """The dry run of importing ``content`` into ``wave`` with ``mapping`` (file column index →
    target key) and ``recode`` (wave column → {file value: code}, see ``import_recode``): what
    would be stored, and every reason it cannot be. Writes nothing.

    Raises :class:`ServiceError` for a file that cannot be read or a mapping that is wrong
    (a target used twice names both columns); problems with rows are in the preview."""
    if actor is not None and not can(actor, Action.CHANGE_SURVEYS, wave):
        raise ServiceError(_("You may not change surveys here."))
    table = read_upload(content, filename)
    questions = _questions(wave)
    targets = import_targets(questions)
    legacy = _legacy_keys(targets)
    mapping = {int(index): legacy.get(key, key) for index, key in mapping.items()}
    _check_mapping(table, targets, mapping)
    checked_recode = check_recode(
        {legacy.get(k, k): v for k, v in recode.items()} if isinstance(recode, dict) else recode,
        (t.key for t in targets if t.column is not None),
    )
    columns = [target.column for target in targets if target.column is not None]
    source = {key: index for index, key in mapping.items() if key != IGNORE}
    unmapped = tuple(c.name for c in columns if c.name not in source)
    file_issues: list[str] = []
    missing = [
        t.key for t in targets if t.is_required and t.key not in source and t.column is not None
    ]
    # One missing column of a required question is a file problem, not one error per row.
    if missing:
        file_issues.append(
            _("No file column is mapped to these required wave columns: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    if not table.rows:
        file_issues.append(_("The file has a header but no rows."))
    code_index = source.get(CUSTOMER_CODE)
    customers: dict[str, Customer] = {}
    answered: set[int] = set()
    if code_index is not None and not file_issues:
        codes = {_cell(row[code_index]) for row in table.rows} - {""}
        customers = _customers_by_code(wave, codes)
        answered = set(
            Response.objects.filter(
                wave=wave,
                status=ResponseStatus.COMPLETE,
                customer_id__in=[c.pk for c in customers.values()],
            ).values_list("customer_id", flat=True)
        )
    issues: list[RowIssue] = []
    rejected = 0
    rows: list[_Row] = []
    sample: list[tuple[int, bool, tuple[str, ...]]] = []
    first_row_of: dict[str, int] = {}
    row_keys, response_ids = _row_keys(wave, table)
    id_index = response_id_index(table)
    file_key = _submission_keys(wave, table.fingerprint, 1)[0]
    existing = _existing_keys([file_key, *row_keys])
    already = file_key in existing or bool(row_keys and all(k in existing for k in row_keys))
    if already:
        existing = set()  # one message for the file, not one per row
    id_row: dict[str, int] = {}
    if not file_issues:
        for position, (number, cells) in enumerate(
            zip(table.row_numbers(), table.rows, strict=True)
        ):
            row_issues: list[RowIssue] = []
            answer_id = response_ids[position]
            if id_index is not None and answer_id:
                header = _column_name(table, id_index)
                key = row_keys[position]
                if key in id_row:
                    reason = _("The same response id is in row %(row)s.") % {"row": id_row[key]}
                    row_issues.append(RowIssue(number, header, answer_id, reason))
                elif key in existing:
                    reason = _("This response was imported into the wave before.")
                    row_issues.append(RowIssue(number, header, answer_id, reason))
                id_row.setdefault(key, number)
            customer = None
            if code_index is not None:
                code = _cell(cells[code_index])
                header = _column_name(table, code_index)
                customer = customers.get(code)
                if not code:
                    row_issues.append(
                        RowIssue(number, header, "", _("The customer code is missing."))
                    )
                elif customer is None:
                    row_issues.append(
                        RowIssue(
                            number,
                            header,
                            code,
                            _("No customer has this code in the wave's branches."),
                        )
                    )
                elif code in first_row_of:
                    row_issues.append(
                        RowIssue(
                            number,
                            header,
                            code,
                            _("The same customer is in row %(row)s; one response per customer.")
                            % {"row": first_row_of[code]},
                        )
                    )
                elif customer.pk in answered:
                    row_issues.append(
                        RowIssue(
                            number, header, code, _("This customer has already answered the wave.")
                        )
                    )
                if code:
                    first_row_of.setdefault(code, number)
            parsed: dict[int, AnswerValues] = {}
            try:
                parsed = validate_page(
                    questions, _raw_row(cells, columns, source, checked_recode), require=True
                )
            except ServiceError as error:
                for key, messages in error.errors.items():
                    column = _column_of_error(key, columns)
                    index = source.get(column.name) if column is not None else None
                    header = (
                        _column_name(table, index)
                        if index is not None
                        else (column.name if column is not None else key)
                    )
                    value = _cell(cells[index]) if index is not None else ""
                    row_issues.extend(
                        RowIssue(number, header, value, message, key) for message in messages
                    )
            if row_issues:
                rejected += 1
                issues.extend(row_issues[: max(0, MAX_ISSUES - len(issues))])
            else:
                rows.append(
                    _Row(
                        number,
                        customer.pk if customer is not None else None,
                        customer.branch_id if customer is not None else wave.branch_id,
                        customer.tier if customer is not None else "",
                        {pk: values for pk, values in parsed.items() if not values.is_empty},
                        row_keys[position],
                    )
                )
            if len(sample) < PREVIEW_ROWS:
                shown = [customer.code if customer else ""] if code_index is not None else []
                shown += [_shown(c, parsed.get(c.question.pk)) for c in columns if c.name in source]
                sample.append((number, not row_issues, tuple(shown)))
    sample_header = ([_("Customer code")] if code_index is not None else []) + [
        c.name for c in columns if c.name in source
    ]
    plan = [
        wave.pk,
        wave.version_id,
        wave.branch_id,
        table.fingerprint,
        sorted(mapping.items()),
        sorted((k, sorted(v.items())) for k, v in checked_recode.items()),
        [[r.number, r.customer_id, r.branch_id, r.tier, r.key] for r in rows],
        rejected,
        file_issues,
        already,
    ]
    return ImportPreview(
        wave_id=wave.pk,
        fingerprint=table.fingerprint,
        mapping=tuple(sorted(mapping.items())),
        rows=len(table.rows),
        file_issues=tuple(file_issues),
        issues=tuple(issues),
        rejected=rejected,
        customers=sum(1 for r in rows if r.customer_id is not None),
        unmapped=unmapped,
        sample_header=tuple(sample_header),
        sample=tuple(sample),
        already_imported=already,
        plan_digest=hashlib.sha256(json.dumps(plan, default=str).encode()).hexdigest(),
        recode=checked_recode,
        source=table.source,
        file_header=table.header,
        _rows=tuple(rows),
    )


# --- storing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    imported: int
    followed_up: int
    fingerprint: str


def apply_import(
    *,
    actor: User | None,
    wave: Wave,
    content: bytes,
    filename: str,
    mapping: Mapping[int, str],
    expected_fingerprint: str,
    expected_plan: str | None = None,
    recode: Mapping[str, Mapping[str, str]] | None = None,
) -> ImportResult:
    """Store every row of a previewed file as a complete response (source ``import``), or none.

    One transaction, the wave row locked so two imports into one wave run one after the other.
    Refused (nothing stored) when the file is not the previewed one, when the wave, its questions
    or its customers changed so that the plan differs from ``expected_plan`` (409), when a row is
    bad (422) or when this file was already imported into the wave (409). Each stored response
    runs :func:`qiwang.surveys.loop.response_completed` (follow-up rule, other apps' hooks)."""
    if file_fingerprint(content) != expected_fingerprint:
        raise ConflictError(
            _("The file differs from the one previewed; check it again before importing."),
            field="file",
        )
    with transaction.atomic():
        locked = (
            Wave.objects.select_for_update().select_related("version", "branch").get(pk=wave.pk)
        )
        preview = preview_import(
            actor=actor,
            wave=locked,
            content=content,
            filename=filename,
            mapping=mapping,
            recode=recode,
        )
        if preview.already_imported:
            raise ConflictError(_("This file has already been imported into this wave."))
        if expected_plan is not None and preview.plan_digest != expected_plan:
            raise ConflictError(
                _("The wave or its customers changed since the check; check the file again."),
                field="file",
            )
        if not preview.can_import:
            raise ServiceError(
                {
                    "file": [
                        _("%(count)s rows cannot be imported; nothing was imported.")
                        % {"count": preview.rejected or len(preview.file_issues)}
                    ],
                    "rows": [str(issue) for issue in preview.issues[:20]]
                    + list(preview.file_issues),
                }
            )
        rows = preview._rows
        now = timezone.now()
        keys = [row.key for row in rows]
        responses = Response.objects.bulk_create(
            [
                Response(
                    wave=locked,
                    customer_id=row.customer_id,
                    branch_id=row.branch_id,
                    tier=row.tier,
                    submission_key=key,
                    status=ResponseStatus.COMPLETE,
                    source="import",
                    started_at=now,
                    submitted_at=now,
                )
                for row, key in zip(rows, keys, strict=True)
            ],
            batch_size=2000,
        )
        if any(response.pk is None for response in responses):  # backends without RETURNING
            by_key = dict(
                Response.objects.filter(submission_key__in=keys).values_list("submission_key", "pk")
            )
            for response in responses:
                response.pk = by_key[response.submission_key]
        answers = Answer.objects.bulk_create(
            [
                Answer(response=response, question_id=question_pk, **values.__dict__)
                for response, row in zip(responses, rows, strict=True)
                for question_pk, values in row.answers.items()
            ],
            batch_size=5000,
        )
        questions = {question.pk: question for question in _questions(locked)}
        by_response: dict[int, list[tuple[Question, Answer]]] = {}
        for answer in answers:
            by_response.setdefault(answer.response_id, []).append(
                (questions[answer.question_id], answer)
            )
        followed_up = 0
        for response in responses:
            if response_completed(response, locked, by_response.get(response.pk, [])):
                followed_up += 1
        record_event(
            actor=actor,
            action="survey_responses_imported",
            obj=locked,
            changes={
                "rows": len(responses),
                "customers": preview.customers,
                "file": filename[:100],
                "fingerprint": preview.fingerprint[:16],
            },
        )
        _remember_mapping(actor, locked, preview)
        # A large import is counted into the results tallies at once (ADR 0008), in the same
        # transaction: the results page stays fast without waiting for the fold job.
        fold_wave(locked)
    return ImportResult(len(responses), followed_up, preview.fingerprint)


# --- saved mappings --------------------------------------------------------------------------


def saved_mapping(wave: Wave, source: str) -> SavedImportMapping | None:
    """The mapping and recode of the last import from tool ``source`` into a wave of this
    wave's instrument and branch (``import_sources.SOURCES``), if any."""
    return SavedImportMapping.objects.filter(
        instrument_id=wave.version.instrument_id, branch_id=wave.branch_id, source=source
    ).first()


def _remember_mapping(actor: User | None, wave: Wave, preview: ImportPreview) -> None:
    """Keep what this import used for the next file from the same tool (merged over the
    earlier recode: values this file did not hold keep their codes)."""
    saved = saved_mapping(wave, preview.source)
    columns = {
        preview.file_header[index]: key
        for index, key in preview.mapping
        if index < len(preview.file_header) and preview.file_header[index]
    }
    recode = {key: dict(values) for key, values in (saved.recode if saved else {}).items()}
    for key, values in preview.recode.items():
        recode.setdefault(key, {}).update(values)
    SavedImportMapping.objects.update_or_create(
        instrument_id=wave.version.instrument_id,
        branch_id=wave.branch_id,
        source=preview.source,
        defaults={"columns": columns, "recode": recode, "updated_by": actor},
    )


# The one-call import (API, command line, scripts) lives in its own module; importable here.
from qiwang.surveys.import_calls import ImportReport, RowError, import_responses  # noqa: E402

__all__ += ["ImportReport", "RowError", "import_responses"]
