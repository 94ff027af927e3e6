"""Rate limits (ADR 0012): one bucket per address across every public page, counted in the
database shared by all processes, the address from trusted proxies only, and a lockout per
username after failed log-ins."""

from __future__ import annotations

import pytest
from django.test import Client

from qiwang.accounts.limits import hit, parse_rate, peek
from qiwang.accounts.models import RateCounter

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple-42"


def test_a_bucket_allows_its_limit_per_window_then_refuses_until_the_next():
    now = 1_800_000_000  # a multiple of 60: the start of a minute

    verdicts = [hit("t:1", limit=2, period=60, now=now + second) for second in (0, 1, 2)]
    next_window = hit("t:1", limit=2, period=60, now=now + 60)

    assert [v.allowed for v in verdicts] == [True, True, False]
    assert [v.hits for v in verdicts] == [1, 2, 3]
    assert verdicts[2].retry_after == 58
    assert next_window.allowed and next_window.hits == 1


def test_counts_live_in_one_database_row_per_bucket_and_window():
    for _ in range(3):
        hit("t:row", limit=10, period=3600, now=7200)

    row = RateCounter.objects.get(bucket="t:row")
    assert (row.window_start, row.hits, row.expires) == (7200, 3, 10800)
    assert peek("t:row", limit=3, period=3600, now=7300).allowed is False
    assert peek("t:row", limit=4, period=3600, now=7300).allowed is True


def test_a_rate_is_a_count_per_unit():
    assert parse_rate("120/m") == (120, 60)
    assert parse_rate("5/d") == (5, 86400)
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate("0/m")


def test_all_public_pages_share_one_bucket_per_address(settings):
    settings.QIWANG_PUBLIC_RATE = "4/d"
    client = Client()

    codes = [
        client.get("/s/some-guess/").status_code,
        client.get("/c/co:forged/").status_code,
        client.get("/api/surveys/respond/forged").status_code,
        client.get("/s/o/1/forged/").status_code,
    ]
    page = client.get("/s/another-guess/")
    api = client.get("/api/surveys/respond/forged")

    assert codes == [404, 404, 404, 404]
    assert page.status_code == 429 and 'data-testid="rate-limited"' in page.content.decode()
    assert 0 < int(page["Retry-After"]) <= 86400
    assert api.status_code == 429 and api.json()["code"] == "rate_limited"
    assert int(api["Retry-After"]) > 0


def test_staff_pages_are_not_counted_in_the_public_bucket(settings):
    settings.QIWANG_PUBLIC_RATE = "1/d"
    client = Client()

    codes = [client.get("/accounts/login/").status_code for _ in range(3)]

    assert codes == [200, 200, 200]
    assert not RateCounter.objects.exists()


def test_the_client_address_comes_from_trusted_proxies_only(settings):
    settings.QIWANG_PUBLIC_RATE = "1/d"
    settings.QIWANG_TRUSTED_PROXIES = 0
    # Without a trusted proxy a forged X-Forwarded-For does not buy a new bucket.
    forged = [
        Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").get("/s/guess/").status_code
        for n in range(2)
    ]
    RateCounter.objects.all().delete()
    settings.QIWANG_TRUSTED_PROXIES = 1
    # Behind one proxy, two clients the proxy saw are two addresses.
    proxied = [
        Client(HTTP_X_FORWARDED_FOR=f"spoofed, 198.51.100.{n}").get("/s/guess/").status_code
        for n in range(2)
    ]

    assert forged == [404, 429]
    assert proxied == [404, 404]
    assert sorted(RateCounter.objects.values_list("bucket", flat=True)) == [
        "public:198.51.100.0",
        "public:198.51.100.1",
    ]


def test_the_429_page_speaks_both_languages(settings):
    settings.QIWANG_PUBLIC_RATE = "1/d"
    client = Client()
    client.get("/s/guess/")

    chinese = client.get("/s/guess/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/s/guess/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "请求过于频繁" in chinese
    assert "Too many requests from this address" in english


def _login(username, password, address="192.0.2.1"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def test_a_username_is_locked_after_failed_logins_from_any_address(org, settings):
    settings.QIWANG_LOGIN_FAILURES = 3
    settings.QIWANG_LOGIN_LOCKOUT_SECONDS = 900
    org.users["agent"].set_password(PASSWORD)
    org.users["agent"].save()

    failures = [_login("agent_a", "wrong", f"192.0.2.{n}").status_code for n in range(3)]
    locked = _login("AGENT_A", PASSWORD, "203.0.113.9")
    other = _login("analyst_a", "wrong")

    assert failures == [200, 200, 200]
    assert locked.status_code == 429 and "_auth_user_id" not in locked.client.session
    assert 'data-testid="login-locked"' in locked.content.decode()
    assert 0 < int(locked["Retry-After"]) <= 900
    assert other.status_code == 200


def test_a_successful_login_clears_the_failures(org, settings):
    settings.QIWANG_LOGIN_FAILURES = 2
    org.users["agent"].set_password(PASSWORD)
    org.users["agent"].save()

    first = _login("agent_a", "wrong").status_code
    success = _login("agent_a", PASSWORD).status_code
    again = [_login("agent_a", "wrong").status_code for _ in range(2)]

    assert (first, success) == (200, 302)
    assert again == [200, 200]


def test_the_daily_prune_deletes_ended_windows_only():
    from qiwang.operations.jobs import prune

    hit("t:old", limit=5, period=60, now=60)
    hit("t:new", limit=5, period=86400 * 365 * 100, now=None)

    outcome = prune(slot=None)

    assert outcome["rate_counters"] == 1
    assert list(RateCounter.objects.values_list("bucket", flat=True)) == ["t:new"]
