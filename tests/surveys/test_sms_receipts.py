"""SMS delivery receipts from Alibaba Cloud and Tencent Cloud → the invitation's delivery state."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.operations.middleware import logged_path
from qiwang.surveys.models import Invitation
from qiwang.surveys.services import send_wave

TOKEN = "receipt-secret-0123456789"


@pytest.fixture
def invitations(org, quality, community_customers, settings, tmp_path):
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    settings.QIWANG_SMS_DIR = str(tmp_path)
    settings.QIWANG_SMS_RECEIPT_TOKEN = TOKEN
    wave = make_wave(
        quality, make_instrument(quality, org.own), org.own, channel="sms", sample_size=3
    )
    send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
    deliver_queued()
    rows = list(Invitation.objects.filter(wave=wave).order_by("pk"))
    for n, row in enumerate(rows):
        row.provider_message_id = f"msg-{n}"
    Invitation.objects.bulk_update(rows, ["provider_message_id"])
    return wave, rows


def _post(provider: str, body: object, token: str = TOKEN):
    return Client().post(
        f"/hooks/sms/{provider}/{token}/",
        data=body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False),
        content_type="application/json",
    )


def _aliyun(biz_id: str, success: bool, code: str = "DELIVERED", msg: str = "用户接收成功"):
    return {
        "phone_number": "13812345678",
        "send_time": "2026-12-06 10:00:00",
        "report_time": "2026-12-06 10:00:05",
        "success": success,
        "err_code": code,
        "err_msg": msg,
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": "",
    }


def test_aliyun_receipts_set_delivered_failed_and_bounced_once(invitations):
    wave, rows = invitations
    body = [
        _aliyun("msg-0", True),
        _aliyun("msg-1", False, "MOBILE_NOT_ON_SERVICE", "停机"),
        _aliyun("msg-2", False, "UNDELIV", "关机超时"),
        _aliyun("someone-else", True),
    ]

    response = _post("aliyun", body)

    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "成功"}
    states = dict(
        Invitation.objects.filter(wave=wave).values_list("provider_message_id", "delivery_status")
    )
    assert states == {"msg-0": "delivered", "msg-1": "bounced", "msg-2": "failed"}
    failed = Invitation.objects.get(provider_message_id="msg-2")
    assert failed.delivery_error == "UNDELIV 关机超时"
    assert failed.delivered_at.isoformat() == "2026-12-06T02:00:05+00:00"  # China time
    # The same receipts again change nothing.
    assert _post("aliyun", body).status_code == 200
    assert Invitation.objects.get(provider_message_id="msg-2").delivered_at == failed.delivered_at


def test_tencent_status_callbacks(invitations):
    wave, _rows = invitations
    body = [
        {
            "user_receive_time": "2026-12-06 10:00:05",
            "nationcode": "86",
            "mobile": "13812345678",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": "msg-0",
        },
        {
            "user_receive_time": "2026-12-06 10:00:06",
            "nationcode": "86",
            "mobile": "13812345679",
            "report_status": "FAIL",
            "errmsg": "MK:0001",
            "description": "空号",
            "sid": "msg-1",
        },
    ]

    response = _post("tencent", body)

    assert (response.status_code, response.json()) == (200, {"result": 0, "errmsg": "OK"})
    states = dict(
        Invitation.objects.filter(wave=wave).values_list("provider_message_id", "delivery_status")
    )
    assert states == {"msg-0": "delivered", "msg-1": "bounced", "msg-2": ""}


@pytest.mark.parametrize(
    ("provider", "body", "detail"),
    [
        ("aliyun", b"not json", "not JSON"),
        ("aliyun", {"receipts": 1}, "receipt 0 has no biz_id"),
        ("aliyun", [{"biz_id": "msg-0", "success": "yes"}], "success must be true or false"),
        ("tencent", [{"sid": "msg-0", "report_status": "MAYBE"}], "report_status must be"),
        ("tencent", [1], "receipt 0 is not a JSON object"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_problem(invitations, provider, body, detail):
    response = _post(provider, body)

    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_a_wrong_or_unset_token_is_a_404(invitations, settings):
    assert (
        _post("aliyun", [_aliyun("msg-0", True)], token="wrong-token-0123456789").status_code == 404
    )
    assert _post("other", [], token=TOKEN).status_code == 404
    settings.QIWANG_SMS_RECEIPT_TOKEN = ""
    assert _post("aliyun", [_aliyun("msg-0", True)]).status_code == 404
    assert not Invitation.objects.filter(delivery_status="delivered").exists()


def test_the_access_log_hides_the_token():
    assert logged_path(f"/hooks/sms/aliyun/{TOKEN}/") == "/hooks/sms/aliyun/***/"
    link = "Qx7aR2mZ9kP4wL8sT1vY"
    assert logged_path(f"/s/{link}/") == "/s/Qx7a***/"
    assert logged_path(f"/s/{link}/done/") == "/s/Qx7a***/done/"
    assert logged_path(f"/s/o/12/{link}/") == "/s/o/12/Qx7a***/"
    assert logged_path(f"/api/surveys/respond/{link}") == "/api/surveys/respond/Qx7a***"
    assert logged_path("/s/short/") == "/s/***/"
    oauth = logged_path(f"/s/{link}/wechat/?code=0a1b2c&state=xyz&lang=en")
    assert oauth == "/s/Qx7a***/wechat/?code=***&state=***&lang=en"
    hook = logged_path("/hooks/wechat/?signature=ab12&timestamp=1&nonce=9&openid=oABC")
    assert hook == "/hooks/wechat/?signature=***&timestamp=1&nonce=***&openid=***"
    assert logged_path("/complaints/?q=x&page=2") == "/complaints/?q=x&page=2"
    assert link not in logged_path(f"/s/{link}/opt-out/")


def test_the_invitees_page_shows_the_receipt(invitations, quality, client):
    wave, _rows = invitations
    _post("aliyun", [_aliyun("msg-1", False, "MOBILE_NOT_ON_SERVICE", "停机")])
    client.force_login(quality)

    page = client.get(f"/surveys/waves/{wave.pk}/invitees/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-delivery="bounced"' in html and "MOBILE_NOT_ON_SERVICE" in html
    assert 'data-state="bounced"' in html  # counted in the funnel as not delivered
