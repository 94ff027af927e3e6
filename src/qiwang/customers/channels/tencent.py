"""Tencent Cloud SMS (腾讯云短信) through its official SDK, ``tencentcloud.sms.v20210111``.

``SendSms`` takes the numbers in E.164 (``PhoneNumberSet``), the application (``SmsSdkAppId``,
from the console), the approved signature (``SignName``), the approved template (``TemplateId``)
and its values **in order** (``TemplateParamSet``, for ``{1}``, ``{2}``, …). Each number gets a
``SendStatus``: ``Code`` ``Ok`` and a ``SerialNo`` that identifies it in the status callbacks, or
an error code (``LimitExceeded.PhoneNumberDailyLimit``, ``FailedOperation.TemplateIncorrectOrUnapproved``,
…). A refused request as a whole raises the SDK's exception with the code.
"""

from __future__ import annotations

from qiwang.customers.channels.templated import TemplateSmsBackend

__all__ = ["TencentSmsBackend"]


class TencentSmsBackend(TemplateSmsBackend):
    provider = "Tencent Cloud SMS"
    needs = ("KEY_ID", "KEY_SECRET", "SIGN_NAME", "APP_ID")
    default_region = "ap-guangzhou"

    def send_template(self, phone: str, code: str, values: list[tuple[str, str]]) -> str:
        from django.conf import settings
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        http = HttpProfile(
            protocol=self.scheme,
            endpoint=self.endpoint or None,
            reqMethod="POST",
            reqTimeout=self.timeout,
        )
        client = sms_client.SmsClient(
            credential.Credential(self.key_id, self.key_secret),
            self.region,
            ClientProfile(httpProfile=http),
        )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone]
        request.SmsSdkAppId = settings.QIWANG_SMS_APP_ID
        request.SignName = self.sign_name
        request.TemplateId = code
        request.TemplateParamSet = [value for _name, value in values]
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as error:
            raise self.failure(
                str(error.get_code() or ""), str(error.get_message() or "")
            ) from error
        statuses = response.SendStatusSet or []
        if not statuses:
            raise self.failure("NoSendStatus", "the answer had no SendStatusSet")
        status = statuses[0]
        if status.Code != "Ok":
            raise self.failure(str(status.Code or ""), str(status.Message or ""))
        if not status.SerialNo:
            raise self.failure("NoSerialNo", "the answer had no SerialNo")
        return str(status.SerialNo)
