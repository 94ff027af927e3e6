"""Security headers (ADR 0011) and the client address behind trusted proxies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client, RequestFactory, override_settings

from qiwang.accounts.security import client_ip

SRC = Path(__file__).resolve().parents[2] / "src" / "qiwang"


@pytest.mark.django_db
def test_pages_carry_the_policy_and_are_not_stored(org):
    client = Client()
    client.force_login(org.users["administrator"])
    for path in ["/", "/customers/", "/accounts/login/", "/api/docs"]:
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "camera=()" in response["Permissions-Policy"]
        assert "no-store" in response["Cache-Control"], path


@pytest.mark.django_db
def test_static_files_keep_their_own_caching():
    response = Client().get("/static/qiwang/qiwang.css")
    assert response.status_code == 200
    assert response.get("Cache-Control") != "no-store"


def test_no_template_has_inline_script_or_style():
    """Scripts and styles come from static files only; data reach scripts through json_script."""
    offending = []
    for path in SRC.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text):
            attributes = match.group(1)
            if "src=" not in attributes and "application/json" not in attributes:
                offending.append(f"{path.relative_to(SRC)}: inline <script>")
        if re.search(r"<style\b", text):
            offending.append(f"{path.relative_to(SRC)}: <style>")
        if re.search(r"\sstyle\s*=", text):
            offending.append(f"{path.relative_to(SRC)}: style attribute")
        if re.search(r"\son[a-z]+\s*=|hx-on|javascript:", text):
            offending.append(f"{path.relative_to(SRC)}: inline event handler")
    assert offending == []


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.5", "1.2.3.4", "10.0.0.5"),  # no proxy trusted: the header is ignored
        (1, "10.0.0.5", "1.2.3.4", "1.2.3.4"),  # nginx set it
        (1, "10.0.0.5", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a client's own header is skipped
        (2, "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (2, "10.0.0.5", "1.2.3.4", "10.0.0.5"),  # fewer hops than proxies: not trusted
        (1, "10.0.0.5", "not-an-address", "10.0.0.5"),
        (1, "10.0.0.5", "", "10.0.0.5"),
        (1, "10.0.0.5", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_only_through_trusted_proxies(proxies, remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(QIWANG_TRUSTED_PROXIES=proxies):
        assert client_ip(request) == expected
