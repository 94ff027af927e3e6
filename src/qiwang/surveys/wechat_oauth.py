"""Openids collected when a customer opens their invitation inside WeChat (docs/messaging.md,
"Collecting openids"; docs/privacy.md).

The Official Account's web authorisation with scope ``snsapi_base`` (no consent screen): the
invitation page ``/s/<token>/`` sends a WeChat browser to the platform's authorise page
(:func:`authorize_url`), which comes back at once to ``/s/<token>/wechat/?code=…&state=…``
(:func:`qiwang.surveys.public.answer_wechat`); the code is exchanged for the visitor's openid at
``GET /sns/oauth2/access_token`` with the account's secret (:func:`exchange_code`), and the openid
is stored on the invitation's customer if they have none yet (:func:`store_openid`).

- Only when the account is configured, ``QIWANG_WECHAT_COLLECT_OPENID`` is on, the browser is
  WeChat's (``MicroMessenger`` in the User-Agent, not WeCom's ``wxwork``), the customer has no
  openid and never opted out of a survey, and it is a plain GET of the invitation (no
  ``page``, no :data:`DONE_MARK`) (:func:`wants_openid`).
- ``state`` is signed with Django's signing, its salt bound to the SHA-256 digest of the
  invitation's token (a state made for one link fails on another), and expires after
  :data:`STATE_MAX_AGE` seconds. The token itself is never logged: log lines name the invitation.
- Every way back, failures included, goes to the survey page with :data:`DONE_MARK` in the query
  string, which switches the redirect off: one round per visit, whatever the platform answers.
- A stored openid is never overwritten; an openid already on another customer is not stored
  again (logged at info). The audit event says that an openid was collected, never which.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest

from qiwang.accounts.services import record_event
from qiwang.customers.channels.wechat import OPENID_PATTERN, OfficialAccount
from qiwang.customers.messaging import MessagingError
from qiwang.customers.models import Customer
from qiwang.surveys.models import Invitation
from qiwang.surveys.services import token_digest

__all__ = [
    "DONE_MARK",
    "STATE_MAX_AGE",
    "authorize_url",
    "check_state",
    "exchange_code",
    "make_state",
    "store_openid",
    "wants_openid",
]

logger = logging.getLogger(__name__)

#: The query parameter of the survey page after a round through the authorise page.
DONE_MARK = "wx"
#: Seconds a ``state`` is valid: the round through WeChat takes one or two.
STATE_MAX_AGE = 600
SALT = "qiwang.surveys.wechat_oauth"
AUTHORIZE_PATH = "/connect/oauth2/authorize"
EXCHANGE_PATH = "/sns/oauth2/access_token"


def collecting() -> bool:
    """The Official Account is configured and the operator switched collecting on."""
    return bool(
        settings.QIWANG_WECHAT_COLLECT_OPENID
        and settings.QIWANG_WECHAT_APP_ID
        and settings.QIWANG_WECHAT_APP_SECRET
    )


def in_wechat(request: HttpRequest) -> bool:
    """WeChat's own browser; WeCom's (``wxwork``) also says MicroMessenger but has no openid of
    the Official Account to give."""
    agent = request.headers.get("User-Agent", "")
    return "MicroMessenger" in agent and "wxwork" not in agent


def wants_openid(request: HttpRequest, invitation: Invitation) -> bool:
    """Whether this visit of the invitation page goes round the authorise page first."""
    return (
        request.method == "GET"
        and "page" not in request.GET
        and DONE_MARK not in request.GET
        and collecting()
        and in_wechat(request)
        and invitation.customer_id is not None
        and not invitation.customer.wechat_openid
        and not invitation.customer.wechat_openid_declined
        # a customer who opted out of a survey is not asked for anything more
        and not Invitation.objects.filter(
            customer_id=invitation.customer_id, opted_out_at__isnull=False
        ).exists()
    )


def make_state(token: str) -> str:
    return str(signing.dumps("1", salt=f"{SALT}:{token_digest(token)}", compress=False))


def check_state(token: str, state: str) -> bool:
    try:
        signing.loads(state, salt=f"{SALT}:{token_digest(token)}", max_age=STATE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return False
    return True


def authorize_url(*, redirect_uri: str, token: str) -> str:
    """The platform's authorise page, coming back to ``redirect_uri`` (the callback)."""
    query = urllib.parse.urlencode(
        {
            "appid": settings.QIWANG_WECHAT_APP_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": make_state(token),
        }
    )
    # The platform wants its parameters in this order and the fragment at the end.
    base = settings.QIWANG_WECHAT_OAUTH_ENDPOINT.rstrip("/")
    return f"{base}{AUTHORIZE_PATH}?{query}#wechat_redirect"


class _WebAuthorisation(OfficialAccount):
    """The code exchange: the account's HTTP helper, without the API's access token (the
    ``/sns/`` calls take appid and secret)."""

    def exchange(self, code: str) -> dict[str, Any]:
        params = {
            "appid": settings.QIWANG_WECHAT_APP_ID,
            "secret": settings.QIWANG_WECHAT_APP_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        }
        return self._http("GET", EXCHANGE_PATH, params=params)


def exchange_code(code: str) -> str:
    """The visitor's openid for ``code``; :class:`MessagingError` (one sentence with the
    platform's errcode, never the secret) when the platform refuses or cannot be reached."""
    answer = _WebAuthorisation().exchange(code)
    openid = str(answer.get("openid") or "")
    if not OPENID_PATTERN.match(openid):
        raise MessagingError(f"the answer had no valid openid (errcode {answer.get('errcode')})")
    return openid


@transaction.atomic
def store_openid(invitation: Invitation, openid: str) -> bool:
    """Put ``openid`` on the invitation's customer unless they have one or another customer
    has this one; True when stored (with its audit event)."""
    customer = Customer.objects.select_for_update().filter(pk=invitation.customer_id).first()
    if customer is None or customer.wechat_openid:
        logger.info("invitation %s: the customer has an openid already; kept", invitation.pk)
        return False
    if customer.wechat_openid_declined:
        logger.info("invitation %s: the customer declined openid collection", invitation.pk)
        return False
    other = Customer.objects.filter(wechat_openid=openid).exclude(pk=customer.pk).first()
    if other is not None:
        logger.info(
            "invitation %s: the openid collected is already customer %s's; not stored",
            invitation.pk,
            other.pk,
        )
        return False
    customer.wechat_openid = openid
    customer.save(update_fields=["wechat_openid", "updated_at"])
    record_event(
        actor=None,
        action="customer_wechat_openid_collected",
        obj=customer,
        # personal data: that it changed and how, never the value (as customer_updated does)
        changes={"wechat_openid": ["", "…"], "source": "wechat_oauth", "wave": invitation.wave_id},
    )
    logger.info(
        "invitation %s: WeChat openid collected for customer %s", invitation.pk, customer.pk
    )
    return True
