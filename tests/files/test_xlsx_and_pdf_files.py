"""Files that open everywhere: the one XLSX writer (qiwang.xlsx) and the PDF font (qiwang.pdf).

The expected limits are Excel's published "Excel specifications and limits": 1,048,576 rows by
16,384 columns per worksheet, 32,767 characters per cell, 31 characters per sheet name. Every file
is read back by independent readers (openpyxl for XLSX, pypdf for PDF), never by our writer.
"""

from __future__ import annotations

import datetime
import io
import math
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from qiwang import pdf as pdf_module
from qiwang.pdf import FALLBACK_FONT, PdfFontError, pdf_font
from qiwang.xlsx import MAX_CELL_CHARS, MAX_SHEET_ROWS, Sheet, write_workbook, write_xlsx


def _book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def _values(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_excel_limits_are_the_published_ones():
    assert MAX_SHEET_ROWS == 2**20 == 1_048_576
    assert MAX_CELL_CHARS == 2**15 - 1 == 32_767


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=40),
    per_sheet=st.integers(min_value=3, max_value=12),
    titled=st.booleans(),
)
def test_rows_that_do_not_fit_continue_on_new_sheets_with_the_header(count, per_sheet, titled):
    rows = [[n, f"row {n}"] for n in range(count)]
    buffer = io.BytesIO()
    report = write_workbook(
        buffer,
        [Sheet("answers", ["n", "text"], iter(rows), title="T" if titled else None)],
        rows_per_sheet=per_sheet,
    )
    book = _book(buffer.getvalue())
    skip = 2 if titled else 1
    back = []
    for sheet in book.worksheets:
        values = _values(sheet)
        assert len(values) <= per_sheet  # no worksheet holds more than it may
        assert values[skip - 1] == ("n", "text")  # the header on every part
        back.extend(list(row) for row in values[skip:])
    assert back == rows  # every row once, in order
    assert report.rows == {"answers": count}
    capacity = per_sheet - skip
    assert len(book.worksheets) == max(1, math.ceil(count / capacity))
    assert book.sheetnames[1:] == [f"answers ({n})" for n in range(2, len(book.sheetnames) + 1)]


def test_a_sheet_of_more_rows_than_excel_allows_is_split_at_excels_limit(tmp_path):
    """The real limit, once: 1,048,576 data rows and a header need two worksheets."""
    target = tmp_path / "big.xlsx"
    rows = ((n,) for n in range(MAX_SHEET_ROWS))
    report = write_workbook(str(target), [Sheet("big", ["n"], rows)])

    assert report.worksheets == ["big", "big (2)"]
    with zipfile.ZipFile(target) as archive:
        first = archive.read("xl/worksheets/sheet1.xml")[:2000].decode()
        second = archive.read("xl/worksheets/sheet2.xml").decode()
    # The header and 1,048,575 rows fill the first sheet; the header and the last row the second.
    assert re.search(r'<dimension ref="A1:A1048576"/>', first)
    assert re.search(r'<dimension ref="A1:A2"/>', second)
    assert f"<v>{MAX_SHEET_ROWS - 1}</v>" in second


def test_text_longer_than_a_cell_holds_is_cut_with_a_note(tmp_path):
    long_text = "满意" * 20_000  # 40,000 characters
    buffer = io.BytesIO()
    with translation.override("zh-hans"):
        report = write_workbook(buffer, [Sheet("comments", ["comment"], [[long_text], ["short"]])])

    sheet = _book(buffer.getvalue())["comments"]
    cut = sheet["A2"].value
    assert len(cut) == MAX_CELL_CHARS and cut.endswith("…") and long_text.startswith(cut[:-1])
    assert "40,000" in sheet["A2"].comment.text and "32,767" in sheet["A2"].comment.text
    assert "字符" in sheet["A2"].comment.text  # the note in the reader's language
    assert sheet["A3"].value == "short" and sheet["A3"].comment is None
    assert report.cut_cells == [("comments", "A2", 40_000)]


def test_cells_keep_their_types_and_no_text_becomes_a_formula():
    stamp = datetime.datetime(2026, 12, 5, 9, 30)
    rows = [
        [1, 2.5, Decimal("3.25"), True, stamp, datetime.date(2026, 1, 2)],
        ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2", float("nan"), None],
        ["http://example.com", "0012", "1e5", "tab\there", "\x07bell", ""],
    ]
    buffer = io.BytesIO()
    write_xlsx(buffer, ["a", "b", "c", "d", "e", "f"], rows, sheet="types")

    sheet = _book(buffer.getvalue())["types"]
    assert _values(sheet)[1] == (1, 2.5, 3.25, True, stamp, datetime.datetime(2026, 1, 2))
    formulas = [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []
    assert _values(sheet)[2][:4] == ('\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)", "'-2")
    assert _values(sheet)[2][4:] == (None, None)  # NaN and None: empty cells
    # text stays text: no link, no number parsed from "0012" or "1e5", no control character
    assert _values(sheet)[3][:5] == ("http://example.com", "0012", "1e5", "tab\there", "bell")
    assert sheet["A4"].hyperlink is None
    assert sheet.freeze_panes == "A2"


def test_sheet_names_are_made_valid_and_unique():
    buffer = io.BytesIO()
    report = write_workbook(
        buffer,
        [
            Sheet("a/b:c*d?e[f]", ["x"], [[1]]),
            Sheet("Results", ["x"], [[1]]),
            Sheet("results", ["x"], [[1]]),
            Sheet("名" * 40, ["x"], [[1]]),
        ],
    )
    assert report.worksheets == ["a_b_c_d_e_f_", "Results", "results (2)", "名" * 31]
    assert _book(buffer.getvalue()).sheetnames == report.worksheets


def test_an_empty_workbook_still_opens():
    buffer = io.BytesIO()
    write_workbook(buffer, [])
    assert _book(buffer.getvalue()).sheetnames == ["-"]


# --- PDF fonts ----------------------------------------------------------------------------------


def _draw(font_name: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, initialFontName=font_name)
    canvas.drawString(72, 720, "客户满意度 · Satisfaction")
    canvas.save()
    return buffer.getvalue()


def test_the_default_font_is_an_embedded_truetype_subset():
    font = pdf_font("")
    assert font.embedded and font.path and font.path.endswith((".ttc", ".ttf"))

    reader = PdfReader(io.BytesIO(_draw(font.name)))
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert [f["/BaseFont"][7:8] for f in fonts] == ["+"]  # one subset font (PDF 1.7, 9.6.4)
    assert "/FontFile2" in fonts[0]["/FontDescriptor"]  # its TrueType program is in the file
    assert "客户满意度 · Satisfaction" in reader.pages[0].extract_text()


def test_a_configured_font_file_is_used(tmp_path):
    source = pdf_font("").path
    copy = tmp_path / "company.ttc"
    with open(source, "rb") as original:
        copy.write_bytes(original.read())
    font = pdf_font(f"{copy}#0")
    assert font.embedded and font.path == str(copy)
    assert "客户" in PdfReader(io.BytesIO(_draw(font.name))).pages[0].extract_text()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: str(d / "missing.ttf"), "is not a file"),
        (
            lambda d: (d / "notes.ttf").write_text("not a font") and str(d / "notes.ttf"),
            "cannot be embedded",
        ),
        (lambda d: str(pdf_font("").path) + "#x", "must be a number"),
    ],
)
def test_a_configured_font_that_cannot_be_used_is_named(tmp_path, make, message):
    spec = make(tmp_path)
    with pytest.raises(PdfFontError, match=message) as raised:
        pdf_font(spec)
    assert str(raised.value).startswith("QIWANG_PDF_FONT:")


def test_without_any_truetype_font_the_pdf_falls_back_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(pdf_module, "DEFAULT_FONTS", ())
    monkeypatch.setattr(pdf_module, "_registered", {})
    with caplog.at_level("WARNING", logger="qiwang.pdf"):
        font = pdf_font("")
    assert (font.name, font.embedded) == (FALLBACK_FONT, False)
    assert "QIWANG_PDF_FONT" in caplog.text
