"""The documentation tells the truth: generated pages are current and the README gives the two commands."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", ["docs/cli.md", "docs/rules.md"])
def test_generated_reference_pages_are_up_to_date(page: str) -> None:
    expected = _generator().PAGES[page]()
    actual = (ROOT / page).read_text(encoding="utf-8")
    assert actual == expected, f"{page} is stale: run .venv/bin/python scripts/gen_docs.py"


def test_the_readme_gives_the_two_set_up_commands_and_who_decides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme
    assert "qualified professional" in readme


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_project_defaults_citation_points_at_a_page_that_exists() -> None:
    knowledge = (ROOT / "docs" / "knowledge.md").read_text(encoding="utf-8")
    assert "## Project defaults" in knowledge
