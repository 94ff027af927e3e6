"""Stand-ins of Alibaba Cloud's and Tencent Cloud's SMS HTTP APIs on 127.0.0.1: a real HTTP
server in a thread that records each request and answers the documented JSON shapes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class StandIn:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: The next answers (status, JSON body); empty: the success shape of the provider.
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _success(headers: dict[str, str], n: int) -> dict[str, Any]:
    if headers.get("X-TC-Action"):
        return {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": f"serial-{n}",
                        "PhoneNumber": "+8613812345678",
                        "Fee": 1,
                        "SessionContext": "",
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": f"request-{n}",
            }
        }
    return {"Code": "OK", "BizId": f"biz-{n}", "RequestId": f"request-{n}", "Message": "OK"}


def serve() -> Iterator[StandIn]:
    state: StandIn

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers.items())
            parts = urlsplit(self.path)
            state.requests.append(
                {
                    "path": parts.path,
                    "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                    "headers": {k.lower(): v for k, v in headers.items()},
                    "json": json.loads(body) if body.startswith(b"{") else None,
                }
            )
            status, answer = (
                state.answers.pop(0)
                if state.answers
                else (200, _success(headers, len(state.requests)))
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

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
