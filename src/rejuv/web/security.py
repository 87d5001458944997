"""Sessions, CSRF tokens and login rate limiting for the clinician workspace and every form.

The session is a signed, HTTP-only, SameSite=Lax cookie holding a random CSRF token and, once logged in, the
user id; it never holds anything a person typed. Each form carries the token in a hidden field (the JSON API in
an `X-CSRF-Token` header) and a state-changing request whose token does not match the cookie's is refused.
Logging in issues a fresh token, so a token planted before login is useless afterwards (session fixation).

Rate limits: `SharedRateLimiter` counts attempts in the database so every server process shares one count.
docs/security.md has the threat model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from rejuv.settings import Settings

COOKIE_NAME = "rejuv_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class NotAuthenticated(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


class WrongRole(Exception):
    """Logged in, but this role may not do this: 403 (audited under `username`)."""

    def __init__(self, username: str | None = None) -> None:
        self.username = username
        super().__init__(f"{username or 'this user'}'s role does not allow this")


class CsrfRefused(Exception):
    """The form or request carried no CSRF token, or not the session's: 403."""


class TooManyAttempts(Exception):
    """Over a rate limit: 429 with Retry-After (seconds until the oldest counted attempt leaves the window)."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"too many failed logins; try again in {retry_after_seconds} s")


@dataclass
class WebSession:
    csrf: str
    user_id: int | None = None
    changed: bool = False
    version: int = 0  # the user's session_version when this session logged in


class SessionCodec:
    def __init__(self, settings: Settings) -> None:
        self._serializer = URLSafeTimedSerializer(settings.secret_key, salt="rejuv.session.v1")
        self._max_age = settings.session_max_age_seconds
        self._secure = settings.cookie_secure

    def read(self, request: Request) -> WebSession:
        """The request's session (cached on the request); a missing or forged cookie gives a new session."""
        cached = getattr(request.state, "web_session", None)
        if isinstance(cached, WebSession):
            return cached
        session = self._decode(request.cookies.get(COOKIE_NAME))
        request.state.web_session = session
        return session

    def _decode(self, raw: str | None) -> WebSession:
        if raw:
            try:
                data = self._serializer.loads(raw, max_age=self._max_age)
                csrf, uid, version = data.get("csrf"), data.get("uid"), data.get("sv", 0)
                if isinstance(csrf, str) and (uid is None or isinstance(uid, int)) and isinstance(version, int):
                    return WebSession(csrf=csrf, user_id=uid, version=version)
            except (BadSignature, AttributeError, TypeError, ValueError):
                pass
        return WebSession(csrf=secrets.token_urlsafe(32), changed=True)

    def save(self, request: Request, response: Response) -> None:
        """Set the cookie if the session is new or changed; cheap no-op otherwise."""
        session = getattr(request.state, "web_session", None)
        if isinstance(session, WebSession) and session.changed:
            response.set_cookie(
                COOKIE_NAME,
                self._serializer.dumps({"csrf": session.csrf, "uid": session.user_id, "sv": session.version}),
                max_age=self._max_age,
                httponly=True,
                secure=self._secure,
                samesite="lax",
                path="/",
            )

    @staticmethod
    def log_in(session: WebSession, user_id: int, version: int = 0) -> None:
        session.user_id = user_id
        session.version = version
        session.csrf = secrets.token_urlsafe(32)
        session.changed = True

    @staticmethod
    def log_out(session: WebSession) -> None:
        session.user_id = None
        session.version = 0
        session.csrf = secrets.token_urlsafe(32)
        session.changed = True


def check_csrf(session: WebSession, submitted: str | None) -> None:
    """Refuse unless the submitted token equals the one in a session cookie the browser already had."""
    if not submitted or not hmac.compare_digest(session.csrf.encode(), submitted.encode()):
        raise CsrfRefused()


class RateLimiter(Protocol):
    """What the login and send routes call: `check` before the work, `succeed` when it went right."""

    def check(self, client: str, username: str, now: float | None = None) -> None: ...
    def succeed(self, client: str, username: str) -> None: ...
    def reset(self) -> None: ...


class AttemptStore(Protocol):
    """The storage side of SharedRateLimiter (storage/rate_limits.py SqlRateLimitEvents; a fake in tests)."""

    def admit(self, buckets: Sequence[tuple[str, int]], now: dt.datetime, window: dt.timedelta) -> int | None: ...
    def give_back(self, bucket: str, clear: Sequence[str] = ()) -> None: ...
    def sweep(self, prefix: str, cutoff: dt.datetime) -> int: ...
    def clear(self, prefix: str) -> None: ...


class SharedRateLimiter:
    """Attempts per client address and per username within a sliding window, counted in the database so every
    server process and restart sees one count.

    An attempt is counted atomically when it starts, before the slow password check (a parallel burst of N
    attempts admits at most the limit, in every process together); `succeed` gives the address its attempt
    back and clears the username's. The per-address limit stops one address guessing many passwords; the
    per-username limit, four times higher so one stranger cannot lock a clinician out with a handful of
    tries, stops many addresses guessing one account. `name` keeps the
    buckets of different limiters (logins, sends) apart in the one table. `now` is wall-clock UNIX seconds
    (`time.time()`), not monotonic, because several machines compare it; keep their clocks in sync (NTP).

    Usernames are stored as a hash: people sometimes type their password into the username box, and the
    events table should not keep it even for a window. Addresses are kept as they are, so an operator can see
    which address is blocked.
    """

    USERNAME_FACTOR = 4
    MAX_BUCKET_CHARS = 160  # rate_limit_events.bucket is String(160)

    def __init__(self, store: AttemptStore, name: str, attempts: int, window_seconds: int) -> None:
        if not name.isascii() or not name.isalpha():
            raise ValueError(f"a limiter name is letters only (its buckets start with '<name>-'), not {name!r}")
        self.store = store
        self.name = name
        self.attempts = attempts
        self.window = window_seconds
        self._next_sweep = -float("inf")
        self._sweep_lock = threading.Lock()

    def check(self, client: str, username: str, now: float | None = None) -> None:
        """Refuse (TooManyAttempts) or count this attempt; call `succeed` if the password was right."""
        now = time.time() if now is None else now
        at = dt.datetime.fromtimestamp(now, dt.UTC)
        window = dt.timedelta(seconds=self.window)
        retry_after = self.store.admit(
            [
                (self._address_bucket(client), self.attempts),
                (self._user_bucket(username), self.attempts * self.USERNAME_FACTOR),
            ],
            at,
            window,
        )
        self._maybe_sweep(now, at - window)
        if retry_after is not None:
            raise TooManyAttempts(retry_after)

    def succeed(self, client: str, username: str) -> None:
        """A right password: give the address its attempt back and clear the username's failures."""
        self.store.give_back(self._address_bucket(client), clear=[self._user_bucket(username)])

    def reset(self) -> None:
        """Forget every attempt of this limiter (an admin action, and how tests start from a clean slate)."""
        self.store.clear(f"{self.name}-")

    def _maybe_sweep(self, now: float, cutoff: dt.datetime) -> None:
        """Once a window per process, delete expired events of buckets nobody checks any more."""
        with self._sweep_lock:
            if now < self._next_sweep:
                return
            self._next_sweep = now + self.window
        self.store.sweep(f"{self.name}-", cutoff)

    def _address_bucket(self, client: str) -> str:
        return self._bucket("ip", client)

    def _user_bucket(self, username: str) -> str:
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        return self._bucket("user", digest)

    def _bucket(self, kind: str, key: str) -> str:
        bucket = f"{self.name}-{kind}:{key}"
        if len(bucket) > self.MAX_BUCKET_CHARS:  # an odd client string: keep it distinct, and storable
            bucket = f"{self.name}-{kind}#{hashlib.sha256(key.encode()).hexdigest()}"
        return bucket
