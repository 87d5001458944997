"""Throw-away databases for tests and benchmarks: a fresh SQLite file, or a fresh PostgreSQL database.

Each test gets its own database, so tests never share state and can run in parallel (pytest-xdist).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(kind: str, workdir: Path, postgres_url: str | None = None) -> Iterator[str]:
    """Yield the URL of an empty database of `kind` ("sqlite" or "postgresql"); drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'rejuv-{uuid.uuid4().hex[:8]}.db'}"
        return
    if not postgres_url:
        raise RuntimeError("a PostgreSQL URL is needed (REJUV_TEST_POSTGRES_URL, set by scripts/test.sh)")
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
