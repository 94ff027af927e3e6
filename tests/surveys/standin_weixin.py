"""Stand-ins of the WeChat Official Account and WeCom HTTP APIs on 127.0.0.1: a real HTTP server
in a thread that hands out access tokens, records every request and answers the documented JSON.

- ``GET /cgi-bin/token`` (Official Account: appid + secret) and ``GET /cgi-bin/gettoken`` (WeCom:
  corpid + corpsecret) give ``TOKEN-<n>``; a wrong secret gets errcode 40125 / 40001.
- ``POST /cgi-bin/message/template/send`` and ``POST /cgi-bin/message/send`` answer 40001 for a
  token the test revoked (``revoked``), else the next queued answer, else success with
  ``msgid`` = 1000 + the number of the request.
- ``GET /sns/oauth2/access_token`` (web authorisation: appid + secret + code) gives the openid the
  test put in ``codes`` for that code, once (a code is single-use); an unknown or used code gets
  errcode 40029 ``invalid code``; a wrong secret 40125.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SECRETS = {"wx-app-secret-never-logged", "wecom-secret-never-logged"}


@dataclass
class StandIn:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: The next answers of the send endpoints (HTTP status, JSON body).
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    #: Tokens the platform no longer accepts (as after a token fetched elsewhere).
    revoked: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    #: Web authorisation codes the platform would accept, each with the openid it stands for.
    codes: dict[str, str] = field(default_factory=dict)

    def exchanges(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == "/sns/oauth2/access_token"]

    def sends(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    def token_fetches(self) -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests
            if r["method"] == "GET" and r["path"] != "/sns/oauth2/access_token"
        ]


def serve() -> Iterator[StandIn]:
    state: StandIn
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _record(self, body: bytes) -> dict[str, Any]:
            parts = urlsplit(self.path)
            entry = {
                "method": self.command,
                "path": parts.path,
                "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "raw": body,
                "json": json.loads(body) if body.startswith(b"{") else None,
            }
            state.requests.append(entry)
            return entry

        def _answer(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            with lock:
                entry = self._record(b"")
                query = entry["query"]
                secret = query.get("secret") or query.get("corpsecret")
                if entry["path"] == "/sns/oauth2/access_token":
                    self._exchange(query)
                    return
                if secret not in SECRETS:
                    code = 40125 if entry["path"] == "/cgi-bin/token" else 40001
                    self._answer(200, {"errcode": code, "errmsg": "invalid appsecret, rid: x"})
                    return
                state.tokens_issued += 1
                token = f"TOKEN-{state.tokens_issued}"
                self._answer(200, {"access_token": token, "expires_in": 7200})

        def _exchange(self, query: dict[str, str]) -> None:
            if query.get("secret") not in SECRETS:
                self._answer(200, {"errcode": 40125, "errmsg": "invalid appsecret, rid: x"})
                return
            openid = state.codes.pop(query.get("code", ""), None)
            if openid is None or query.get("grant_type") != "authorization_code":
                self._answer(200, {"errcode": 40029, "errmsg": "invalid code, rid: x"})
                return
            self._answer(
                200,
                {
                    "access_token": "WEB-TOKEN",
                    "expires_in": 7200,
                    "refresh_token": "REFRESH",
                    "openid": openid,
                    "scope": "snsapi_base",
                },
            )

        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            with lock:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                entry = self._record(body)
                if entry["query"].get("access_token") in state.revoked:
                    self._answer(
                        200, {"errcode": 40001, "errmsg": "invalid credential, access_token is"}
                    )
                    return
                if state.answers:
                    self._answer(*state.answers.pop(0))
                    return
                self._answer(
                    200, {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(state.requests)}
                )

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = StandIn(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
