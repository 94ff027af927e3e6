"""Bad configuration stops start-up with one sentence and exit code 2, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

QIWANG = [sys.executable, "-m", "qiwang"]


def _run(args, tmp_path: Path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "QIWANG_ENV", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        {"QIWANG_DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40, "QIWANG_LANGUAGE": "en", **env}
    )
    return subprocess.run(
        [*QIWANG, *args], capture_output=True, text=True, env=environment, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "mysql://nobody@localhost/x"}, "DATABASE_URL="),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "no database name"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL="),
        ({"QIWANG_ENV": "staging"}, "QIWANG_ENV='staging'"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe'"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        (
            {"QIWANG_SURVEY_FOLD_SECONDS": "sixty"},
            "QIWANG_SURVEY_FOLD_SECONDS='sixty' is not a whole number",
        ),
        ({"QIWANG_SURVEY_FOLD_SECONDS": "1"}, "QIWANG_SURVEY_FOLD_SECONDS='1' is below"),
        ({"QIWANG_SURVEY_RATE": "lots"}, "QIWANG_SURVEY_RATE='lots' is not a rate"),
        ({"QIWANG_WEBHOOK_TIMEOUT": "nan"}, "QIWANG_WEBHOOK_TIMEOUT='nan' is not a number"),
        ({"QIWANG_WEB_WORKERS": "0"}, "QIWANG_WEB_WORKERS='0' is below"),
        ({"QIWANG_LOG_FORMAT": "xml"}, "QIWANG_LOG_FORMAT='xml' is not one of text, json"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='loud' is not one of"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus' is not a time zone"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
        ({"QIWANG_SMS_BACKEND": "not a path"}, "QIWANG_SMS_BACKEND='not a path' is not a dotted"),
        (
            {"QIWANG_SMS_BACKEND": "qiwang.customers.channels.tencent.TencentSmsBackend"},
            "TencentSmsBackend also needs QIWANG_SMS_KEY_ID, QIWANG_SMS_KEY_SECRET, "
            "QIWANG_SMS_SIGN_NAME, QIWANG_SMS_APP_ID.",
        ),
        (
            {"QIWANG_SMS_TEMPLATE_INVITATION": "SMS_1:wave,url"},
            "QIWANG_SMS_TEMPLATE_INVITATION='SMS_1:wave,url': write TEMPLATE_CODE",
        ),
        ({"QIWANG_SMS_RECEIPT_TOKEN": "short"}, "QIWANG_SMS_RECEIPT_TOKEN is too short"),
        ({"QIWANG_RATE_SMS": "fast"}, "QIWANG_RATE_SMS='fast' is not a rate"),
        ({"QIWANG_SEND_MAX_ATTEMPTS": "0"}, "QIWANG_SEND_MAX_ATTEMPTS='0' is below"),
        (
            {"QIWANG_SMS_TEMPLATE_INCIDENT": "SMS_1:answer,link"},
            "QIWANG_SMS_TEMPLATE_INCIDENT='SMS_1:answer,link'",
        ),
        (
            {"QIWANG_WECHAT_TEMPLATE_INVITATION": "tpl-1:thing1=wave,time2=url"},
            "QIWANG_WECHAT_TEMPLATE_INVITATION='tpl-1:thing1=wave,time2=url': write TEMPLATE_ID:",
        ),
        (
            {"QIWANG_WECHAT_TEMPLATE_GREETING": "tpl-1", "QIWANG_WECHAT_APP_ID": "wx1"},
            "QIWANG_WECHAT_TEMPLATE_GREETING='tpl-1': write TEMPLATE_ID:",
        ),
        (
            {"QIWANG_WECHAT_APP_ID": "wx0123456789abcdef"},
            "The WeChat Official Account needs both QIWANG_WECHAT_APP_ID and "
            "QIWANG_WECHAT_APP_SECRET.",
        ),
        ({"QIWANG_WECHAT_ENDPOINT": "api.weixin.qq.com"}, "QIWANG_WECHAT_ENDPOINT='api.weixin"),
        ({"QIWANG_WECHAT_EVENT_TOKEN": "a b"}, "QIWANG_WECHAT_EVENT_TOKEN must be 3 to 32"),
        (
            {"QIWANG_WECHAT_OAUTH_ENDPOINT": "open.weixin.qq.com"},
            "QIWANG_WECHAT_OAUTH_ENDPOINT='open.weixin.qq.com' is not a URL",
        ),
        (
            {"QIWANG_WECHAT_COLLECT_OPENID": "maybe"},
            "QIWANG_WECHAT_COLLECT_OPENID='maybe' is not a",
        ),
        ({"QIWANG_WECHAT_OAUTH_RATE": "fast"}, "QIWANG_WECHAT_OAUTH_RATE='fast' is not a rate"),
        (
            {"QIWANG_WECHAT_COLLECT_OPENID": "true"},
            "The WeChat Official Account needs both QIWANG_WECHAT_APP_ID and ",
        ),
        (
            {"QIWANG_FOLLOW_UP_ALERTS": "email,wecom", "QIWANG_WECOM_CORP_ID": "ww1"},
            "WeCom alerts also need QIWANG_WECOM_AGENT_ID, QIWANG_WECOM_SECRET.",
        ),
        ({"QIWANG_WECOM_AGENT_ID": "agent"}, "QIWANG_WECOM_AGENT_ID='agent' is not a whole number"),
        ({"QIWANG_FOLLOW_UP_ALERTS": "pager"}, "use email, sms, wecom or several."),
        ({"QIWANG_METRICS_ALLOW": "10.0.0.300"}, "QIWANG_METRICS_ALLOW: '10.0.0.300' is not an IP"),
        ({"SECRET_KEY_FALLBACKS": "short"}, "SECRET_KEY_FALLBACKS holds a key shorter"),
        ({"QIWANG_CACHE_URL": "memcached://x"}, "QIWANG_CACHE_URL='memcached://x' is not a cache"),
        ({"QIWANG_CACHE_URL": "redis:///0"}, "QIWANG_CACHE_URL='redis:///0' has no host"),
    ],
)
def test_bad_configuration_is_one_sentence_and_exit_code_2(env, expected, tmp_path):
    result = _run(["serve", "--port", "8999"], tmp_path, **env)

    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) <= 3  # one sentence, wrapped by the terminal


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "QIWANG_SURVEY_FOLD_SECONDS='sixty' 不是整数。"),
        ("en", "QIWANG_SURVEY_FOLD_SECONDS='sixty' is not a whole number."),
    ],
)
def test_the_sentence_follows_the_command_line_language(language, expected, tmp_path):
    """Settings are checked before Django can translate; the sentence still follows
    QIWANG_LANGUAGE (qiwang.envlang reads the compiled catalogue)."""
    result = _run(
        ["serve", "--port", "8999"],
        tmp_path,
        QIWANG_SURVEY_FOLD_SECONDS="sixty",
        QIWANG_LANGUAGE=language,
    )

    assert result.returncode == 2
    assert result.stderr.strip() == f"qiwang: {expected}"


def test_unreachable_database_is_named(tmp_path):
    result = _run(
        ["serve", "--port", "8999"],
        tmp_path,
        SECRET_KEY="k" * 40,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/qiwang",
    )

    assert result.returncode == 2
    assert "cannot connect to the database at 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr


def test_short_secret_key_is_refused_in_production(tmp_path):
    result = _run(["serve"], tmp_path, SECRET_KEY="short")

    assert result.returncode == 2
    assert "SECRET_KEY is shorter than 32 characters" in result.stderr


def test_demo_secret_key_is_generated_once_and_kept(tmp_path):
    from qiwang.project import config

    os.environ["QIWANG_DATA_DIR"] = str(tmp_path)
    try:
        first = config.secret_key("demo")
        second = config.secret_key("demo")
    finally:
        del os.environ["QIWANG_DATA_DIR"]

    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_sqlite_default_lives_in_the_data_directory(tmp_path, monkeypatch):
    from qiwang.project import config

    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))

    database = config.database(None)

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "qiwang.sqlite3")
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_postgres_url_is_parsed(tmp_path):
    from qiwang.project import config

    database = config.database("postgres://qw:secret@db.internal:6432/qiwang")

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", 6432, "qiwang")


def test_settings_read_the_environment_only_through_the_typed_helpers():
    # Every variable is typed and checked once, in qiwang.project.config: settings.py itself
    # reads os.environ only for DATABASE_URL (parsed by config.database), QIWANG_CACHE_URL (parsed
    # by config.cache) and the e-mail password.
    import ast

    source = (Path(__file__).resolve().parents[2] / "src/qiwang/project/settings.py").read_text()
    raw = [
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "environ"
    ]
    assert sorted(raw) == ["DATABASE_URL", "EMAIL_HOST_PASSWORD", "QIWANG_CACHE_URL"]


def test_old_secret_keys_keep_open_links_valid_during_a_rotation(db, settings):
    import datetime

    from qiwang.surveys.models import Wave
    from qiwang.surveys.services import check_open_link_token, open_link_token

    wave = Wave(pk=7, created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    wave.allows_open_link = True
    old = "old-key-" + "o" * 40
    printed = open_link_token(wave, secret=old)
    settings.SECRET_KEY = "new-key-" + "n" * 40

    settings.SECRET_KEY_FALLBACKS = []
    assert not check_open_link_token(wave, printed)
    settings.SECRET_KEY_FALLBACKS = [old]
    assert check_open_link_token(wave, printed)
