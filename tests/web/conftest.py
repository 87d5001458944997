"""In-process HTTP fixtures: each test gets its own app and database; the knowledge base loads once.

`client` runs on SQLite. `db_client` runs the same test on SQLite and on the throw-away PostgreSQL server that
scripts/test.sh starts (skipped with a reason when run outside it, an error when CI=true).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rejuv.services.advice import Advisor
from rejuv.settings import Settings
from rejuv.web.app import create_app


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return Advisor.load()


def _client(tmp_path: Path, url: str, advisor: Advisor, **overrides: object) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="t" * 40, **overrides)  # type: ignore[arg-type]
    app = create_app(settings, advisor)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def client(tmp_path: Path, advisor: Advisor) -> Iterator[TestClient]:
    yield from _client(tmp_path, f"sqlite:///{tmp_path / 'web.db'}", advisor)


@pytest.fixture
def db_client(database_url: str, tmp_path: Path, advisor: Advisor) -> Iterator[TestClient]:
    """The same test on SQLite and on PostgreSQL (the `database_url` fixture of tests/conftest.py)."""
    yield from _client(tmp_path, database_url, advisor)
