"""Survey invitations in the customer's language (issue 15, item 4), whoever sends the wave."""

from __future__ import annotations

import json

from django.utils import translation
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.customers.models import Customer
from qiwang.surveys.services import send_reminders, send_wave


def _outbox(directory):
    return {
        line["to"] + "|" + line["text"]
        for path in sorted(directory.iterdir())
        for line in map(json.loads, path.read_text("utf-8").splitlines())
    }


def test_each_customer_is_invited_in_their_language(
    org, quality, community_customers, settings, tmp_path
):
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    settings.QIWANG_SMS_DIR = str(tmp_path)
    english, chinese = community_customers["own"][:2]
    Customer.objects.filter(pk=english.pk).update(language="en", phone="+8613900000001")
    Customer.objects.filter(pk=chinese.pk).update(phone="+8613900000002")
    Customer.objects.filter(branch=org.own).exclude(pk__in=[english.pk, chinese.pk]).update(
        phone=""
    )
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, channel="sms")

    with translation.override("en"):  # the sender reads English
        send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
        deliver_queued()
    with translation.override("zh-hans"):  # the reminder is sent from a Chinese page
        send_reminders(actor=quality, wave=wave, base_url="https://survey.example.cn")
        deliver_queued()

    sent = _outbox(tmp_path)
    to_english = sorted(text for text in sent if text.startswith("+8613900000001|"))
    to_chinese = sorted(text for text in sent if text.startswith("+8613900000002|"))
    assert len(to_english) == len(to_chinese) == 2
    assert all("invites you to a short survey" in text for text in to_english)
    assert any("|Reminder: " in text for text in to_english)
    assert not any("邀请" in text for text in to_english)
    assert all("邀请" in text for text in to_chinese), to_chinese
