"""The intake parser accepts exactly what `intake.schema.json` accepts, and names the field when it refuses."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from rejuv.domain.errors import IntakeError
from rejuv.domain.intake import parse_intake, parse_intake_json

from tests.conftest import CONTRACTS, SHARED_EXAMPLES
from tests.strategies import from_schema

INTAKE_SCHEMA = json.loads((CONTRACTS / "intake.schema.json").read_text())
MINIMAL = {"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "dullness"}]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(from_schema(INTAKE_SCHEMA))
def test_every_document_the_contract_accepts_is_parsed(document: dict[str, Any]) -> None:
    intake = parse_intake(document)
    assert intake.patient.age == document["patient"]["age"]
    # Nothing is added or lost: the parsed intake round-trips to a document the contract accepts.
    jsonschema.validate(intake.to_dict(), INTAKE_SCHEMA)
    assert len(intake.concerns) == len(document["concerns"])


def with_change(path: str, value: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(MINIMAL))
    *parents, last = path.split(".")
    node = document
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("patient.age", "40", "must be a whole number"),
        ("patient.age", 121, "must be at most 120"),
        ("patient.age", -1, "must be at least 0"),
        ("patient.age", 40.5, "must be a whole number"),
        ("patient.sex", "woman", "must be one of 'female', 'male' or 'other'"),
        ("patient.height_cm", 170, "is not a field of the intake contract"),
        ("schema_version", "2", "must be one of '1'"),
        ("concerns", [], "must have at least 1 item"),
        ("history.pregnant", "yes", "must be true or false"),
        ("history.pregnant", 1, "must be true or false"),
        ("history.current_medications_unknown", "yes", "must be true or false"),
        ("history.labs.platelets_per_ul", -5, "must be at least 0"),
        ("history.labs.platelets_per_ul", "150000", "must be a number"),
        ("history.cigarettes_per_day", 2.5, "must be a whole number"),
        ("preferences.max_downtime_days", True, "must be a number"),
        ("preferences.leaning", "surgery", "must be one of 'none', 'mesotherapy' or 'prp'"),
    ],
)
def test_a_bad_field_is_refused_with_its_path_and_what_is_allowed(path: str, value: Any, message: str) -> None:
    document = with_change(path, value)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, INTAKE_SCHEMA)  # the contract refuses it too
    with pytest.raises(IntakeError) as caught:
        parse_intake(document)
    problems = {(e.path, e.message) for e in caught.value.errors}
    assert any(p == path and message in m for p, m in problems), problems


def test_a_bad_item_in_a_list_is_named_by_its_index() -> None:
    document = with_change("concerns", [{"id": "dullness"}, {"id": "freckles"}])
    with pytest.raises(IntakeError) as caught:
        parse_intake(document)
    assert caught.value.errors[0].path == "concerns.1.id"
    assert "'fine_lines'" in caught.value.errors[0].message


def test_every_problem_is_reported_at_once() -> None:
    document = with_change("patient.age", "old")
    document["concerns"] = [{"id": "glow"}]
    with pytest.raises(IntakeError) as caught:
        parse_intake(document)
    assert {e.path for e in caught.value.errors} == {"patient.age", "concerns.0.id"}


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(IntakeError) as caught:
        parse_intake({"schema_version": "1", "concerns": [{"id": "dullness"}]})
    assert [(e.path, e.message) for e in caught.value.errors] == [("patient", "is required")]


@pytest.mark.parametrize("text", ["{", "[1, 2]", '"intake"', "", b"\xff\xfe"])
def test_text_that_is_not_a_json_object_is_refused_clearly(text: str | bytes) -> None:
    with pytest.raises(IntakeError) as caught:
        parse_intake_json(text)
    assert caught.value.errors[0].path == ""
    assert caught.value.errors[0].message.startswith(("not valid JSON", "the intake must be a JSON object"))


def test_a_missing_field_stays_unknown_rather_than_becoming_no() -> None:
    intake = parse_intake(MINIMAL)
    assert intake.history is None
    assert intake.prefs.blood_draw is None
    assert intake.to_dict() == MINIMAL


@pytest.mark.parametrize(
    ("path", "value", "parsed"),
    [("patient.age", 30.0, 30), ("history.cigarettes_per_day", 10.0, 10)],
)
def test_an_integral_float_is_a_whole_number_as_json_schema_says(path: str, value: float, parsed: int) -> None:
    document = with_change(path, value)
    jsonschema.validate(document, INTAKE_SCHEMA)
    intake = parse_intake(document)
    node: Any = intake
    for key in path.split("."):
        node = getattr(node, key)
    assert node == parsed and isinstance(node, int)


@pytest.mark.parametrize("path", ["patient.sex", "preferences", "history.pregnant", "history.labs.platelets_per_ul"])
def test_an_explicit_null_is_refused_because_the_contract_has_no_nullable_field(path: str) -> None:
    document = with_change(path, None)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, INTAKE_SCHEMA)
    with pytest.raises(IntakeError) as caught:
        parse_intake(document)
    assert [e.path for e in caught.value.errors] == [path]
    assert "must not be null" in caught.value.errors[0].message


def test_a_key_given_twice_is_refused_so_a_later_false_cannot_hide_a_true() -> None:
    text = (
        '{"schema_version": "1", "patient": {"age": 30}, "concerns": [{"id": "dullness"}],'
        ' "history": {"pregnant": true, "pregnant": false}}'
    )
    with pytest.raises(IntakeError) as caught:
        parse_intake_json(text)
    assert "the key 'pregnant' appears twice" in caught.value.errors[0].message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_numbers_json_does_not_have_are_refused(constant: str) -> None:
    text = '{"schema_version": "1", "patient": {"age": 30}, "concerns": [{"id": "dullness"}], "history": '
    text += '{"labs": {"platelets_per_ul": ' + constant + "}}}"
    with pytest.raises(IntakeError) as caught:
        parse_intake_json(text)
    assert "not valid JSON" in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 20_000 + "]" * 20_000, "nested too deeply"),
        ('{"a": ' + "9" * 5000 + "}", "a number is far too large"),
    ],
)
def test_hostile_json_is_refused_as_bad_input_not_a_crash(text: str, message: str) -> None:
    with pytest.raises(IntakeError) as caught:
        parse_intake_json(text)
    assert message in caught.value.errors[0].message


def test_a_number_too_large_to_be_finite_is_refused_at_its_field() -> None:
    text = '{"schema_version": "1", "patient": {"age": 30}, "concerns": [{"id": "dullness"}], '
    text += '"history": {"labs": {"platelets_per_ul": 1e400}}}'
    with pytest.raises(IntakeError) as caught:
        parse_intake_json(text)
    assert [(e.path, e.message) for e in caught.value.errors] == [
        ("history.labs.platelets_per_ul", "must be a finite number")
    ]


def test_the_project_contract_is_the_shared_one_plus_only_its_own_optional_fields() -> None:
    """The shared contract may gain fields here, never lose or change one: drop ours and the two are equal."""
    shared = json.loads((SHARED_EXAMPLES.parent / "intake.schema.json").read_text())
    ours = json.loads(json.dumps(INTAKE_SCHEMA))
    added = ours["properties"]["history"]["properties"].pop("current_medications_unknown")
    assert added["type"] == "boolean" and added["description"]
    assert "current_medications_unknown" not in ours["properties"]["history"].get("required", [])
    assert ours == shared


@pytest.mark.parametrize("value", [True, False])
def test_not_knowing_the_current_medicines_is_kept_beside_the_stopped_ones(value: bool) -> None:
    stopped = [{"class": "isotretinoin", "status": "stopped", "days_since_stopped": 200}]
    document = with_change("history", {"medications": stopped, "current_medications_unknown": value})
    jsonschema.validate(document, INTAKE_SCHEMA)
    intake = parse_intake(document)
    assert intake.history is not None and intake.history.current_medications_unknown is value
    assert intake.to_dict() == document  # round-trips: a clinic reading the stored intake sees it
    answered = parse_intake(MINIMAL | {"history": {"medications": []}}).history
    assert answered is not None and answered.current_medications_unknown is None  # left out: nothing is assumed
