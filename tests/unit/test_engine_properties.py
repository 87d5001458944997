"""Properties of the engine over generated valid intakes: it never crashes, always answers in the contract,
never recommends an excluded treatment, and any referral trigger means refer."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings

from rejuv.domain.intake import parse_intake
from rejuv.engine import recommend
from rejuv.engine.checks import Facts
from rejuv.engine.rules import compile_rules, screen
from rejuv.knowledge.loader import load_knowledge_base

from tests.conftest import CONTRACTS
from tests.strategies import from_schema

INTAKE_SCHEMA = json.loads((CONTRACTS / "intake.schema.json").read_text())
RECOMMENDATION_SCHEMA = json.loads((CONTRACTS / "recommendation.schema.json").read_text())
KB = load_knowledge_base()
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(from_schema(INTAKE_SCHEMA))
def test_any_valid_intake_gets_a_recommendation_that_fits_the_contract(document: dict[str, Any]) -> None:
    result = recommend(parse_intake(document), KB).to_dict()
    jsonschema.validate(result, RECOMMENDATION_SCHEMA)
    assert result["knowledge_version"] == KB.version
    assert {o["treatment"] for o in result["options"]} == set(KB.treatments)


@PROPERTY_SETTINGS
@given(from_schema(INTAKE_SCHEMA))
def test_a_treatment_with_an_absolute_contraindication_is_never_the_decision(document: dict[str, Any]) -> None:
    result = recommend(parse_intake(document), KB)
    for finding in result.findings:
        if finding.severity == "absolute" and finding.effect in {"refer", "exclude"}:
            assert result.decision not in finding.treatments
            for treatment in finding.treatments:
                assert result.option(treatment).status in {"not_now", "excluded"}


@PROPERTY_SETTINGS
@given(from_schema(INTAKE_SCHEMA))
def test_any_referral_trigger_gives_refer(document: dict[str, Any]) -> None:
    result = recommend(parse_intake(document), KB)
    if any(f.effect == "refer" for f in result.findings):
        assert result.decision == "refer"
        assert all(o.status in {"not_now", "excluded"} for o in result.options)


@PROPERTY_SETTINGS
@given(from_schema(INTAKE_SCHEMA))
def test_every_explanation_cites_sources_that_exist(document: dict[str, Any]) -> None:
    intake = parse_intake(document)
    result = recommend(intake, KB)
    typed_names = [m.name for m in intake.medications if m.name]
    for finding in result.findings:
        assert finding.citations and set(finding.citations) <= set(KB.citations)
        text = finding.text
        for name in typed_names:  # free text the person typed may contain braces; it is shown as typed
            text = text.replace(name, "")
        assert not re.search(r"\{[a-z_]*\}", text), finding.text  # every placeholder was filled
    for option in result.options:
        assert option.reasons
        for reason in option.reasons:
            assert reason.citations and set(reason.citations) <= set(KB.citations)


@PROPERTY_SETTINGS
@given(from_schema(INTAKE_SCHEMA))
def test_the_decision_is_an_option_that_addresses_a_concern(document: dict[str, Any]) -> None:
    result = recommend(parse_intake(document), KB)
    if result.decision in KB.treatments:
        chosen = result.option(result.decision)
        assert chosen.status == "recommended"
        assert chosen.addresses
    if result.decision == "either":
        assert all(o.status in {"suitable", "caution"} and o.addresses for o in result.options)


def _screen_every_rule(document: dict[str, Any]) -> list[tuple[str, tuple[str, ...], str]]:
    """The reference: every compiled rule's check run on the intake, with no shortcut skipping any."""
    intake = parse_intake(document)
    facts = Facts.of(intake, KB)
    found = []
    for compiled in compile_rules(KB):
        hit = compiled.fn(facts, compiled.input)
        if hit is not None:
            finding = compiled.finding(hit)
            if finding.treatments:
                found.append((finding.rule, finding.treatments, finding.text))
    return sorted(found)


@PROPERTY_SETTINGS
@given(from_schema(INTAKE_SCHEMA))
def test_skipping_rules_that_cannot_fire_never_loses_a_finding(document: dict[str, Any]) -> None:
    """Screening skips rules whose answers are absent (a speed-up); it must find exactly what running every
    rule finds, or a contraindication could be missed."""
    screened = sorted((f.rule, f.treatments, f.text) for f in screen(parse_intake(document), KB))
    assert screened == _screen_every_rule(document)
