"""Security headers on every response (the CSP allows only this origin: nothing comes from a CDN; no-store
except for static files), and a
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
# Pages and files can hold personal data (a patient's record, a person's answers, the PDF summary): no browser
# or proxy may keep a copy, so the back button on a shared clinic computer shows nothing after logout.
NO_STORE = (b"cache-control", b"no-store")
CACHEABLE_PREFIXES = ("/static/",)


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
                headers = [*message.get("headers", []), *HEADERS, timing]
                if not scope.get("path", "").startswith(CACHEABLE_PREFIXES) and not any(
                    name.lower() == b"cache-control" for name, _value in headers
                ):
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
