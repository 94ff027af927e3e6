"""TLS settings from the environment and Secure cookies in production (issue 10, ASVS 3.4, 9.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.project import config

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps("
    "{n: getattr(s, n) for n in ('SECURE_PROXY_SSL_HEADER', 'SECURE_SSL_REDIRECT', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE')}))"
)


def _settings(tmp_path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("QIWANG_", "SECURE_")) and key not in {"DATABASE_URL", "DEBUG"}
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "qiwang.project.settings",
            "QIWANG_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 40,
            **env,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_secure_cookies_and_no_hsts(tmp_path):
    values = _settings(tmp_path, QIWANG_ENV="production")

    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_production_tls_settings_come_from_the_environment(tmp_path):
    values = _settings(
        tmp_path,
        QIWANG_ENV="production",
        QIWANG_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
        QIWANG_SSL_REDIRECT="yes",
        QIWANG_HSTS_SECONDS="31536000",
        QIWANG_HSTS_INCLUDE_SUBDOMAINS="1",
        QIWANG_HSTS_PRELOAD="true",
    )

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True


def test_cookies_are_not_secure_outside_production(tmp_path):
    values = _settings(tmp_path, QIWANG_ENV="development")

    assert values["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("X-Forwarded-Proto: https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("  x-forwarded-ssl:on ", ("HTTP_X_FORWARDED_SSL", "on")),
        ("", None),
    ],
)
def test_proxy_header_parsing(monkeypatch, raw, expected):
    monkeypatch.setenv("QIWANG_PROXY_SSL_HEADER", raw)

    assert config.env_proxy_ssl_header("QIWANG_PROXY_SSL_HEADER") == expected


@pytest.mark.parametrize("raw", ["https", "X Forwarded: https", "X-Forwarded-Proto:", ": https"])
def test_a_malformed_proxy_header_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("QIWANG_PROXY_SSL_HEADER", raw)

    with pytest.raises(ImproperlyConfigured, match="QIWANG_PROXY_SSL_HEADER="):
        config.env_proxy_ssl_header("QIWANG_PROXY_SSL_HEADER")


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("QIWANG_HSTS_SECONDS", "-1"),
        ("QIWANG_HSTS_SECONDS", "forever"),
        ("QIWANG_HSTS_SECONDS", "99999999999"),
        ("QIWANG_SSL_REDIRECT", "maybe"),
        ("QIWANG_SESSION_IDLE_MINUTES", "0"),
        ("QIWANG_SESSION_MAX_HOURS", "a day"),
        ("QIWANG_API_TOKEN_DAYS", "0"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, name, raw):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QIWANG_")}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "qiwang.project.settings",
            "QIWANG_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 40,
            "QIWANG_ENV": "production",
            name: raw,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert f"{name}=" in result.stderr


@pytest.mark.django_db
def test_behind_the_proxy_the_request_is_https(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600

    response = client.get(reverse("accounts:login"), headers={"X-Forwarded-Proto": "https"})

    assert response.wsgi_request.is_secure()
    assert response["Strict-Transport-Security"] == "max-age=3600"


@pytest.mark.django_db
def test_the_open_link_cookie_is_secure_in_production(org, settings):
    from qiwang.surveys.services import open_link_token, send_wave

    settings.SESSION_COOKIE_SECURE = True
    quality = org.users["quality_manager"]
    wave = make_wave(
        quality, make_instrument(quality, org.own, "csat_pulse"), org.own, allows_open_link=True
    )
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    link = reverse("survey_public:open", args=[wave.pk, open_link_token(wave)])

    response = Client().get(link, secure=True)

    cookies = [morsel for morsel in response.cookies.values() if morsel.key.startswith("qw")]
    assert response.status_code == 200
    assert cookies and all(morsel["secure"] for morsel in cookies)
