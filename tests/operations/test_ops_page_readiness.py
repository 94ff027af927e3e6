"""The operations page says what each readiness check found in a sentence of the reader's
language (``/health/ready`` keeps its JSON); nothing is shown as a Python ``repr``."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from qiwang.operations.readiness_text import describe


def _check_row(html: str, name: str) -> str:
    match = re.search(rf'<tr data-check="{name}">(.*?)</tr>', html, re.S)
    assert match, name
    return " ".join(match.group(1).split())


@pytest.mark.parametrize(
    ("language", "queue_text", "state"),
    [("en", "1 task due", "failed"), ("zh-hans", "1 个任务到期", "失败")],
)
def test_checks_are_sentences_in_the_readers_language(org, settings, language, queue_text, state):
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.scheduler import JOBS, tick

    settings.QIWANG_READY_QUEUE_LAG_SECONDS = 60
    tick(jobs=[JOBS["surveys.fold"]])  # one real task row, then made ten minutes old: a lag
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=10))
    client = Client()
    client.force_login(org.users["administrator"])
    client.cookies["django_language"] = language

    html = client.get("/operations/jobs/").content.decode()

    queue = _check_row(html, "queue_lag")
    assert queue_text in queue and state in queue
    assert ("10 min" if language == "en" else "10 分钟") in queue
    assert "{'" not in html and "None" not in html and "False" not in html
    database = _check_row(html, "database")
    assert "SQLite" in database or "PostgreSQL" in database


def test_an_unknown_check_is_plain_text_and_a_skipped_one_says_why():
    from django.utils import translation

    translation.activate("en")
    assert describe("disk", {"ok": True, "ms": 1.0, "free": [{"mount": "/", "gb": 3}]}) == (
        "free: mount /, gb 3"
    )
    assert describe("worker", {"ok": False, "skipped": "database unavailable"}) == (
        "Not run: the database is unavailable."
    )
    assert describe("cache", {"ok": False, "ms": 2, "error": "refused"}) == (
        "The check failed: refused"
    )
    assert "2027" in describe(
        "working_calendar", {"ok": True, "warnings": [{"year": 2027, "reason": "unknown"}]}
    )
