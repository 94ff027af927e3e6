"""The Insights page in a real browser on the demo: every section drawn, the charts rendered by
the page's script under the strict CSP (no script error), no sideways scroll on a phone."""

from __future__ import annotations

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

SECTIONS = (
    "insights-satisfaction",
    "insights-expectations",
    "insights-promises",
    "insights-complaints",
    "insights-alerts",
)


@pytest.mark.parametrize("width", [1280, 375])
def test_quality_reads_every_section_with_its_charts(demo_org, new_page, width):
    page = new_page(width=width, height=900)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, "quality")

    page.goto(page.base_url + "/insights/")
    page.wait_for_load_state("networkidle")

    for section in SECTIONS:
        assert page.locator(f"[data-testid={section}]").is_visible(), section
    assert page.locator("[data-testid=insights-wave-row]").count() > 0
    # Charts are drawn: ECharts renders SVG into each chart's box.
    charts = page.locator(".chart")
    assert charts.count() > 0
    for i in range(charts.count()):
        assert charts.nth(i).locator("svg").count() == 1, charts.nth(i).get_attribute("id")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert errors == []
