"""Multi-factor authentication: TOTP against RFC 6238, enrolment, the second log-in step, recovery
codes, the role policy, lockout and the administrator's reset (issue 10, ASVS 2.7 / 2.8)."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import PASSWORD

from qiwang.accounts import mfa, signin
from qiwang.accounts.models import AuditEvent, MfaDevice, RecoveryCode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _superuser_admin(org):
    # The Django admin's model pages need model permissions: the administrator is a superuser.
    admin = org.users["administrator"]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])


# RFC 6238 appendix B: the seeds (ASCII) and the 8-digit codes at each time, per hash function.
RFC_SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC_VECTORS = [
    (59, {"sha1": "94287082", "sha256": "46119246", "sha512": "90693936"}),
    (1111111109, {"sha1": "07081804", "sha256": "68084774", "sha512": "25091201"}),
    (1111111111, {"sha1": "14050471", "sha256": "67062674", "sha512": "99943326"}),
    (1234567890, {"sha1": "89005924", "sha256": "91819424", "sha512": "93441116"}),
    (2000000000, {"sha1": "69279037", "sha256": "90698825", "sha512": "38618901"}),
    (20000000000, {"sha1": "65353130", "sha256": "77737706", "sha512": "47863826"}),
]
RFC_SECRET = base64.b32encode(RFC_SEEDS["sha1"]).decode()


@pytest.mark.parametrize(("moment", "codes"), RFC_VECTORS)
@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
def test_the_totp_library_matches_rfc_6238_appendix_b(moment, codes, algorithm):
    secret = base64.b32encode(RFC_SEEDS[algorithm]).decode()
    totp = pyotp.TOTP(secret, digits=8, digest=getattr(hashlib, algorithm))

    assert totp.at(moment) == codes[algorithm]


@pytest.mark.parametrize(("moment", "codes"), RFC_VECTORS)
def test_our_six_digit_codes_are_the_rfc_codes_truncated(org, moment, codes):
    # RFC 4226 §5.3: a d-digit code is the truncated value mod 10^d, so our 6-digit code at each
    # time is the last six digits of the RFC's 8-digit SHA-1 code.
    assert mfa.code_at(RFC_SECRET, moment) == codes["sha1"][-6:]
    user = org.users["analyst"]
    MfaDevice.objects.create(user=user, secret=RFC_SECRET, confirmed_at="2026-01-01T00:00Z")

    assert mfa.verify(user, codes["sha1"][-6:], now=moment) is not None
    assert mfa.verify(user, codes["sha1"][-6:], now=moment) is None  # the same code, once only


def test_drift_of_one_step_is_accepted_and_two_are_not(org):
    user = org.users["analyst"]
    MfaDevice.objects.create(user=user, secret=RFC_SECRET, confirmed_at="2026-01-01T00:00Z")
    now = 1_800_000_000

    assert mfa.verify(user, mfa.code_at(RFC_SECRET, now - 60), now=now) is None
    assert mfa.verify(user, mfa.code_at(RFC_SECRET, now - 30), now=now) is not None
    assert mfa.verify(user, "12345", now=now) is None
    assert mfa.verify(user, "abcdef", now=now) is None


def _log_in(client, username, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password, **extra}
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _enrol(client, user) -> list[str]:
    """Set up two-factor authentication through the pages, as a signed-in user."""
    page = client.get(reverse("accounts:mfa-setup"))
    assert page.status_code == 200
    secret = MfaDevice.objects.get(user=user).secret
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page.content.decode()
    wrong = client.post(reverse("accounts:mfa-setup"), {"code": "000000"})
    assert wrong.status_code == 422
    done = client.post(reverse("accounts:mfa-setup"), {"code": mfa.code_at(secret, time.time())})
    assert done.status_code == 200
    return list(done.context["codes"])


def _next_code(user) -> str:
    """A code of the next 30-second step (a step already used is refused: no replay)."""
    device = MfaDevice.objects.get(user=user)
    return mfa.code_at(device.secret, (device.last_step + 1) * 30)


def test_enrolment_shows_a_qr_code_and_recovery_codes_once_stored_hashed(client, org):
    user = org.users["quality_manager"]
    assert _log_in(client, "quality_manager_a").status_code == 302
    qr_before = client.get(reverse("accounts:mfa-qr"))
    assert qr_before.status_code == 404  # nothing being set up yet

    client.get(reverse("accounts:mfa-setup"))
    qr = client.get(reverse("accounts:mfa-qr"))
    codes = _enrol(client, user)

    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml") and b"<svg" in qr.content
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=user).values_list("digest", flat=True))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in digest for code in codes for digest in stored)
    assert mfa.is_enabled(user)
    assert client.get(reverse("accounts:mfa-qr")).status_code == 404  # confirmed: no QR again
    assert AuditEvent.objects.filter(action="mfa_enabled", object_id=str(user.pk)).count() == 1
    page = client.get(reverse("accounts:security")).content.decode()
    assert 'data-testid="mfa-status"' in page and "剩余 10 个恢复码" in page


def test_log_in_asks_for_the_code_after_the_password(client, org):
    user = org.users["quality_manager"]
    _log_in(client, "quality_manager_a")
    _enrol(client, user)
    client.post(reverse("accounts:logout"))

    first = _log_in(client, "quality_manager_a", next="/surveys/")
    assert first.status_code == 302 and first["Location"] == reverse("accounts:login-verify")
    assert not _signed_in(client)
    assert client.get(reverse("core:home")).status_code == 302  # not signed in between the steps
    assert 'data-testid="mfa-verify"' in client.get(first["Location"]).content.decode()

    wrong = client.post(reverse("accounts:login-verify"), {"code": "000000"})
    assert wrong.status_code == 422 and not _signed_in(client)
    assert "代码不正确" in wrong.content.decode()

    right = client.post(reverse("accounts:login-verify"), {"code": _next_code(user)})
    assert right.status_code == 302 and right["Location"] == "/surveys/"
    assert _signed_in(client)
    assert client.get(reverse("core:home")).status_code == 200


def test_a_recovery_code_logs_in_once(client, org):
    user = org.users["agent"]
    _log_in(client, "agent_a")
    codes = _enrol(client, user)
    client.post(reverse("accounts:logout"))

    _log_in(client, "agent_a")
    used = client.post(
        reverse("accounts:login-verify"), {"code": codes[3].upper()}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert used.status_code == 302 and _signed_in(client)
    assert mfa.recovery_codes_left(user) == 9
    assert AuditEvent.objects.filter(action="mfa_recovery_code_used").count() == 1

    client.post(reverse("accounts:logout"))
    _log_in(client, "agent_a")
    again = client.post(reverse("accounts:login-verify"), {"code": codes[3]})
    assert again.status_code == 422 and not _signed_in(client)


def test_second_step_failures_count_in_the_username_lockout(client, org, settings):
    settings.QIWANG_LOGIN_FAILURES = 3
    user = org.users["analyst"]
    _log_in(client, "analyst_a")
    _enrol(client, user)
    client.post(reverse("accounts:logout"))

    _log_in(client, "analyst_a")
    client.post(reverse("accounts:login-verify"), {"code": "000000"})
    # A correct password again must not clear the failures of the second step.
    _log_in(client, "analyst_a")
    client.post(reverse("accounts:login-verify"), {"code": "111111"})
    client.post(reverse("accounts:login-verify"), {"code": "222222"})
    locked = client.post(reverse("accounts:login-verify"), {"code": _next_code(user)})

    assert locked.status_code == 429 and not _signed_in(client)
    assert _log_in(client, "analyst_a").status_code == 429  # the password step is locked too
    reasons = [e.changes["reason"] for e in AuditEvent.objects.filter(action="login_failed")]
    assert reasons.count("mfa_failed") == 3 and "locked" in reasons


def test_the_waiting_step_expires(client, org):
    user = org.users["analyst"]
    _log_in(client, "analyst_a")
    _enrol(client, user)
    client.post(reverse("accounts:logout"))
    _log_in(client, "analyst_a")
    session = client.session
    session[signin.PENDING_KEY]["at"] -= signin.PENDING_SECONDS + 1
    session.save()

    response = client.post(reverse("accounts:login-verify"), {"code": _next_code(user)})

    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not _signed_in(client)


def test_by_default_nobody_needs_a_second_factor(client, org, settings):
    assert settings.QIWANG_MFA_REQUIRED_ROLES == []  # test and demo modes

    response = _log_in(client, "admin")

    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert _signed_in(client)


def test_a_required_role_sets_it_up_during_log_in(client, org, settings):
    settings.QIWANG_MFA_REQUIRED_ROLES = ["administrator"]
    admin = org.users["administrator"]

    assert _log_in(Client(), "analyst_a").status_code == 302  # other roles: password only
    first = _log_in(client, "admin")
    assert first["Location"] == reverse("accounts:login-verify") and not _signed_in(client)
    page = client.get(first["Location"]).content.decode()
    assert 'data-testid="mfa-qr"' in page
    qr = client.get(reverse("accounts:mfa-qr"))
    assert qr.status_code == 200 and b"<svg" in qr.content
    secret = MfaDevice.objects.get(user=admin).secret

    done = client.post(reverse("accounts:login-verify"), {"code": mfa.code_at(secret, time.time())})

    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert _signed_in(client) and mfa.is_enabled(admin)
    refused = client.post(reverse("accounts:mfa-disable"), {"code": _next_code(admin)})
    assert refused.status_code == 302 and mfa.is_enabled(admin)  # the role requires it


def test_the_admin_site_login_goes_through_the_two_steps(client, org):
    response = client.get("/admin/login/?next=/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_the_user_turns_it_off_with_a_code(client, org):
    user = org.users["analyst"]
    _log_in(client, "analyst_a")
    _enrol(client, user)

    client.post(reverse("accounts:mfa-disable"), {"code": "000000"})
    assert mfa.is_enabled(user)
    client.post(reverse("accounts:mfa-disable"), {"code": _next_code(user)})
    assert not mfa.is_enabled(user) and not RecoveryCode.objects.filter(user=user).exists()


def test_new_recovery_codes_replace_the_old_ones(client, org):
    user = org.users["analyst"]
    _log_in(client, "analyst_a")
    old = _enrol(client, user)

    response = client.post(reverse("accounts:mfa-recovery-codes"), {"code": _next_code(user)})

    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert mfa.verify(user, old[0]) is None
    assert mfa.verify(user, new[0]) is not None


def test_an_administrator_resets_a_lost_device_with_confirmation(client, org):
    user = org.users["agent"]
    user_client = Client()
    _log_in(user_client, "agent_a")
    _enrol(user_client, user)
    admin = Client()
    _log_in(admin, "admin")
    changelist = reverse("admin:accounts_user_changelist")
    form = {"action": "reset_mfa", "_selected_action": [user.pk]}

    asked = admin.post(changelist, form)
    assert (
        asked.status_code == 200 and 'data-testid="admin-confirm-action"' in asked.content.decode()
    )
    assert mfa.is_enabled(user)  # nothing happens before the confirmation

    done = admin.post(changelist, {**form, "confirmed": "yes"})

    assert done.status_code == 302
    assert not MfaDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="mfa_reset")
    assert event.actor == org.users["administrator"] and event.object_id == str(user.pk)
    assert user_client.get(reverse("core:home")).status_code == 302  # their sessions ended
    assert _log_in(Client(), "agent_a")["Location"] == reverse("core:home")  # password only now


def test_only_administrators_reset(org):
    with pytest.raises(mfa.MfaError):
        mfa.admin_reset(org.users["agent"], actor=org.users["quality_manager"])


def test_nothing_secret_lands_in_the_audit_log(client, org):
    user = org.users["analyst"]
    _log_in(client, "analyst_a")
    codes = _enrol(client, user)
    client.post(reverse("accounts:logout"))
    _log_in(client, "analyst_a")
    client.post(reverse("accounts:login-verify"), {"code": "999999"})
    client.post(reverse("accounts:login-verify"), {"code": codes[0]})

    dump = json.dumps(list(AuditEvent.objects.values()), default=str)
    secret = MfaDevice.objects.get(user=user).secret
    assert PASSWORD not in dump and secret not in dump
    assert "999999" not in dump and codes[0] not in dump
