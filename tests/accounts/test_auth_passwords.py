"""Passwords (issue 10, ASVS 2.1): 12 characters at least, and every user changes their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import PASSWORD

from qiwang.accounts.models import AuditEvent
from qiwang.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

NEW = "lantern-orchard-1917"


def _signed_in(user, **extra) -> Client:
    client = Client(**extra)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_eleven_characters_are_too_few_and_twelve_are_enough():
    with pytest.raises(ValidationError, match="12"):
        validate_password("qiwang-demo")  # the old demo password: 11 characters
    validate_password("qiwang-demo!")


def test_the_demo_password_passes_the_validators():
    validate_password(DEMO_PASSWORD)


@pytest.mark.parametrize("role", ["administrator", "quality_manager", "agent", "analyst"])
def test_every_user_changes_their_own_password_and_stays_signed_in(org, role):
    user = org.users[role]
    client = _signed_in(user)

    page = client.get(reverse("accounts:password-change"))
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get(reverse("core:home")).status_code == 200  # the session survived
    assert AuditEvent.objects.filter(action="password_changed", object_id=str(user.pk)).exists()
    assert Client().login(username=user.username, password=NEW)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"old_password": "wrong-password-1", "new_password1": NEW, "new_password2": NEW}, "old"),
        # Django reports the validators' verdict on the repeated field.
        ({"old_password": PASSWORD, "new_password1": "short-pw", "new_password2": "short-pw"}, "2"),
        ({"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}, "2"),
        (
            {
                "old_password": PASSWORD,
                "new_password1": "password1234",
                "new_password2": "password1234",
            },
            "2",
        ),
    ],
)
def test_a_refused_change_is_422_naming_the_field(org, data, field):
    user = org.users["analyst"]
    client = _signed_in(user)

    response = client.post(reverse("accounts:password-change"), data)

    assert response.status_code == 422
    name = {"old": "old_password", "1": "new_password1", "2": "new_password2"}[field]
    assert name in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_page_is_bilingual_and_linked_from_the_user_menu(org):
    zh = _signed_in(org.users["agent"])
    en = _signed_in(org.users["agent"], HTTP_ACCEPT_LANGUAGE="en")

    home = zh.get(reverse("core:home")).content.decode()
    assert 'data-testid="password-change-link"' in home
    assert "修改密码" in zh.get(reverse("accounts:password-change")).content.decode()
    english = en.get(reverse("accounts:password-change")).content.decode()
    assert "Change password" in english and "Current password" in english


def test_anonymous_visitors_are_sent_to_log_in(db):
    response = Client().get(reverse("accounts:password-change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
