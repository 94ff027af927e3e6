"""End to end in headless Chromium: every role logs in, opens every page of the shell, sees
Chinese rendered with a CJK font, is refused what it may not open, and the phone layout holds."""

from __future__ import annotations

import pytest
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

ROLES = {
    "admin": "系统管理员",
    "quality": "服务品质经理",
    "manager_cuihu": "客户经理",
    "agent_cuihu": "客服",
    "analyst": "分析师",
}
SHELL = [
    "/",
    "/customers/",
    "/services/",
    "/surveys/",
    "/complaints/",
    "/insights/",
    "/accounts/tokens/",
]


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_walks_the_shell(username, demo_org, new_page):
    page = new_page()
    log_in(page, username)

    for path in SHELL:
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.locator("nav [data-nav=customers]").inner_text() == "客户", path
        assert ROLES[username] in page.locator("[data-testid=user-menu]").inner_text()
    # Chinese is drawn with a real CJK font, not boxes.
    assert page.evaluate("document.fonts.check('16px \"WenQuanYi Micro Hei\"', '客户满意度')")


def test_agent_is_refused_what_the_role_or_branch_does_not_allow(demo_org, new_page):
    from qiwang.customers.models import Customer

    own = Customer.objects.get(branch__code="cuihu", code="C0000001")
    other = Customer.objects.filter(branch__code="jinxiu").first()
    page = new_page()
    log_in(page, "agent_cuihu")

    edit = page.goto(f"{page.base_url}/customers/{own.pk}/edit/")
    assert edit.status == 403
    assert page.locator("[data-testid=forbidden]").is_visible()
    assert "你无权打开此页面" in page.content() or "您无权打开此页面" in page.content()

    hidden = page.goto(f"{page.base_url}/customers/{other.pk}/")
    assert hidden.status == 404
    assert page.locator("[data-testid=not-found]").is_visible()

    # The admin refuses a signed-in user without the administrator role (no log-in loop).
    admin_page = page.goto(page.base_url + "/admin/")
    assert admin_page.status == 403
    assert page.locator("[data-testid=forbidden]").is_visible()


def test_manager_edits_a_customer_and_sees_full_phone(demo_org, new_page):
    from qiwang.customers.models import Customer
    from qiwang.customers.phones import display_phone

    customer = Customer.objects.get(code="C0000001")
    page = new_page()
    log_in(page, "manager_cuihu")

    page.goto(f"{page.base_url}/customers/{customer.pk}/edit/")
    page.fill("#id_name", "王建国")
    page.select_option("#id_tier", "vip")
    page.click("[data-testid=save]")

    assert page.url.endswith(f"/customers/{customer.pk}/")
    assert page.locator("h1").inner_text().startswith("王建国")
    # Stored in E.164, shown unmasked in the national grouping (138 1234 5678)
    assert page.locator("[data-testid=customer-phone]").inner_text() == display_phone(
        customer.phone
    )


def test_language_switch_to_english_and_back(demo_org, new_page):
    page = new_page()
    log_in(page, "analyst")

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=language-en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav [data-nav=customers]").inner_text() == "Customers"

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=language-zh-hans]")
    page.wait_for_load_state()
    assert page.locator("nav [data-nav=customers]").inner_text() == "客户"


@pytest.mark.parametrize("path", SHELL)
def test_phone_width_has_no_horizontal_overflow(path, demo_org, new_page):
    page = new_page(width=375, height=760)
    log_in(page, "manager_cuihu")

    page.goto(page.base_url + path)

    assert _no_horizontal_overflow(page), path


def test_home_draws_charts_from_vendored_echarts(demo_org, new_page):
    page = new_page()
    log_in(page, "quality")

    page.wait_for_selector("#chart-tiers svg")

    assert page.evaluate("typeof echarts") == "object"
    assert page.locator("#chart-branches svg text", has_text="翠湖花园").count() >= 1


@pytest.mark.parametrize("path", ["/insights/", "/complaints/"])
def test_on_a_phone_the_current_page_is_visible_in_the_navigation(path, demo_org, new_page):
    """The navigation row scrolls sideways at 375 px; the link of the page open is brought into
    view (it was past the right edge for the last entries, in English above all)."""
    page = new_page(width=375, height=760, locale="en-US")
    log_in(page, "manager_cuihu")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])

    page.goto(page.base_url + path)
    page.wait_for_load_state("load")

    box = page.locator(".mainnav a.active").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
