"""End to end in headless Chromium: an agent answers an incident once; the answer form is gone
afterwards (a second update would go to every reporter again), on a desktop and on a phone."""

from __future__ import annotations

import datetime

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def incident_org(transactional_db):
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone

    from qiwang.accounts.calendar_services import seed_calendar_from_library
    from qiwang.accounts.models import Branch, User
    from qiwang.complaints.models import Category
    from qiwang.complaints.services.intake import open_complaint, open_incident
    from qiwang.demo.services import build_demo

    seed_calendar_from_library()
    if not Category.objects.exists():
        import_module("qiwang.complaints.migrations.0002_defaults").seed(apps, None)
    build_demo(customers=30, seed=7, history=False)
    branch = Branch.objects.get(code="cuihu")
    agent = User.objects.get(username="agent_cuihu")
    category = Category.objects.get(code="heating_outage")
    started = timezone.now() - datetime.timedelta(hours=1)
    incident = open_incident(
        branch=branch, category=category, title="5号楼停电", actor=agent, started_at=started
    )
    for index in range(2):
        open_complaint(
            branch=branch,
            category=category,
            description="5号楼整栋停电了",
            channel="phone",
            reporter_phone=f"+861390000{index:04d}",
            actor=agent,
            incident=incident,
        )
    return incident


@pytest.mark.parametrize(("width", "locale"), [(1280, "zh-CN"), (375, "en-US")])
def test_the_incident_answer_is_sent_once_and_its_form_goes(incident_org, new_page, width, locale):
    from qiwang.complaints.models import Notification

    page = new_page(width=width, height=800, locale=locale)
    log_in(page, "agent_cuihu")
    page.goto(page.base_url + f"/complaints/incidents/{incident_org.pk}/")
    page.fill("#answer", "线路已修复，已恢复供电。")
    page.click("[data-testid=incident-answer] button[type=submit]")
    page.wait_for_selector("[data-testid=answer-closed]")
    assert page.locator("#answer").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.reload()
    assert page.locator("#answer").count() == 0
    sent = Notification.objects.filter(code="incident.answer", complaint__incident=incident_org)
    assert sent.count() == 2
