"""Security headers on every response (the CSP allows only this origin: nothing comes from a CDN), and a
`Server-Timing: app;dur=…` header giving the time spent in the app until the response started, which is how
the page benchmark separates server time from network time."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS: list[tuple[bytes, bytes]] = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = 1000 * (time.perf_counter() - started)
                timing = (b"server-timing", f"app;dur={elapsed_ms:.2f}".encode())
                message["headers"] = [*message.get("headers", []), *HEADERS, timing]
            await send(message)

        await self.app(scope, receive, send_with_headers)
