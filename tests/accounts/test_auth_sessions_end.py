"""Sign out everywhere: the user's own button and an administrator's action, with confirmation,
audited (issue 10, ASVS 3.3.4)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from tests.conftest import PASSWORD

from qiwang.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _superuser_admin(org):
    # The Django admin's model pages need model permissions: the administrator is a superuser.
    admin = org.users["administrator"]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])


def _signed_in_client(username):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _home(client) -> int:
    return client.get(reverse("core:home")).status_code


def test_the_user_ends_every_other_session_after_confirming(org):
    here = _signed_in_client("analyst_a")
    phone = _signed_in_client("analyst_a")
    someone_else = _signed_in_client("agent_a")

    asked = here.get(reverse("accounts:sessions-end"))
    assert asked.status_code == 200
    assert 'data-testid="sessions-end-confirm"' in asked.content.decode()
    assert _home(phone) == 200  # asking changes nothing

    done = here.post(reverse("accounts:sessions-end"))

    assert done.status_code == 302 and done["Location"] == reverse("accounts:security")
    assert _home(here) == 200  # this session stays
    assert _home(phone) == 302  # the other one is signed out
    assert _home(someone_else) == 200
    event = AuditEvent.objects.get(action="sessions_ended")
    assert event.actor == org.users["analyst"] and event.changes == {"by_administrator": False}
    assert _home(_signed_in_client("analyst_a")) == 200  # logging in again works


def test_an_administrator_signs_another_user_out_everywhere(org):
    agent = _signed_in_client("agent_a")
    admin = _signed_in_client("admin")
    changelist = reverse("admin:accounts_user_changelist")
    form = {"action": "end_sessions", "_selected_action": [org.users["agent"].pk]}

    asked = admin.post(changelist, form)
    assert 'data-testid="admin-confirm-action"' in asked.content.decode()
    assert _home(agent) == 200

    admin.post(changelist, {**form, "confirmed": "yes"})

    assert _home(agent) == 302
    assert _home(admin) == 200
    event = AuditEvent.objects.get(action="sessions_ended")
    assert event.actor == org.users["administrator"] and event.changes == {"by_administrator": True}


def test_an_administrator_ending_their_own_sessions_keeps_this_one(org):
    admin = _signed_in_client("admin")
    other = _signed_in_client("admin")

    admin.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "end_sessions",
            "_selected_action": [org.users["administrator"].pk],
            "confirmed": "yes",
        },
    )

    assert _home(admin) == 200 and _home(other) == 302


def test_others_may_not_use_the_admin_action(org):
    quality = _signed_in_client("quality_manager_a")
    agent = _signed_in_client("agent_a")

    response = quality.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "end_sessions", "_selected_action": [org.users["agent"].pk], "confirmed": "yes"},
    )

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert _home(agent) == 200
    assert not AuditEvent.objects.filter(action="sessions_ended").exists()


def test_before_any_sign_out_the_session_hash_is_djangos(org):
    # Sessions that existed before this feature stay valid: with generation 0 the hash is the one
    # Django computes itself.
    user = org.users["analyst"]
    assert user.session_epoch == 0
    assert user.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(user)


def test_a_password_change_still_ends_other_sessions(org):
    here = _signed_in_client("analyst_a")
    other = _signed_in_client("analyst_a")

    here.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-2026",
            "new_password2": "a-much-longer-passphrase-2026",
        },
    )

    assert _home(here) == 200 and _home(other) == 302
