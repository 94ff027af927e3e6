"""Every user-facing string is translatable and translated: zh-hans complete, English complete."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

SRC = Path(__file__).resolve().parents[2] / "src" / "qiwang"
ZH = SRC / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_chinese_entry_is_translated_and_not_fuzzy():
    catalogue = polib.pofile(str(ZH))

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    assert untranslated == []
    assert fuzzy == []


def test_placeholders_survive_translation():
    pattern = re.compile(r"%\(\w+\)s|%s")
    for entry in polib.pofile(str(ZH)):
        if entry.msgstr:
            assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), (
                entry.msgid
            )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) not installed")
def test_catalogue_covers_every_marked_string(tmp_path):
    copy = tmp_path / "qiwang"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__", "vendor"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            "analysis/*",
            "--ignore",
            "cli/analyze/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    fresh = {
        entry.msgid for entry in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
    }
    committed = {entry.msgid for entry in polib.pofile(str(ZH))}

    assert fresh - committed == set(), "run `make messages` and translate the new strings"


def test_pages_default_to_chinese(db):
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert "登录期望系统" in response.content.decode()


def test_english_is_served_on_request(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/")

    assert "Log in to Qiwang" in response.content.decode()


def test_model_choices_translate():
    from qiwang.customers.choices import Tier

    with translation.override("zh-hans"):
        assert [str(label) for label in Tier.labels] == ["VIP", "重要", "质优", "通用"]
