"""The speed-ups on the recommend path give exactly what the straightforward code gives.

Each shortcut here could go wrong silently (a sentence written once at compile time for a rule whose text
does depend on the hit, an encoder-only document that differs from the contract dictionary), so each is
compared with the plain computation over generated intakes and hits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rejuv.domain.intake import Intake, Labs, Preferences, parse_intake
from rejuv.engine import recommend
from rejuv.engine.checks import Hit
from rejuv.engine.rules import CompiledRule, compile_rules
from rejuv.knowledge.loader import load_knowledge_base

from tests.conftest import CONTRACTS
from tests.strategies import from_schema

INTAKE_SCHEMA = json.loads((CONTRACTS / "intake.schema.json").read_text())
KB = load_knowledge_base()
RULES = compile_rules(KB)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _filled_per_hit(compiled: CompiledRule) -> CompiledRule:
    """The reference: the same rule with nothing written in advance, so every template is filled per hit."""
    return dataclasses.replace(
        compiled, fixed_text=None, fixed_mitigation=None, mitigation_per_hit=bool(compiled.rule.mitigation)
    )


@SETTINGS
@given(
    st.sampled_from(RULES),
    st.text(max_size=30),
    st.none() | st.text(max_size=20),
    st.none() | st.sampled_from(sorted(KB.treatments)),
)
def test_a_finding_reads_as_if_its_templates_were_filled_for_the_hit(
    compiled: CompiledRule, value: str, threshold: str | None, treatment: str | None
) -> None:
    hit = Hit(
        value=value, inputs=(("x", 1),), treatments=None if treatment is None else (treatment,), threshold=threshold
    )
    assert compiled.finding(hit) == _filled_per_hit(compiled).finding(hit)


def test_a_mitigation_naming_the_value_is_filled_for_each_hit() -> None:
    """No rule's mitigation names {value} today; the per-hit path for mitigations must still work."""
    compiled = next(c for c in RULES if c.rule.mitigation)
    rule = compiled.rule.model_copy(update={"mitigation": "Seen: {value}; limit {threshold}."})
    changed = dataclasses.replace(compiled, rule=rule, fixed_mitigation=None, mitigation_per_hit=True)
    finding = changed.finding(Hit(value="12 days", threshold="14 days"))
    assert finding.mitigation == "Seen: 12 days; limit 14 days."
    assert finding.text == _filled_per_hit(changed).finding(Hit(value="12 days", threshold="14 days")).text


def test_every_rule_without_a_per_hit_placeholder_is_written_in_advance() -> None:
    """Guards the speed-up itself: a template change that adds {value} must move the rule to per-hit filling."""
    for compiled in RULES:
        names_value = any(p in compiled.rule.text for p in ("{value", "{threshold"))
        assert (compiled.fixed_text is None) == names_value, compiled.rule.id


@SETTINGS
@given(from_schema(INTAKE_SCHEMA))
def test_the_encoder_only_document_encodes_like_the_contract_dictionary(document: dict[str, Any]) -> None:
    result = recommend(parse_intake(document), KB)
    encodable, plain = result.to_encodable(), result.to_dict()
    with contextlib.suppress(TypeError):  # an integer beyond 64 bits: the API falls back to the standard encoder
        assert orjson.dumps(encodable) == orjson.dumps(plain)
    assert json.dumps(encodable, ensure_ascii=False) == json.dumps(plain, ensure_ascii=False)


def test_absent_preferences_and_labs_read_as_empty_ones() -> None:
    intake = Intake.model_validate({"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "dullness"}]})
    assert intake.prefs == Preferences()
    assert intake.labs == Labs()
