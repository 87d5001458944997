"""Fixtures shared by every test folder: the shipped knowledge base (loaded once) and the contract schemas."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rejuv.knowledge.loader import DATA_DIR, KnowledgeBase, load_knowledge_base
from rejuv.storage.scratch import scratch_database

CONTRACTS = Path(__file__).parents[1] / "src" / "rejuv" / "contracts"
SHARED_EXAMPLES = Path(__file__).parents[2] / "shared" / "contracts" / "examples"
POSTGRES_URL = os.environ.get("REJUV_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once SQLite and once the throw-away PostgreSQL server scripts/test.sh starts.

    Run alone (plain `pytest`) the PostgreSQL half is skipped with a reason saying so; in CI (CI=true) a
    missing server is an error instead, so the PostgreSQL half can never silently stop running.
    """
    if request.param == "postgresql" and not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("REJUV_TEST_POSTGRES_URL is not set in CI: run the suite through scripts/test.sh")
        pytest.skip("PostgreSQL half: run through scripts/test.sh, which starts a throw-away server")
    with scratch_database(request.param, tmp_path, POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def intake_schema() -> dict[str, Any]:
    return json.loads((CONTRACTS / "intake.schema.json").read_text())


@pytest.fixture(scope="session")
def recommendation_schema() -> dict[str, Any]:
    return json.loads((CONTRACTS / "recommendation.schema.json").read_text())


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge folder, for tests that edit the data."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target
