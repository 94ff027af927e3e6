"""Customer import: real CSV (UTF-8 with / without BOM, GBK) and XLSX files, dry-run preview,
all-or-nothing apply, permissions by role and branch, the pages and the command line."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from tests.conftest import make_customer

from qiwang.accounts.models import AuditEvent
from qiwang.customers.models import Customer
from qiwang.customers.services.io import (
    IMPORT_COLUMNS,
    apply_import,
    build_template,
    fingerprint,
    preview_import,
)
from qiwang.errors import ConflictError, ServiceError


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the default language is zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Uploads waiting between preview and apply go to a throw-away data directory."""
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    return tmp_path


HEADER = ["code", "name", "kind", "tier", "branch", "phone", "email", "address"]


def csv_bytes(rows, *, header=HEADER, encoding="utf-8", bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows():
    return [
        ["N0001", "王建国", "household", "vip", "a", "138 1234 5678", "wang@example.cn", "1栋"],
        ["N0002", "江城建材有限公司", "organisation", "重要", "a", "0571-88886666", "", ""],
    ]


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [("utf-8", False, "UTF-8"), ("utf-8", True, "UTF-8 (BOM)"), ("gbk", False, "GBK")],
)
def test_csv_in_each_encoding_is_read_and_applied(org, encoding, bom, expected):
    manager = org.users["account_manager"]
    content = csv_bytes(good_rows(), encoding=encoding, bom=bom)

    preview = preview_import(actor=manager, content=content, filename="客户.csv")
    result = apply_import(
        actor=manager,
        content=content,
        filename="客户.csv",
        expected_fingerprint=preview.fingerprint,
        expected_plan=preview.plan_digest,
    )

    assert preview.encoding == expected
    assert (preview.created, preview.rejected) == (2, 0)
    assert result.created == 2
    wang = Customer.objects.get(code="N0001")
    assert (wang.name, wang.tier, wang.branch, wang.phone) == (
        "王建国",
        "vip",
        org.own,
        "+8613812345678",  # stored in E.164
    )
    assert wang.account_manager == manager  # an account manager owns what they import
    assert Customer.objects.get(code="N0002").tier == "important"  # Chinese label accepted
    assert AuditEvent.objects.filter(action="customer_imported").count() == 2


def test_xlsx_with_numbers_as_cells_is_read(org):
    admin = org.users["administrator"]
    content = xlsx_bytes([["N0003", "李娜", "household", "general", "b", 13912345678, "", ""]])

    preview = preview_import(actor=admin, content=content, filename="customers.xlsx")

    assert preview.file_format == "xlsx"
    assert preview.rows[0].action == "create"
    assert preview.rows[0].values["phone"] == "+8613912345678"  # not "13912345678.0"


def test_preview_names_row_field_value_and_reason_for_each_rejection(org, customers):
    manager = org.users["account_manager"]
    rows = [
        ["N0001", "甲", "household", "vip", "zz", "13812345678", "", ""],  # unknown branch
        ["N0002", "乙", "household", "vip", "b", "13812345678", "", ""],  # other branch
        ["N0003", "丙", "household", "platinum", "a", "13812345678", "", ""],  # unknown tier
        ["N0004", "丁", "household", "vip", "a", "12ab", "", ""],  # bad phone
        ["N0005", "戊", "household", "vip", "a", "13812345678", "", ""],
        ["N0005", "己", "household", "vip", "a", "13812345678", "", ""],  # duplicate code
        ["B0001", "庚", "household", "vip", "a", "13812345678", "", ""],  # someone else's
        ["N0006", "辛", "household", "vip", "a", "138****5678", "", ""],  # masked export value
    ]

    preview = preview_import(actor=manager, content=csv_bytes(rows), filename="客户.csv")

    issues = {(issue.row, issue.field): issue for issue in preview.issues}
    assert issues[(2, "branch")].value == "zz"
    assert "Unknown branch" in issues[(2, "branch")].reason
    assert "not one of your branches" in issues[(3, "branch")].reason
    assert issues[(4, "tier")].value == "platinum"
    assert issues[(5, "phone")].value == "12ab"
    assert "row 6" in issues[(7, "code")].reason
    assert (6, "code") not in issues  # the first occurrence stays
    assert "may not change" in issues[(8, "code")].reason
    assert (9, "phone") in issues
    assert preview.rejected == 7 and preview.created == 1
    assert not preview.can_apply


def test_apply_is_all_or_nothing(org):
    manager = org.users["account_manager"]
    rows = [*good_rows(), ["N0009", "坏行", "household", "vip", "zz", "", "", ""]]
    content = csv_bytes(rows)
    preview = preview_import(actor=manager, content=content, filename="x.csv")

    with pytest.raises(ServiceError) as refused:
        apply_import(
            actor=manager,
            content=content,
            filename="x.csv",
            expected_fingerprint=preview.fingerprint,
        )

    assert "nothing was imported" in str(refused.value)
    assert not Customer.objects.filter(code__startswith="N").exists()
    assert not AuditEvent.objects.filter(action="customer_imported").exists()


def test_stale_preview_of_a_changed_file_applies_nothing(org):
    manager = org.users["account_manager"]
    previewed = csv_bytes(good_rows())
    changed = csv_bytes([*good_rows(), ["N0010", "新增", "household", "vip", "a", "", "", ""]])

    with pytest.raises(ConflictError):
        apply_import(
            actor=manager,
            content=changed,
            filename="x.csv",
            expected_fingerprint=fingerprint(previewed),
        )

    assert not Customer.objects.filter(code__startswith="N").exists()


def test_database_changed_since_preview_applies_nothing(org):
    manager = org.users["account_manager"]
    content = csv_bytes(good_rows())
    preview = preview_import(actor=manager, content=content, filename="x.csv")
    make_customer(org.own, "N0002", name="江城建材", account_manager=manager)  # meanwhile

    with pytest.raises(ConflictError):
        apply_import(
            actor=manager,
            content=content,
            filename="x.csv",
            expected_fingerprint=preview.fingerprint,
            expected_plan=preview.plan_digest,
        )

    assert not Customer.objects.filter(code="N0001").exists()


def test_update_by_code_changes_only_given_cells_and_audits_without_personal_data(org, customers):
    manager = org.users["account_manager"]
    own = customers["own"]
    content = csv_bytes([["A0001", "新名字", "", "vip", "", "13900001111", "", ""]])
    preview = preview_import(actor=manager, content=content, filename="x.csv")

    apply_import(
        actor=manager, content=content, filename="x.csv", expected_fingerprint=preview.fingerprint
    )

    own.refresh_from_db()
    assert preview.rows[0].action == "update"
    assert (own.name, own.tier, own.phone) == ("新名字", "vip", "+8613900001111")
    assert own.email == "owner@example.cn"  # blank cell: unchanged
    event = AuditEvent.objects.get(action="customer_updated", object_id=str(own.pk))
    assert event.changes["phone"] == ["…", "…"]
    assert event.changes["name"] == ["客户A0001", "新名字"]


def test_roles_without_change_rights_are_refused(org):
    analyst = org.users["analyst"]

    preview = preview_import(actor=analyst, content=csv_bytes(good_rows()), filename="x.csv")

    assert preview.rejected == 2
    assert "may not change customers" in preview.issues[0].reason


def test_unknown_column_and_missing_code_reject_the_file(org):
    content = csv_bytes([["x", "y"]], header=["名称", "phnoe"])

    preview = preview_import(actor=org.users["administrator"], content=content, filename="x.csv")

    reasons = [issue.reason for issue in preview.file_issues]
    assert any("Unknown column" in reason for reason in reasons)
    assert any("customer number column is missing" in reason for reason in reasons)
    assert not preview.can_apply


def test_undecodable_and_non_workbook_files_get_a_clear_message(org):
    admin = org.users["administrator"]

    with pytest.raises(ServiceError, match="neither UTF-8 nor GBK"):
        preview_import(actor=admin, content=b"code\n\xff\xff\xff\x80", filename="x.csv")
    with pytest.raises(ServiceError, match="not a readable Excel"):
        preview_import(actor=admin, content=b"PK\x03\x04garbage", filename="x.xlsx")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_template_round_trips_through_the_importer(org, file_format):
    template = build_template(file_format)
    if file_format == "csv":
        header = next(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    else:
        workbook = load_workbook(io.BytesIO(template))
        header = [cell.value for cell in workbook.worksheets[0][1]]
        assert len(workbook.worksheets) == 2  # the instructions sheet

    preview = preview_import(
        actor=org.users["administrator"], content=template, filename=f"t.{file_format}"
    )

    assert header == list(IMPORT_COLUMNS)
    assert preview.rows == () and not preview.file_issues


# --- pages ------------------------------------------------------------------------------------


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_pages_preview_then_apply(org, data_dir):
    client = _client(org.users["account_manager"])
    upload = io.BytesIO(csv_bytes(good_rows(), encoding="gbk"))
    upload.name = "客户.csv"

    preview = client.post(reverse("customers_io:import"), {"file": upload})
    body = preview.content.decode()
    token = preview.context["token"]
    plan = preview.context["preview"]

    assert preview.status_code == 200
    assert "N0001" in body and "GBK" in body
    assert not Customer.objects.filter(code="N0001").exists()  # the preview writes nothing
    applied = client.post(
        reverse("customers_io:import_apply"),
        {"token": token, "fingerprint": plan.fingerprint, "plan": plan.plan_digest},
    )
    assert applied.status_code == 302
    assert Customer.objects.filter(code__in=["N0001", "N0002"]).count() == 2
    assert not any((data_dir / "imports").iterdir())  # the stored upload is gone after apply


def test_page_apply_of_a_stale_preview_is_refused_with_409(org, settings, tmp_path):
    client = _client(org.users["account_manager"])
    upload = io.BytesIO(csv_bytes(good_rows()))
    upload.name = "x.csv"
    preview = client.post(reverse("customers_io:import"), {"file": upload})

    response = client.post(
        reverse("customers_io:import_apply"),
        {"token": preview.context["token"], "fingerprint": "0" * 64},
    )

    assert response.status_code == 409
    assert not Customer.objects.filter(code="N0001").exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("administrator", 200),
        ("account_manager", 200),
        ("quality_manager", 403),
        ("agent", 403),
        ("analyst", 403),
    ],
)
def test_import_page_and_template_by_role(org, role, status):
    client = _client(org.users[role])

    assert client.get(reverse("customers_io:import")).status_code == status
    assert client.get(reverse("customers_io:import_template", args=["xlsx"])).status_code == status


def test_cli_dry_run_and_rejected_rows_exit_1(org, tmp_path, django_db_blocker):
    from typer.testing import CliRunner

    from qiwang.cli import app

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(good_rows(), bom=True))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([["N0007", "甲", "household", "vip", "zz", "", "", ""]]))
    runner = CliRunner()
    # The command activates the default language (zh-hans): reasons are asserted by value only.

    dry = runner.invoke(app, ["customers", "import", str(good), "--dry-run", "--user", "admin"])
    assert dry.exit_code == 0, dry.output
    assert not Customer.objects.filter(code="N0001").exists()
    rejected = runner.invoke(app, ["customers", "import", str(bad), "--user", "admin"])
    # Rejected rows are work that failed (exit code 1); misuse such as --user nobody is 2.
    assert rejected.exit_code == 1
    assert "zz" in rejected.stdout and "2" in rejected.stdout
    assert "qiwang:" in rejected.stderr
    applied = runner.invoke(app, ["customers", "import", str(good), "--user", "account_manager_a"])
    assert applied.exit_code == 0, applied.output
    assert Customer.objects.filter(code__in=["N0001", "N0002"]).count() == 2
    unknown = runner.invoke(app, ["customers", "import", str(good), "--user", "nobody"])
    assert unknown.exit_code == 2
    assert "nobody" in unknown.stderr and unknown.stdout == ""


def test_cli_json_reports_the_preview_the_import_and_rejections(org, tmp_path):
    import json

    from typer.testing import CliRunner

    from qiwang.cli import app

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(good_rows(), bom=True))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([["N0007", "甲", "household", "vip", "zz", "", "", ""]]))
    runner = CliRunner()

    dry = runner.invoke(
        app, ["customers", "import", str(good), "--dry-run", "--json", "--user", "admin"]
    )
    rejected = runner.invoke(app, ["customers", "import", str(bad), "--json", "--user", "admin"])
    missing = runner.invoke(app, ["customers", "import", str(tmp_path / "no.csv"), "--json"])
    applied = runner.invoke(app, ["customers", "import", str(good), "--json", "--user", "admin"])

    assert dry.exit_code == 0, dry.output
    preview = json.loads(dry.stdout)
    assert (preview["dry_run"], preview["written"], preview["created"]) == (True, False, 2)
    assert [row["code"] for row in preview["rows"]] == ["N0001", "N0002"]
    assert rejected.exit_code == 1
    report = json.loads(rejected.stdout)
    assert report["rejected"] == 1 and report["written"] is False
    assert [issue["value"] for issue in report["rows"][0]["issues"]] == ["zz"]
    assert json.loads(rejected.stderr)["code"] == 1
    assert missing.exit_code == 2 and missing.stdout == ""
    assert json.loads(missing.stderr)["code"] == 2
    assert applied.exit_code == 0, applied.output
    assert {k: json.loads(applied.stdout)[k] for k in ("written", "created", "updated")} == {
        "written": True,
        "created": 2,
        "updated": 0,
    }
    assert Customer.objects.filter(code__in=["N0001", "N0002"]).count() == 2


def test_excel_unicode_text_utf16_tab_separated_is_read(org):
    # Excel's "Unicode Text (*.txt)": UTF-16 with a BOM, tab-separated.
    text = "code\tname\tkind\tbranch\nN0020\t张三\thousehold\ta\n"
    content = text.encode("utf-16")

    preview = preview_import(actor=org.users["administrator"], content=content, filename="x.csv")

    assert preview.encoding == "UTF-16"
    assert preview.rows[0].values["name"] == "张三"


def test_old_excel_files_are_refused_with_a_clear_message(org):
    with pytest.raises(ServiceError, match=r"\.xls"):
        preview_import(
            actor=org.users["administrator"], content=b"\xd0\xcf\x11\xe0", filename="old.xls"
        )
