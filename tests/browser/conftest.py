"""Playwright driving Debian's Chromium against a live server (skipped without Chromium; CI fails
on any skip)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("QIWANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
    # here are ordinary synchronous set-up, not concurrent access.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def demo_org(transactional_db):
    from qiwang.demo.services import build_demo

    build_demo(customers=30, seed=7)


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def open_page(*, width=1280, height=900, locale="zh-CN"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        _click_after_scripts(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _click_after_scripts(page):
    """A click by selector waits for the element's document to finish its deferred scripts.

    htmx binds ``hx-get`` / ``hx-post`` at DOMContentLoaded, after the deferred scripts ran; right
    after a navigation a button can be visible while htmx.min.js is still loading, and a click then
    does nothing (seen in CI on a loaded machine). Waiting for the selector first makes sure the
    new document is the one whose load state is awaited.
    """
    click = page.click

    def click_when_ready(selector, **options):
        timeout = options.get("timeout")
        page.wait_for_selector(selector, state="attached", timeout=timeout)
        page.wait_for_load_state("domcontentloaded", timeout=timeout)
        return click(selector, **options)

    page.click = click_when_ready


def log_in(page, username, password="qiwang-demo-2026"):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(page.base_url + "/")
