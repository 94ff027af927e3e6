"""Bounded reading of uploaded tables (customer and survey imports, on pages, API and CLI).

A small file can still be expensive: an XLSX is a zip, and 300 KB can inflate to gigabytes or
hold 600,000 rows. Every limit below is checked *while* reading, so the work stops at the first
one crossed, with one message that names it:

- the archive's declared uncompressed size (Python's zipfile never inflates past the declared
  size of a member) and its compression ratio — before openpyxl opens anything;
- the number of rows and of columns, the length of one cell (Excel's own limit, 32,767) and
  NUL characters (which no database column may hold);
- the reading time (``QIWANG_IMPORT_SECONDS``).

It also refuses text that would import as mojibake: Japanese (Shift_JIS) or Traditional Chinese
(Big5) files decode without error as GBK, so they are recognised — by our own check and by a
second opinion from charset-normalizer — and refused with a clear message; the person may then
choose the encoding (``decode_csv(..., encoding=...)``: a field on the import page, ``encoding``
on the API, ``--encoding`` on the command line) and the file is read in it (ADR 0120).
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from qiwang.errors import ServiceError

MAX_UNCOMPRESSED = 160 * 1024 * 1024  # an XLSX export of 100,000 customers inflates to ~75 MB
MAX_RATIO = 100  # real workbooks compress 5–20×; a bomb 1,000×
MAX_SHARED_STRINGS = 48 * 1024 * 1024  # openpyxl holds this table in memory
MAX_COLUMNS = 1000
MAX_CELL = 32_767  # characters: the most Excel itself puts in a cell


def _limit_seconds() -> float:
    return float(getattr(settings, "QIWANG_IMPORT_SECONDS", 60))


def check_xlsx_archive(content: bytes, filename: str) -> None:
    """Refuse an XLSX whose members would inflate beyond the limits (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ServiceError(
            _("%s is not a readable Excel workbook (.xlsx).") % filename, field="file"
        ) from None
    total = sum(member.file_size for member in members)
    shared = sum(m.file_size for m in members if m.filename.endswith("sharedStrings.xml"))
    too_big = total > MAX_UNCOMPRESSED or shared > MAX_SHARED_STRINGS
    if too_big or (total > 10 * 1024 * 1024 and total > MAX_RATIO * max(len(content), 1)):
        raise ServiceError(
            _(
                "The workbook would unpack to %(size)d MB, more than an import may use "
                "(%(max)d MB). Split it or save it as CSV."
            )
            % {"size": total // 1024 // 1024, "max": MAX_UNCOMPRESSED // 1024 // 1024},
            field="file",
        )


def bounded_rows(
    rows: Iterable[Iterable[Any]], *, max_rows: int, cell: Any = str
) -> Iterator[list[str]]:
    """``rows`` as lists of text, stopping with a ServiceError at the first limit crossed:
    more than ``max_rows`` data rows (after the header), a row wider than MAX_COLUMNS, a cell
    longer than MAX_CELL, or reading for longer than ``QIWANG_IMPORT_SECONDS``."""
    deadline = time.monotonic() + _limit_seconds()
    for number, row in enumerate(rows, start=1):
        if number > max_rows + 1:
            raise ServiceError(
                _("The file has more than %(max)d rows; split it into smaller files.")
                % {"max": max_rows},
                field="file",
            )
        values = [cell(value) for value in row]
        if len(values) > MAX_COLUMNS:
            if any(v for v in values[MAX_COLUMNS:]):
                raise ServiceError(
                    _("Row %(row)d has more than %(max)d columns.")
                    % {"row": number, "max": MAX_COLUMNS},
                    field="file",
                )
            values = values[:MAX_COLUMNS]
        for column, value in enumerate(values, start=1):
            if "\x00" in value:
                raise ServiceError(
                    _("Row %(row)d, column %(column)d contains a NUL character.")
                    % {"row": number, "column": column},
                    field="file",
                )
            if len(value) > MAX_CELL:
                raise ServiceError(
                    _(
                        "Row %(row)d, column %(column)d holds %(length)d characters; "
                        "a cell may hold at most %(max)d."
                    )
                    % {"row": number, "column": column, "length": len(value), "max": MAX_CELL},
                    field="file",
                )
        if number % 100 == 0 and time.monotonic() > deadline:
            raise ServiceError(
                _(
                    "Reading the file took longer than %(seconds)d seconds; "
                    "split it into smaller files."
                )
                % {"seconds": _limit_seconds()},
                field="file",
            )
        yield values


# --- legacy encodings ------------------------------------------------------------------------


def _cjk(text: str) -> list[str]:
    return [char for char in text if "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"]


def _share(chars: list[str], test: Any) -> float:
    return sum(1 for char in chars if test(char)) / len(chars) if chars else 0.0


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _strict(content: bytes, codec: str) -> str | None:
    try:
        return content.decode(codec)
    except UnicodeDecodeError:
        return None


def foreign_encoding(content: bytes, as_gbk: str) -> str | None:
    """ "Shift_JIS" or "Big5" when bytes that decoded as GBK are really Japanese or Traditional
    Chinese text, else None.

    GBK text is overwhelmingly made of GB2312's 6,763 common characters; Shift_JIS and Big5 bytes
    read as GBK land mostly outside them. The other reading must also be clean: strict decoding,
    kana for Japanese, Big5's common (level 1) characters for Traditional Chinese.
    """
    chars = _cjk(as_gbk)
    if len(chars) < 2 or _share(chars, lambda c: _encodes(c, "gb2312")) > 0.7:
        return None
    japanese = _strict(content, "shift_jis")
    if japanese is not None:
        kana = sum(1 for char in japanese if "\u3040" <= char <= "\u30ff")
        if kana and kana >= 0.1 * (kana + len(_cjk(japanese))):
            return "Shift_JIS"
    traditional = _strict(content, "big5")
    if traditional is not None:
        chars = _cjk(traditional)
        level1 = _share(chars, lambda c: b"\xa4\x40" <= c.encode("big5") <= b"\xc6\x7e")
        if chars and level1 >= 0.8:
            return "Big5"
    return None


# --- decoding CSV text -----------------------------------------------------------------------

#: Encodings a person may choose instead of the detected one: name shown → Python codec.
ENCODINGS = {
    "UTF-8": "utf-8",
    "GBK": "gb18030",  # Excel in China saves "CSV" in code page 936 (GBK); GB18030 is its superset
    "Big5": "big5",
    "Shift_JIS": "shift_jis",
    "UTF-16": "utf-16",
}
_SECOND_OPINION = {"gb18030": "GBK", "big5": "Big5", "shift_jis": "Shift_JIS"}


def encoding_name(value: str | None) -> str | None:
    """The shown name of an encoding given in any spelling (``big5``, ``GB18030``), None when
    blank; a ServiceError naming the choices for an unknown one."""
    if not value or not value.strip() or value.strip().lower() in ("auto", "automatic"):
        return None
    wanted = value.strip().lower().replace("-", "").replace("_", "")
    aliases = {name.lower().replace("-", "").replace("_", ""): name for name in ENCODINGS}
    aliases.update({"gb18030": "GBK", "gb2312": "GBK", "cp936": "GBK", "sjis": "Shift_JIS"})
    if wanted not in aliases:
        raise ServiceError(
            _("Unknown encoding %(value)s; choose one of: %(choices)s.")
            % {"value": value.strip()[:20], "choices": ", ".join(ENCODINGS)},
            field="encoding",
        )
    return aliases[wanted]


def second_opinion(content: bytes) -> str | None:
    """charset-normalizer's reading of bytes that are not UTF-8: "Big5" or "Shift_JIS" when it
    finds that encoding strictly more coherent than GBK, else None (GBK, the local default,
    wins ties: short files often read equally well both ways)."""
    from charset_normalizer import from_bytes

    results = from_bytes(content[:200_000], cp_isolation=list(_SECOND_OPINION))
    best = results.best()
    if best is None or best.encoding == "gb18030":
        return None
    chaos = {match.encoding: match.chaos for match in results}
    if "gb18030" in chaos and chaos["gb18030"] <= best.chaos:
        return None
    return _SECOND_OPINION.get(best.encoding)


def decode_csv(content: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Text and the shown name of its encoding.

    Without ``encoding``: a BOM (UTF-8, UTF-16), else strict UTF-8, else GBK — unless our own
    check (:func:`foreign_encoding`) or charset-normalizer's second opinion says the bytes are
    Big5 or Shift_JIS, which GBK would read without error into garbled characters: then the file
    is refused, naming the encoding, and the person may choose it (``encoding``) to read it so.
    """
    chosen = encoding_name(encoding)
    if chosen is not None:
        codec = "utf-8-sig" if chosen == "UTF-8" else ENCODINGS[chosen]
        try:
            return content.decode(codec), chosen
        except UnicodeDecodeError as error:
            raise ServiceError(
                _("The file is not %(encoding)s text (byte %(position)d cannot be read).")
                % {"encoding": chosen, "position": error.start + 1},
                field="file",
            ) from None
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16"), "UTF-16"
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as utf8_error:
        text = _strict(content, "gb18030")
        foreign = (foreign_encoding(content, text) if text is not None else None) or (
            second_opinion(content)
        )
        if text is None and foreign is None:
            raise ServiceError(
                _(
                    "The file is neither UTF-8 nor GBK text (byte %(position)d cannot be read). "
                    "Save it as “CSV UTF-8” or as an Excel workbook (.xlsx)."
                )
                % {"position": utf8_error.start + 1},
                field="file",
            ) from None
        if foreign is not None:
            raise ServiceError(
                _(
                    "The file seems to be %(encoding)s text, which would import as garbled "
                    "characters. Save it as “CSV UTF-8” or as an Excel workbook (.xlsx), or "
                    "choose the encoding %(encoding)s and preview it again."
                )
                % {"encoding": foreign},
                field="file",
            ) from None
        return str(text), "GBK"
