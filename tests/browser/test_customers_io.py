"""End to end in headless Chromium: an account manager imports a GBK CSV through the preview and
downloads the monthly report; a quality manager reads the report with its charts on a phone."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _gbk_csv(path, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "name", "kind", "tier", "branch", "phone"])
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return path


def test_account_manager_previews_and_applies_a_gbk_file(demo_org, new_page, tmp_path, monkeypatch):
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    from qiwang.customers.models import Customer

    bad = _gbk_csv(tmp_path / "bad.csv", [["W0001", "王建国", "household", "vip", "jinxiu", ""]])
    good = _gbk_csv(
        tmp_path / "good.csv",
        [["W0001", "王建国", "household", "vip", "cuihu", "13812345678"]],
    )
    page = new_page()
    log_in(page, "manager_cuihu")

    page.goto(page.base_url + "/customers/")
    page.click("[data-testid=import-link]")
    page.set_input_files("#id_file", str(bad))
    page.click("[data-testid=import-preview]")
    assert "jinxiu" in page.inner_text("[data-testid=issue-table]")
    assert page.locator("[data-testid=import-apply]").count() == 0
    page.goto(page.base_url + "/customers/import/")
    page.set_input_files("#id_file", str(good))
    page.click("[data-testid=import-preview]")
    assert page.inner_text("[data-testid=count-create]") == "1"
    assert not Customer.objects.filter(code="W0001").exists()
    page.click("[data-testid=import-apply]")
    page.wait_for_url(page.base_url + "/customers/")

    customer = Customer.objects.get(code="W0001")
    assert customer.account_manager.username == "manager_cuihu"
    assert customer.branch.code == "cuihu"


def test_report_charts_render_and_pdf_downloads(demo_org, new_page):
    page = new_page()
    log_in(page, "manager_cuihu")

    page.goto(page.base_url + "/customers/reports/monthly/")
    page.wait_for_selector("#chart-contacts svg")
    with page.expect_download() as download:
        page.click("[data-testid=report-pdf]")

    assert page.locator("#chart-effort svg").count() == 1
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"


def test_quality_manager_reads_the_report_on_a_phone_in_english(demo_org, new_page):
    page = new_page(width=375, locale="en-US")
    log_in(page, "quality")

    page.goto(page.base_url + "/customers/reports/monthly/")
    page.wait_for_selector("#chart-contacts svg")

    assert "Monthly report" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.goto(page.base_url + "/customers/import/").status == 403
