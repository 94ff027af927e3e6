"""What the WeChat Official Account API and the WeCom API share (ADR 0230, docs/messaging.md).

Both are JSON over HTTPS under ``/cgi-bin/``: an access token is fetched with the account's
secret (``GET /cgi-bin/token`` for the Official Account, ``GET /cgi-bin/gettoken`` for WeCom),
lives 7200 seconds and goes into every call's query string (``?access_token=``). Every answer
carries ``errcode`` (0: done) and ``errmsg``.

- The token is kept in Django's cache (shared by the web processes and the worker: the providers
  limit how many tokens a day an account may fetch, and a new token may invalidate the old one),
  under a key made of the account id only — never the secret.
- An answer 40001 / 40014 / 42001 (token invalid or expired, e.g. fetched elsewhere since) drops
  the cached token, fetches one new token and repeats the call **once**.
- A refusal becomes one :class:`~qiwang.customers.messaging.MessagingError` naming the provider's
  errcode, with ``retryable`` set for the temporary ones (:data:`RETRYABLE_CODES`, network
  failures, HTTP 5xx).

Plain ``urllib.request`` from the standard library: no SDK (ADR 0230 says why not wechatpy).
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from qiwang.customers.messaging import MessagingError

__all__ = ["RETRYABLE_CODES", "TOKEN_CODES", "WeixinApi"]

logger = logging.getLogger(__name__)

#: The access token is invalid or expired: fetch a new one and repeat the call once.
TOKEN_CODES = frozenset({40001, 40014, 42001})
#: Temporary refusals: the same message may go through later (system busy, rate and quota
#: limits, a token that stays invalid right after a refresh).
RETRYABLE_CODES = frozenset({-1, 40001, 40014, 42001, 45009, 45011, 45033, 45047})
#: Seconds a token is kept less than the provider says, so none is used in its last minutes.
TOKEN_MARGIN = 300


class WeixinApi:
    """One account's API: ``base_url`` (the provider's or a stand-in's), the token request
    and a name for messages; subclasses set them from the settings."""

    provider = ""
    token_path = ""

    def __init__(self, *, base_url: str, account: str, token_params: dict[str, str], timeout: int):
        self.base_url = base_url.rstrip("/")
        self.account = account
        self._token_params = token_params
        self.timeout = timeout
        digest = hashlib.sha256(f"{self.provider}|{self.base_url}|{account}".encode()).hexdigest()
        self.cache_key = f"qiwang:weixin-token:{digest[:32]}"

    # --- the token --------------------------------------------------------------------------

    def access_token(self, *, fresh: bool = False) -> str:
        if not fresh:
            token = cache.get(self.cache_key)
            if token:
                return str(token)
        answer = self._http("GET", self.token_path, params=self._token_params)
        token = str(answer.get("access_token") or "")
        if not token:
            raise self.refusal(answer.get("errcode", "no-token"), "the answer had no access_token")
        try:
            expires = int(answer.get("expires_in") or 7200)
        except (TypeError, ValueError):
            expires = 7200
        cache.set(self.cache_key, token, max(60, expires - TOKEN_MARGIN))
        return token

    # --- calls ------------------------------------------------------------------------------

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` as JSON to ``path`` with the access token; the answer, errcode 0.
        A stale token is refreshed and the call repeated once."""
        answer = self._http("POST", path, params={"access_token": self.access_token()}, body=body)
        if _errcode(answer) in TOKEN_CODES:
            cache.delete(self.cache_key)
            logger.info("%s access token refused (%s); fetching a new one", self.provider, answer)
            token = self.access_token(fresh=True)
            answer = self._http("POST", path, params={"access_token": token}, body=body)
            if _errcode(answer) in TOKEN_CODES:  # once only: a fresh token refused is a refusal
                raise self.refusal(_errcode(answer), str(answer.get("errmsg") or ""))
        return answer

    def _http(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        # http(s) only: the endpoint settings are checked at start-up (project.settings).
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        if data is not None:
            request.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(1024 * 1024)
        except urllib.error.HTTPError as error:
            raise self.refusal(
                f"HTTP {error.code}", str(error.reason), retryable=error.code >= 500
            ) from None
        except (urllib.error.URLError, OSError) as error:  # refused, timed out, DNS
            reason = getattr(error, "reason", error)
            raise self.refusal("network", str(reason), retryable=True) from None
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            detail = raw[:80].decode("utf-8", "replace")
            raise self.refusal("not-json", detail, retryable=True) from None
        if not isinstance(answer, dict):
            raise self.refusal("not-json", "the answer is not a JSON object", retryable=True)
        code = _errcode(answer)
        if code and path == self.token_path:
            # 40001 from the token endpoint means a wrong secret (WeCom): not worth retrying.
            retryable = code in RETRYABLE_CODES - TOKEN_CODES
            raise self.refusal(code, str(answer.get("errmsg") or ""), retryable=retryable)
        if code and code not in TOKEN_CODES:
            raise self.refusal(code, str(answer.get("errmsg") or ""))
        return answer

    def refusal(self, code: Any, detail: str, *, retryable: bool | None = None) -> MessagingError:
        """The provider refused (or could not be reached): one sentence naming its errcode;
        the secret and the token are never in it (``detail`` is the provider's errmsg)."""
        if retryable is None:
            retryable = isinstance(code, int) and code in RETRYABLE_CODES
        return MessagingError(
            _("%(provider)s refused the message: errcode %(code)s (%(detail)s).")
            % {"provider": self.provider, "code": code, "detail": _clip(detail) or "—"},
            retryable=retryable,
            code=str(code),
        )


def _errcode(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


def _clip(detail: str) -> str:
    # The providers append "rid: …" / "hint: […]" and a help URL to errmsg; keep the sentence.
    return detail.split(", hint:")[0].split(" rid:")[0].strip()[:200]
