"""Fixtures for storage tests: every test runs once on SQLite and once on the throw-away PostgreSQL server.

scripts/test.sh starts PostgreSQL and exports REJUV_TEST_POSTGRES_URL. Run alone (plain `pytest`) the
PostgreSQL half is skipped with a reason saying so; in CI (CI=true) a missing server is an error instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rejuv.storage.database import make_engine, make_session_factory, migrate
from rejuv.storage.uow import SqlUnitOfWork


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def uow(session_factory: sessionmaker[Session]) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory)
