"""A user changes their own password on a phone (375 px), in Chinese and in English (issue 10)."""

from __future__ import annotations

import pytest
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

NEW = "lantern-orchard-1917"


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize(
    ("locale", "title", "done"),
    [
        ("zh-CN", "修改密码", "密码已修改"),
        ("en-GB", "Change password", "Your password has been changed"),
    ],
)
def test_changing_the_own_password_on_a_phone(transactional_db, new_page, locale, title, done):
    from qiwang.accounts.choices import Role

    user = make_user("phone_user", Role.AGENT)
    page = new_page(width=375, height=740, locale=locale)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "phone_user", PASSWORD)

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=password-change-link]")
    page.wait_for_selector("[data-testid=password-change]")
    assert title in page.locator("h1").inner_text()
    assert _no_horizontal_overflow(page)

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "too-short")
    page.fill("#id_new_password2", "too-short")
    page.click("[data-testid=password-change-submit]")
    page.wait_for_selector("[data-testid=new-password2-error]")
    assert _no_horizontal_overflow(page)

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("[data-testid=password-change-submit]")
    page.wait_for_url(page.base_url + "/")
    assert done in page.content()
    assert errors == []
    user.refresh_from_db()
    assert user.check_password(NEW)
