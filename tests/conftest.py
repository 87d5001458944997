"""Fixtures shared by every test folder: the shipped knowledge base (loaded once) and the contract schemas."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from rejuv.knowledge.loader import DATA_DIR, KnowledgeBase, load_knowledge_base

CONTRACTS = Path(__file__).parents[1] / "src" / "rejuv" / "contracts"
SHARED_EXAMPLES = Path(__file__).parents[2] / "shared" / "contracts" / "examples"


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
