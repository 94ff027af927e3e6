"""Two-factor authentication on a phone (375 px): enrol by QR code, log out, log in with a code,
then with a recovery code; both languages, under the CSP, without horizontal overflow (issue 10)."""

from __future__ import annotations

import time

import pytest
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _next_code(user) -> str:
    from qiwang.accounts import mfa
    from qiwang.accounts.models import MfaDevice

    device = MfaDevice.objects.get(user=user)
    step = max(device.last_step + 1, int(time.time()) // 30)
    return mfa.code_at(device.secret, step * 30)


def _log_out(page) -> None:
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/accounts/login/**")


@pytest.mark.parametrize(
    ("locale", "title", "left"),
    [("zh-CN", "双因素认证", "还剩 9 个"), ("en-GB", "Two-factor authentication", "9 are left")],
)
def test_enrol_and_log_in_with_a_code_on_a_phone(transactional_db, new_page, locale, title, left):
    from qiwang.accounts import mfa
    from qiwang.accounts.choices import Role
    from qiwang.accounts.models import MfaDevice

    user = make_user("phone_admin", Role.ADMINISTRATOR, is_staff=True)
    page = new_page(width=375, height=740, locale=locale)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "phone_admin", PASSWORD)

    page.click("[data-testid=user-menu]")
    page.click("[data-testid=security-link]")
    page.wait_for_selector("[data-testid=mfa-section]")
    assert _no_horizontal_overflow(page)
    page.click("[data-testid=mfa-setup-link]")
    page.wait_for_selector("[data-testid=mfa-setup]")
    # The QR code is an <img> loaded after the page: wait for it to decode (a broken image ends
    # with complete and naturalWidth 0, and the wait times out).
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=mfa-qr]');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    assert _no_horizontal_overflow(page)
    secret = MfaDevice.objects.get(user=user).secret
    page.fill("#id_code", mfa.code_at(secret, time.time()))
    page.click("[data-testid=mfa-submit]")
    page.wait_for_selector("[data-testid=recovery-codes]")
    codes = page.locator("[data-testid=recovery-code]").all_inner_texts()
    assert len(codes) == 10
    assert _no_horizontal_overflow(page)
    page.click("[data-testid=recovery-codes-done]")
    _log_out(page)

    page.fill("#id_username", "phone_admin")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=mfa-verify]")
    assert title in page.locator("h1").inner_text()
    assert _no_horizontal_overflow(page)
    page.fill("#id_code", "000000")
    page.click("[data-testid=mfa-submit]")
    page.wait_for_selector("[data-testid=mfa-error]")
    page.fill("#id_code", _next_code(user))
    page.click("[data-testid=mfa-submit]")
    page.wait_for_url(page.base_url + "/")
    _log_out(page)

    page.fill("#id_username", "phone_admin")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=mfa-verify]")
    page.fill("#id_code", codes[0])
    page.click("[data-testid=mfa-submit]")
    page.wait_for_url(page.base_url + "/")
    assert left in page.content()
    assert errors == []
