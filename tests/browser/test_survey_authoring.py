"""In headless Chromium: a quality manager adds a question to an instrument a wave already uses
and reorders it (a new version appears, the wave keeps its own), and a respondent on a 375 px
phone answers a 100-point allocation page with its running total."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from tests.browser.conftest import log_in

from qiwang.accounts.models import User
from qiwang.surveys.models import Instrument, Response, Wave
from qiwang.surveys.services import (
    add_question,
    create_instrument_from_template,
    create_wave,
    open_link_token,
    remove_question,
    send_wave,
)

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _rows(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-testid=question-row]", "rows => rows.map(r => r.dataset.attribute)"
    )


def test_manager_adds_and_reorders_a_question_and_sees_the_new_version(demo_org, new_page):
    pulse = Instrument.objects.get(name="满意度快速调查")
    assert pulse.versions.get().waves.exists()  # the demo's November pulse uses version 1
    manager = new_page(locale="en-US")
    log_in(manager, "quality")
    manager.click("[data-nav=surveys]")
    manager.click(f"a[href='/surveys/instruments/{pulse.pk}/']")
    assert manager.inner_text("[data-testid=version-number]") == "1"

    manager.select_option("#id_kind", "scale5")
    manager.fill("#id_text_zh", "您对停车管理满意吗？")
    manager.fill("#id_text_en", "Parking management")
    manager.select_option("#id_dimension", "core")  # a labelled list of groups
    manager.click("[data-testid=add-question]")

    manager.wait_for_selector(".messages .message")  # a plain POST and redirect
    assert "Saved as version 2" in manager.inner_text(".messages")
    assert manager.inner_text("[data-testid=version-number]") == "2"
    assert _rows(manager)[-1] == "parking-management"
    manager.click("[data-attribute=parking-management] [data-testid=move-up]")
    # the demo's pulse ends with its open question (surveys/demo_text.py), after "effort"
    manager.wait_for_function(  # a function, not a string: the CSP forbids eval
        "() => document.querySelectorAll('[data-testid=question-row]')[6]"
        ".dataset.attribute === 'parking-management'"
    )
    assert _rows(manager)[5:] == ["effort", "parking-management", "pulse-comment"]
    # htmx swapped the list in place, with the notice: still version 2 (no wave uses it)
    assert "Saved in version 2" in manager.inner_text("[data-testid=notice]")
    assert pulse.versions.count() == 2
    assert "parking-management" not in set(
        pulse.versions.get(number=1).questions.values_list("attribute", flat=True)
    )
    manager.set_viewport_size({"width": 375, "height": 740})
    manager.reload()
    assert manager.is_visible("[data-testid=add-question]")


@pytest.fixture
def allocation_link(demo_org):
    """An open-link wave whose one page is a three-dimension allocation (a block always gets a
    page of its own, so the pulse's rating is removed)."""
    quality = User.objects.get(username="quality")
    company = Instrument.objects.get(name="满意度快速调查").branch
    instrument = create_instrument_from_template(
        actor=quality, template="csat_pulse", branch=company, name="权重测试"
    )
    for attribute in ("repair-speed", "repair-quality", "cleanliness", "recommend", "effort"):
        remove_question(actor=quality, instrument=instrument, attribute=attribute)
    for dimension, zh, en in (
        ("reliability", "可靠性：可靠、准确地提供所承诺的服务", "Reliability"),
        ("responsiveness", "响应性：乐于帮助业主并迅速提供服务", "Responsiveness"),
        ("empathy", "移情性：对每位业主细致、个性化的关心", "Empathy"),
    ):
        add_question(
            actor=quality,
            instrument=instrument,
            data={"kind": "allocation", "dimension": dimension, "text_zh": zh, "text_en": en},
        )
    remove_question(actor=quality, instrument=instrument, attribute="overall")
    now = timezone.now()
    wave = create_wave(
        actor=quality,
        data={
            "name": "权重测试",
            "version": instrument.latest_version(),
            "branch": company,
            "opens_at": now - datetime.timedelta(hours=1),
            "closes_at": now + datetime.timedelta(days=7),
            "channel": "link",
            "allows_open_link": True,
            "sample_size": 1,
        },
    )
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    return wave, f"/s/o/{wave.pk}/{open_link_token(wave)}/"


def test_phone_answers_an_allocation_page_with_a_running_total(allocation_link, new_page):
    wave, link = allocation_link
    phone = new_page(width=375, height=740)
    phone.goto(phone.base_url + link)
    assert phone.is_visible("[data-testid=allocation-total]")  # the script showed the total
    assert _no_horizontal_overflow(phone)

    phone.fill("[name='weight-reliability.value']", "50")
    phone.fill("[name='weight-responsiveness.value']", "30")
    phone.fill("[name='weight-empathy.value']", "30")
    assert phone.inner_text("[data-testid=allocation-total]") == "110"
    phone.click("[data-testid=submit]")

    errors = phone.inner_text("[data-testid=errors]")
    assert "110" in errors and "可靠性" in errors and "移情性" in errors
    assert _no_horizontal_overflow(phone)
    phone.fill("[name='weight-empathy.value']", "20")
    assert phone.inner_text("[data-testid=allocation-total]") == "100"
    phone.click("[data-testid=submit]")
    phone.wait_for_selector("[data-testid=thanks]")
    response = Response.objects.get(wave=wave)
    assert sorted(response.answers.values_list("value", flat=True)) == [20, 30, 50]
    assert Wave.objects.get(pk=wave.pk).responses.filter(status="complete").count() == 1
