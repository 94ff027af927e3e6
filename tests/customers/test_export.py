"""Customer export: the customers a user sees, with the list page's filters, personal data masked
exactly as the page masks it, as real CSV and XLSX files that import back."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from tests.conftest import make_customer

from qiwang.customers.presentation import mask_phone
from qiwang.customers.services.io import EXPORT_COLUMNS, preview_import


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _csv_rows(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")))), body


def _xlsx_rows(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]], sheet


@pytest.fixture
def book(org, customers):
    manager = org.users["account_manager"]
    make_customer(org.own, "A0002", tier="vip", account_manager=manager, wechat="wx_wang")
    make_customer(org.own, "A0003", tier="general", revenue="1234.50", orders_count=7)
    return customers


def test_quality_manager_gets_branch_customers_masked_like_the_page(org, book):
    client = _client(org.users["quality_manager"])

    rows, _body = _csv_rows(client.get(reverse("customers_io:export", args=["csv"])))
    page = client.get(reverse("customers:list")).content.decode()

    assert [row["code"] for row in rows] == ["A0001", "A0002", "A0003"]  # not B0001
    assert {row["phone"] for row in rows} == {mask_phone("13812345678")}
    assert mask_phone("13812345678") in page
    assert {row["email"] for row in rows} == {"***"}
    assert {row["address"] for row in rows} == {"***"}
    assert rows[1]["wechat"] == "***"


def test_account_manager_gets_only_own_customers_in_clear(org, book):
    client = _client(org.users["account_manager"])

    rows, _body = _csv_rows(client.get(reverse("customers_io:export", args=["csv"])))

    assert [row["code"] for row in rows] == ["A0001", "A0002"]
    assert rows[0]["phone"] == "'+8613812345678"  # E.164, guarded against Excel formulas
    assert rows[1]["wechat"] == "wx_wang"
    assert rows[0]["branch"] == "a" and rows[0]["account_manager"] == "account_manager_a"


def test_list_filters_apply_to_the_export(org, book):
    client = _client(org.users["administrator"])

    rows, _body = _csv_rows(client.get(reverse("customers_io:export", args=["csv"]) + "?tier=vip"))

    assert [row["code"] for row in rows] == ["A0002"]


def test_xlsx_export_has_typed_cells(org, book):
    client = _client(org.users["administrator"])

    response = client.get(reverse("customers_io:export", args=["xlsx"]) + "?q=A0003")
    rows, sheet = _xlsx_rows(response)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert tuple(cell.value for cell in sheet[1]) == EXPORT_COLUMNS
    assert rows[0]["code"] == "A0003"
    assert rows[0]["orders_count"] == 7 and isinstance(rows[0]["orders_count"], int)
    assert rows[0]["revenue"] == pytest.approx(1234.5)


def test_export_of_an_account_manager_imports_back_unchanged(org, book):
    manager = org.users["account_manager"]
    response = _client(manager).get(reverse("customers_io:export", args=["xlsx"]))
    content = b"".join(response.streaming_content)

    preview = preview_import(actor=manager, content=content, filename="export.xlsx")

    assert preview.rejected == 0 and not preview.file_issues
    assert preview.unchanged == 2 and preview.created == preview.updated == 0


def test_masked_export_cannot_be_imported_back(org, book):
    content = b"".join(
        _client(org.users["quality_manager"])
        .get(reverse("customers_io:export", args=["csv"]))
        .streaming_content
    )

    preview = preview_import(actor=org.users["administrator"], content=content, filename="e.csv")

    assert preview.rejected == 3
    assert {issue.field for issue in preview.issues} >= {"phone", "email", "address"}


def test_export_is_streamed_and_empty_scope_gives_a_header_only(org):
    response = _client(org.users["analyst"]).get(reverse("customers_io:export", args=["csv"]))

    rows, body = _csv_rows(response)

    assert response.streaming
    assert rows == []
    assert body.decode("utf-8-sig").strip() == ",".join(EXPORT_COLUMNS)


def test_unknown_format_is_404(org):
    client = _client(org.users["administrator"])

    assert client.get(reverse("customers_io:export", args=["pdf"])).status_code == 404


def test_xlsx_cells_escape_markup_and_drop_control_characters(org):
    make_customer(org.own, "A0009", name="A&B <建材>\x01公司", notes='"引号" & 1 < 2')
    client = _client(org.users["administrator"])

    rows, _sheet = _xlsx_rows(client.get(reverse("customers_io:export", args=["xlsx"])))

    assert rows[0]["name"] == "A&B <建材>公司"
    assert rows[0]["notes"] == '"引号" & 1 < 2'
    assert rows[0]["created_at"].year >= 2026  # a real datetime cell, not text


# Names and notes as people type them: any letters, digits, punctuation, spaces, CJK, newlines.
_TEXT = (
    st.text(
        alphabet=st.characters(
            whitelist_categories=("L", "N", "P", "S", "Zs"), whitelist_characters="\n"
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=8),
    file_format=st.sampled_from(["csv", "xlsx"]),
)
def test_any_export_of_an_account_manager_imports_back_unchanged(org, rows, file_format):
    """Invariant: export → import of the same user's customers changes nothing, whatever the
    text (quotes, commas, newlines, markup, CJK) in names and notes."""
    from qiwang.customers.models import Customer

    manager = org.users["account_manager"]
    Customer.objects.filter(code__startswith="H").delete()
    for index, (name, notes) in enumerate(rows):
        make_customer(
            org.own, f"H{index:03d}", name=name[:120], notes=notes, account_manager=manager
        )
    response = _client(manager).get(reverse("customers_io:export", args=[file_format]))
    content = b"".join(response.streaming_content)

    preview = preview_import(actor=manager, content=content, filename=f"e.{file_format}")

    assert preview.rejected == 0, preview.issues
    assert preview.unchanged == len(rows)
    assert preview.created == preview.updated == 0


def test_csv_cells_that_excel_would_run_as_formulas_are_guarded(org):
    # OWASP "CSV injection": a cell starting with = + - @ is a formula to Excel.
    manager = org.users["account_manager"]
    make_customer(org.own, "A0010", name='=HYPERLINK("http://x")', account_manager=manager)
    make_customer(org.own, "A0011", name="+8613812345678", account_manager=manager)
    response = _client(manager).get(reverse("customers_io:export", args=["csv"]))

    rows, body = _csv_rows(response)
    preview = preview_import(actor=manager, content=body, filename="e.csv")

    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["name"] == "'+8613812345678"
    assert preview.unchanged == 2  # the guard is undone on import


@given(text=_TEXT)
@example(text="'=1+1")
@example(text="-5")
@example(text="''=1")
def test_formula_guard_round_trips(text):
    from qiwang.customers.services.io import guard_formula, unguard_formula

    assert unguard_formula(guard_formula(text)) == text
    assert not guard_formula(text).startswith(("=", "+", "-", "@"))
