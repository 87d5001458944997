"""Rate-limit events in the database: atomic under parallel bursts, shared by two engines (two processes), pruned.

Runs on SQLite and on PostgreSQL (through scripts/test.sh), each in a fresh database.
"""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import Engine

from rejuv.storage.database import make_engine
from rejuv.storage.rate_limits import SqlRateLimitEvents
from rejuv.web.security import SharedRateLimiter, TooManyAttempts

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
WINDOW = dt.timedelta(seconds=300)


def burst(limiters: list[SharedRateLimiter], attempts: int, client: str = "203.0.113.9") -> int:
    """Start `attempts` checks from as many threads at once (round-robin over `limiters`); how many got in."""
    admitted: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(attempts)

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            limiters[index % len(limiters)].check(client, "dr")
            admitted.append(index)
        except TooManyAttempts:
            pass
        except BaseException as exc:  # a database error would otherwise vanish with its thread
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return len(admitted)


def test_a_parallel_burst_admits_exactly_the_limit(engine: Engine) -> None:
    limiter = SharedRateLimiter(SqlRateLimitEvents(engine), "login", attempts=5, window_seconds=300)
    assert burst([limiter], 24) == 5


def test_two_processes_on_one_database_share_one_count(engine: Engine, database_url: str) -> None:
    other_engine = make_engine(database_url)  # its own pool, as a second server process would have
    try:
        first = SharedRateLimiter(SqlRateLimitEvents(engine), "login", attempts=5, window_seconds=300)
        second = SharedRateLimiter(SqlRateLimitEvents(other_engine), "login", attempts=5, window_seconds=300)
        assert burst([first, second], 20) == 5
        try:
            second.check("203.0.113.9", "dr")
            raise AssertionError("the second process let a sixth attempt through")
        except TooManyAttempts as refused:
            assert 1 <= refused.retry_after_seconds <= 301
    finally:
        other_engine.dispose()


def test_a_full_bucket_adds_nothing_and_says_when_a_place_frees(engine: Engine) -> None:
    events = SqlRateLimitEvents(engine)
    buckets = [("login-ip:a", 2), ("login-user:b", 8)]
    assert events.admit(buckets, NOW, WINDOW) is None
    assert events.admit(buckets, NOW + dt.timedelta(seconds=100), WINDOW) is None
    assert events.admit(buckets, NOW + dt.timedelta(seconds=150), WINDOW) == 151  # the first leaves at +300
    assert events.count("login-ip:") == 2 and events.count("login-user:") == 2  # the refusal added nothing
    assert events.admit(buckets, NOW + dt.timedelta(seconds=300), WINDOW) is None  # exactly one window later


def test_giving_back_removes_the_newest_address_event_and_clears_the_username(engine: Engine) -> None:
    events = SqlRateLimitEvents(engine)
    for seconds in (0, 10, 20):
        events.admit([("login-ip:a", 5), ("login-user:b", 20)], NOW + dt.timedelta(seconds=seconds), WINDOW)
    events.give_back("login-ip:a", clear=["login-user:b"])
    assert events.count("login-ip:a") == 2 and events.count("login-user:b") == 0
    # The oldest two remain, so the retry time still counts from the first attempt.
    assert events.admit([("login-ip:a", 2)], NOW + dt.timedelta(seconds=30), WINDOW) == 271


def test_expired_events_of_idle_buckets_are_swept_and_other_limiters_are_left_alone(engine: Engine) -> None:
    events = SqlRateLimitEvents(engine)
    events.admit([("login-ip:old", 5)], NOW - dt.timedelta(seconds=400), WINDOW)
    events.admit([("login-ip:new", 5)], NOW, WINDOW)
    events.admit([("send-ip:old", 5)], NOW - dt.timedelta(seconds=400), WINDOW)
    assert events.sweep("login-", NOW - WINDOW) == 1
    assert events.count("login-") == 1 and events.count("send-") == 1
    events.clear("login-")
    assert events.count("login-") == 0 and events.count("send-") == 1


def test_a_limiter_sweeps_idle_buckets_once_a_window(engine: Engine) -> None:
    events = SqlRateLimitEvents(engine)
    limiter = SharedRateLimiter(events, "login", attempts=5, window_seconds=10)
    for index in range(200):  # 200 different addresses and names, each idle after one attempt
        limiter.check(f"10.0.{index // 250}.{index % 250}", f"user{index}", now=1000.0 + index * 2)
    # Two events (address and name) per attempt; only the last window's (about 5 attempts) may remain, plus
    # what accumulated since the last sweep (at most one more window).
    assert events.count("login-") <= 2 * 2 * (10 // 2 + 1)


def test_wildcards_in_a_prefix_are_taken_literally(engine: Engine) -> None:
    events = SqlRateLimitEvents(engine)
    events.admit([("login-ip:a", 5)], NOW, WINDOW)
    assert events.count("login_") == 0 and events.count("%") == 0
