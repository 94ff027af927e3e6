"""An incident's answer to every reporter is its own SMS purpose, ``incident``, with the values
that message really has (the report number, the incident's title, the answer): a provider
template for complaint messages (which lists ``link``) is not used for it. The provider is Alibaba
Cloud's SDK pointed at the stand-in on 127.0.0.1 (tests/surveys/standin_sms.py)."""

from __future__ import annotations

import json

import pytest
from tests.complaints.conftest import FRIDAY_17
from tests.surveys.standin_sms import serve

from qiwang.complaints.models import Notification
from qiwang.complaints.services.intake import answer_incident, open_incident
from qiwang.complaints.services.notify import deliver_pending


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
    settings.QIWANG_SMS_TEMPLATES = {
        "complaint": {"code": "SMS_400", "params": ["number", "link"]},
        "incident": {"code": "SMS_401", "params": ["incident", "answer"]},
    }
    return standin


def test_the_incident_answer_goes_through_the_incident_template(aliyun, make_complaint, org, setup):
    incident = open_incident(
        branch=org.own,
        category=setup["heating_outage"],
        title="3号楼停暖",
        actor=None,
        started_at=FRIDAY_17,
    )
    report = make_complaint(category=setup["heating_outage"], reporter_phone="13800000009")
    answer_incident(incident=incident, actor=org.users["agent"], text="今晚8点前恢复供暖")

    result = deliver_pending()

    assert result == {"sent": 1, "failed": 0}
    query = aliyun.requests[0]["query"]
    assert query["TemplateCode"] == "SMS_401"
    assert json.loads(query["TemplateParam"]) == {
        "incident": "3号楼停暖",
        "answer": "今晚8点前恢复供暖",
    }
    row = Notification.objects.get(code="incident.answer")
    assert row.sent_at is not None and row.complaint_id == report.pk


def test_without_an_incident_template_the_answer_waits_naming_the_setting(
    aliyun, make_complaint, org, setup, settings
):
    settings.QIWANG_SMS_TEMPLATES = {"complaint": {"code": "SMS_400", "params": ["number", "link"]}}
    incident = open_incident(
        branch=org.own,
        category=setup["heating_outage"],
        title="停水",
        actor=None,
        started_at=FRIDAY_17,
    )
    make_complaint(category=setup["heating_outage"], reporter_phone="13800000008")
    answer_incident(incident=incident, actor=org.users["agent"], text="明早恢复")

    assert deliver_pending() == {"sent": 0, "failed": 1}
    row = Notification.objects.get(code="incident.answer")
    assert "QIWANG_SMS_TEMPLATE_INCIDENT" in row.last_error and aliyun.requests == []
