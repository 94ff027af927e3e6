"""In headless Chromium on a 375 px phone: the free-text section of the SERVQUAL results shows the
demo's comments with the negative share beside the gaps and a chart with its legend; a filter
narrows the list through htmx; a quality manager corrects a label in place."""

from __future__ import annotations

import re

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_quality_manager_filters_and_corrects_comments_on_a_phone(demo_org, new_page):
    from qiwang.surveys.models import Wave
    from qiwang.surveys.text_models import TextLabelCorrection

    wave = Wave.objects.get(name__contains="SERVQUAL")
    page = new_page(width=375, height=800)
    log_in(page, "quality")
    page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/results/")
    page.wait_for_selector("[data-testid=text-dimension-table]")
    table = page.inner_text("[data-testid=text-dimension-table]")
    assert "响应性" in table
    assert re.search(r"-\d\.\d\d", table)  # the SERVQUAL gap beside the negative share
    page.wait_for_selector("#chart-text-dimensions svg")
    assert "负面" in page.inner_text("#chart-text-dimensions")  # the legend
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    total = int(page.inner_text("[data-testid=text-total]"))
    # the filtered list replaces the old one when its request answers (the total may stay the
    # same when every comment of the demo wave speaks of tangibles)
    with page.expect_response(lambda r: "/text/" in r.url and "dimension=tangibles" in r.url):
        page.select_option("[data-testid=filter-dimension]", "tangibles")
    page.wait_for_load_state("networkidle")
    comments = page.locator("[data-testid=text-comment]")
    assert 1 <= comments.count() <= total
    assert int(page.inner_text("[data-testid=text-total]")) <= total
    for i in range(comments.count()):
        assert "有形性" in comments.nth(i).inner_text()
    first = comments.first
    before = first.locator("[data-testid=comment-sentiment]").inner_text().strip()
    target = "negative" if before != "负面" else "neutral"
    first.locator("summary").click()
    first.locator(f"input[name=sentiment][value={target}]").check()
    first.locator("[data-testid=correct-submit]").click()
    page.wait_for_selector("[data-testid=comment-corrected]")
    correction = TextLabelCorrection.objects.get()
    assert correction.sentiment == target
    assert correction.previous_sentiment != target
    assert correction.corrected_by.username == "quality"
