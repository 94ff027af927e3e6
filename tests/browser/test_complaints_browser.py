"""End to end in headless Chromium: a resident complains from a phone on the public page; the
agent opens the complaint, is coached as they type, and moves it a step."""

from __future__ import annotations

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def complaint_org(transactional_db):
    from importlib import import_module

    from django.apps import apps

    from qiwang.accounts.calendar_services import seed_calendar_from_library
    from qiwang.complaints.models import Category
    from qiwang.demo.services import build_demo

    seed_calendar_from_library()  # a transactional test before this one may have flushed them
    if not Category.objects.exists():
        import_module("qiwang.complaints.migrations.0002_defaults").seed(apps, None)
    build_demo(customers=30, seed=7, history=False)


def test_a_resident_complains_from_a_phone_and_the_agent_is_coached(complaint_org, new_page):
    from qiwang.accounts.models import Branch
    from qiwang.complaints.models import Complaint
    from qiwang.complaints.views.public import branch_token

    branch = Branch.objects.get(code="cuihu")
    phone = new_page(width=375, height=740)
    phone.goto(phone.base_url + f"/c/{branch_token(branch)}/")
    phone.select_option("#id_category", label="供暖温度")
    phone.fill(
        "#id_description", "家里只有15度，第三次打电话了还没人管，再不解决我就打12345投诉！！"
    )
    phone.fill("#id_measured_temperature", "15")
    phone.fill("#id_reporter_phone", "13800001234")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.click("[data-testid=public-submit]")
    phone.wait_for_selector("[data-testid=thanks]")
    complaint = Complaint.objects.get(reporter_phone="+8613800001234")  # stored in E.164
    assert str(complaint.pk) in phone.inner_text("main")

    agent = new_page()
    log_in(agent, "agent_cuihu")
    agent.goto(agent.base_url + f"/complaints/{complaint.pk}/")
    assert agent.is_visible("[data-testid=calming]")  # angry: calming lines first
    assert "15" in agent.inner_text("[data-testid=heating]")
    agent.fill("[data-testid=reply-text]", "您先别激动，但是师傅已经下班了")
    agent.wait_for_selector("[data-rule='forbidden.calm_down']")
    assert agent.is_visible("[data-rule='adversative.but']")
    agent.fill("[data-testid=reply-text]", "我理解您的感受，我们会尽快为您解决问题")
    agent.wait_for_selector("[data-testid=coaching-ok]")
    agent.click("[data-testid=move-apologise]")
    agent.wait_for_selector("[data-testid=current-step]")
    assert "道歉" in agent.inner_text("[data-testid=current-step]")
    complaint.refresh_from_db()
    assert complaint.step == "apologise"
