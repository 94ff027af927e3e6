"""Every generated text in the reader's language (issue 15): reasons and explanations are stored
as codes and parameters and rendered when read; no raw codes or internal references on pages."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import polib
import pytest
from django.utils import translation
from tests.conftest import PASSWORD
from tests.project.test_i18n import ZH

from qiwang.customers.choices import TaskKind
from qiwang.customers.models import ContactTask, Occasion, TierChange
from qiwang.customers.services import allocate_shortage
from qiwang.customers.services.relationship import record_referral
from qiwang.customers.services.tiers import suggest_tiers
from qiwang.customers.texts import render_text


def _allocate(org, team, book):
    with translation.override("zh-hans"):  # written by a job or a Chinese-speaking manager
        return allocate_shortage(
            actor=team["manager"],
            branch=org.own,
            product="充电车位",
            available=30,
            requests=[(book["vip"], 40), (book["important"], 20)],
        )


def test_a_sourcing_task_reads_in_each_readers_language(org, team, book):
    _allocate(org, team, book)
    task = ContactTask.objects.get(kind=TaskKind.SOURCING)
    assert (task.note_code, task.note_params) == ("sourcing", {"units": 10, "product": "充电车位"})
    with translation.override("en"):
        assert task.note_text == "Short by 10 of 充电车位: help them source elsewhere."
    with translation.override("zh-hans"):
        assert "充电车位" in task.note_text and "Short" not in task.note_text


def test_the_allocation_explanation_follows_the_reader(client, org, team, book):
    allocation = _allocate(org, team, book)
    client.login(username=team["manager"].username, password=PASSWORD)
    english = client.get(
        f"/customers/allocations/{allocation.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Order of service" in english
    api = client.get(f"/api/maintenance/allocations/{allocation.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert api.json()["explanation"].startswith("Order of service")


def test_a_referral_task_reads_in_english(org, team, book):
    with translation.override("zh-hans"):
        record_referral(
            actor=team["manager"], referrer=book["vip"], referred=book["general"], note=""
        )
    task = ContactTask.objects.get(kind=TaskKind.REFERRAL)
    with translation.override("en"):
        assert task.note_text.startswith("Thank ")


def test_tier_suggestion_reasons_follow_the_reader(client, org, team, book):
    type(book["vip"]).objects.filter(pk=book["general"].pk).update(revenue=Decimal(900000))
    with translation.override("zh-hans"):
        suggest_tiers(branch_ids=[org.own.pk])
    change = TierChange.objects.filter(status="suggested").first()
    assert change is not None
    with translation.override("en"):
        assert re.search(r"revenue|orders", change.reason_text)
    with translation.override("zh-hans"):
        assert not re.search(r"revenue|orders", change.reason_text)


def test_unknown_codes_fall_back_to_the_stored_text():
    assert render_text("no-such-code", {"x": 1}, "stored") == "stored"
    assert render_text("sourcing", {"wrong": 1}, "stored") == "stored"


# --- pages: no raw choice codes, no internal references, no untranslated strings ---------------

RAW_CODES = re.compile(
    r"\b(high_quality|b2b_supplier|public_holiday|product_launch|sales_rise|follow_up|"
    r"yes_no|vip, important)\b"
)


def _visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _chinese_interface_strings() -> set[str]:
    """The catalogue's Chinese texts (4+ characters): on an English page they mean a string
    that missed translation or was stored in the author's language."""
    return {
        entry.msgstr
        for entry in polib.pofile(str(ZH))
        if entry.msgstr
        and len(entry.msgstr) >= 4
        and entry.msgstr != "简体中文"
        and re.fullmatch(r"[\u4e00-\u9fff]+", entry.msgstr)
    }


PAGES = [
    "/customers/my-day/",
    "/customers/plans/",
    "/customers/plans/?industry=property",
    "/customers/tiers/",
    "/customers/occasions/",
    "/customers/allocations/",
    "/customers/calendar/",
    "/customers/reports/monthly/",
    "/customers/",
    "/customers/{}/",
]


@pytest.mark.parametrize("role", ["account_manager", "quality_manager"])
def test_pages_show_no_raw_codes_and_english_pages_no_chinese_interface_text(
    client, org, team, book, role
):
    _allocate(org, team, book)
    Occasion.objects.create(
        kind="product_launch",
        date=datetime.date(2026, 12, 20),
        name="邻里节",
        tiers=["vip", "important"],
    )
    with translation.override("zh-hans"):
        record_referral(
            actor=team["manager"], referrer=book["vip"], referred=book["general"], note=""
        )
    client.login(username=org.users[role].username, password=PASSWORD)
    chinese = _chinese_interface_strings()
    for url in PAGES:
        url = url.format(book["vip"].pk)
        for language in ("zh-hans", "en"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            if response.status_code in (403, 404):
                continue
            assert response.status_code == 200, (url, response.status_code)
            text = _visible_text(response.content.decode())
            assert not RAW_CODES.search(text), (url, language, RAW_CODES.search(text))
            assert "DOMAIN" not in text and "§" not in text, (url, language)
            if language == "en":
                leaked = sorted(s for s in chinese if s in text)
                assert leaked == [], (url, leaked)
