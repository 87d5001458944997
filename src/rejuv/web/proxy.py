"""Believing a reverse proxy about who the client is (REJUV_TRUSTED_PROXIES).

Behind nginx every request's socket peer is nginx, so the per-address login and send limits would count every
person together: one stranger could lock everyone out. This middleware puts the real client address back, but
only for requests whose socket peer is a listed proxy. Anyone else's X-Forwarded-For is ignored, since a client
can write whatever it likes there.

The rule is the right-most X-Forwarded-For entry that is not itself a trusted proxy. Each proxy appends the
address it received the request from, so reading from the right walks back through our own proxies; the first
address that is not one of them was written by our outermost proxy about its peer, and nobody else could have
written it. Entries further left came from the client and are never read. When that entry is not an IP
address (nginx always writes one, so this means a misconfigured proxy), the proxy's own address is kept:
better one shared limit than a bucket the client can name.

Why not uvicorn's ProxyHeadersMiddleware (0.54 was read): it applies the same right-most rule and handles
networks, but it quietly keeps an unparsable trusted entry as a literal host name, takes an unparsable
forwarded entry as the client (a bucket the sender names), and does not map IPv4-mapped IPv6 peers to IPv4.
This one is a plain ASGI callable (no BaseHTTPMiddleware, which costs a task per request), fed networks that
settings.py has already validated.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from rejuv.settings import IpNetwork

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = {"http": ("http", "ws"), "https": ("https", "wss")}  # forwarded proto -> (http scheme, websocket scheme)


class TrustedProxies:
    """Replace the client address (and scheme) with what a trusted proxy forwarded; leave others untouched."""

    def __init__(self, app: ASGIApp, networks: Iterable[IpNetwork]) -> None:
        self.app = app
        self.networks = tuple(networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if peer and self.trusts(peer[0]):
                scope = self._rewritten(scope)
        await self.app(scope, receive, send)

    def trusts(self, host: str) -> bool:
        address = parse_address(host)
        return address is not None and any(address in network for network in self.networks)

    def _rewritten(self, scope: Scope) -> Scope:
        forwarded_for: list[str] = []
        proto: str | None = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1")
        scope = dict(scope)  # a copy: the server's scope is not ours to change
        client = self.client_from(",".join(forwarded_for))
        if client is not None:
            scope["client"] = (client, 0)
        if proto is not None:
            # The nearest proxy's view is the right-most value; anything else is ignored.
            schemes = SCHEMES.get(proto.rsplit(",", 1)[-1].strip().lower())
            if schemes is not None:
                scope["scheme"] = schemes[0] if scope["type"] == "http" else schemes[1]
        return scope

    def client_from(self, forwarded_for: str) -> str | None:
        """The right-most entry that is not a trusted proxy, or None to keep the socket peer."""
        if not forwarded_for.strip():
            return None
        last_trusted: IpAddress | None = None
        for entry in reversed(forwarded_for.split(",")):
            address = parse_address(entry.strip())
            if address is None:
                return None  # not an address: our proxy did not write this, so believe nothing further left
            if not any(address in network for network in self.networks):
                return str(address)
            last_trusted = address
        # Every hop is one of our proxies (a health check from the proxy host itself): the left-most is the client.
        return None if last_trusted is None else str(last_trusted)


def parse_address(text: str) -> IpAddress | None:
    """An address as proxies write it: bare, IPv4 with a port, or [IPv6] with or without a port.

    IPv4-mapped IPv6 addresses (::ffff:10.0.0.1, what a dual-stack socket reports) become IPv4, so a proxy listed
    as 10.0.0.1 is recognised either way and one client never counts as two.
    """
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
