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
import unicodedata
from collections.abc import Iterable, Mapping
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
from qiwang.customers.services.io import read_table as read_customer_table
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.exports import Column, question_columns
from qiwang.surveys.loop import response_completed
from qiwang.surveys.models import Answer, Question, Response, Wave
from qiwang.surveys.responding import AnswerValues, validate_page
from qiwang.surveys.tallies import fold_wave

__all__ = [
    "CUSTOMER_CODE",
    "IGNORE",
    "MAX_BYTES",
    "MAX_ROWS",
    "ImportPreview",
    "ImportReport",
    "ImportResult",
    "RowError",
    "RowIssue",
    "SourceColumn",
    "Table",
    "Target",
    "apply_import",
    "import_responses",
    "import_targets",
    "preview_import",
    "read_table",
    "read_upload",
    "source_columns",
    "suggest_mapping",
]

MAX_ROWS = 100_000
#: Problems listed by the dry run (every bad row is counted; the list stops here).
MAX_ISSUES = 500
#: Rows shown "as they would be stored" by the dry run.
PREVIEW_ROWS = 10
#: Mapping target: the customer's code (links the response to the customer, branch and tier).
CUSTOMER_CODE = "customer_code"
#: Mapping target: this file column is not imported.
IGNORE = ""
_CHUNK = 900  # codes per IN (…) query: below SQLite's variable limit

_SCALES = {
    QuestionKind.KANO: KANO_ANSWERS,
    QuestionKind.SCALE_5: FIVE_LEVEL,
    QuestionKind.SCALE_7: SEVEN_LEVEL,
}
#: Words other tools put next to a question's wording for one part of it (normalised).
_PART_WORDS: dict[tuple[str, str], tuple[str, ...]] = {
    (QuestionKind.KANO, "value"): ("functional", "功能", "正向", "具备", "提供", "有"),
    (QuestionKind.KANO, "second"): ("dysfunctional", "反向", "不具备", "不提供", "没有", "无"),
    (QuestionKind.SERVQUAL, "value"): ("expectation", "expected", "e", "期望", "期望值"),
    (QuestionKind.SERVQUAL, "second"): ("perception", "perceived", "p", "感知", "实际感受"),
}
_IMPORTANCE_WORDS = ("importance", "重要性", "重要程度")
_CUSTOMER_HEADERS = (
    "customer_code",
    "customer code",
    "customer number",
    "customer",
    "code",
    "客户编号",
    "客户编码",
    "客户代码",
    "客户号",
    "编号",
)
_NUMBERING = re.compile(r"^\s*(?:[qQ]\s*)?\d+(?:\.\d+)*\s*[、.．:：)）]\s*")
_SEPARATORS = re.compile(r"[—－|｜:：]")


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """An uploaded file: its header, its data rows (as strings, padded to the header's width)
    and the SHA-256 that ties a preview to the very bytes previewed."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    fingerprint: str


def read_upload(content: bytes, filename: str) -> Table:
    """The header and rows of CSV or XLSX bytes (customer import's reader: BOM, UTF-16, GBK,
    size limit, Excel formula guard undone); blank lines dropped."""
    if not filename.lower().endswith((".csv", ".xlsx")):
        raise ServiceError(_("Upload a .csv or .xlsx file."), field="file")
    _format, _encoding, rows = read_customer_table(content, filename)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ServiceError(_("The file is empty."), field="file")
    header = tuple(cell.strip() for cell in rows[0])
    width = len(header)
    body = tuple(tuple((row + [""] * width)[:width]) for row in rows[1:])
    if len(body) > MAX_ROWS:
        raise ServiceError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS}, field="file")
    return Table(header, body, file_fingerprint(content))


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """The file as a DataFrame of strings (header as column names)."""
    table = read_upload(content, filename)
    return pd.DataFrame(list(table.rows), columns=list(table.header), dtype=str)


# --- mapping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Something a file column can be mapped to."""

    key: str
    label: str
    column: Column | None = None  # None for the customer code

    @property
    def is_required(self) -> bool:
        return (
            self.column is not None
            and self.column.question.is_required
            and not self.column.question.show_if  # display logic: checked row by row
            and self.column.part != "importance"
        )


@dataclass(frozen=True)
class SourceColumn:
    """One column of the uploaded file as the mapping step shows it."""

    index: int
    header: str
    samples: tuple[str, ...]
    suggested: str


def _questions(wave: Wave) -> list[Question]:
    return list(wave.version.questions.order_by("position"))


def import_targets(questions: list[Question]) -> list[Target]:
    """The customer code, then every column of the raw export (each question's parts)."""
    targets = [Target(CUSTOMER_CODE, _("Customer code"))]
    for column in question_columns(questions):
        question = column.question
        part = {
            "value": {
                QuestionKind.KANO: _("functional"),
                QuestionKind.SERVQUAL: _("expectation"),
            }.get(question.kind, ""),
            "second": {
                QuestionKind.KANO: _("dysfunctional"),
                QuestionKind.SERVQUAL: _("perception"),
            }.get(question.kind, ""),
            "importance": _("importance"),
        }.get(column.part, "")
        label = f"{question.text}（{part}）" if part else question.text
        targets.append(Target(column.name, f"{column.name} · {label}", column))
    return targets


def _normalise(text: str) -> str:
    """Lower case, full-width folded, question numbering ("3、", "Q3.") and every space and
    punctuation mark removed: what is left compares headers with wording."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = _NUMBERING.sub("", text)
    return "".join(ch for ch in text if ch.isalnum())


def _header_keys(header: str) -> list[str]:
    """The normalised header, and the part after the last separator ("7、评价—保安巡逻")."""
    keys = [_normalise(header)]
    parts = _SEPARATORS.split(unicodedata.normalize("NFKC", header))
    if len(parts) > 1 and _normalise(parts[-1]):
        keys.append(_normalise(parts[-1]))
    return [key for key in keys if key]


def _spellings(target: Target) -> set[str]:
    """Every normalised header that means ``target``."""
    if target.column is None:
        return {_normalise(name) for name in _CUSTOMER_HEADERS}
    column = target.column
    question = column.question
    names = {_normalise(column.name)}
    if column.legacy:  # an export made before the shared column vocabulary
        names.add(_normalise(column.legacy))
    wordings = [w for w in (question.text_zh, question.text_en) if w]
    if column.part == "importance":
        words: tuple[str, ...] = _IMPORTANCE_WORDS
    else:
        words = _PART_WORDS.get((question.kind, column.part), ())
    if words:
        for wording in [*wordings, question.attribute]:
            for word in words:
                names.add(_normalise(f"{wording}{word}"))
                names.add(_normalise(f"{word}{wording}"))
    else:
        names.add(_normalise(question.attribute))
        names.update(_normalise(wording) for wording in wordings)
    names.discard("")
    return names


def suggest_mapping(header: Iterable[str], targets: list[Target]) -> dict[int, str]:
    """For each file column, the target its header names (export name, question wording in
    either language, customer code), else :data:`IGNORE`. A target is suggested once (first
    column wins), so a suggestion never maps two columns to the same target."""
    by_spelling: dict[str, str] = {}
    for target in targets:
        for spelling in _spellings(target):
            by_spelling.setdefault(spelling, target.key)
    used: set[str] = set()
    mapping: dict[int, str] = {}
    for index, name in enumerate(header):
        mapping[index] = IGNORE
        for key in _header_keys(name):
            target = by_spelling.get(key)
            if target is not None and target not in used:
                mapping[index] = target
                used.add(target)
                break
    return mapping


def source_columns(table: Table, targets: list[Target]) -> list[SourceColumn]:
    """The mapping step's rows: header, up to three sample values, the suggested target."""
    suggested = suggest_mapping(table.header, targets)
    columns = []
    for index, header in enumerate(table.header):
        samples: list[str] = []
        for row in table.rows:
            value = row[index].strip()
            if value:
                samples.append(value[:60])
            if len(samples) == 3:
                break
        columns.append(SourceColumn(index, header, tuple(samples), suggested[index]))
    return columns


def _column_name(table: Table, index: int) -> str:
    header = table.header[index] if index < len(table.header) else ""
    return header or _("column %(n)s") % {"n": index + 1}


def _legacy_keys(targets: list[Target]) -> dict[str, str]:
    """Earlier export names of the targets (``cleanliness_importance`` → ``cleanliness_I``): a
    mapping written for an older export still names its columns."""
    return {
        t.column.legacy: t.key
        for t in targets
        if t.column is not None and t.column.legacy and t.column.legacy != t.key
    }


def _check_mapping(table: Table, targets: list[Target], mapping: Mapping[int, str]) -> None:
    """Refuse unknown targets, columns the file does not have and a target used twice."""
    known = {target.key for target in targets}
    errors: list[str] = []
    first_of: dict[str, int] = {}
    for index, key in sorted(mapping.items()):
        if key == IGNORE:
            continue
        if not 0 <= index < len(table.header):
            errors.append(_("The file has no column %(n)s.") % {"n": index + 1})
            continue
        if key not in known:
            errors.append(_("Not a column of this wave: %(names)s.") % {"names": key})
            continue
        if key in first_of:
            errors.append(
                _(
                    "“%(first)s” and “%(second)s” are both mapped to %(target)s; map each wave column once."
                )
                % {
                    "first": _column_name(table, first_of[key]),
                    "second": _column_name(table, index),
                    "target": key,
                }
            )
            continue
        first_of[key] = index
    if errors:
        raise ServiceError({"mapping": errors})


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
    """A scale label (满意, must-be, 我很喜欢 …) as its code; anything else unchanged (the
    answer pages' rules judge it)."""
    scale = _SCALES.get(question.kind)
    if scale is None or part not in ("value", "second") or value.lstrip("-").isdigit():
        return value
    spelled = re.sub(r"[\s\-_]+", " ", value.strip().lower()).strip(" .。")
    code = scale.lookup().get(spelled)
    return str(code) if code is not None else value


def _choice_values(question: Question, value: str) -> list[str]:
    """Chosen options from "a,b", "a;b", "a┋b" (Wenjuanxing) — by value or by label."""
    by_label: dict[str, str] = {}
    for option in question.options:
        for label in option:
            by_label.setdefault(str(label).strip().lower(), str(option[0]))
    parts = re.split(r"[,，;；┋|、]", value)
    return [by_label.get(part.strip().lower(), part.strip()) for part in parts if part.strip()]


def _cell(value: str) -> str:
    value = value.strip()
    if value.endswith(".0") and value[:-2].lstrip("-").isdigit():
        value = value[:-2]  # numbers read back from spreadsheets
    return value


def _raw_row(
    cells: tuple[str, ...], columns: list[Column], source: dict[str, int]
) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for column in columns:
        index = source.get(column.name)
        value = _cell(cells[index]) if index is not None else ""
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


def _submission_keys(wave: Wave, digest: str, count: int) -> list[str]:
    return [f"m{wave.pk}-{digest[:16]}-{i}" for i in range(count)]


def _shown(column: Column, values: AnswerValues | None) -> str:
    if values is None:
        return ""
    value = getattr(values, column.part)
    return "" if value is None else str(value)


def preview_import(
    *, actor: User, wave: Wave, content: bytes, filename: str, mapping: Mapping[int, str]
) -> ImportPreview:
    """The dry run of importing ``content`` into ``wave`` with ``mapping`` (file column index →
    target key): what would be stored, and every reason it cannot be. Writes nothing.

    Raises :class:`ServiceError` for a file that cannot be read or a mapping that is wrong
    (a target used twice names both columns); problems with rows are in the preview."""
    if not can(actor, Action.CHANGE_SURVEYS, wave):
        raise ServiceError(_("You may not change surveys here."))
    table = read_upload(content, filename)
    questions = _questions(wave)
    targets = import_targets(questions)
    legacy = _legacy_keys(targets)
    mapping = {int(index): legacy.get(key, key) for index, key in mapping.items()}
    _check_mapping(table, targets, mapping)
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
    if not file_issues:
        for number, cells in enumerate(table.rows, start=2):  # row 1 is the header
            row_issues: list[RowIssue] = []
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
                parsed = validate_page(questions, _raw_row(cells, columns, source), require=True)
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
                    )
                )
            if len(sample) < PREVIEW_ROWS:
                shown = [customer.code if customer else ""] if code_index is not None else []
                shown += [_shown(c, parsed.get(c.question.pk)) for c in columns if c.name in source]
                sample.append((number, not row_issues, tuple(shown)))
    sample_header = ([_("Customer code")] if code_index is not None else []) + [
        c.name for c in columns if c.name in source
    ]
    keys = _submission_keys(wave, table.fingerprint, 1)
    already = Response.objects.filter(submission_key__in=keys).exists()
    plan = [
        wave.pk,
        wave.version_id,
        wave.branch_id,
        table.fingerprint,
        sorted(mapping.items()),
        [[r.number, r.customer_id, r.branch_id, r.tier] for r in rows],
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
    actor: User,
    wave: Wave,
    content: bytes,
    filename: str,
    mapping: Mapping[int, str],
    expected_fingerprint: str,
    expected_plan: str | None = None,
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
            actor=actor, wave=locked, content=content, filename=filename, mapping=mapping
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
        keys = _submission_keys(locked, preview.fingerprint, len(rows))
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
        # A large import is counted into the results tallies at once (ADR 0008), in the same
        # transaction: the results page stays fast without waiting for the fold job.
        fold_wave(locked)
    return ImportResult(len(responses), followed_up, preview.fingerprint)


# --- one call (the API, scripts and the first version of the page) --------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    rows: int
    imported: int
    dry_run: bool
    errors: tuple[RowError, ...] = ()
    unmapped: tuple[str, ...] = field(default=())


def import_responses(
    *,
    actor: User,
    wave: Wave,
    content: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    dry_run: bool = True,
) -> ImportReport:
    """Check (and unless ``dry_run`` store) the file in one call. ``mapping`` is
    ``{file header: wave column}``; other headers are matched by :func:`suggest_mapping`.
    Errors carry the answer pages' key (``overall.value``) as their column."""
    if not can(actor, Action.CHANGE_SURVEYS, wave):
        raise ServiceError(_("You may not change surveys here."))
    table = read_upload(content, filename)
    targets = import_targets(_questions(wave))
    known = {target.key for target in targets}
    legacy = _legacy_keys(targets)
    pairs = {
        k.strip(): legacy.get(v.strip(), v.strip())
        for k, v in (mapping or {}).items()
        if k.strip() and v.strip()
    }
    bad_targets = sorted(set(pairs.values()) - known)
    if bad_targets:
        raise ServiceError(
            _("Not a column of this wave: %(names)s.") % {"names": ", ".join(bad_targets)},
            field="mapping",
        )
    missing_headers = sorted(set(pairs) - set(table.header))
    if missing_headers:
        raise ServiceError(
            _("The file has no column %(names)s.") % {"names": ", ".join(missing_headers)},
            field="mapping",
        )
    by_index = suggest_mapping(table.header, targets)
    explicit = {table.header.index(header): target for header, target in pairs.items()}
    for index, target in list(by_index.items()):
        if target in explicit.values() and index not in explicit:
            by_index[index] = IGNORE
    by_index.update(explicit)
    preview = preview_import(
        actor=actor, wave=wave, content=content, filename=filename, mapping=by_index
    )
    errors = tuple(RowError(i.row, i.field or i.column, i.reason) for i in preview.issues) + tuple(
        RowError(1, "", message) for message in preview.file_issues
    )
    if errors or dry_run:
        return ImportReport(preview.rows, 0, dry_run, errors, preview.unmapped)
    result = apply_import(
        actor=actor,
        wave=wave,
        content=content,
        filename=filename,
        mapping=by_index,
        expected_fingerprint=preview.fingerprint,
    )
    return ImportReport(preview.rows, result.imported, False, (), preview.unmapped)
