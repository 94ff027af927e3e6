"""In headless Chromium: a quality manager builds an OR condition with the editor (the answers
of the chosen source appear through htmx), changes it to AND on the existing question, and a
respondent on a 375 px phone is asked the question only when both conditions hold."""

from __future__ import annotations

import pytest
from tests.browser.conftest import log_in

from qiwang.accounts.models import User
from qiwang.surveys.models import Answer, Instrument
from qiwang.surveys.services import create_instrument_from_template, create_wave, open_link_token

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_manager_builds_and_changes_logic_and_a_phone_follows_it(demo_org, new_page):
    import datetime

    from django.utils import timezone

    quality = User.objects.get(username="quality")
    pulse = Instrument.objects.get(name="满意度快速调查")
    fresh = create_instrument_from_template(
        actor=quality, template="csat_pulse", branch=pulse.branch, name="逻辑走查"
    )
    manager = new_page(locale="en-US")
    log_in(manager, "quality")
    manager.goto(f"{manager.base_url}/surveys/instruments/{fresh.pk}/")
    manager.select_option("#id_kind", "text")
    manager.fill("#id_text_zh", "哪里让您不满意？")
    manager.fill("#id_text_en", "What disappointed you?")
    manager.fill("#id_attribute", "why-unhappy")
    manager.select_option("#add-match", "any")
    manager.select_option("#add-q1", "overall")
    manager.check("input[name=add-v1][value='1']")
    manager.check("input[name=add-v1][value='2']")
    manager.click("[data-testid=add-question]")
    manager.wait_for_selector(".messages .message")
    assert manager.inner_text("[data-attribute=why-unhappy] [data-testid=show-if]") == (
        "only if overall is 1, 2"
    )

    item = manager.locator("[data-testid=logic-item][data-attribute=why-unhappy]")
    item.locator("summary").click()
    item.locator("select[name$=match]").select_option("all")
    item.locator("select[name$=q2]").select_option("effort")
    manager.check("input[name='cwhy-unhappy-v2'][value='6']")
    manager.check("input[name='cwhy-unhappy-v2'][value='7']")
    item.locator("[data-testid=save-condition]").click()
    manager.wait_for_selector(".messages .message")
    assert manager.inner_text("[data-attribute=why-unhappy] [data-testid=show-if]") == (
        "only if overall is 1, 2 and effort is 6, 7"
    )

    manager.set_viewport_size({"width": 375, "height": 800})
    manager.reload()
    assert _no_horizontal_overflow(manager)

    now = timezone.now()
    wave = create_wave(
        actor=quality,
        data={
            "name": "逻辑走查",
            "version": fresh.latest_version(),
            "branch": fresh.branch,
            "opens_at": now - datetime.timedelta(hours=1),
            "closes_at": now + datetime.timedelta(days=7),
            "allows_open_link": True,
            "channel": "link",
        },
    )
    wave.status = "open"
    wave.save(update_fields=["status"])
    link = f"/s/o/{wave.pk}/{open_link_token(wave)}/"
    for overall, effort, asked in (("2", "7", True), ("2", "3", False)):
        phone = new_page(width=375, height=800)
        phone.goto(phone.base_url + link)
        phone.check(f"input[name='overall.value'][value='{overall}']", force=True)
        for key in ("repair-speed", "repair-quality", "cleanliness"):
            for part in ("value", "importance"):
                phone.check(f"input[name='{key}.{part}'][value='4']", force=True)
        phone.click("[data-testid=next]")
        phone.check("input[name='recommend.value'][value='8']", force=True)
        phone.check(f"input[name='effort.value'][value='{effort}']", force=True)
        phone.click("[data-testid=next]")
        assert phone.locator("textarea[name='why-unhappy.text']").count() == int(asked)
        assert _no_horizontal_overflow(phone)
        if asked:
            phone.fill("textarea[name='why-unhappy.text']", "修得太慢")
        phone.click("[data-testid=submit]")
        phone.wait_for_selector("h1")
    assert list(
        Answer.objects.filter(question__attribute="why-unhappy").values_list("text", flat=True)
    ) == ["修得太慢"]
