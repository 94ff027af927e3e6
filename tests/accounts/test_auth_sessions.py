"""Idle and absolute session timeouts (issue 10, ASVS 3.3)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from qiwang.accounts.sessions import SEEN_KEY, STARTED_KEY

pytestmark = pytest.mark.django_db


def _stamp(client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[STARTED_KEY] = now - started_ago
    session[SEEN_KEY] = now - seen_ago
    session.save()


def test_log_in_stamps_the_session(client, org):
    client.force_login(org.users["analyst"])

    assert isinstance(client.session[STARTED_KEY], int)
    assert client.get(reverse("core:home")).status_code == 200


def test_an_idle_session_is_ended(client, org, settings):
    settings.QIWANG_SESSION_IDLE_MINUTES = 30
    client.force_login(org.users["analyst"])
    _stamp(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get(reverse("core:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert "_auth_user_id" not in client.session
    login = client.get(response["Location"]).content.decode()
    assert "已超过 30 分钟无操作" in login  # the message, in the default language
    assert client.get(reverse("core:home")).status_code == 302  # still signed out


def test_a_busy_session_is_ended_at_the_absolute_limit(client, org, settings):
    settings.QIWANG_SESSION_MAX_HOURS = 12
    client.force_login(org.users["analyst"])
    _stamp(client, started_ago=12 * 3600 + 5, seen_ago=10)

    response = client.get(reverse("core:home"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_recent_session_goes_on_and_last_seen_moves(client, org):
    client.force_login(org.users["analyst"])
    _stamp(client, started_ago=600, seen_ago=120)

    assert client.get(reverse("core:home")).status_code == 200
    assert int(time.time()) - client.session[SEEN_KEY] < 5


def test_an_ended_session_gives_401_on_the_api(client, org):
    client.force_login(org.users["analyst"])
    _stamp(client, started_ago=3600, seen_ago=3 * 3600)

    response = client.get("/api/me")

    assert response.status_code == 401


def test_htmx_requests_are_sent_to_the_log_in_page(client, org):
    client.force_login(org.users["analyst"])
    _stamp(client, started_ago=3600, seen_ago=3 * 3600)

    response = client.get(reverse("core:home"), headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_the_session_cookie_lives_no_longer_than_the_absolute_limit(settings):
    assert settings.SESSION_COOKIE_AGE == settings.QIWANG_SESSION_MAX_HOURS * 3600
