"""Alibaba Cloud SMS (阿里云短信服务) through its official SDK, ``alibabacloud_dysmsapi20170525``.

``SendSms`` takes the number, the approved signature (``SignName``), the approved template
(``TemplateCode``, e.g. ``SMS_123456789``) and its variables as a JSON object (``TemplateParam``,
``{"wave": "…", "link": "…"}`` for a template written with ``${wave}`` and ``${link}``). The
answer's ``Code`` is ``OK`` on success and ``BizId`` identifies the message in the delivery
receipts (SmsReport); any other code (``isv.BUSINESS_LIMIT_CONTROL``, ``isv.SMS_TEMPLATE_ILLEGAL``,
…) is a refusal.
"""

from __future__ import annotations

import json

from qiwang.customers.channels.templated import TemplateSmsBackend

__all__ = ["AliyunSmsBackend", "aliyun_number"]


def aliyun_number(phone: str) -> str:
    """Mainland numbers as their 11 digits; others as country code + number, without ``+``."""
    digits = phone.lstrip("+")
    return digits[2:] if phone.startswith("+86") else digits


class AliyunSmsBackend(TemplateSmsBackend):
    provider = "Alibaba Cloud SMS"
    default_region = "cn-hangzhou"

    def send_template(self, phone: str, code: str, values: list[tuple[str, str]]) -> str:
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
        from alibabacloud_tea_openapi.utils_models import Config
        from darabonba.runtime import RuntimeOptions

        config = Config(
            access_key_id=self.key_id,
            access_key_secret=self.key_secret,
            region_id=self.region,
            endpoint=self.endpoint or None,
            protocol=self.scheme,
        )
        request = models.SendSmsRequest(
            phone_numbers=aliyun_number(phone),
            sign_name=self.sign_name,
            template_code=code,
            template_param=json.dumps(dict(values), ensure_ascii=False),
        )
        # Retries are the caller's (the worker's back-off); one attempt, bounded in time.
        runtime = RuntimeOptions(
            autoretry=False,
            connect_timeout=self.timeout * 1000,
            read_timeout=self.timeout * 1000,
        )
        try:
            response = Client(config).send_sms_with_options(request, runtime)
        except AlibabaCloudException as error:
            raise self.failure(str(error.code or ""), str(error.message or "")) from error
        body = response.body
        if body is None or body.code != "OK":
            raise self.failure(getattr(body, "code", "") or "", getattr(body, "message", "") or "")
        if not body.biz_id:
            raise self.failure("NoBizId", "the answer had no BizId")
        return str(body.biz_id)
