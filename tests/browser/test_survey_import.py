"""End to end in headless Chromium on a 375 px phone: a quality manager uploads an XLSX with
Chinese headers (as Wenjuanxing exports it), checks the suggested mapping, fixes it, previews and
imports."""

from __future__ import annotations

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _xlsx(path, header, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_quality_manager_maps_previews_and_imports_an_xlsx_on_a_phone(
    demo_org, new_page, tmp_path, monkeypatch
):
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    from qiwang.surveys.models import Response, Wave

    wave = Wave.objects.get(name="11 月满意度快速调查")  # the property pulse (heating has its own)
    q = {question.attribute: question for question in wave.version.questions.all()}
    header = [
        "序号",
        f"1、{q['overall'].text_zh}",
        f"2、{q['repair-speed'].text_zh}",
        q["repair-quality"].text_zh,
        "卫生",  # matches nothing: mapped by hand below
        q["recommend"].text_zh,
        q["effort"].text_zh,
    ]
    path = _xlsx(
        tmp_path / "问卷星导出.xlsx",
        header,
        [[1, "满意", 4, 4, 5, 9, 6], [2, "很不满意", 1, 2, 2, 3, 2]],
    )
    before = Response.objects.filter(wave=wave).count()
    page = new_page(width=375, height=800)
    log_in(page, "quality")

    page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload]")
    page.wait_for_selector("[data-testid=mapping-table]")
    suggested = page.input_value("#map-1")
    unmatched = page.input_value("#map-4")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.select_option("#map-4", "cleanliness_P")
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=import-counts]")
    valid = page.inner_text("[data-testid=count-valid]")
    cleanliness = page.locator("[data-testid=sample-table] td[data-label=cleanliness_P]")
    sample = [cleanliness.nth(0).inner_text(), cleanliness.nth(1).inner_text()]
    page.click("[data-testid=import]")
    page.wait_for_url(f"{page.base_url}/surveys/waves/{wave.pk}/")

    assert suggested == "overall" and unmatched == ""
    assert overflow <= 375  # the mapping table is stacked rows on a phone
    assert valid == "2"
    assert sample == ["5", "2"]  # the hand-mapped column, as it will be stored
    assert Response.objects.filter(wave=wave).count() == before + 2
    assert Response.objects.filter(wave=wave, source="import").count() == 2
    assert list((tmp_path / "imports").glob("survey-*.upload")) == []


def test_answer_values_are_filled_in_on_the_mapping_page_on_a_phone(
    demo_org, new_page, tmp_path, monkeypatch
):
    """A 问卷星 CSV (GBK) whose overall column holds a label no list knows (还行): the recode box
    shows it without a code; the quality manager gives it one, checks and imports."""
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    from tests.surveys import import_tools as tools

    from qiwang.surveys.models import Answer, Wave

    wave = Wave.objects.get(name="11 月满意度快速调查")  # the property pulse (heating has its own)
    answers = [
        ["还行", "比较满意", "满意", "一般", "9", "6"],
        ["非常不满意", "满意", "满意", "满意", "3", "2"],
    ]
    path = tmp_path / "问卷星.csv"
    path.write_bytes(tools.csv_bytes(tools.wenjuanxing_rows(answers=answers), encoding="gb18030"))
    page = new_page(width=375, height=800)
    log_in(page, "quality")

    page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload]")
    page.wait_for_selector("[data-testid=recode]")
    shown = page.input_value("#recode-overall")
    needs = page.inner_text("[data-testid=recode-open]")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.fill("#recode-overall", shown.replace("还行 =", "还行 = 3"))
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=import-counts]")
    valid = page.inner_text("[data-testid=count-valid]")
    page.click("[data-testid=import]")
    page.wait_for_url(f"{page.base_url}/surveys/waves/{wave.pk}/")

    assert shown.splitlines() == ["还行 =", "非常不满意 = 1"]
    assert "1" in needs
    assert overflow <= 375
    assert valid == "2"
    imported = Answer.objects.filter(
        response__wave=wave, response__source="import", question__attribute="overall"
    )
    assert sorted(imported.values_list("value", flat=True)) == [1, 3]
