"""Alibaba Cloud SMS and Tencent Cloud SMS through their official SDKs, pointed at stand-ins of
their HTTP APIs on 127.0.0.1 (issue 17, item 5)."""

from __future__ import annotations

import json

import pytest
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave
from tests.surveys.standin_sms import serve

from qiwang.customers.messaging import MessagingError, send_sms
from qiwang.surveys.choices import InvitationStatus
from qiwang.surveys.models import Invitation
from qiwang.surveys.services import send_wave

ALIYUN = "qiwang.customers.channels.aliyun.AliyunSmsBackend"
TENCENT = "qiwang.customers.channels.tencent.TencentSmsBackend"


@pytest.fixture
def standin():
    yield from serve()


@pytest.fixture
def provider(settings, standin):
    def configure(backend: str) -> None:
        settings.QIWANG_SMS_BACKEND = backend
        settings.QIWANG_SMS_KEY_ID = "LTAI-test-key"
        settings.QIWANG_SMS_KEY_SECRET = "test-secret-never-logged"
        settings.QIWANG_SMS_SIGN_NAME = "期望物业"
        settings.QIWANG_SMS_APP_ID = "1400000001"
        settings.QIWANG_SMS_REGION = ""
        settings.QIWANG_SMS_ENDPOINT = standin.url
        settings.QIWANG_SMS_TEMPLATES = {
            "invitation": {"code": "SMS_100", "params": ["wave", "link"]},
            "alert": {"code": "2001", "params": ["customer", "code"]},
        }

    return configure


def test_aliyun_sends_the_signed_template_with_its_json_params(provider, standin):
    provider(ALIYUN)

    sent = send_sms(
        "+8613812345678",
        "free text the provider never sees",
        purpose="invitation",
        params={"wave": "2026 秋季满意度", "link": "https://q.example.cn/s/abc/", "name": "王"},
    )

    assert sent.provider_id == "biz-1"
    request = standin.requests[0]
    assert request["headers"]["x-acs-action"] == "SendSms"
    assert request["headers"]["x-acs-version"] == "2017-05-25"
    assert request["headers"]["authorization"].startswith(
        "ACS3-HMAC-SHA256 Credential=LTAI-test-key"
    )
    assert "test-secret-never-logged" not in json.dumps(request)
    query = request["query"]
    assert (query["PhoneNumbers"], query["SignName"], query["TemplateCode"]) == (
        "13812345678",
        "期望物业",
        "SMS_100",
    )
    assert json.loads(query["TemplateParam"]) == {
        "wave": "2026 秋季满意度",
        "link": "https://q.example.cn/s/abc/",
    }


def test_an_aliyun_refusal_names_the_providers_code(provider, standin):
    provider(ALIYUN)
    standin.answers.append(
        (
            200,
            {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": "触发分钟级流控Permits:1",
                "RequestId": "r",
            },
        )
    )

    with pytest.raises(MessagingError, match=r"Alibaba Cloud SMS.*isv\.BUSINESS_LIMIT_CONTROL"):
        send_sms("+8613812345678", "x", purpose="alert", params={"customer": "王", "code": "C1"})


def test_an_aliyun_http_error_names_the_providers_code(provider, standin):
    provider(ALIYUN)
    standin.answers.append(
        (
            404,
            {
                "Code": "InvalidAccessKeyId.NotFound",
                "Message": "Specified access key is not found.",
            },
        )
    )

    with pytest.raises(MessagingError, match=r"InvalidAccessKeyId\.NotFound"):
        send_sms("+8613812345678", "x", purpose="alert", params={"customer": "王", "code": "C1"})


def test_tencent_sends_the_ordered_template_params_to_the_app(provider, standin):
    provider(TENCENT)

    sent = send_sms(
        "+8613812345678", "x", purpose="alert", params={"customer": "王芳", "code": "C7"}
    )

    assert sent.provider_id == "serial-1"
    request = standin.requests[0]
    assert request["headers"]["x-tc-action"] == "SendSms"
    assert request["headers"]["x-tc-version"] == "2021-01-11"
    assert request["headers"]["x-tc-region"] == "ap-guangzhou"
    assert request["headers"]["authorization"].startswith(
        "TC3-HMAC-SHA256 Credential=LTAI-test-key/"
    )
    assert request["json"] == {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": "1400000001",
        "SignName": "期望物业",
        "TemplateId": "2001",
        "TemplateParamSet": ["王芳", "C7"],
    }


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (
            {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": "",
                            "PhoneNumber": "+8613812345678",
                            "Code": "LimitExceeded.PhoneNumberDailyLimit",
                            "Message": "the number of sms messages sent per day exceeds the limit",
                        }
                    ],
                    "RequestId": "r",
                }
            },
            "LimitExceeded.PhoneNumberDailyLimit",
        ),
        (
            {
                "Response": {
                    "Error": {
                        "Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                        "Message": "template is not approved",
                    },
                    "RequestId": "r",
                }
            },
            "FailedOperation.TemplateIncorrectOrUnapproved",
        ),
    ],
)
def test_a_tencent_refusal_names_the_providers_code(provider, standin, answer, code):
    provider(TENCENT)
    standin.answers.append((200, answer))

    with pytest.raises(MessagingError) as caught:
        send_sms("+8613812345678", "x", purpose="alert", params={"customer": "王", "code": "C1"})

    assert "Tencent Cloud SMS" in str(caught.value) and code in str(caught.value)


def test_a_purpose_without_a_template_and_missing_keys_are_one_sentence(provider, settings):
    provider(TENCENT)
    with pytest.raises(MessagingError, match="QIWANG_SMS_TEMPLATE_GREETING"):
        send_sms("+8613812345678", "x", purpose="greeting", params={"name": "王"})
    with pytest.raises(MessagingError, match="2001.*code"):
        send_sms("+8613812345678", "x", purpose="alert", params={"customer": "王"})
    settings.QIWANG_SMS_APP_ID = ""
    with pytest.raises(MessagingError, match="QIWANG_SMS_APP_ID"):
        send_sms("+8613812345678", "x", purpose="alert", params={"customer": "王", "code": "C"})


def test_survey_invitations_keep_the_providers_message_id(
    provider, standin, org, quality, community_customers
):
    provider(ALIYUN)
    wave = make_wave(
        quality, make_instrument(quality, org.own), org.own, channel="sms", sample_size=2
    )

    result = send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
    ran = deliver_queued()

    assert (result.queued, ran["sent"], ran["failed"]) == (2, 2, 0)
    ids = set(
        Invitation.objects.filter(wave=wave, status=InvitationStatus.SENT).values_list(
            "provider_message_id", flat=True
        )
    )
    assert ids == {"biz-1", "biz-2"}
    params = json.loads(standin.requests[0]["query"]["TemplateParam"])
    assert params["wave"] == wave.name and params["link"].startswith("https://survey.example.cn/s/")
