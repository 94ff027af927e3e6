"""SMS through the Chinese providers' official SDKs (issue 17, item 5; docs/messaging.md).

- :mod:`.templated`: what both providers share: an approved signature and, per message purpose,
  an approved template whose parameters are filled from the caller's named values.
- :mod:`.aliyun`: Alibaba Cloud SMS (``SendSms``: PhoneNumbers, SignName, TemplateCode, a JSON
  TemplateParam; the answer's ``BizId`` is the message id).
- :mod:`.tencent`: Tencent Cloud SMS (``SendSms`` 2021-01-11: PhoneNumberSet, SmsSdkAppId,
  SignName, TemplateId, an ordered TemplateParamSet; the number's ``SerialNo`` is the message id).
- :mod:`.receipts`: the providers' delivery receipts, read into one shape
  (delivered / failed / bounced) for :mod:`qiwang.surveys.receipts`.

The SDKs are imported when a message is sent, so a site on the file outbox never loads them.
"""
