"""Where a webhook may go, and the one connection that goes there (SSRF guard, ADR 0012).

- :func:`resolve` checks the URL and resolves its host **once**; every address the name
  resolves to must be public (unless ``QIWANG_WEBHOOK_ALLOW_PRIVATE``), and IPv6 forms that
  carry an IPv4 address inside (``::ffff:a.b.c.d``, ``::a.b.c.d``, NAT64 ``64:ff9b::/96`` and
  ``64:ff9b:1::/48``, 6to4 ``2002::/16``, Teredo ``2001::/32``) are refused outright.
- :func:`post` connects to exactly the address :func:`resolve` validated — no second lookup
  that a rebinding DNS server could answer differently — while TLS still checks the certificate
  against the host name and the ``Host`` header names it.
- Errors are uniform: one sentence for "no such host" and "not a public address", one for any
  failure to connect, so that the forms and the delivery log reveal neither internal names,
  resolved addresses nor which ports are open. Details go to the server log.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from qiwang.errors import ServiceError

logger = logging.getLogger(__name__)

#: IPv6 networks that embed or translate to an IPv4 address, or tunnel to one.
EMBEDDING_IPV4 = tuple(
    ipaddress.ip_network(net)
    for net in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::/96",  # IPv4-compatible (deprecated), includes :: and ::1
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use prefix
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
    )
)


def is_public(address: str) -> bool:
    """Whether ``address`` is a global unicast address outside every range that reaches an
    internal network (private, loopback, link-local, shared, reserved, multicast, IPv4 inside
    IPv6)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and (
        ip.is_site_local or any(ip in net for net in EMBEDDING_IPV4)
    ):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


@dataclass(frozen=True)
class Target:
    """A checked URL and the one address its connection will use."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _unusable() -> ServiceError:
    return ServiceError(
        _(
            "This address cannot receive webhooks: use a public https:// address whose host "
            "name can be found."
        ),
        field="url",
    )


def resolve(url: str) -> Target:
    """The URL's parts and one validated address; ServiceError (field ``url``) otherwise."""
    url = str(url or "").strip()
    parts = urllib.parse.urlsplit(url)
    allow_http = bool(settings.QIWANG_WEBHOOK_ALLOW_HTTP)
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ServiceError(_("Enter an https:// address."), field="url")
    if parts.username or parts.password:
        raise ServiceError(_("Put no user name or password in the address."), field="url")
    if len(url) > 500:
        raise ServiceError(_("The address is at most 500 characters."), field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError) as error:
        logger.info("webhook host %r not resolved: %s", parts.hostname, error)
        raise _unusable() from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise _unusable()
    if not settings.QIWANG_WEBHOOK_ALLOW_PRIVATE and not all(map(is_public, addresses)):
        logger.info("webhook host %r resolves to a non-public address", parts.hostname)
        raise _unusable()
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address connected to.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """POST ``body`` to ``url`` through one validated address; (status code, error text).

    Redirects are not followed (a 3xx is the receiver's answer); network failures of any kind
    give the same sentence. Never raises."""
    try:
        target = resolve(url)
    except ServiceError as error:
        return None, error.text[:300]
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(1024)
        status = response.status
    except (OSError, http.client.HTTPException, ValueError) as error:
        logger.info("webhook POST to %s failed: %r", target.host, error)
        return None, _("The receiver could not be reached.")
    finally:
        connection.close()
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status}"
