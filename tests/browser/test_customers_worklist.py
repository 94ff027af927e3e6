"""End to end in headless Chromium (issue 15 item 6): completing a task on the grouped "my day"
updates the counters in place; the allocation picker finds a customer and adds the request
line; on a 375 px phone without horizontal overflow."""

from __future__ import annotations

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_completing_a_task_updates_the_counters(demo_org, new_page, width):
    page = new_page(width=width, locale="en-US")
    log_in(page, "manager_cuihu")
    page.goto(page.base_url + "/customers/my-day/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    open_before = int(page.inner_text("[data-testid=count-open]"))
    done_before = int(page.inner_text("[data-testid=count-done]"))
    card = page.locator("[data-testid=customer-card]").first
    topics = card.locator("[data-testid=card-topics]")
    if topics.count():
        assert "、" not in topics.inner_text()
    card.locator("[data-testid=log-button]").first.click()
    form = card.locator("[data-testid=interaction-form]")
    form.locator("textarea[name=notes]").fill("browser")
    form.locator("[data-testid=save-interaction]").click()
    page.locator("[data-testid=task-done]").first.wait_for()
    assert int(page.inner_text("[data-testid=count-done]")) > done_before
    assert int(page.inner_text("[data-testid=count-open]")) < open_before


def test_the_allocation_picker_adds_a_request_line(demo_org, new_page):
    from qiwang.customers.models import Customer

    customer = Customer.objects.filter(account_manager__username="manager_binjiang").order_by(
        "code"
    )[0]
    page = new_page(width=375, locale="en-US")
    log_in(page, "manager_binjiang")
    page.goto(page.base_url + "/customers/allocations/")
    page.fill("[data-testid=picker-search]", customer.code)
    page.locator("[data-testid=picker-result]").first.wait_for()
    page.locator("[data-testid=picker-quantity]").first.fill("12")
    page.locator("[data-testid=picker-add]").first.click()
    assert page.input_value("#id_requests").strip() == f"{customer.code} 12"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
