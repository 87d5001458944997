"""The login rate limiter holds under parallel guessing and does not lock out a right password."""

from __future__ import annotations

import pytest

from rejuv.web.security import LoginRateLimiter, TooManyAttempts


def test_a_burst_of_guesses_started_together_is_limited_before_any_password_is_checked() -> None:
    limiter = LoginRateLimiter(attempts=5, window_seconds=300)
    admitted = 0
    for _ in range(40):  # every request calls check() before the first slow password check has finished
        try:
            limiter.check("10.0.0.9", "dr", now=1000.0)
            admitted += 1
        except TooManyAttempts:
            pass
    assert admitted == 5


def test_a_right_password_gives_its_attempt_back() -> None:
    limiter = LoginRateLimiter(attempts=2, window_seconds=300)
    for _ in range(10):
        limiter.check("10.0.0.9", "dr", now=1000.0)
        limiter.succeed("10.0.0.9", "dr")
    limiter.check("10.0.0.9", "dr", now=1000.0)  # still allowed: successes do not use up the limit


def test_a_stranger_needs_many_more_tries_to_lock_an_account_than_to_block_their_own_address() -> None:
    limiter = LoginRateLimiter(attempts=5, window_seconds=300)
    for address in range(4):
        for _ in range(5):
            limiter.check(f"10.0.0.{address}", "dr", now=1000.0)
    with pytest.raises(TooManyAttempts):
        limiter.check("10.0.0.99", "dr", now=1000.0)  # 20 failures on one account: refused from anywhere
    limiter.check("10.0.0.99", "someone.else", now=1000.0)


def test_attempts_expire_after_the_window() -> None:
    limiter = LoginRateLimiter(attempts=1, window_seconds=300)
    limiter.check("10.0.0.9", "dr", now=1000.0)
    with pytest.raises(TooManyAttempts) as caught:
        limiter.check("10.0.0.9", "dr", now=1100.0)
    assert caught.value.retry_after_seconds == 201
    limiter.check("10.0.0.9", "dr", now=1301.0)


def test_the_limiter_forgets_idle_keys_instead_of_growing_without_bound() -> None:
    limiter = LoginRateLimiter(attempts=5, window_seconds=10)
    limiter.MAX_KEYS = 50
    for index in range(500):
        limiter.check(f"10.0.{index // 250}.{index % 250}", f"user{index}", now=float(index * 20))
    assert len(limiter._attempts) <= 52
