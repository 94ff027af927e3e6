"""WeChat Official Account (微信公众号) template messages: survey invitations, reminders and
greetings to the customers who follow the organisation's service account.

``POST /cgi-bin/message/template/send`` takes the follower's ``openid`` (``touser``, one per
Official Account: a customer's ``wechat_openid``), an approved template from the account's
template library (``template_id``), the page opened by a tap (``url``: the survey link) and the
template's keyword fields (``data``: ``{"thing1": {"value": "…"}, …}``). The answer's ``msgid``
is the message id; the account's server later gets a ``TEMPLATESENDJOBFINISH`` event with it
(:mod:`qiwang.surveys.wechat_events`).

Which of our values goes into which keyword is the operator's mapping,
``QIWANG_WECHAT_TEMPLATE_<PURPOSE>=TEMPLATE_ID:thing1=wave,time2=closes`` (docs/messaging.md).
WeChat cuts nothing itself and refuses values over a keyword type's length (a ``thing`` holds 20
characters), so values are shortened by the keyword's type (:data:`KEYWORD_LIMITS`).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from qiwang.customers.channels.weixin import WeixinApi
from qiwang.customers.messaging import MessagingError, SentMessage

__all__ = ["KEYWORD_LIMITS", "OPENID_PATTERN", "OfficialAccount", "send_template_message"]

#: An Official Account openid: 28 characters of letters, digits, ``-`` and ``_`` in practice;
#: allowed here between 6 and 64 so that test and sandbox accounts fit.
OPENID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
#: Characters a keyword of each type holds (the template rules of the Official Account platform).
KEYWORD_LIMITS = {
    "thing": 20,
    "character_string": 32,
    "phrase": 5,
    "name": 10,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "car_number": 8,
    "phone_number": 17,
}


class OfficialAccount(WeixinApi):
    provider = "WeChat Official Account"
    token_path = "/cgi-bin/token"  # noqa: S105 - a path, not a password

    def __init__(self) -> None:
        app_id = settings.QIWANG_WECHAT_APP_ID
        secret = settings.QIWANG_WECHAT_APP_SECRET
        if not app_id or not secret:
            raise MessagingError(
                _("%(provider)s is not configured: set %(missing)s.")
                % {
                    "provider": self.provider,
                    "missing": "QIWANG_WECHAT_APP_ID, QIWANG_WECHAT_APP_SECRET",
                }
            )
        super().__init__(
            base_url=settings.QIWANG_WECHAT_ENDPOINT,
            account=app_id,
            token_params={"grant_type": "client_credential", "appid": app_id, "secret": secret},
            timeout=settings.QIWANG_WECHAT_TIMEOUT,
        )


def send_template_message(openid: str, *, purpose: str, params: dict[str, str]) -> SentMessage:
    """Send the template of ``purpose`` filled from ``params`` to ``openid``; the msgid back."""
    openid = (openid or "").strip()
    if not openid:
        raise MessagingError(
            _(
                "The customer has no WeChat openid on file: they must follow the Official Account first."
            )
        )
    if not OPENID_PATTERN.match(openid):
        raise MessagingError(_("%(value)s is not a WeChat openid.") % {"value": repr(openid)})
    template = settings.QIWANG_WECHAT_TEMPLATES.get(purpose)
    if not template:
        raise MessagingError(
            _(
                "No WeChat Official Account template is set for this kind of message: "
                "set QIWANG_WECHAT_TEMPLATE_%(purpose)s."
            )
            % {"purpose": purpose.upper()}
        )
    data: dict[str, dict[str, str]] = {}
    for keyword, name in template["fields"]:
        value = str(params.get(name, "")).strip()
        if not value:
            raise MessagingError(
                _(
                    "The WeChat template %(code)s needs a value for %(param)s; this message has none."
                )
                % {"code": template["id"], "param": name}
            )
        data[keyword] = {"value": shorten(keyword, value)}
    body: dict[str, object] = {"touser": openid, "template_id": template["id"], "data": data}
    if params.get("link"):
        body["url"] = params["link"]
    api = OfficialAccount()
    answer = api.post("/cgi-bin/message/template/send", body)
    msgid = str(answer.get("msgid") or "")
    if not msgid:
        raise api.refusal("no-msgid", "the answer had no msgid")
    return SentMessage(channel="wechat", recipient=openid, provider_id=msgid)


def shorten(keyword: str, value: str) -> str:
    """``value`` cut to what a keyword of this type holds (``thing3`` → 20 characters)."""
    kind = keyword.rstrip("0123456789")
    limit = KEYWORD_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"
