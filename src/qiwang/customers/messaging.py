"""Sending messages to customers: e-mail through Django's mail framework, SMS through a
pluggable provider (``QIWANG_SMS_BACKEND``, a dotted path to a class with ``send``).

The default SMS backend writes each message as one JSON line to ``QIWANG_SMS_DIR`` (an outbox a
gateway can pick up, and what the demo and tests read). A provider backend subclasses
:class:`SmsBackend` and implements ``send``; it raises :class:`MessagingError` on failure.
Other modules (survey invitations) reuse :func:`send_sms` and :func:`send_email`.

Chinese SMS providers send no free text: an approved template and its parameters. So each caller
also names the message's *purpose* (:data:`SMS_PURPOSES`) and the values a template may use;
:meth:`SmsBackend.deliver` passes the ready text to ``send`` (the file outbox), while the provider
backends in :mod:`qiwang.customers.channels` override it to send template + parameters.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

__all__ = [
    "FileSmsBackend",
    "MessagingError",
    "SMS_PURPOSES",
    "SentMessage",
    "SmsBackend",
    "SmsMessage",
    "get_sms_backend",
    "send_email",
    "send_sms",
    "send_wechat_template",
    "send_wecom_message",
]


class MessagingError(Exception):
    """A message could not be sent; the text says why (shown to the user, stored on the row).

    ``code`` is the provider's error code when it gave one (``isv.BUSINESS_LIMIT_CONTROL``);
    ``retryable`` says whether trying again later may succeed, ``None`` when the raiser does not
    know: :func:`qiwang.customers.delivery.is_retryable` then decides from the code and cause."""

    def __init__(self, message: str = "", *, code: str = "", retryable: bool | None = None):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class SentMessage:
    channel: str
    recipient: str
    provider_id: str


#: Why a message is sent; each purpose has its own approved template at a provider.
SMS_PURPOSES = ("invitation", "reminder", "greeting", "alert", "complaint", "incident")


@dataclass(frozen=True)
class SmsMessage:
    """One SMS: the full text (free-text backends) and, for template backends, its purpose and
    the named values its template may use (e.g. ``name``, ``wave``, ``link``)."""

    text: str
    purpose: str = ""
    params: dict[str, str] = field(default_factory=dict)


class SmsBackend:
    """Interface of an SMS provider."""

    def send(self, phone: str, text: str) -> str:
        """Send ``text`` to ``phone``; return the provider's message id."""
        raise NotImplementedError

    def deliver(self, phone: str, message: SmsMessage) -> str:
        """Send ``message``; free-text backends send its text, template backends override this."""
        return self.send(phone, message.text)


class FileSmsBackend(SmsBackend):
    """Appends ``{"at", "to", "text"}`` lines to ``<QIWANG_SMS_DIR>/outbox-YYYY-MM-DD.jsonl``."""

    _lock = threading.Lock()

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory or settings.QIWANG_SMS_DIR)

    def send(self, phone: str, text: str) -> str:
        now = timezone.now()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"outbox-{timezone.localdate(now).isoformat()}.jsonl"
        line = json.dumps({"at": now.isoformat(), "to": phone, "text": text}, ensure_ascii=False)
        with self._lock, path.open("a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
            position = outbox.tell()
        return f"{path.name}:{position}"


def get_sms_backend() -> SmsBackend:
    backend_class = import_string(settings.QIWANG_SMS_BACKEND)
    return backend_class()


def _check_phone(phone: str) -> str:
    """The number in E.164, by the same rule that stores numbers (qiwang.customers.phones)."""
    from qiwang.customers.phones import try_normalise_phone

    number = try_normalise_phone(phone)
    if not number:
        raise MessagingError(f"{phone!r} is not a phone number.")
    return number


def send_sms(
    phone: str, text: str, *, purpose: str = "", params: dict[str, str] | None = None
) -> SentMessage:
    """Send one SMS through the configured backend: ``text`` for free-text backends, the
    template of ``purpose`` filled with ``params`` for the providers' template backends."""
    number = _check_phone(phone)
    if not text.strip():
        raise MessagingError("The message is empty.")
    message = SmsMessage(text=text, purpose=purpose, params=dict(params or {}))
    try:
        backend = get_sms_backend()
        # A backend with only ``send`` (written before templates) still gets the text.
        deliver = getattr(backend, "deliver", None)
        provider_id = deliver(number, message) if deliver else backend.send(number, text)
    except MessagingError:
        raise
    except Exception as error:  # a provider's own failure becomes one clear message
        raise MessagingError(f"SMS provider failed: {error}") from error
    return SentMessage(channel="sms", recipient=number, provider_id=provider_id)


def send_email(address: str, subject: str, body: str) -> SentMessage:
    """Send one e-mail through Django's mail framework (EMAIL_BACKEND from the environment)."""
    if "@" not in address:
        raise MessagingError(f"{address!r} is not an e-mail address.")
    message = EmailMessage(subject=subject, body=body, to=[address])
    try:
        sent = message.send(fail_silently=False)
    except Exception as error:  # SMTP errors and the like
        raise MessagingError(f"E-mail could not be sent: {error}") from error
    if not sent:
        raise MessagingError("E-mail could not be sent.")
    return SentMessage(channel="email", recipient=address, provider_id="")


def send_wechat_template(openid: str, *, purpose: str, params: dict[str, str]) -> SentMessage:
    """Send the WeChat Official Account template message of ``purpose`` (invitation, reminder,
    greeting) to the follower ``openid``; ``provider_id`` is the answer's msgid
    (:mod:`qiwang.customers.channels.wechat`)."""
    from qiwang.customers.channels.wechat import send_template_message

    return send_template_message(openid, purpose=purpose, params=params)


def send_wecom_message(userid: str, text: str) -> SentMessage:
    """Send ``text`` as a WeCom (企业微信) application message to the member ``userid``
    (:mod:`qiwang.customers.channels.wecom`)."""
    from qiwang.customers.channels.wecom import send_application_message

    return send_application_message(userid, text)
