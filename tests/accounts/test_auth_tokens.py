"""API tokens expire by default and create tokens only when granted (issue 10, ASVS 3.5)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from qiwang.accounts.models import ApiToken, AuditEvent
from qiwang.accounts.services import TokenError, TokenNotAllowed, create_api_token

pytestmark = pytest.mark.django_db


def _post_token(key: str, **body):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/tokens",
        json.dumps({"name": "minted", **body}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_a_new_token_expires_after_the_default_lifetime(org, settings):
    settings.QIWANG_API_TOKEN_DAYS = 90

    token = create_api_token(user=org.users["analyst"], name="BI").token

    lifetime = token.expires_at - timezone.now()
    assert datetime.timedelta(days=89, hours=23) < lifetime <= datetime.timedelta(days=90)


def test_the_default_lifetime_is_a_setting(org, settings):
    settings.QIWANG_API_TOKEN_DAYS = 7

    token = create_api_token(user=org.users["analyst"], name="BI").token

    assert token.expires_at - timezone.now() <= datetime.timedelta(days=7)


def test_an_expired_token_is_refused(org):
    issued = create_api_token(user=org.users["analyst"], name="BI")
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.key}")

    assert response.status_code == 401


@pytest.mark.parametrize(("days", "message"), [(-1, "in the future"), (400, "at most 365 days")])
def test_an_expiry_in_the_past_or_too_far_ahead_is_refused(org, settings, days, message):
    settings.QIWANG_API_TOKEN_MAX_DAYS = 365
    with translation.override("en"), pytest.raises(TokenError, match=message):
        create_api_token(
            user=org.users["analyst"],
            name="BI",
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )


def test_a_token_without_the_grant_cannot_mint_tokens(org):
    issued = create_api_token(user=org.users["analyst"], name="script")

    response = _post_token(issued.key)

    assert response.status_code == 403
    assert "may not create tokens" in response.json()["detail"]
    assert ApiToken.objects.count() == 1
    with pytest.raises(TokenNotAllowed):
        create_api_token(user=org.users["analyst"], name="x", via_token=issued.token)


def test_a_granted_token_mints_tokens_that_do_not_outlive_it(org):
    parent = create_api_token(
        user=org.users["analyst"],
        name="issuer",
        can_create_tokens=True,
        expires_at=timezone.now() + datetime.timedelta(days=10),
    )

    created = _post_token(parent.key)
    too_long = _post_token(
        parent.key,
        name="long",
        expires_at=(timezone.now() + datetime.timedelta(days=30)).isoformat(),
    )

    assert created.status_code == 201, created.content
    child = ApiToken.objects.get(pk=created.json()["id"])
    assert child.expires_at <= parent.token.expires_at
    assert child.can_create_tokens is False
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "expires_at"
    event = AuditEvent.objects.get(action="api_token_created", object_id=str(child.pk))
    assert event.changes["via_token"] == parent.token.prefix


def test_a_signed_in_session_may_create_tokens_with_the_grant(org):
    client = Client()
    client.force_login(org.users["analyst"])

    response = client.post(
        "/api/tokens",
        json.dumps({"name": "issuer", "can_create_tokens": True}),
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["can_create_tokens"] is True
    assert response.json()["expires_at"] is not None


def test_the_tokens_page_sets_lifetime_and_grant(org):
    client = Client()
    client.force_login(org.users["analyst"])

    page = client.post(
        reverse("accounts:tokens"), {"name": "BI", "days": "30", "can_create_tokens": "on"}
    )
    bad = client.post(reverse("accounts:tokens"), {"name": "BI2", "days": "99999"})

    token = ApiToken.objects.get(name="BI")
    assert page.status_code == 200 and 'data-testid="new-token"' in page.content.decode()
    assert token.can_create_tokens is True
    assert token.expires_at - timezone.now() <= datetime.timedelta(days=30)
    assert bad.status_code == 200 and not ApiToken.objects.filter(name="BI2").exists()
    assert "days" in bad.context["form"].errors
