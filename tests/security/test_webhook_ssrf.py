"""The webhook SSRF guard (issue 10, ADR 0012): every non-public range refused (IPv4 inside IPv6
included), the validated address pinned for the connection (a rebinding DNS answer is never
used), and errors that reveal neither resolved addresses nor port state."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from qiwang.errors import ServiceError
from qiwang.webhooks import services
from qiwang.webhooks.services import check_url

REFUSED = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space (carrier NAT)
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fec0::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:8.8.8.8",
    "::127.0.0.1",  # IPv4-compatible
    "::a00:1",
    "::ffff:0:7f00:1",  # IPv4-translated
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:db8::1",  # documentation
]
ALLOWED = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2400:3200::1"]


@pytest.fixture
def resolver(monkeypatch):
    """The system resolver answering from a table (a DNS server the attacker controls); counts
    the lookups per name."""
    table: dict[str, list[str]] = {}
    calls: dict[str, int] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            return real(host, port, *args, **kwargs)
        calls[host] = calls.get(host, 0) + 1
        answers = table[host]
        address = answers[min(calls[host], len(answers)) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table, calls


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(settings, resolver, address):
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = False
    resolver[0]["hooks.example.cn"] = [address]
    with pytest.raises(ServiceError):
        check_url("https://hooks.example.cn/x")


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(settings, resolver, address):
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = False
    resolver[0]["hooks.example.cn"] = [address]
    assert check_url("https://hooks.example.cn/x") == "https://hooks.example.cn/x"


@pytest.mark.parametrize("inner", ["127.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe"])
def test_a_name_resolving_inside_is_refused_with_the_same_sentence_as_no_name(
    settings, resolver, inner
):
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = False
    table, _calls = resolver
    table["hooks.attacker.example"] = [inner]
    with pytest.raises(ServiceError) as inside:
        check_url("https://hooks.attacker.example/x")
    with pytest.raises(ServiceError) as missing:
        check_url("https://no-such-host.invalid/x")
    assert inside.value.text == missing.value.text
    assert inner not in inside.value.text and "attacker" not in inside.value.text


class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.server.seen.append(
            (self.headers.get("Host"), self.rfile.read(int(self.headers["Content-Length"])))
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _server(address):
    server = ThreadingHTTPServer((address, 0), _Recorder)
    server.seen = []
    Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_validated_address_is_the_one_connected_to(settings, resolver):
    """DNS rebinding: the first answer passes the check, later answers point elsewhere. The POST
    must reach the first address — the name is resolved once per attempt."""
    settings.QIWANG_WEBHOOK_ALLOW_HTTP = True
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = True  # a local test bed stands in for both sides
    good, evil = _server("127.0.0.1"), _server("127.0.0.2")
    port = good.server_address[1]
    evil.server_close()
    evil = ThreadingHTTPServer(("127.0.0.2", port), _Recorder)
    evil.seen = []
    Thread(target=evil.serve_forever, daemon=True).start()
    table, calls = resolver
    table["hooks.rebind.example"] = ["127.0.0.1", "127.0.0.2"]
    try:
        status, error = services._post(
            f"http://hooks.rebind.example:{port}/hook", b"{}", {"Content-Type": "application/json"}
        )
    finally:
        good.shutdown()
        evil.shutdown()
    assert (status, error) == (200, "")
    assert calls["hooks.rebind.example"] == 1
    assert good.seen == [(f"hooks.rebind.example:{port}", b"{}")]
    assert evil.seen == []


def test_a_closed_port_and_an_unanswered_one_read_the_same(settings):
    settings.QIWANG_WEBHOOK_ALLOW_HTTP = True
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = True
    settings.QIWANG_WEBHOOK_TIMEOUT = 0.5
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    closed_port = listening.getsockname()[1]
    listening.close()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)  # accepts the connection, never answers
    try:
        closed = services._post(f"http://127.0.0.1:{closed_port}/", b"{}", {})
        unanswered = services._post(f"http://127.0.0.1:{silent.getsockname()[1]}/", b"{}", {})
    finally:
        silent.close()
    assert closed == unanswered
    assert closed[0] is None and str(closed_port) not in closed[1]
