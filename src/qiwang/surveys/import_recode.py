"""The value-recode step of the response import: each scale column's distinct values → codes.

Tools write scale answers in their own words: 问卷星 and 腾讯问卷 "非常满意 … 非常不满意", Qualtrics
"Extremely satisfied … Extremely dissatisfied" or "Somewhat agree", LimeSurvey its answer codes
``A1 … A5``, SPSS numbers with value labels. A *recode* is ``{wave column: {file value: code}}``.
:func:`suggest_recode` pre-fills it for every mapped rating column from :data:`SYNONYMS` (both
languages, satisfied and agree forms, 5 and 7 levels), from LimeSurvey codes by position and from
SPSS value labels; the person importing checks and edits it (page, ``--mapping`` file, API), and
a successful import saves it for the next file from the same tool (:class:`SavedImportMapping`).

Values the answer pages already accept (codes, the scale's own labels) need no entry; a value
with no entry is passed on unchanged, so a value nobody recoded is reported row by row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from qiwang.analysis import FIVE_LEVEL, KANO_ANSWERS, SEVEN_LEVEL
from qiwang.errors import ServiceError
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.import_sources import EMPTY_MARKERS, Table

__all__ = [
    "LEVELS",
    "SYNONYMS",
    "Recode",
    "check_recode",
    "distinct_values",
    "format_recode",
    "parse_recode_text",
    "suggest_recode",
    "synonym_key",
]

Recode = dict[str, dict[str, str]]

#: Levels of the question kinds whose answers are recoded.
LEVELS: dict[str, int] = {
    QuestionKind.SCALE_5: 5,
    QuestionKind.SCALE_7: 7,
    QuestionKind.KANO: 5,
    QuestionKind.SERVQUAL: 7,
    QuestionKind.CES: 7,
}
#: Most distinct values shown for one column (more is not a scale).
MAX_DISTINCT = 30

# Normalised spelling → code, per number of levels. Sources: the tools' own default scales
# (问卷星 / 腾讯问卷 量表题 "非常不满意 … 非常满意"; Qualtrics' satisfaction and agreement
# scales, 5 and 7 points; the Likert agreement forms).
_FIVE: dict[int, tuple[str, ...]] = {
    5: (
        "非常满意",
        "很满意",
        "十分满意",
        "extremely satisfied",
        "very satisfied",
        "completely satisfied",
        "非常同意",
        "strongly agree",
    ),
    4: (
        "满意",
        "比较满意",
        "较满意",
        "satisfied",
        "somewhat satisfied",
        "moderately satisfied",
        "同意",
        "比较同意",
        "agree",
        "somewhat agree",
    ),
    3: (
        "一般",
        "中立",
        "说不清",
        "neither satisfied nor dissatisfied",
        "neutral",
        "neither agree nor disagree",
        "neither",
    ),
    2: (
        "不太满意",
        "不满意",
        "比较不满意",
        "dissatisfied",
        "somewhat dissatisfied",
        "moderately dissatisfied",
        "不太同意",
        "不同意",
        "disagree",
        "somewhat disagree",
    ),
    1: (
        "非常不满意",
        "很不满意",
        "十分不满意",
        "extremely dissatisfied",
        "very dissatisfied",
        "completely dissatisfied",
        "非常不同意",
        "strongly disagree",
    ),
}
_SEVEN: dict[int, tuple[str, ...]] = {
    7: (
        "非常满意",
        "很满意",
        "extremely satisfied",
        "very satisfied",
        "非常同意",
        "strongly agree",
    ),
    6: ("满意", "satisfied", "moderately satisfied", "同意", "agree"),
    5: (
        "比较满意",
        "较满意",
        "somewhat satisfied",
        "slightly satisfied",
        "比较同意",
        "somewhat agree",
    ),
    4: (
        "一般",
        "中立",
        "neither satisfied nor dissatisfied",
        "neutral",
        "neither agree nor disagree",
    ),
    3: (
        "不太满意",
        "比较不满意",
        "somewhat dissatisfied",
        "slightly dissatisfied",
        "不太同意",
        "somewhat disagree",
    ),
    2: ("不满意", "dissatisfied", "moderately dissatisfied", "不同意", "disagree"),
    1: (
        "非常不满意",
        "很不满意",
        "extremely dissatisfied",
        "very dissatisfied",
        "非常不同意",
        "strongly disagree",
    ),
}


def synonym_key(value: str) -> str:
    """A label as :data:`SYNONYMS` spells it (NFKC, lower case, one space)."""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    return re.sub(r"[\s\-_.。]+", " ", text).strip()


def _table(spellings: dict[int, tuple[str, ...]]) -> dict[str, int]:
    return {synonym_key(word): code for code, words in spellings.items() for word in words}


#: Normalised label → code, for 5- and 7-level scales.
SYNONYMS: dict[int, dict[str, int]] = {5: _table(_FIVE), 7: _table(_SEVEN)}
_LIMESURVEY_CODE = re.compile(r"^[Aa](\d{1,2})$")
_ACCEPTED = {
    QuestionKind.SCALE_5: FIVE_LEVEL,
    QuestionKind.SCALE_7: SEVEN_LEVEL,
    QuestionKind.KANO: KANO_ANSWERS,
}


def _accepted(kind: str, value: str, levels: int) -> bool:
    """A value the answer pages already take: a code in range or the scale's own label."""
    if value.isdigit() and 1 <= int(value) <= levels:
        return True
    scale = _ACCEPTED.get(kind)
    if scale is None:
        return False
    spelled = re.sub(r"[\s\-_]+", " ", value.strip().lower()).strip(" .。")
    return spelled in scale.lookup()


def distinct_values(table: Table, index: int) -> list[str]:
    """The column's distinct filled values, in order of first appearance (at most
    ``MAX_DISTINCT + 1``, so a caller can tell that there are more)."""
    seen: dict[str, None] = {}
    for row in table.rows:
        value = row[index].strip()
        if value.endswith(".0") and value[:-2].isdigit():
            value = value[:-2]
        if value and value not in seen and value not in EMPTY_MARKERS:
            seen[value] = None
            if len(seen) > MAX_DISTINCT:
                break
    return list(seen)


def _guess(kind: str, value: str, label: str, levels: int) -> str | None:
    if kind == QuestionKind.KANO:
        for text in (label, value):
            code = KANO_ANSWERS.lookup().get(synonym_key(text)) if text else None
            if code is not None:
                return str(code)
    else:
        synonyms = SYNONYMS.get(levels, {})
        for text in (label, value):
            if text and synonym_key(text) in synonyms:
                return str(synonyms[synonym_key(text)])
    match = _LIMESURVEY_CODE.match(value)
    if match and 1 <= int(match.group(1)) <= levels:
        return match.group(1)  # LimeSurvey answer codes by position: A1 is the first answer
    return None


def suggest_recode(
    table: Table,
    mapping: Mapping[int, str],
    kinds: Mapping[str, str],
    *,
    saved: Mapping[str, Mapping[str, str]] | None = None,
) -> Recode:
    """For every mapped column of a recoded kind (``kinds``: wave column → question kind), each
    distinct value that needs a code → the code guessed from SPSS labels, the synonyms or its
    LimeSurvey position; a value with no guess maps to "" (shown for the person to fill in).
    ``saved`` (an earlier import's recode) wins over guesses."""
    recode: Recode = {}
    for index, target in sorted(mapping.items()):
        kind = kinds.get(target)
        if not target or kind not in LEVELS or not 0 <= index < len(table.header):
            continue
        levels = LEVELS[kind]
        labels = table.labels(index)
        earlier = (saved or {}).get(target, {})
        entries: dict[str, str] = {}
        for value in distinct_values(table, index)[:MAX_DISTINCT]:
            label = labels.get(value, "")
            if value in earlier:
                entries[value] = earlier[value]
                continue
            guess = _guess(kind, value, label, levels)
            if labels and guess is not None and guess != value:
                entries[value] = guess  # SPSS: the label decides, even over a stored number
            elif not _accepted(kind, value, levels):
                entries[value] = guess or ""
        if entries:
            recode[target] = entries
    return recode


def check_recode(recode: Any, known: Iterable[str]) -> Recode:
    """A recode from outside (form, JSON file, API) checked: an object of objects of text, every
    key a wave column; a ServiceError names the bad entry."""
    if recode is None:
        return {}
    if not isinstance(recode, dict):
        raise ServiceError(_("The recode must be an object of wave columns."), field="recode")
    names = set(known)
    checked: Recode = {}
    for target, values in recode.items():
        if target not in names:
            raise ServiceError(
                _("Not a column of this wave: %(names)s.") % {"names": target}, field="recode"
            )
        if not isinstance(values, dict):
            raise ServiceError(
                _("The recode of %(column)s must map file values to codes.") % {"column": target},
                field="recode",
            )
        entries = {
            str(value).strip(): str(code).strip()
            for value, code in values.items()
            if str(value).strip() and code is not None and str(code).strip()
        }
        if entries:
            checked[str(target)] = entries
    return checked


def parse_recode_text(text: str, *, column: str) -> dict[str, str]:
    """The page's recode box: one ``file value = code`` a line (the last ``=`` splits); blank
    lines and lines with no code are skipped. A line without ``=`` is refused naming it."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, sign, code = line.rpartition("=")
        if not sign or not value.strip():
            raise ServiceError(
                _("Recode of %(column)s, line %(line)d: write “file value = code”, not “%(text)s”.")
                % {"column": column, "line": number, "text": line.strip()[:60]},
                field="recode",
            )
        if code.strip():
            entries[value.strip()] = code.strip()
    return entries


def format_recode(entries: Mapping[str, str]) -> str:
    """The page's recode box text for ``entries`` (inverse of :func:`parse_recode_text`)."""
    return "\n".join(f"{value} = {code}".rstrip() for value, code in entries.items())
