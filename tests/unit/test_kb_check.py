"""`rejuv kb check`: the shipped base is valid, and each kind of mistake is caught and named.

Each file in tests/fixtures/kb_broken/ breaks a copy of the shipped base in one way and names the message
that must come out, with the file and the key, so a reviewer editing YAML is told exactly what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from rejuv.cli.main import app
from rejuv.domain.errors import KnowledgeError
from rejuv.engine import compile_rules
from rejuv.knowledge.loader import load_knowledge_base

BROKEN = sorted((Path(__file__).parents[1] / "fixtures" / "kb_broken").glob("*.yaml"))
runner = CliRunner()


def apply_edit(root: Path, edit: dict[str, Any]) -> None:
    target = root / edit["file"]
    if "write" in edit:
        target.write_text(edit["write"], encoding="utf-8")
    elif "append" in edit:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(edit["append"])
    else:
        old, new = edit["replace"]
        text = target.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"fixture's text to replace must occur exactly once in {edit['file']}: {old!r}"
        target.write_text(text.replace(old, new), encoding="utf-8")


def test_the_shipped_knowledge_base_passes_the_check() -> None:
    result = runner.invoke(app, ["kb", "check"])
    assert result.exit_code == 0, result.output
    assert "Knowledge base OK" in result.output


def test_there_is_a_broken_fixture_for_every_kind_of_error() -> None:
    assert len(BROKEN) >= 19


@pytest.mark.parametrize("fixture", BROKEN, ids=[p.stem for p in BROKEN])
def test_a_broken_knowledge_file_is_refused_with_its_file_and_key(fixture: Path, kb_copy: Path) -> None:
    case = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    apply_edit(kb_copy, case["edit"])
    result = runner.invoke(app, ["kb", "check", "--path", str(kb_copy)])
    assert result.exit_code == 1, result.output
    assert case["error"] in result.stderr, f"expected {case['error']!r} in:\n{result.stderr}"


def test_every_problem_is_reported_not_just_the_first(kb_copy: Path) -> None:
    for name in ("unknown_key", "missing_contract_concern", "unknown_file"):
        case = yaml.safe_load((BROKEN[0].parent / f"{name}.yaml").read_text(encoding="utf-8"))
        apply_edit(kb_copy, case["edit"])
    with pytest.raises(KnowledgeError) as caught:
        compile_rules(load_knowledge_base(kb_copy))
    joined = "\n".join(caught.value.problems)
    assert "colour: unknown key" in joined
    assert "prevention: the intake contract's concern id has no entry" in joined
    assert "notes.txt: unknown file" in joined
    assert "unknown treatment" not in joined  # a broken file is reported once, not again by every rule using it


def test_the_knowledge_version_is_a_content_hash(kb_copy: Path) -> None:
    first = load_knowledge_base(kb_copy).version
    assert load_knowledge_base(kb_copy).version == first
    concerns = kb_copy / "concerns.yaml"
    concerns.write_text(concerns.read_text(encoding="utf-8") + "\n# reviewed again\n", encoding="utf-8")
    assert load_knowledge_base(kb_copy).version != first
    assert first.startswith("kb-")
