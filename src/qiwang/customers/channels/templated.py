"""What Alibaba Cloud and Tencent Cloud SMS share: template messages from the settings.

A provider backend is chosen with ``QIWANG_SMS_BACKEND`` and configured from ``QIWANG_SMS_*``
(read by :mod:`qiwang.project.settings`, which refuses to start when a required one is missing).
Each message purpose (:data:`qiwang.customers.messaging.SMS_PURPOSES`) has its own approved
template, ``QIWANG_SMS_TEMPLATE_<PURPOSE>=CODE:param,param``; the parameters are the named values
the caller passes, in the template's order.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from qiwang.customers.messaging import MessagingError, SmsBackend, SmsMessage

__all__ = ["TemplateSmsBackend", "endpoint_parts"]


def endpoint_parts(value: str) -> tuple[str, str]:
    """``"http://127.0.0.1:9000"`` → ``("127.0.0.1:9000", "http")``; a bare host is https;
    ``""`` → ``("", "https")`` (the provider's own endpoint)."""
    if not value:
        return "", "https"
    if "://" not in value:
        return value.rstrip("/"), "https"
    parts = urlsplit(value)
    return parts.netloc, parts.scheme.lower() or "https"


class TemplateSmsBackend(SmsBackend):
    """Sends the approved template of a message's purpose; subclasses implement
    :meth:`send_template` with their SDK and raise :class:`MessagingError` naming the provider's
    error code."""

    #: The provider's name in messages, e.g. "Alibaba Cloud SMS".
    provider = ""
    #: The ``QIWANG_SMS_*`` settings this provider needs (suffixes).
    needs: tuple[str, ...] = ("KEY_ID", "KEY_SECRET", "SIGN_NAME")
    default_region = ""

    def __init__(self) -> None:
        missing = [f"QIWANG_SMS_{name}" for name in self.needs if not _setting(name)]
        if missing:
            raise MessagingError(
                _("%(provider)s is not configured: set %(missing)s.")
                % {"provider": self.provider, "missing": ", ".join(missing)}
            )
        self.key_id = _setting("KEY_ID")
        self.key_secret = _setting("KEY_SECRET")
        self.sign_name = _setting("SIGN_NAME")
        self.region = _setting("REGION") or self.default_region
        self.endpoint, self.scheme = endpoint_parts(_setting("ENDPOINT"))
        self.timeout = int(getattr(settings, "QIWANG_SMS_TIMEOUT", 10))
        self.templates: dict[str, dict] = dict(getattr(settings, "QIWANG_SMS_TEMPLATES", {}))

    def send(self, phone: str, text: str) -> str:
        raise MessagingError(
            _("%(provider)s sends approved templates only; this message names no purpose.")
            % {"provider": self.provider}
        )

    def deliver(self, phone: str, message: SmsMessage) -> str:
        if not message.purpose:
            return self.send(phone, message.text)
        template = self.templates.get(message.purpose)
        if not template:
            raise MessagingError(
                _(
                    "No approved %(provider)s template is set for this kind of message: "
                    "set QIWANG_SMS_TEMPLATE_%(purpose)s."
                )
                % {"provider": self.provider, "purpose": message.purpose.upper()}
            )
        values: list[tuple[str, str]] = []
        for name in template["params"]:
            value = str(message.params.get(name, "")).strip()
            if not value:
                raise MessagingError(
                    _(
                        "The template %(code)s needs a value for %(param)s, and this message has none."
                    )
                    % {"code": template["code"], "param": name}
                )
            values.append((name, value))
        return self.send_template(phone, template["code"], values)

    def send_template(self, phone: str, code: str, values: list[tuple[str, str]]) -> str:
        """Send template ``code`` with ``values`` (name, value in order) to ``phone`` (E.164)."""
        raise NotImplementedError

    def failure(self, code: str, detail: str) -> MessagingError:
        """The provider refused: one sentence naming its error code (never the keys)."""
        return MessagingError(
            _("%(provider)s refused the message: %(code)s (%(detail)s).")
            % {"provider": self.provider, "code": code or "?", "detail": detail[:200] or "—"},
            code=code,
        )


def _setting(suffix: str) -> str:
    return str(getattr(settings, f"QIWANG_SMS_{suffix}", "") or "")
