"""The column-mapping step of the response import: what a file column can be mapped to
(:func:`import_targets`), which target a header names (:func:`suggest_mapping`: export names,
the question's wording in either language, matrix rows after 问卷星 "—", 腾讯问卷 "-" / "_",
":" or Qualtrics " - ", LimeSurvey ``CODE[SQ001]`` and "text [row]"), and the checks of a
mapping chosen by a person."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from qiwang.errors import ServiceError
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.exports import Column, question_columns
from qiwang.surveys.import_sources import Table
from qiwang.surveys.models import Question, Wave

__all__ = [
    "CUSTOMER_CODE",
    "IGNORE",
    "SourceColumn",
    "Target",
    "import_targets",
    "source_columns",
    "suggest_for_table",
    "suggest_mapping",
]

#: Mapping target: the customer's code (links the response to the customer, branch and tier).
CUSTOMER_CODE = "customer_code"
#: Mapping target: this file column is not imported.
IGNORE = ""
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
#: Between a matrix question and its row: 问卷星 "—", 腾讯问卷 "-" or "_" next to Chinese text,
#: ":", "|", Qualtrics " - ".
_SEPARATORS = re.compile(r"[—－|｜:：]|\s-\s|(?<=[^\x00-\x7f])[-_]|[-_](?=[^\x00-\x7f])")
#: LimeSurvey's matrix headers: ``CODE[SQ001]`` and "question text [sub-question text]".
_BRACKETS = re.compile(r"^(.*)\[([^\]]+)\]\s*$")


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
    text: str = ""  # the question wording the tool wrote apart from the header


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
    """The normalised header, the part after the last separator ("7、评价—保安巡逻") and, for
    LimeSurvey's ``CODE[SQ001]`` / "text [row]" headers, the bracketed row and the code."""
    text = unicodedata.normalize("NFKC", header)
    keys = [_normalise(header)]
    bracketed = _BRACKETS.match(text)
    if bracketed:
        keys += [_normalise(bracketed.group(2)), _normalise(bracketed.group(1))]
    parts = _SEPARATORS.split(text)
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


def suggest_mapping(
    header: Iterable[str], targets: list[Target], texts: Iterable[str] = ()
) -> dict[int, str]:
    """For each file column, the target its header names (export name, question wording in
    either language, customer code), else :data:`IGNORE`; ``texts`` (a question-text row, SPSS
    variable labels) are tried after the header. A target is suggested once (first column wins),
    so a suggestion never maps two columns to the same target."""
    by_spelling: dict[str, str] = {}
    for target in targets:
        for spelling in _spellings(target):
            by_spelling.setdefault(spelling, target.key)
    wordings = list(texts)
    used: set[str] = set()
    mapping: dict[int, str] = {}
    for index, name in enumerate(header):
        mapping[index] = IGNORE
        keys = _header_keys(name)
        if index < len(wordings) and wordings[index]:
            keys += _header_keys(wordings[index])
        for key in keys:
            target = by_spelling.get(key)
            if target is not None and target not in used:
                mapping[index] = target
                used.add(target)
                break
    return mapping


#: Response serial numbers of 问卷星 / 腾讯问卷 (not customer codes).
_SERIAL_HEADERS = ("编号", "序号")


def suggest_for_table(
    table: Table, targets: list[Target], saved: Mapping[str, str] | None = None
) -> dict[int, str]:
    """:func:`suggest_mapping` for a read file: its question-text row too, a tool's own
    response serial number ("编号" in 腾讯问卷, "序号" in 问卷星) never taken for the customer
    code, and ``saved`` (file header → target, from the last import from the same tool) first."""
    suggested = suggest_mapping(table.header, targets, table.texts)
    if table.source in ("tencent", "wenjuanxing"):
        for index, header in enumerate(table.header):
            if suggested[index] == CUSTOMER_CODE and header in _SERIAL_HEADERS:
                suggested[index] = IGNORE
    if saved:
        known = {target.key for target in targets}
        for index, header in enumerate(table.header):
            target = saved.get(header)
            if target is None or (target and target not in known):
                continue
            for other, chosen in suggested.items():
                if target and chosen == target and other != index:
                    suggested[other] = IGNORE
            suggested[index] = target
    return suggested


def source_columns(
    table: Table, targets: list[Target], saved: Mapping[str, str] | None = None
) -> list[SourceColumn]:
    """The mapping step's rows: header, up to three sample values, the suggested target."""
    suggested = suggest_for_table(table, targets, saved)
    columns = []
    for index, header in enumerate(table.header):
        samples: list[str] = []
        for row in table.rows:
            value = row[index].strip()
            if value:
                samples.append(value[:60])
            if len(samples) == 3:
                break
        columns.append(
            SourceColumn(index, header, tuple(samples), suggested[index], table.text(index))
        )
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
