"""Every XLSX Qiwang writes: XlsxWriter in constant memory, within Excel's limits, no live formula.

One writer for every export (customers, survey answers, a customer's personal-data copy, the
monthly report), so that each file opens in Excel, WPS and LibreOffice alike:

- **Constant memory.** XlsxWriter's ``constant_memory`` mode writes each row to a temporary file
  as soon as the next one starts; the rows come from an iterator, so an export of millions of rows
  never sits in memory.
- **Excel's limits.** A sheet holds 1,048,576 rows (the header included): the rows that do not fit
  continue on a new sheet (``customers (2)`` …) with the header repeated. A cell holds 32,767
  characters: longer text is cut, ends with ``…``, and the cell carries a note (an Excel comment)
  saying how many characters the original had.
- **No formulas, no surprises.** Every text cell passes :func:`qiwang.exports.guard_formula` and is
  written as a string (never parsed into a formula, a number or a link); numbers stay numbers,
  dates and times get a date format; characters XML 1.0 cannot hold are dropped.

Framework-free: Django is used only, if it is configured, to translate the cut note.
"""

from __future__ import annotations

import datetime
import numbers
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from qiwang.exports import guard_formula

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_SHEET_ROWS",
    "Sheet",
    "WorkbookReport",
    "write_workbook",
    "write_xlsx",
]

#: Rows in one worksheet, the header row included (Excel's specification and limits).
MAX_SHEET_ROWS = 1_048_576
#: Characters in one cell (Excel's specification and limits).
MAX_CELL_CHARS = 32_767
#: Characters of a sheet name.
MAX_SHEET_NAME = 31

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # not allowed in a sheet name
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Sheet:
    """One logical sheet: its name, header row and data rows (any iterable, read once).

    ``title`` is an optional first row above the header (e.g. a section's name);
    ``widths`` optional column widths in characters; ``number_formats`` an optional Excel number
    format per column (``"0.0%"``), applied to that column's numbers.
    """

    name: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    title: str | None = None
    widths: Sequence[float] = ()
    number_formats: Sequence[str | None] = ()


@dataclass
class WorkbookReport:
    """What was written: data rows per logical sheet, the worksheets used, the cells cut."""

    rows: dict[str, int] = field(default_factory=dict)
    worksheets: list[str] = field(default_factory=list)
    cut_cells: list[tuple[str, str, int]] = field(default_factory=list)  # (sheet, cell, length)


def _default_cut_note(length: int) -> str:
    template = "Cut to {kept:,} of {length:,} characters: Excel's limit for one cell."
    try:
        from django.conf import settings

        if settings.configured:
            from django.utils.translation import gettext

            template = gettext(
                "Cut to {kept:,} of {length:,} characters: Excel's limit for one cell."
            )
    except ImportError:  # pragma: no cover - Django is always installed with Qiwang
        pass
    return template.format(kept=MAX_CELL_CHARS, length=length)


def _missing(value: Any) -> bool:
    """``None``, empty text, NaN, NaT and ``pandas.NA``: an empty cell."""
    if value is None or (isinstance(value, str) and not value):
        return True
    try:
        return bool(value != value)  # NaN and NaT differ from themselves
    except (TypeError, ValueError):  # pandas.NA has no truth value
        return True


def _sheet_name(name: str, part: int, taken: set[str]) -> str:
    base = _NAME_FORBIDDEN.sub("_", name).strip("'") or "Sheet"
    suffix = f" ({part})" if part > 1 else ""
    candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    number = 2
    while candidate.lower() in taken:  # Excel compares sheet names without case
        tail = f" ({part}.{number})" if part > 1 else f" ({number})"
        candidate = base[: MAX_SHEET_NAME - len(tail)] + tail
        number += 1
    taken.add(candidate.lower())
    return candidate


def _cell_name(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


class _Writer:
    def __init__(self, target: IO[bytes] | str, cut_note: Callable[[int], str]) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "remove_timezone": True,
            },
        )
        self.bold = self.book.add_format({"bold": True})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.stamp = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.cut_note = cut_note
        self.taken: set[str] = set()
        self.formats: dict[str, Any] = {}
        self.report = WorkbookReport()

    def _open(self, sheet: Sheet, part: int) -> tuple[Any, int]:
        name = _sheet_name(sheet.name, part, self.taken)
        worksheet = self.book.add_worksheet(name)
        self.report.worksheets.append(name)
        for column, width in enumerate(sheet.widths):
            worksheet.set_column(column, column, width)
        row = 0
        if sheet.title is not None:
            self._write(worksheet, name, row, 0, sheet.title, self.bold)
            row += 1
        if not sheet.header:
            return worksheet, row
        for column, value in enumerate(sheet.header):
            self._write(worksheet, name, row, column, value, self.bold)
        worksheet.freeze_panes(row + 1, 0)
        return worksheet, row + 1

    def _write(self, worksheet: Any, name: str, row: int, column: int, value: Any, fmt: Any = None):
        if _missing(value):
            return
        if isinstance(value, bool):
            worksheet.write_boolean(row, column, value, fmt)
        elif isinstance(value, numbers.Real | Decimal):
            worksheet.write_number(row, column, float(value), fmt)
            return
        elif isinstance(value, datetime.datetime):
            worksheet.write_datetime(row, column, value.replace(tzinfo=None), fmt or self.stamp)
        elif isinstance(value, datetime.date):
            worksheet.write_datetime(row, column, value, fmt or self.date)
        else:
            text = _ILLEGAL.sub("", str(guard_formula(value)))
            if len(text) > MAX_CELL_CHARS:
                worksheet.write_comment(row, column, self.cut_note(len(text)))
                self.report.cut_cells.append((name, _cell_name(row, column), len(text)))
                text = text[: MAX_CELL_CHARS - 1] + _ELLIPSIS
            worksheet.write_string(row, column, text, fmt if fmt is self.bold else None)

    def sheet(self, sheet: Sheet, rows_per_sheet: int) -> None:
        columns = [
            self.formats.setdefault(code, self.book.add_format({"num_format": code}))
            if code
            else None
            for code in sheet.number_formats
        ]
        part = 1
        worksheet, row = self._open(sheet, part)
        count = 0
        for values in sheet.rows:
            if row >= rows_per_sheet:
                part += 1
                worksheet, row = self._open(sheet, part)
            for column, value in enumerate(values):
                fmt = columns[column] if column < len(columns) else None
                self._write(worksheet, self.report.worksheets[-1], row, column, value, fmt)
            row += 1
            count += 1
        self.report.rows[sheet.name] = count


def write_workbook(
    target: IO[bytes] | str,
    sheets: Iterable[Sheet],
    *,
    cut_note: Callable[[int], str] | None = None,
    rows_per_sheet: int = MAX_SHEET_ROWS,
) -> WorkbookReport:
    """Write ``sheets`` to ``target`` (a binary file object or a path) as one XLSX workbook.

    ``rows_per_sheet`` is the number of rows a worksheet may hold, title and header included
    (Excel's 1,048,576 unless a test asks for less). Returns what was written.
    """
    if rows_per_sheet < 3:
        raise ValueError("rows_per_sheet: a worksheet must hold a title, a header and a row")
    writer = _Writer(target, cut_note or _default_cut_note)
    wrote_any = False
    for sheet in sheets:
        writer.sheet(sheet, rows_per_sheet)
        wrote_any = True
    if not wrote_any:
        writer.book.add_worksheet("-")
    writer.book.close()
    return writer.report


def write_xlsx(
    target: IO[bytes] | str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str,
    cut_note: Callable[[int], str] | None = None,
) -> int:
    """One logical sheet (bold, frozen header row); returns the number of data rows."""
    report = write_workbook(target, [Sheet(sheet, header, rows)], cut_note=cut_note)
    return report.rows[sheet]
