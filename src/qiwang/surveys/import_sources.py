"""Reading the files other survey tools export, for the response import (``imports.py``).

One :class:`Table` whatever the tool: the column names, the question wording when the tool writes
it in a row of its own, the data rows, the spreadsheet row number of the first data row, SPSS
value labels, and which tool the file seems to come from (a saved mapping is kept per tool).

- CSV / TSV (UTF-8 with or without BOM, UTF-16, GBK / GB18030) and XLSX go through the customer
  import's bounded reader (size, rows, columns, cell length, reading time).
- **Qualtrics** writes three header rows: the column ids (``Q1``, ``Q2_1`` …), the question text
  ("How satisfied … - Repair speed") and a row of ``{"ImportId":"QID2_1"}`` JSON. The JSON row is
  recognised and skipped; the text row becomes :attr:`Table.texts` and is matched to the wave's
  wording like a header. Older exports with ``ResponseID`` and a text row but no JSON row too.
- **SPSS** ``.sav`` is read with pyreadstat: variable names as header, variable labels as texts,
  the stored numbers as values and the value labels kept per column (the recode step reads them).
- The tool (``qualtrics``, ``limesurvey``, ``wenjuanxing``, ``tencent``, ``formbricks``, ``spss``,
  or ``file``) is guessed from columns only that tool writes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiwang.customers.services import reading
from qiwang.customers.services.io import MAX_BYTES
from qiwang.customers.services.io import fingerprint as file_fingerprint
from qiwang.customers.services.io import read_table as read_customer_table
from qiwang.errors import ServiceError

__all__ = [
    "EMPTY_MARKERS",
    "EXTENSIONS",
    "MAX_ROWS",
    "SOURCES",
    "Table",
    "detect_source",
    "read_upload",
    "response_id_index",
    "response_time_index",
    "source_label",
]

MAX_ROWS = 100_000
#: File name endings the import reads.
EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".sav")
#: Tools recognised by their own columns (the key saved mappings are kept under).
SOURCES = ("qualtrics", "limesurvey", "wenjuanxing", "tencent", "formbricks", "spss", "file")

#: How tools write "no answer" in a cell: 问卷星 "(空)" for a question left empty and "(跳过)"
#: for one its jump logic skipped (full-width brackets too). Read as an empty answer.
EMPTY_MARKERS = frozenset({"(空)", "(跳过)", "（空）", "（跳过）"})

#: How the pages name each tool (the keys are stored in saved mappings).
_SOURCE_LABELS = {
    "qualtrics": "Qualtrics",
    "limesurvey": "LimeSurvey",
    "wenjuanxing": gettext_lazy("Wenjuanxing"),
    "tencent": gettext_lazy("Tencent Questionnaire"),
    "formbricks": "Formbricks",
    "spss": gettext_lazy("SPSS data file"),
    "file": gettext_lazy("a file from no recognised tool"),
}


def source_label(source: str) -> str:
    """The tool's name as the pages show it (``tencent`` → 腾讯问卷)."""
    return str(_SOURCE_LABELS.get(source, source))


_MARKERS: dict[str, tuple[frozenset[str], ...]] = {
    # Any one set of column names, all present (compared in lower case).
    "limesurvey": (
        frozenset({"submitdate", "lastpage", "startlanguage"}),
        frozenset({"date submitted", "last page", "start language"}),
    ),
    "wenjuanxing": (frozenset({"提交答卷时间"}), frozenset({"所用时间", "来源"})),
    "tencent": (frozenset({"开始答题时间", "结束答题时间"}), frozenset({"答题时长"})),
    "formbricks": (frozenset({"response id", "timestamp", "finished"}),),
    "qualtrics": (frozenset({"responseid", "recordeddate"}), frozenset({"responseid", "finished"})),
}


#: The column in which each tool writes its own response id (lower case): a response imported
#: once is known again in a later export of the same survey (see ``import_keys``).
_RESPONSE_IDS: dict[str, tuple[str, ...]] = {
    "qualtrics": ("responseid",),
    "limesurvey": ("id", "response id"),
    "wenjuanxing": ("序号",),
    "tencent": ("编号",),
    "formbricks": ("response id",),
    "spss": ("responseid", "response_id"),
}
#: Tools whose id is a serial number of one survey (1, 2, 3 … in every survey): the time the
#: response was submitted goes with it, so two surveys' exports into one wave do not collide.
_RESPONSE_TIMES: dict[str, tuple[str, ...]] = {
    "limesurvey": ("submitdate", "date submitted", "startdate", "date started"),
    "wenjuanxing": ("提交答卷时间",),
    "tencent": ("结束答题时间", "开始答题时间"),
}


@dataclass(frozen=True)
class Table:
    """An uploaded file: its header, its data rows (as strings, padded to the header's width)
    and the SHA-256 that ties a preview to the very bytes previewed.

    ``texts`` holds the question wording per column when the tool writes it apart from the column
    names (Qualtrics' second row, SPSS variable labels); ``first_row`` is the spreadsheet row
    number of ``rows[0]``; ``value_labels`` maps, per column, a stored value to its label (SPSS)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    fingerprint: str
    texts: tuple[str, ...] = ()
    first_row: int = 2
    value_labels: tuple[dict[str, str], ...] = field(default=())
    source: str = "file"
    #: The spreadsheet row number of each row when blank lines were dropped between them
    #: (empty: ``first_row``, ``first_row + 1`` …).
    numbers: tuple[int, ...] = ()

    def row_numbers(self) -> tuple[int, ...]:
        """The spreadsheet row number of every row of :attr:`rows`, as the tool shows it."""
        if self.numbers:
            return self.numbers
        return tuple(range(self.first_row, self.first_row + len(self.rows)))

    def text(self, index: int) -> str:
        return self.texts[index] if index < len(self.texts) else ""

    def labels(self, index: int) -> dict[str, str]:
        return self.value_labels[index] if index < len(self.value_labels) else {}


def _is_import_id_row(row: list[str]) -> bool:
    """Qualtrics' third header row: every filled cell a ``{"ImportId": …}`` object."""
    filled = [cell.strip() for cell in row if cell.strip()]
    if not filled:
        return False
    for cell in filled:
        try:
            value = json.loads(cell)
        except ValueError:
            return False
        if not isinstance(value, dict) or "ImportId" not in value:
            return False
    return True


def _header_rows(rows: list[list[str]]) -> tuple[int, list[str]]:
    """How many rows the header takes (1–3) and the question-text row, if any."""
    if len(rows) >= 3 and _is_import_id_row(rows[2]):
        return 3, rows[1]
    if len(rows) >= 2 and _is_import_id_row(rows[1]):
        return 2, []
    names = {cell.strip().lower() for cell in rows[0]}
    if len(rows) >= 2 and "responseid" in names:
        texts = {cell.strip().lower() for cell in rows[1]}
        if "response id" in texts or "responseid" in texts:  # Qualtrics without ImportIds
            return 2, rows[1]
    return 1, []


def detect_source(header: tuple[str, ...], *, import_ids: bool = False) -> str:
    """The tool a file seems to come from, by the columns only it writes (else ``file``)."""
    if import_ids:
        return "qualtrics"
    names = {cell.strip().lower() for cell in header}
    for source, marker_sets in _MARKERS.items():
        if any(markers <= names for markers in marker_sets):
            return source
    return "file"


def _spss_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN: a missing answer
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _read_sav(content: bytes, filename: str) -> Table:
    """An SPSS file: names, variable labels, values as stored, value labels per column."""
    import pyreadstat

    if len(content) > MAX_BYTES:
        raise ServiceError(
            _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // 1024 // 1024},
            field="file",
        )
    handle, path = tempfile.mkstemp(suffix=".sav")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        try:
            # The header first: a compressed file's size says little about its rows and columns.
            _empty, shape = pyreadstat.read_sav(path, metadataonly=True)
            too_wide = (shape.number_columns or 0) > reading.MAX_COLUMNS
            if too_wide or (shape.number_rows or 0) > MAX_ROWS:
                raise ServiceError(
                    _("The file has more than %(max)d rows; split it into smaller files.")
                    % {"max": MAX_ROWS}
                    if not too_wide
                    else _("Row %(row)d has more than %(max)d columns.")
                    % {"row": 1, "max": reading.MAX_COLUMNS},
                    field="file",
                )
            frame, meta = pyreadstat.read_sav(path, row_limit=MAX_ROWS + 1)
        except ServiceError:
            raise
        except Exception:  # pyreadstat raises its own ReadstatError and plain errors
            raise ServiceError(
                _("%s is not a readable SPSS data file (.sav).") % filename, field="file"
            ) from None
    finally:
        os.unlink(path)
    header = tuple(str(name) for name in frame.columns)
    if len(frame) > MAX_ROWS:
        raise ServiceError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS}, field="file")
    rows = list(
        reading.bounded_rows(
            frame.itertuples(index=False, name=None), max_rows=MAX_ROWS, cell=_spss_text
        )
    )
    # A case with every value missing is skipped; the others keep their case numbers.
    numbered = [(number, row) for number, row in enumerate(rows, start=2) if any(row)]
    labels = meta.column_names_to_labels or {}
    value_labels = meta.variable_value_labels or {}
    return Table(
        header=header,
        rows=tuple(tuple(row) for _number, row in numbered),
        fingerprint=file_fingerprint(content),
        numbers=tuple(number for number, _row in numbered),
        texts=tuple(str(labels.get(name) or "") for name in header),
        value_labels=tuple(
            {_spss_text(k): str(v) for k, v in value_labels.get(name, {}).items()}
            for name in header
        ),
        source="spss",
    )


def read_upload(content: bytes, filename: str) -> Table:
    """The header and rows of CSV, TSV, XLSX or SPSS bytes; blank lines dropped, Qualtrics'
    extra header rows recognised (see the module docstring)."""
    name = filename.lower()
    if not name.endswith(EXTENSIONS):
        raise ServiceError(_("Upload a .csv, .tsv, .xlsx or .sav file."), field="file")
    if not content:
        raise ServiceError(_("The file is empty."), field="file")
    if name.endswith(".sav"):
        table = _read_sav(content, filename)
        if not table.header:
            raise ServiceError(_("The file is empty."), field="file")
        return table
    _format, _encoding, read = read_customer_table(content, filename)
    # Blank lines are dropped, but every row keeps its line number as the spreadsheet shows it
    # (a blank line between answers must not shift the numbers the dry run names).
    numbered = [(n, row) for n, row in enumerate(read, start=1) if any(c.strip() for c in row)]
    if not numbered:
        raise ServiceError(_("The file is empty."), field="file")
    rows = [row for _n, row in numbered]
    skip, texts = _header_rows(rows)
    header = tuple(cell.strip() for cell in rows[0])
    width = len(header)
    body = tuple(tuple((row + [""] * width)[:width]) for row in rows[skip:])
    if len(body) > MAX_ROWS:
        raise ServiceError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS}, field="file")
    return Table(
        header,
        body,
        file_fingerprint(content),
        texts=tuple(cell.strip() for cell in (texts + [""] * width)[:width]) if texts else (),
        first_row=numbered[skip][0] if len(numbered) > skip else skip + 1,
        source=detect_source(header, import_ids=skip > 1 or bool(texts)),
        numbers=tuple(n for n, _row in numbered[skip:]),
    )


def _index_of(table: Table, candidates: tuple[str, ...]) -> int | None:
    names = [cell.strip().lower() for cell in table.header]
    for name in candidates:
        if name in names:
            return names.index(name)
    return None


def response_id_index(table: Table) -> int | None:
    """The index of the column holding the tool's own response id, if the file has one."""
    return _index_of(table, _RESPONSE_IDS.get(table.source, ()))


def response_time_index(table: Table) -> int | None:
    """For a tool numbering each survey's responses 1, 2, 3 …, the submission time column."""
    return _index_of(table, _RESPONSE_TIMES.get(table.source, ()))
