"""Imports read uploads within bounds (issue 10): a small file that inflates, holds too many rows,
an enormous cell, NUL bytes, or text in an encoding that would turn into mojibake is refused with a
message that names the problem — on the page, through the API and on the command line — and
nothing is written."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Customer
from qiwang.customers.services.io import preview_import, read_table
from qiwang.errors import ServiceError

pytestmark = pytest.mark.django_db
HEADER = ["code", "name", "kind", "tier", "branch", "phone"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _workbook(rows=(("N1", "甲", "household", "vip", "a", "13812345678"),)):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace_member(content, name, data):
    """The same workbook with one zip member replaced (written compressed, as Excel would)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, data if item.filename == name else source.read(item))
    return out.getvalue()


def _bomb():
    """~300 KB that would inflate to ~300 MB: one cell of 300 million characters."""
    cell = b"A" * (300 * 1024 * 1024)
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + cell
        + b"</t></is></c></row></sheetData></worksheet>"
    )
    content = _replace_member(_workbook(), "xl/worksheets/sheet1.xml", sheet)
    del cell, sheet
    return content


def _message(content, filename="customers.xlsx"):
    with pytest.raises(ServiceError) as caught:
        read_table(content, filename)
    return caught.value.text


def test_a_decompression_bomb_is_refused_before_it_is_inflated():
    content = _bomb()
    assert len(content) < 1024 * 1024
    tracemalloc.start()
    try:
        message = _message(content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "unpack to 300 MB" in message
    assert peak < 20 * 1024 * 1024  # nothing was inflated


def test_too_many_rows_stop_the_reading_at_the_limit():
    # Two rows 600,000 apart: openpyxl yields the empty rows between; reading stops at 100,001.
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><dimension ref="A1:XFD600000"/><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        b'<row r="600000"><c r="XFD600000" t="inlineStr"><is><t>x</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    content = _replace_member(_workbook(), "xl/worksheets/sheet1.xml", sheet)
    assert "more than 100000 rows" in _message(content)
    csv_rows = "code\n" + "x\n" * 100_001
    assert "more than 100000 rows" in _message(csv_rows.encode(), "customers.csv")


def test_an_oversized_cell_is_named_by_row_and_column():
    # (openpyxl itself cuts XLSX cells at Excel's 32,767; the archive bound keeps that cheap.)
    csv_text = "code,name\nN1," + "长" * 40_000 + "\n"
    message = _message(csv_text.encode(), "customers.csv")
    assert "Row 2, column 2 holds 40000 characters" in message


def test_nul_characters_are_refused_with_their_place():
    message = _message("code,name\nN1,王\x00五\n".encode(), "customers.csv")
    assert "Row 2, column 2 contains a NUL character" in message


def test_reading_stops_after_the_time_limit():
    rows = "code,name\n" + "N1,甲\n" * 500
    with override_settings(QIWANG_IMPORT_SECONDS=0):
        assert "longer than 0 seconds" in _message(rows.encode(), "customers.csv")


TEXTS = {
    # Japanese and Traditional Chinese: each decodes without error as GBK, into other characters.
    "shift_jis": "コード,名前\nN1,山田太郎さん\nN2,東京都新宿区のお客様\n",
    "big5": "code,name\nN1,臺北市大安區客戶\nN2,謝謝您的支持與愛護\n",
}


@pytest.mark.parametrize(("codec", "name"), [("shift_jis", "Shift_JIS"), ("big5", "Big5")])
def test_japanese_and_traditional_chinese_files_are_not_read_as_mojibake(codec, name):
    content = TEXTS[codec].encode(codec)
    content.decode("gb18030")  # the trap: GBK reads these bytes without complaint
    assert f"seems to be {name} text" in _message(content, "customers.csv")


def test_gbk_files_still_import_even_with_rare_characters():
    text = "code,name,address\nN1,王堃,翠湖花园3栋\nN2,李喆,锦绣华庭5栋2单元\nN3,张三,江城物业\n"
    _format, encoding, rows = read_table(text.encode("gbk"), "customers.csv")
    assert encoding == "GBK" and rows[1][1] == "王堃"


# --- every interface refuses with the message, nothing written --------------------------------


def test_the_import_page_the_api_and_the_command_refuse_a_bomb(org, tmp_path):
    from typer.testing import CliRunner

    from qiwang.cli import app

    content = _bomb()
    admin = org.users["administrator"]
    page = Client()
    page.force_login(admin)
    upload = io.BytesIO(content)
    upload.name = "customers.xlsx"
    answered = page.post(reverse("customers_io:import"), {"file": upload})
    assert answered.status_code == 400
    assert "300 MB" in answered.content.decode()

    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=admin, name='t').key}")
    upload = io.BytesIO(content)
    upload.name = "customers.xlsx"
    answered = api.post("/api/customers-io/import/preview", {"file": upload})
    assert answered.status_code in (400, 422)
    assert "300 MB" in answered.content.decode()

    path = tmp_path / "customers.xlsx"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["customers", "import", str(path), "--user", "admin"])
    assert result.exit_code == 1  # the file was read and refused: the work failed
    assert "300 MB" in result.output
    assert not Customer.objects.exists()


def test_survey_import_refuses_a_bomb(org):
    from tests.surveys.conftest import make_instrument, make_wave

    quality = org.users["quality_manager"]
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)
    client = Client()
    client.force_login(quality)
    upload = io.BytesIO(_bomb())
    upload.name = "answers.xlsx"
    answered = client.post(reverse("surveys:import", args=[wave.pk]), {"file": upload})
    assert answered.status_code == 400
    assert "300 MB" in answered.content.decode()


def test_an_ordinary_workbook_still_previews(org):
    preview = preview_import(
        actor=org.users["administrator"], content=_workbook(), filename="customers.xlsx"
    )
    assert preview.created == 1
