"""Failed log-ins in the audit log: the username tried, the client address and why, never the
password; visible to administrators only (issue 10, ASVS 7.1.3 / 7.2.1)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import PASSWORD

from qiwang.accounts.models import AuditEvent
from qiwang.accounts.services import record_login_failure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _superuser_admin(org):
    # The Django admin's model pages need model permissions: the administrator is a superuser.
    admin = org.users["administrator"]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])


def _log_in(username, password, address="198.51.100.7"):
    return Client(REMOTE_ADDR=address).post(
        reverse("accounts:login"), {"username": username, "password": password}
    )


def test_a_wrong_password_is_recorded_without_the_password(org):
    response = _log_in("agent_a", "Wrong-Secret-2026!")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="login_failed")
    assert event.changes == {
        "username": "agent_a",
        "client_ip": "198.51.100.7",
        "reason": "bad_password",
    }
    assert event.object_id == str(org.users["agent"].pk) and event.branch_id is None
    assert "Wrong-Secret-2026!" not in json.dumps(list(AuditEvent.objects.values()), default=str)


def test_an_unknown_username_is_recorded_too(org):
    _log_in("nobody-here", "whatever-password")

    event = AuditEvent.objects.get(action="login_failed")
    assert event.object_id == "" and event.object_repr == "nobody-here"


def test_a_locked_username_is_recorded_as_locked(org, settings):
    settings.QIWANG_LOGIN_FAILURES = 2
    for _attempt in range(2):
        _log_in("agent_a", "wrong-password-x")

    locked = _log_in("agent_a", PASSWORD)

    assert locked.status_code == 429
    reasons = list(
        AuditEvent.objects.filter(action="login_failed")
        .order_by("pk")
        .values_list("changes__reason", flat=True)
    )
    assert reasons == ["bad_password", "bad_password", "locked"]


def test_the_address_comes_from_a_trusted_proxy_only(org, settings):
    def attempt():
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50").post(
            reverse("accounts:login"), {"username": "agent_a", "password": "wrong"}
        )

    settings.QIWANG_TRUSTED_PROXIES = 0
    attempt()  # no proxy trusted: the forged header is ignored
    settings.QIWANG_TRUSTED_PROXIES = 1
    attempt()

    addresses = list(
        AuditEvent.objects.filter(action="login_failed")
        .order_by("pk")
        .values_list("changes__client_ip", flat=True)
    )
    assert addresses == ["10.0.0.1", "203.0.113.50"]


def test_a_successful_log_in_records_no_failure(org):
    assert _log_in("agent_a", PASSWORD).status_code == 302
    assert not AuditEvent.objects.filter(action="login_failed").exists()


def test_administrators_see_failed_log_ins_and_branch_managers_do_not(org):
    _log_in("agent_a", "wrong-password-y")
    admin = Client()
    admin.force_login(org.users["administrator"])
    quality = Client()
    quality.force_login(org.users["quality_manager"])

    seen = admin.get("/api/audit-events?object_type=accounts.user").json()["items"]
    hidden = quality.get("/api/audit-events?object_type=accounts.user").json()["items"]

    assert [e["action"] for e in seen] == ["login_failed"]
    assert seen[0]["changes"]["reason"] == "bad_password"
    assert hidden == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Failed log-in from 198.51.100.7: wrong username or password"),
        ("zh-hans", "来自 198.51.100.7 的登录失败：用户名或密码错误"),
    ],
)
def test_the_admin_list_explains_each_failure_in_the_readers_language(org, language, text):
    _log_in("agent_a", "wrong-password-z")
    admin = Client()
    admin.force_login(org.users["administrator"])

    page = admin.get(
        reverse("admin:accounts_auditevent_changelist") + "?action=login_failed",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert page.status_code == 200
    assert text in page.content.decode()


def test_an_unknown_reason_is_refused(org):
    with pytest.raises(ValueError, match="reason"):
        record_login_failure(username="x", client_ip="192.0.2.1", reason="other")
