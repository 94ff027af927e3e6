"""Behind a reverse proxy the access log and the metrics allow-list see the customer's address
(``X-Forwarded-For`` read through exactly ``QIWANG_TRUSTED_PROXIES`` hops), and a client that
sends the header itself without a trusted proxy changes nothing; ``qiwang jobs`` on a database
nobody has migrated yet answers one sentence and exit code 2."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from django.test import Client
from tests.operations.test_ops_scheduler import ROOT, _env


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_log():
    handler = Records()
    logger = logging.getLogger("qiwang.access")
    logger.addHandler(handler)
    level = logger.level
    # setLevel, not an assignment: it clears logging's isEnabledFor cache, which an earlier test
    # may have filled with "INFO is off" for this logger.
    logger.setLevel(logging.INFO)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),  # nginx appended the customer's address
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the customer's own header is not read
        (0, "198.51.100.7", "10.0.0.2"),  # no trusted proxy: the header is the client's claim
        (2, "198.51.100.7", "10.0.0.2"),  # fewer hops than proxies: the socket address
    ],
)
def test_the_access_log_records_the_address_the_trusted_proxy_saw(
    db, settings, access_log, proxies, forwarded, expected
):
    settings.QIWANG_TRUSTED_PROXIES = proxies

    Client().get("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    [record] = [r for r in access_log if getattr(r, "path", "") == "/accounts/login/"]
    assert record.client == expected  # type: ignore[attr-defined]


def test_metrics_allow_the_address_behind_the_proxy_and_refuse_a_forged_header(db, settings):
    settings.QIWANG_METRICS_ALLOW = ["192.0.2.0/24"]
    settings.QIWANG_METRICS_TOKEN = ""
    client = Client()

    settings.QIWANG_TRUSTED_PROXIES = 1
    through_proxy = client.get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.5")
    outsider = client.get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    forged = client.get(
        "/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.5, 203.0.113.5"
    )
    settings.QIWANG_TRUSTED_PROXIES = 0
    no_proxy = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.5")

    assert through_proxy.status_code == 200
    assert outsider.status_code == 403
    assert forged.status_code == 403
    assert no_proxy.status_code == 403


@pytest.mark.parametrize("command", [["jobs"], ["jobs", "tick"], ["jobs", "run", "surveys.fold"]])
def test_jobs_on_a_database_never_migrated_is_one_sentence_and_exit_2(tmp_path, command):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    env = {**_env(url, tmp_path), "QIWANG_LANGUAGE": "en"}

    done = subprocess.run(
        [sys.executable, "-m", "qiwang", *command, "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    error = json.loads(done.stderr)
    assert error["code"] == 2
    assert error["error"].startswith("the database has no Qiwang tables yet")
    assert done.stdout == ""


def test_the_access_log_never_holds_a_survey_links_token(db, access_log):
    """A link token answers a survey as its customer: the log keeps four characters of it."""
    token = "Zr8Kp2Wq7Xm4Ln9Bv3Ct"

    Client().get(f"/s/{token}/?lang=en")
    Client().get(f"/s/{token}/wechat/?code=061abcDEF&state=st4te")

    lines = [record.getMessage() for record in access_log]
    paths = [getattr(record, "path", "") for record in access_log]
    assert any("/s/Zr8K***/" in line for line in lines), lines
    assert not any(token in line or "061abcDEF" in line or "st4te" in line for line in lines)
    assert not any(token in path for path in paths), paths
