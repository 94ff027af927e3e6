"""Under the Content-Security-Policy (issue 10, ADR 0011): every page works with no violation in
the console, and script planted in every stored text field that pages show never runs — not in
tables, not in chart tooltips, not in htmx fragments, not in the admin.

A violation is what the browser reports as a ``securitypolicyviolation`` event or a console error
naming the Content Security Policy; an inline handler or script that slipped through escaping would
raise one (and, under the policy, would not run). ``window.__planted`` counts what did run.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
window.__planted = 0;
window.__plant = function () { window.__planted += 1; };
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""
#: Closes attributes, tags and <script> blocks, then tries an inline handler, a script element and
#: a javascript: URL; 58 characters, so it fits every free-text column of 60 or more.
PAYLOAD = "\"'></script><img src=x onerror=__plant()><script>__plant()</script>"
SHORT = "<img src=x onerror=__plant()>"
SKIP_FIELDS = {"username", "password", "email", "phone", "token_hash", "key", "submission_key"}


def _pages(wave_ids, customer_id, instrument_id, open_link):
    pages = [
        "/",
        "/customers/",
        f"/customers/{customer_id}/",
        f"/customers/{customer_id}/edit/",
        "/customers/my-day/",
        "/customers/calendar/",
        "/customers/occasions/",
        "/customers/allocations/",
        "/customers/plans/",
        "/customers/tiers/",
        "/customers/import/",
        "/customers/reports/monthly/",
        "/services/",
        "/surveys/",
        f"/surveys/instruments/{instrument_id}/",
        "/webhooks/",
        "/operations/jobs/",
        "/accounts/tokens/",
        "/admin/",
        "/admin/customers/customer/",
        f"/admin/customers/customer/{customer_id}/change/",
        "/admin/accounts/branch/",
        "/api/docs",
        open_link,
    ]
    for wave_id in wave_ids:
        pages += [f"/surveys/waves/{wave_id}/", f"/surveys/waves/{wave_id}/results/"]
    return pages


def _demo_targets():
    from qiwang.customers.models import Customer
    from qiwang.surveys.models import Wave
    from qiwang.surveys.services import open_link_token

    waves = list(Wave.objects.order_by("pk"))
    customer = Customer.objects.filter(branch__code="cuihu").order_by("pk").first()
    first = waves[0]
    public = next(w for w in waves if w.allows_open_link and w.accepts_answers())
    open_link = reverse("survey_public:open", args=[public.pk, open_link_token(public)])
    return _pages([w.pk for w in waves], customer.pk, first.version.instrument_id, open_link), first


def _walk(page, paths, *, hover_charts=False):
    problems = []
    for path in paths:
        response = page.goto(page.base_url + path)
        assert response.status < 400, (path, response.status)
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), path
        page.wait_for_load_state("networkidle")
        if hover_charts:
            for chart in page.locator(".chart").all():
                box = chart.bounding_box()
                if not box:
                    continue
                for i in range(1, 12):
                    for j in range(1, 8):
                        page.mouse.move(
                            box["x"] + box["width"] * i / 12, box["y"] + box["height"] * j / 8
                        )
        found = page.evaluate("window.__violations")
        if found:
            problems.append((path, found))
    return problems


def _open(new_page, console):
    page = new_page()
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return page


def test_every_page_works_under_the_policy_with_no_violation(demo_org, new_page):
    console: list[str] = []
    page = _open(new_page, console)
    log_in(page, "admin")
    paths, _wave = _demo_targets()

    problems = _walk(page, paths)

    assert problems == [] and console == []
    # The charts really drew (scripts from static files ran under the policy).
    page.goto(page.base_url + "/")
    assert page.locator("#chart-tiers svg").count() == 1


def _plant():
    """Append the payload to every free-text column of every Qiwang model (choices, codes and
    secrets aside), in the database directly: what a user could have typed anywhere."""
    planted = []
    for model in apps.get_models():
        if not model.__module__.startswith("qiwang."):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField) or field.choices:
                continue
            if field.name in SKIP_FIELDS or field.name.endswith(("_hash", "token", "code")):
                continue
            if any(isinstance(v, RegexValidator) for v in field.validators):
                continue  # slugs and codes: the forms refuse anything but letters and digits
            limit = field.max_length or 10_000
            payload = PAYLOAD if limit >= len(PAYLOAD) + 2 else SHORT
            if limit < len(SHORT) + 2:
                continue
            unique = field.unique or any(
                field.name in getattr(c, "fields", ()) for c in model._meta.constraints
            )
            for obj in model.objects.all().only("pk", field.attname):
                value = getattr(obj, field.attname) or ""
                if unique and (not value or len(value) + len(payload) > limit):
                    continue  # empty values, or cutting one to fit, could make two values equal
                model.objects.filter(pk=obj.pk).update(
                    **{field.attname: value[: max(limit - len(payload), 0)] + payload}
                )
            planted.append(f"{model._meta.label}.{field.name}")
    return planted


def test_script_planted_in_every_stored_text_never_runs(demo_org, new_page):
    planted = _plant()
    assert {"surveys.Question.text_zh", "customers.Customer.name", "accounts.Branch.name"} <= set(
        planted
    )
    console: list[str] = []
    page = _open(new_page, console)
    log_in(page, "admin")
    paths, _wave = _demo_targets()

    problems = _walk(page, paths, hover_charts=True)

    assert problems == [] and console == []
    assert page.evaluate("window.__planted") == 0
    # The planted text is shown, as text.
    page.goto(page.base_url + "/customers/")
    assert "onerror=__plant()" in page.locator("main").inner_text()
