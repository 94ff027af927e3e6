"""Results page walk (issue 14): the demo pulse wave's headline table with the small-sample
caution, the NPS interval inside −100 … 100, and a conditional question's condition — at
1280 px and 375 px, in Chinese and English. Screenshots go to $QIWANG_SHOTS when set."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.browser.conftest import log_in

PULSE = "11 月满意度快速调查"


def _shot(page, name: str) -> None:
    folder = os.environ.get("QIWANG_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_the_pulse_results_page_cautions_and_shows_conditions(demo_org, new_page):
    from qiwang.surveys.models import Question, Wave

    wave = Wave.objects.get(name=PULSE)
    # a stored condition as the instrument page would write it: effort asked after overall 1–3
    Question.objects.filter(version_id=wave.version_id, attribute="effort").update(
        show_if={"question": "overall", "values": ["1", "2", "3"]}
    )
    complete = wave.responses.filter(status="complete").count()
    for width, locale in [(1280, "zh-CN"), (375, "zh-CN"), (1280, "en"), (375, "en")]:
        page = new_page(width=width, height=900, locale=locale)
        log_in(page, "quality")
        page.goto(f"{page.base_url}/surveys/waves/{wave.pk}/results/")
        table = page.inner_text("[data-testid=csat-table]")
        for low, high in re.findall(r"(-?\d+\.\d) … (-?\d+\.\d)", table):
            assert -100 <= float(low) <= float(high) <= 100
        if complete < 5:
            assert page.locator("[data-testid=csat-table] [data-testid=small-sample]").count()
            assert page.is_visible("[data-testid=headline-small-note]")
        seen = page.inner_text("[data-testid=conditional-questions]")
        assert f"{complete}" in seen
        assert ("saw it" if locale == "en" else "看到此题") in seen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _shot(page, f"results-{width}-{locale}")
