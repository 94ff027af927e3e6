"""Fixtures for the complaints tests: the calendar, categories and a complaint factory."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Friday before the 2026 Spring Festival holiday, 17:00 in Shanghai.
FRIDAY_17 = datetime.datetime(2026, 2, 13, 17, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def setup(db):
    """The calendar and the default categories (a transactional test may have flushed them)."""
    from django.core.management import call_command  # noqa: F401

    from qiwang.accounts.calendar_services import seed_calendar_from_library
    from qiwang.complaints.models import Category

    seed_calendar_from_library()
    if not Category.objects.exists():
        from importlib import import_module

        from django.apps import apps

        import_module("qiwang.complaints.migrations.0002_defaults").seed(apps, None)
    return {category.code: category for category in Category.objects.all()}


@pytest.fixture
def make_complaint(org, setup):
    from qiwang.complaints.services.intake import open_complaint

    def make(**extra):
        values = {
            "branch": org.own,
            "category": setup["repair"],
            "description": "楼道灯坏了一周没人修",
            "channel": "phone",
            "actor": org.users["agent"],
            "received_at": FRIDAY_17,
        }
        values.update(extra)
        return open_complaint(**values)

    return make
