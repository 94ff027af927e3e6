"""Customer exports and report files hold no live formula (issue 10): text a customer, a manager
or an anomaly note brings in is written through the shared guard (``qiwang.exports``)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from tests.customers.test_report import MONTH, NOW, month_data  # noqa: F401

from qiwang.customers.models import Interaction
from qiwang.customers.services.report import monthly_report
from qiwang.customers.services.report_files import report_xlsx
from qiwang.exports import FORMULA_STARTS

pytestmark = pytest.mark.django_db
NOTE = '=HYPERLINK("http://evil.example","click")'


def _formulas(book):
    return [
        cell.coordinate
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
        or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS))
    ]


def test_monthly_report_xlsx_writes_notes_and_names_as_text(org, team, month_data):  # noqa: F811
    Interaction.objects.filter(is_anomaly=True).update(notes=NOTE)
    month_data["vip"].name = "+cmd|' /C calc'!A0"
    month_data["vip"].save(update_fields=["name"])
    report = monthly_report(user=team["manager"], month=MONTH, now=NOW)

    book = load_workbook(io.BytesIO(report_xlsx(report)))

    assert _formulas(book) == []
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "'" + NOTE in cells


def test_customer_xlsx_export_guards_text_and_imports_back_unchanged(org, customers):
    customers["own"].notes = NOTE
    customers["own"].save(update_fields=["notes"])
    client = Client()
    client.force_login(org.users["administrator"])

    response = client.get(reverse("customers_io:export", args=["xlsx"]))

    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content))
    assert _formulas(book) == []
    assert "'" + NOTE in [c.value for row in book.worksheets[0].iter_rows() for c in row]

    from qiwang.customers.services.io import preview_import

    preview = preview_import(
        actor=org.users["administrator"], content=content, filename="customers.xlsx"
    )
    assert preview.unchanged == 2 and preview.rejected == 0
