"""The Official Account's TEMPLATESENDJOBFINISH events → the invitation's delivery state, with
the platform's signature (issue 17, item 5; qiwang.surveys.wechat_events)."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.test import Client
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.surveys.models import Invitation
from qiwang.surveys.services import send_wave

TOKEN = "QiwangEventToken2026"


def _signed(token: str = TOKEN, timestamp: str | None = None, nonce: str = "8421") -> str:
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return f"/hooks/wechat/?signature={signature}&timestamp={timestamp}&nonce={nonce}"


def _event(msgid: str, status: str) -> bytes:
    return (
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>"
        "<FromUserName><![CDATA[oia2TjuEGTNoeX76QEjQNrcURxG8]]></FromUserName>"
        "<CreateTime>1765000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"
        f"<MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status></xml>"
    ).encode()


@pytest.fixture
def invitations(org, quality, community_customers, settings, tmp_path):
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    settings.QIWANG_SMS_DIR = str(tmp_path)
    settings.QIWANG_WECHAT_EVENT_TOKEN = TOKEN
    wave = make_wave(
        quality, make_instrument(quality, org.own), org.own, channel="sms", sample_size=3
    )
    send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
    rows = list(Invitation.objects.filter(wave=wave).order_by("pk"))
    for n, row in enumerate(rows):
        row.provider_message_id = str(200163836 + n)
    Invitation.objects.bulk_update(rows, ["provider_message_id"])
    return rows


def test_the_server_url_check_echoes_with_a_right_signature_only(invitations):
    client = Client()
    assert client.get(_signed() + "&echostr=5837397520").content == b"5837397520"
    assert client.get(_signed(token="wrong") + "&echostr=1").status_code == 403
    assert client.get("/hooks/wechat/?echostr=1").status_code == 403


def test_template_events_set_delivered_bounced_and_failed_once(invitations):
    client = Client()
    for n, status in enumerate(["success", "failed:user block", "failed: system failed"]):
        answer = client.post(
            _signed(), data=_event(str(200163836 + n), status), content_type="text/xml"
        )
        assert (answer.status_code, answer.content) == (200, b"success")
    states = [
        (row.delivery_status, row.delivery_error, row.delivered_at.timestamp())
        for row in Invitation.objects.filter(pk__in=[r.pk for r in invitations]).order_by("pk")
    ]
    assert states == [
        ("delivered", "", 1765000000),
        ("bounced", "failed:user block", 1765000000),
        ("failed", "failed: system failed", 1765000000),
    ]
    # the same event again, an unknown msgid and other events change nothing
    client.post(_signed(), data=_event("200163836", "success"), content_type="text/xml")
    client.post(_signed(), data=_event("999", "success"), content_type="text/xml")
    subscribe = b"<xml><MsgType>event</MsgType><Event>subscribe</Event></xml>"
    assert client.post(_signed(), data=subscribe, content_type="text/xml").content == b"success"
    assert Invitation.objects.filter(delivery_status="delivered").count() == 1


def test_a_wrong_signature_and_bad_bodies_change_nothing(invitations):
    client = Client()
    forged = client.post(
        _signed(token="guess"), data=_event("200163836", "success"), content_type="text/xml"
    )
    assert forged.status_code == 403
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml>&a;</xml>'
    for body, expected in [
        (b"not xml", "not XML"),
        (bomb, "a DOCTYPE or an entity is not accepted"),
        (b"<root/>", "the root element is not <xml>"),
        (_event("abc", "success"), "no numeric MsgID"),
    ]:
        answer = client.post(_signed(), data=body, content_type="text/xml")
        assert answer.status_code == 400
        assert expected in answer.content.decode()
    assert not Invitation.objects.exclude(delivery_status="").exists()


def test_the_hook_does_not_exist_without_a_token(invitations, settings):
    settings.QIWANG_WECHAT_EVENT_TOKEN = ""
    answer = Client().post(_signed(), data=_event("200163836", "success"), content_type="text/xml")
    assert answer.status_code == 404


def test_a_captured_request_cannot_be_replayed_later(invitations):
    """Rightly signed, but with a timestamp ten minutes old (or none): refused, nothing changes."""
    client = Client()
    stale = _signed(timestamp=str(int(time.time()) - 600))
    garbage = _signed(timestamp="soon")

    for url in (stale, garbage):
        answer = client.post(url, data=_event("200163836", "success"), content_type="text/xml")
        assert answer.status_code == 403
    assert client.get(stale + "&echostr=1").status_code == 403
    assert not Invitation.objects.filter(delivery_status="delivered").exists()
    fresh = client.post(_signed(), data=_event("200163836", "success"), content_type="text/xml")
    assert fresh.status_code == 200
    assert Invitation.objects.filter(delivery_status="delivered").count() == 1
