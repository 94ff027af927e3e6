"""End to end in headless Chromium: an account manager's day — open today's tasks (VIP first),
log a contact through the htmx form, see form errors in place, send a greeting, run an
allocation; on a 375 px phone too."""

from __future__ import annotations

import json

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [1280, 375])
def test_account_manager_logs_a_vip_contact_from_my_day(demo_org, new_page, width):
    from django.utils import timezone

    from qiwang.accounts.models import User
    from qiwang.customers.choices import TaskKind
    from qiwang.customers.models import ContactTask, Customer, Interaction

    # Which customers are due today rotates with their ids (PostgreSQL does not reset them
    # between tests): make sure a VIP of this manager is due today.
    manager = User.objects.get(username="manager_cuihu")
    vip = Customer.objects.filter(account_manager=manager, tier="vip").order_by("code").first()
    if (
        not ContactTask.objects.filter(
            customer__in=Customer.objects.filter(account_manager=manager, tier="vip"),
            assignee=manager,
        )
        .open()
        .due_by(timezone.localdate())
        .exists()
    ):
        ContactTask.objects.create(
            customer=vip,
            kind=TaskKind.CONTACT,
            due_date=timezone.localdate(),
            branch_id=vip.branch_id,
            assignee=manager,
        )
    page = new_page(width=width)
    log_in(page, "manager_cuihu")
    page.goto(page.base_url + "/customers/my-day/")
    # My day's order: customers with an urgent or overdue task first, then VIP → general
    rows = page.locator("[data-testid=customer-card]").evaluate_all(
        "cards => cards.map(c => [c.dataset.tier,"
        " c.classList.contains('has-overdue') || !!c.querySelector('[data-urgent]')])"
    )
    rank = {"vip": 0, "important": 1, "high_quality": 2, "general": 3}
    pressing = [flag for _tier, flag in rows]
    assert pressing == sorted(pressing, reverse=True), rows
    calm = [rank[tier] for tier, flag in rows if not flag]
    assert calm == sorted(calm) and "vip" in [tier for tier, _flag in rows], rows
    first = page.locator("[data-testid=task][data-tier=vip]").first
    assert _no_horizontal_overflow(page)
    first.locator("[data-testid=log-button]").click()
    form = first.locator("[data-testid=interaction-form]")
    # the property profile's questions; an impossible score first: the error appears in
    # place, nothing is saved
    assert "供货" not in form.inner_text()
    form.locator("input[name=answer_satisfaction]").fill("12")
    form.locator("[data-testid=save-interaction]").click()
    page.locator("[data-testid=interaction-form] .errorlist").first.wait_for()
    assert Interaction.objects.filter(notes="浏览器测试").count() == 0
    form = page.locator("[data-testid=interaction-form]").first
    form.locator("input[name=answer_satisfaction]").fill("9")
    form.locator("textarea[name=notes]").fill("浏览器测试")
    form.locator("[data-testid=save-interaction]").click()
    page.locator("[data-testid=task-done]").first.wait_for()
    assert Interaction.objects.filter(notes="浏览器测试").count() == 1


def test_account_manager_sends_an_sms_greeting(demo_org, new_page, settings, tmp_path):
    settings.QIWANG_SMS_DIR = str(tmp_path)
    page = new_page()
    log_in(page, "manager_jinxiu")
    page.goto(page.base_url + "/customers/my-day/")
    greeting = page.locator("[data-testid=task][data-kind=greeting]").first
    preview = greeting.locator("[data-testid=preview-sms]")
    text = preview.locator(".preview-body").inner_text()
    preview.locator("[data-testid=send-sms]").click()
    page.locator("[data-testid=task-done]").first.wait_for()
    (outbox,) = tmp_path.glob("outbox-*.jsonl")
    sent = json.loads(outbox.read_text(encoding="utf-8").splitlines()[0])
    assert sent["text"] == text.strip()  # exactly the preview


def test_shortage_allocation_in_english(demo_org, new_page):
    from qiwang.customers.models import Customer

    codes = list(
        Customer.objects.filter(account_manager__username="manager_binjiang")
        .order_by("code")
        .values_list("code", flat=True)[:3]
    )
    page = new_page(locale="en-US")
    log_in(page, "manager_binjiang")
    page.goto(page.base_url + "/customers/allocations/")
    page.fill("#id_product", "Valve DN25")
    page.fill("#id_available", "10")
    page.fill("#id_requests", "\n".join(f"{code} 10" for code in codes))
    page.click("[data-testid=allocate]")
    page.locator("[data-testid=explanation]").wait_for()
    assert "Order of service" in page.locator("[data-testid=explanation]").inner_text()
    page.locator("#chart-allocation svg").wait_for()
