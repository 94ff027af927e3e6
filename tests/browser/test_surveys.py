"""End to end in headless Chromium: a quality manager creates a Kano wave, sends it, a customer
answers it through the invitation link on a 375 px phone, and the results page updates."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from tests.browser.conftest import log_in
from tests.surveys.conftest import deliver_queued

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_manager_sends_a_kano_wave_and_a_phone_answers_it(demo_org, new_page):
    mail.outbox.clear()
    manager = new_page()
    log_in(manager, "quality")
    manager.click("[data-nav=surveys]")
    manager.click("[data-testid=new-wave]")
    manager.fill("#id_name", "浏览器测试 Kano")
    manager.select_option("#id_version", label="物业服务 Kano 调查 (v1)")
    manager.select_option("#id_branch", label="江城物业服务有限公司")
    manager.fill("#id_sample_size", "1")
    manager.fill("#id_contact_gap_days", "0")
    manager.select_option("#id_channel", "email")
    manager.click("[data-testid=create-wave]")
    manager.click("[data-testid=preview-sample]")
    manager.wait_for_selector("[data-testid=sample]")
    assert "1" in manager.inner_text("[data-testid=sample] strong")
    asked = []
    manager.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    manager.click("[data-testid=send-wave]")  # asks first: a message sent cannot be called back
    manager.wait_for_selector("[data-testid=wave-status]")
    assert manager.inner_text("[data-testid=invited]") == "1"
    assert asked and "现在发送邀请吗" in asked[0]
    wave_url = manager.url
    # Honest: the page says the invitation is queued; the worker sends it.
    assert "已排队 1 条邀请" in manager.inner_text(".messages")
    assert manager.inner_text("[data-testid=sending-queued]") == "1"
    assert len(mail.outbox) == 0
    deliver_queued()  # what qiwang worker (or the demo's sender thread) does
    manager.reload()
    assert manager.inner_text("[data-testid=sending-sent]") == "1"

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/s/[A-Za-z0-9_\-]+/)", mail.outbox[0].body).group(1)
    phone = new_page(width=375, height=740)
    phone.goto(phone.base_url + link)
    assert phone.get_attribute("[data-testid=progress]", "max") == "3"
    assert _no_horizontal_overflow(phone)
    phone.click("[data-testid=next]")  # nothing answered: the page names the questions
    assert "24 小时报修热线" in phone.inner_text("[data-testid=errors]")
    for page_number in (1, 2):
        for fieldset in phone.query_selector_all("fieldset.question"):
            radios = fieldset.query_selector_all("fieldset.part")
            radios[0].query_selector_all("input")[0].check()  # functional: like
            radios[1].query_selector_all("input")[3].check()  # dysfunctional: live-with
        assert _no_horizontal_overflow(phone)
        phone.click("[data-testid=next]")
        phone.wait_for_url(re.compile(rf"page={page_number + 1}"))
    phone.fill("textarea", "希望增加电动车充电桩")
    phone.click("[data-testid=submit]")
    phone.wait_for_selector("[data-testid=thanks]")

    manager.goto(wave_url)
    assert manager.inner_text("[data-testid=complete]") == "1"
    manager.click("[data-testid=results-link]")
    table = manager.inner_text("[data-testid=kano-table]")
    assert "24 小时报修热线" in table
    assert manager.locator("[data-testid=kano-table] .kano-A").count() == 8
    manager.wait_for_selector("#chart-better-worse svg")
    assert manager.locator("#chart-better-worse svg").count() == 1

    # On a phone the results table stacks into cards, and every number keeps its column's name.
    small = new_page(width=375, height=740)
    log_in(small, "quality")
    small.goto(manager.url)
    assert _no_horizontal_overflow(small)
    first_row = small.locator("[data-testid=kano-table] tbody tr").first
    labels = first_row.locator("td").evaluate_all("cells => cells.map(c => c.dataset.label)")
    assert labels[:4] == ["#", "属性", "n", "A"]
