"""Greetings sent by SMS keep the provider's message id, so the SMS delivery receipt hook
(surveys/receipts.py) sets their delivery state as it does for survey invitations. The provider is
Alibaba Cloud's SDK pointed at the stand-in on 127.0.0.1 (tests/surveys/standin_sms.py)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from tests.surveys.standin_sms import serve

from qiwang.customers.choices import TaskKind
from qiwang.customers.models import ContactTask, OutboundMessage
from qiwang.customers.services.greetings import generate_greeting_tasks, send_greeting
from qiwang.customers.timeline import timeline
from qiwang.errors import ServiceError

TOKEN = "receipt-secret-0123456789"
MID_AUTUMN_EVE = datetime.date(2026, 9, 24)


@pytest.fixture
def standin():
    yield from serve()


@pytest.fixture
def aliyun(settings, standin):
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.channels.aliyun.AliyunSmsBackend"
    settings.QIWANG_SMS_KEY_ID = "LTAI-test-key"
    settings.QIWANG_SMS_KEY_SECRET = "test-secret-never-logged"
    settings.QIWANG_SMS_SIGN_NAME = "期望物业"
    settings.QIWANG_SMS_REGION = ""
    settings.QIWANG_SMS_ENDPOINT = standin.url
    settings.QIWANG_SMS_TEMPLATES = {"greeting": {"code": "SMS_300", "params": ["name"]}}
    settings.QIWANG_SMS_RECEIPT_TOKEN = TOKEN
    settings.QIWANG_GREETING_LEAD_DAYS = 1
    return standin


def _task(customer):
    generate_greeting_tasks(MID_AUTUMN_EVE)
    return ContactTask.objects.get(kind=TaskKind.GREETING, customer=customer)


def test_a_greetings_receipt_sets_its_delivery_state(aliyun, book, team):
    message = send_greeting(actor=team["manager"], task=_task(book["vip"]), channel="sms")

    assert message.provider_message_id == "biz-1"
    assert aliyun.requests[0]["query"]["TemplateCode"] == "SMS_300"
    receipt = {
        "phone_number": "13812345678",
        "send_time": "2026-09-24 10:00:00",
        "report_time": "2026-09-24 10:00:07",
        "success": False,
        "err_code": "MOBILE_NOT_ON_SERVICE",
        "err_msg": "停机",
        "sms_size": "1",
        "biz_id": "biz-1",
        "out_id": "",
    }

    response = Client().post(
        f"/hooks/sms/aliyun/{TOKEN}/",
        data=json.dumps([receipt], ensure_ascii=False),
        content_type="application/json",
    )

    assert response.status_code == 200
    message = OutboundMessage.objects.get(pk=message.pk)
    assert (message.delivery_status, message.delivery_error) == (
        "bounced",
        "MOBILE_NOT_ON_SERVICE 停机",
    )
    assert message.delivered_at.isoformat() == "2026-09-24T02:00:07+00:00"  # China time
    # The customer's timeline says so, in the reader's language.
    titles = [entry.title for entry in timeline(book["vip"], team["manager"])]
    assert "已发送短信——回执：无法送达 MOBILE_NOT_ON_SERVICE 停机" in titles


def test_a_temporary_refusal_says_to_try_again_and_writes_nothing(aliyun, book, team):
    aliyun.answers = [(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "流控"})]
    task = _task(book["vip"])

    with pytest.raises(ServiceError) as error:
        send_greeting(actor=team["manager"], task=task, channel="sms")

    assert "isv.BUSINESS_LIMIT_CONTROL" in error.value.text
    assert error.value.text.endswith("这是暂时性的问题：请几分钟后再试。")
    assert not OutboundMessage.objects.exists()
