"""The login rate limiter holds under parallel guessing and does not lock out a right password.

The rules are checked on `SharedRateLimiter` (the app's, counted in the database). Two apps on one database
stand for two server processes and must share one count, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rejuv.services.advice import Advisor
from rejuv.settings import Settings
from rejuv.storage.database import make_engine, migrate
from rejuv.storage.rate_limits import SqlRateLimitEvents
from rejuv.web.app import create_app
from rejuv.web.security import RateLimiter, SharedRateLimiter, TooManyAttempts

from tests.web.tests_web_support import PASSWORD, add_user

MakeLimiter = Callable[[int, int], RateLimiter]


@pytest.fixture
def make_limiter(tmp_path: Path) -> Iterator[MakeLimiter]:
    engine = make_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    migrate(engine)
    yield lambda attempts, window: SharedRateLimiter(SqlRateLimitEvents(engine), "login", attempts, window)
    engine.dispose()


def test_a_burst_of_guesses_started_together_is_limited_before_any_password_is_checked(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(5, 300)
    admitted = 0
    for _ in range(40):  # every request calls check() before the first slow password check has finished
        try:
            limiter.check("10.0.0.9", "dr", now=1000.0)
            admitted += 1
        except TooManyAttempts:
            pass
    assert admitted == 5


def test_a_right_password_gives_its_attempt_back(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(2, 300)
    for _ in range(10):
        limiter.check("10.0.0.9", "dr", now=1000.0)
        limiter.succeed("10.0.0.9", "dr")
    limiter.check("10.0.0.9", "dr", now=1000.0)  # still allowed: successes do not use up the limit


def test_a_stranger_needs_many_more_tries_to_lock_an_account_than_to_block_their_own_address(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(5, 300)
    for address in range(4):
        for _ in range(5):
            limiter.check(f"10.0.0.{address}", "dr", now=1000.0)
    with pytest.raises(TooManyAttempts):
        limiter.check("10.0.0.99", "dr", now=1000.0)  # 20 failures on one account: refused from anywhere
    with pytest.raises(TooManyAttempts):
        limiter.check("10.0.0.99", " DR ", now=1000.0)  # the same account however it is typed
    limiter.check("10.0.0.99", "someone.else", now=1000.0)


def test_attempts_expire_after_the_window(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(1, 300)
    limiter.check("10.0.0.9", "dr", now=1000.0)
    with pytest.raises(TooManyAttempts) as caught:
        limiter.check("10.0.0.9", "dr", now=1100.0)
    assert caught.value.retry_after_seconds == 201
    limiter.check("10.0.0.9", "dr", now=1301.0)


def test_reset_forgets_every_attempt(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(1, 300)
    limiter.check("10.0.0.9", "dr", now=1000.0)
    limiter.reset()
    limiter.check("10.0.0.9", "dr", now=1000.0)


def test_the_shared_limiter_keeps_login_and_send_counts_apart(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    migrate(engine)
    events = SqlRateLimitEvents(engine)
    logins = SharedRateLimiter(events, "login", attempts=1, window_seconds=300)
    sends = SharedRateLimiter(events, "send", attempts=1, window_seconds=300)
    logins.check("10.0.0.9", "10.0.0.9", now=1000.0)
    sends.check("10.0.0.9", "10.0.0.9", now=1000.0)  # its own bucket: not refused by the login
    logins.reset()
    with pytest.raises(TooManyAttempts):
        sends.check("10.0.0.9", "10.0.0.9", now=1000.0)  # resetting logins left the sends alone
    engine.dispose()


def test_a_typed_username_is_not_stored_in_the_events_table(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    migrate(engine)
    SharedRateLimiter(SqlRateLimitEvents(engine), "login", 5, 300).check("10.0.0.9", "My Secret Passw0rd")
    with engine.connect() as conn:
        buckets = [row[0] for row in conn.exec_driver_sql("SELECT bucket FROM rate_limit_events")]
    engine.dispose()
    assert "login-ip:10.0.0.9" in buckets
    assert not any("secret" in bucket.lower() for bucket in buckets)


def test_two_server_processes_on_one_database_share_the_login_limit(
    database_url: str, tmp_path: Path, advisor: Advisor
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="t" * 40)
    with (
        TestClient(create_app(settings, advisor), base_url="https://testserver") as first,
        TestClient(create_app(settings, advisor), base_url="https://testserver") as second,
    ):
        add_user(first, "dr", "clinician")
        for _ in range(settings.login_attempts_per_window):
            assert first.post("/api/session", json={"username": "dr", "password": "wrong guess"}).status_code == 401
        refused = second.post("/api/session", json={"username": "dr", "password": PASSWORD})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= settings.login_window_seconds + 1
