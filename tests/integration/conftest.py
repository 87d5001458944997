"""Fixtures for storage tests: every test runs once on SQLite and once on the throw-away PostgreSQL server.

scripts/test.sh starts PostgreSQL and exports REJUV_TEST_POSTGRES_URL. Run alone (plain `pytest`) the
PostgreSQL half is skipped with a reason saying so; in CI (CI=true) a missing server is an error instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rejuv.storage.database import make_engine, make_session_factory, migrate
from rejuv.storage.scratch import scratch_database
from rejuv.storage.uow import SqlUnitOfWork

POSTGRES_URL = os.environ.get("REJUV_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql" and not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("REJUV_TEST_POSTGRES_URL is not set in CI: run the suite through scripts/test.sh")
        pytest.skip("PostgreSQL half: run through scripts/test.sh, which starts a throw-away server")
    with scratch_database(request.param, tmp_path, POSTGRES_URL) as url:
        yield url


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
