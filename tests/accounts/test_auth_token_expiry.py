"""API tokens about to expire are flagged on the tokens page and in the API (issue 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qiwang.accounts.services import create_api_token, revoke_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(org):
    user = org.users["analyst"]
    now = timezone.now()
    made = {
        name: create_api_token(user=user, name=name, expires_at=now + timedelta(days=days)).token
        for name, days in [("soon", 5), ("later", 60), ("edge", 13.9)]
    }
    revoked = create_api_token(user=user, name="revoked", expires_at=now + timedelta(days=3))
    revoke_api_token(token=revoked.token, actor=user)
    made["revoked"] = revoked.token
    made["expired"] = create_api_token(user=user, name="expired").token
    made["expired"].expires_at = now - timedelta(days=1)
    made["expired"].save()
    return made


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_api_says_which_tokens_expire_soon(org, tokens, settings):
    settings.QIWANG_API_TOKEN_WARN_DAYS = 14

    items = _client(org.users["analyst"]).get("/api/tokens").json()["items"]

    flags = {item["name"]: item["expires_soon"] for item in items}
    assert flags == {
        "soon": True,
        "edge": True,
        "later": False,
        "revoked": False,
        "expired": False,
    }


def test_the_warning_window_is_a_setting(org, tokens, settings):
    settings.QIWANG_API_TOKEN_WARN_DAYS = 0
    items = _client(org.users["analyst"]).get("/api/tokens").json()["items"]
    assert not any(item["expires_soon"] for item in items)

    settings.QIWANG_API_TOKEN_WARN_DAYS = 90
    items = _client(org.users["analyst"]).get("/api/tokens").json()["items"]
    assert {i["name"] for i in items if i["expires_soon"]} == {"soon", "edge", "later"}


def test_a_new_token_from_the_api_carries_the_flag(org, settings):
    settings.QIWANG_API_TOKEN_WARN_DAYS = 14
    soon = (timezone.now() + timedelta(days=2)).isoformat()

    response = _client(org.users["analyst"]).post(
        "/api/tokens", {"name": "short", "expires_at": soon}, content_type="application/json"
    )

    assert response.status_code == 201 and response.json()["expires_soon"] is True


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "2 tokens expire within 14 days"), ("zh-hans", "2 个令牌将在 14 天内过期")],
)
def test_the_tokens_page_shows_a_banner(org, tokens, settings, language, text):
    settings.QIWANG_API_TOKEN_WARN_DAYS = 14

    page = _client(org.users["analyst"]).get(
        reverse("accounts:tokens"), HTTP_ACCEPT_LANGUAGE=language
    )

    html = page.content.decode()
    assert 'data-testid="tokens-expiring"' in html and text in html
    banner = html.split('data-testid="tokens-expiring"')[1].split("</div>")[0]
    assert "soon" in banner and "edge" in banner and "later" not in banner


def test_no_banner_when_nothing_expires_soon(org):
    create_api_token(user=org.users["analyst"], name="long")

    page = _client(org.users["analyst"]).get(reverse("accounts:tokens"))

    assert 'data-testid="tokens-expiring"' not in page.content.decode()
