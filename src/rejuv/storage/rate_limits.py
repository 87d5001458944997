"""Rate-limit events kept in the database (table rate_limit_events), so every server process counts together.

With several uvicorn workers or app servers, an in-memory count lets a guesser multiply the limit by the
number of processes. Here an attempt is a row (bucket, at); a bucket is full when it holds `limit` rows
newer than the window.

Check-and-add must be atomic, or a parallel burst would see the same count and all pass:
- SQLite: `BEGIN IMMEDIATE` takes the database's single write lock before counting, so checks run one at a
  time (each is a few statements; waiters queue on the busy timeout set in storage/database.py).
- PostgreSQL: row locks cannot guard rows that do not exist yet (SELECT ... FOR UPDATE on an empty bucket
  locks nothing, so two inserts would both pass). Instead each transaction takes a transaction-scoped
  advisory lock per bucket (`pg_advisory_xact_lock`), in sorted order so two checks sharing buckets cannot
  deadlock. Different buckets do not wait for each other; a hash collision only makes two buckets share a
  lock, never a count.

This module knows nothing of HTTP: it answers "admitted" or "retry in N seconds", and the web layer
(web/security.py SharedRateLimiter) turns that into the 429.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import cast

from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, func, insert, select, text

from rejuv.storage.tables import RateLimitEventRow

EVENTS = cast(Table, RateLimitEventRow.__table__)  # the Core table: no ORM session, no identity map
SUPPORTED_DIALECTS = ("sqlite", "postgresql")


class SqlRateLimitEvents:
    """Atomic count-and-add of rate-limit events, shared by every process using the same database."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in SUPPORTED_DIALECTS:
            raise ValueError(
                f"REJUV_DATABASE_URL: shared rate limits need SQLite or PostgreSQL, not {engine.dialect.name}"
            )
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    def admit(self, buckets: Sequence[tuple[str, int]], now: dt.datetime, window: dt.timedelta) -> int | None:
        """Add one event to every bucket and return None, or, if one holds `limit` events within the window,
        add nothing and return the seconds until its oldest event leaves the window (at least 1).

        Each bucket's expired events are deleted on the way, so an active bucket never grows past its limit.
        """
        cutoff = now - window
        with self._locked([bucket for bucket, _limit in buckets]) as conn:
            retry_after: int | None = None
            for bucket, limit in buckets:
                conn.execute(delete(EVENTS).where(EVENTS.c.bucket == bucket, EVENTS.c.at <= cutoff))
                count, oldest = conn.execute(
                    select(func.count(), func.min(EVENTS.c.at)).where(EVENTS.c.bucket == bucket)
                ).one()
                if count >= limit and retry_after is None:
                    retry_after = max(1, math.floor((oldest + window - now).total_seconds()) + 1)
            if retry_after is None:
                conn.execute(insert(EVENTS), [{"bucket": bucket, "at": now} for bucket, _limit in buckets])
            conn.commit()
            return retry_after

    def give_back(self, bucket: str, clear: Sequence[str] = ()) -> None:
        """Delete `bucket`'s newest event (an attempt that turned out fine) and every event of the `clear` buckets."""
        with self._locked([bucket, *clear]) as conn:
            newest = conn.execute(
                select(EVENTS.c.id).where(EVENTS.c.bucket == bucket).order_by(EVENTS.c.at.desc(), EVENTS.c.id.desc())
            ).first()
            if newest is not None:
                conn.execute(delete(EVENTS).where(EVENTS.c.id == newest.id))
            if clear:
                conn.execute(delete(EVENTS).where(EVENTS.c.bucket.in_(clear)))
            conn.commit()

    def sweep(self, prefix: str, cutoff: dt.datetime) -> int:
        """Delete the expired events of every bucket starting with `prefix` (idle buckets are never checked
        again, so nothing else would remove them); returns how many went."""
        with self._engine.connect() as conn:
            result = conn.execute(delete(EVENTS).where(_starts_with(prefix), EVENTS.c.at <= cutoff))
            conn.commit()
            return int(result.rowcount)

    def clear(self, prefix: str) -> None:
        """Delete every event of the buckets starting with `prefix`."""
        with self._engine.connect() as conn:
            conn.execute(delete(EVENTS).where(_starts_with(prefix)))
            conn.commit()

    def count(self, prefix: str) -> int:
        """How many events the buckets starting with `prefix` hold (for tests and an operator's curiosity)."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(_starts_with(prefix))).scalar_one())

    @contextmanager
    def _locked(self, buckets: Sequence[str]) -> Iterator[Connection]:
        """A connection inside a transaction that no other check of these buckets can interleave with."""
        with self._engine.connect() as conn:
            if self._postgres:
                for key in sorted({_lock_key(bucket) for bucket in buckets}):
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn  # leaving without commit() rolls back, which also releases the locks


def _lock_key(bucket: str) -> int:
    """A stable signed 64-bit advisory-lock key for a bucket (the same in every process, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(bucket.encode(), digest_size=8).digest(), "big", signed=True)


def _starts_with(prefix: str) -> ColumnElement[bool]:
    # LIKE (escaped) rather than a range: a range's upper bound depends on the database's collation.
    return EVENTS.c.bucket.startswith(prefix, autoescape=True)
