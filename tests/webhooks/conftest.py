"""Webhook fixtures: a real HTTP server on 127.0.0.1 (stdlib, in a thread) that records what it
receives and answers with a scripted list of behaviours; settings that allow it."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    #: What to answer, in order: an HTTP status, or ("sleep", seconds). The last one repeats.
    script: list[object] = field(default_factory=lambda: [200])


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            step = state.script.pop(0) if len(state.script) > 1 else state.script[0]
            if isinstance(step, tuple):
                time.sleep(step[1])
                step = 200
            self.send_response(int(step))
            self.send_header("Content-Length", "2")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(b"ok")

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Tests post to a plain-http server on the loopback address."""
    from qiwang.webhooks.services import invalidate_cache

    settings.QIWANG_WEBHOOK_ALLOW_HTTP = True
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = True
    settings.QIWANG_WEBHOOK_TIMEOUT = 0.5
    invalidate_cache()
    yield settings
    invalidate_cache()
