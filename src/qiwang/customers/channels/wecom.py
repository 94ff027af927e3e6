"""WeCom (企业微信) application messages: urgent follow-up alerts to the assignee, a member of
the organisation's WeCom (staff, not customers: an application message reaches members only).

A self-built application (自建应用) has an ``agentid`` and its own secret; with the enterprise's
``corpid`` they fetch the token (``GET /cgi-bin/gettoken?corpid=&corpsecret=``).
``POST /cgi-bin/message/send`` takes the member's ``userid`` (``touser``; a user's
``wecom_userid``), ``msgtype`` ``text`` and the ``agentid``. A member outside the application's
visible range or unknown comes back in ``invaliduser`` with errcode 0: that is a refusal here.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from qiwang.customers.channels.weixin import WeixinApi
from qiwang.customers.messaging import MessagingError, SentMessage

__all__ = ["USERID_PATTERN", "WeComApplication", "send_application_message"]

#: A WeCom userid (账号): 1–64 letters, digits, ``_ - . @``.
USERID_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
#: WeCom cuts a text message at 2048 bytes; stay under it.
MAX_TEXT_BYTES = 2000


class WeComApplication(WeixinApi):
    provider = "WeCom"
    token_path = "/cgi-bin/gettoken"  # noqa: S105 - a path, not a password

    def __init__(self) -> None:
        missing = [
            name
            for name in ("QIWANG_WECOM_CORP_ID", "QIWANG_WECOM_AGENT_ID", "QIWANG_WECOM_SECRET")
            if not getattr(settings, name)
        ]
        if missing:
            raise MessagingError(
                _("%(provider)s is not configured: set %(missing)s.")
                % {"provider": self.provider, "missing": ", ".join(missing)}
            )
        self.agent_id = int(settings.QIWANG_WECOM_AGENT_ID)
        super().__init__(
            base_url=settings.QIWANG_WECOM_ENDPOINT,
            account=f"{settings.QIWANG_WECOM_CORP_ID}/{self.agent_id}",
            token_params={
                "corpid": settings.QIWANG_WECOM_CORP_ID,
                "corpsecret": settings.QIWANG_WECOM_SECRET,
            },
            timeout=settings.QIWANG_WECHAT_TIMEOUT,
        )


def send_application_message(userid: str, text: str) -> SentMessage:
    """Send ``text`` to the WeCom member ``userid``; the msgid back."""
    userid = (userid or "").strip()
    if not USERID_PATTERN.match(userid):
        raise MessagingError(_("%(value)s is not a WeCom userid.") % {"value": repr(userid)})
    if not text.strip():
        raise MessagingError(_("The message is empty."))
    content = text.encode()[:MAX_TEXT_BYTES].decode("utf-8", "ignore")
    api = WeComApplication()
    answer = api.post(
        "/cgi-bin/message/send",
        {
            "touser": userid,
            "msgtype": "text",
            "agentid": api.agent_id,
            "text": {"content": content},
            "safe": 0,
        },
    )
    if answer.get("invaliduser"):
        raise api.refusal("invaliduser", str(answer["invaliduser"]))
    msgid = str(answer.get("msgid") or "")
    if not msgid:
        raise api.refusal("no-msgid", "the answer had no msgid")
    return SentMessage(channel="wecom", recipient=userid, provider_id=msgid)
