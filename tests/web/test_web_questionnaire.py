"""The pure mapping from form answers to the intake contract: unknown stays unknown, and any answers the
form accepts make an intake the contract accepts."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rejuv.domain.intake import parse_intake
from rejuv.services.advice import Advisor
from rejuv.web.questionnaire import decode_state, encode_state, merge, to_intake, validate
from rejuv.web.questions import NONE_OF_THESE, UNSURE, Question, build_steps

ADVISOR = Advisor.load()
STEPS = build_steps(ADVISOR.kb)


def test_only_the_age_and_a_concern_make_a_minimal_intake() -> None:
    intake = to_intake({"patient.age": "40", "concerns": ["dullness"]})
    assert intake == {"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "dullness"}]}


def test_not_sure_answers_leave_the_fields_out_and_none_of_these_is_an_empty_list() -> None:
    intake = to_intake(
        {
            "patient.age": "40",
            "concerns": ["dullness"],
            "history.pregnant": UNSURE,
            "history.conditions": [UNSURE],
            "history.allergies": [NONE_OF_THESE],
            "pref.autologous_only": UNSURE,
        }
    )
    assert intake["history"] == {"allergies": []}
    assert "preferences" not in intake


def test_answers_become_typed_contract_values() -> None:
    intake = to_intake(
        {
            "patient.age": "58",
            "concerns": ["volume_loss"],
            "severity.volume_loss": "moderate",
            "zones": ["cheek"],
            "pref.autologous_only": "yes",
            "pref.max_downtime_days": "2.5",
            "history.medications": ["nsaid"],
            "med.can_pause": "no",
            "labs.platelets_per_ul": "255000",
            "recent.ha_filler": "30",
        }
    )
    assert intake["concerns"] == [{"id": "volume_loss", "severity": "moderate", "zones": ["cheek"]}]
    assert intake["preferences"] == {"autologous_only": True, "max_downtime_days": 2.5}
    assert intake["history"] == {
        "medications": [{"class": "nsaid", "status": "current", "can_pause": False}],
        "labs": {"platelets_per_ul": 255000},
        "recent_procedures": [{"type": "ha_filler", "days_ago": 30}],
    }
    parse_intake(intake)


def test_a_step_replaces_its_own_answers_and_keeps_the_others() -> None:
    about = next(s for s in STEPS if s.slug == "about")
    merged = merge({"patient.age": "30", "concerns": ["dullness"]}, {"patient.age": ["31"]}, about)
    assert merged == {"patient.age": "31", "concerns": ["dullness"]}


def test_malformed_state_is_dropped_not_trusted() -> None:
    assert decode_state("not json") == {}
    assert decode_state("[1, 2]") == {}
    assert decode_state('{"a": 1, "b": "x", "c": ["y", 2]}') == {"b": "x", "c": ["y"]}
    assert decode_state(encode_state({"a": ["b"], "c": "d"})) == {"a": ["b"], "c": "d"}


def answer(question: Question) -> st.SearchStrategy[Any]:
    values = [c.value for c in question.choices]
    if question.kind == "number":
        top = int(question.maximum or 1000)
        return st.one_of(st.just(""), st.integers(0, top).map(str))
    if question.kind == "radio":
        return st.one_of(st.just(""), st.sampled_from(values))
    plain = [v for v in values if v not in (UNSURE, NONE_OF_THESE)]
    minimum = 1 if question.required else 0
    return st.one_of(
        st.lists(st.sampled_from(plain), min_size=minimum, max_size=4, unique=True),
        st.just([UNSURE]) if not question.required else st.nothing(),
        st.just([NONE_OF_THESE]) if not question.required else st.nothing(),
    )


ANSWERS = st.fixed_dictionaries({q.name: answer(q) for step in STEPS for q in step.questions})


@given(ANSWERS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_answers_the_form_accepts_make_an_intake_the_contract_accepts(answers: dict[str, Any]) -> None:
    answers = {k: v for k, v in answers.items() if v not in ("", [])} | {"patient.age": answers["patient.age"] or "40"}
    if any(validate(step, answers) for step in STEPS):
        return
    parse_intake(to_intake(answers))


MEDICINES = next(s for s in STEPS if s.slug == "medicines")


def test_medicines_stopped_recently_become_stopped_items_with_the_days_when_known() -> None:
    intake = to_intake(
        {
            "patient.age": "40",
            "concerns": ["dullness"],
            "history.medications": ["nsaid"],
            "med.can_pause": "yes",
            "med.stopped": ["isotretinoin", "chemotherapy"],
            "stopped.isotretinoin": "30",
            "stopped.antiplatelet": "3",  # a number typed means it was stopped, even if not ticked
        }
    )
    assert intake["history"]["medications"] == [
        {"class": "nsaid", "status": "current", "can_pause": True},
        {"class": "isotretinoin", "status": "stopped", "days_since_stopped": 30},
        {"class": "chemotherapy", "status": "stopped"},
        {"class": "antiplatelet", "status": "stopped", "days_since_stopped": 3},
    ]
    parse_intake(intake)


def test_unsure_about_stopped_medicines_leaves_them_out_and_none_keeps_the_current_answer() -> None:
    base = {"patient.age": "40", "concerns": ["dullness"]}
    assert "history" not in to_intake({**base, "med.stopped": [UNSURE]})
    assert "history" not in to_intake({**base, "history.medications": [UNSURE], "med.stopped": [NONE_OF_THESE]})
    assert to_intake({**base, "history.medications": [NONE_OF_THESE], "med.stopped": [NONE_OF_THESE]})["history"] == {
        "medications": []
    }


def test_not_sure_about_current_medicines_survives_beside_the_stopped_ones() -> None:
    """Without the flag, a list of only stopped medicines would read as "nothing taken now"."""
    base = {
        "patient.age": "40",
        "concerns": ["dullness"],
        "med.stopped": ["isotretinoin"],
        "stopped.isotretinoin": "200",
    }
    stopped = [{"class": "isotretinoin", "status": "stopped", "days_since_stopped": 200}]
    for current in ([UNSURE], None):  # ticked "I'm not sure", or left blank: the medicines taken now are not known
        answers = {**base, "history.medications": current} if current else base
        history = to_intake(answers)["history"]
        assert history == {"medications": stopped, "current_medications_unknown": True}
        result = ADVISOR.recommend(to_intake(answers))
        finding = next(f for f in result["findings"] if f["rule"] == "history_lists_unanswered")
        assert "the medicines you take now" in finding["text"]


def test_an_answer_about_current_medicines_sets_no_not_known_flag() -> None:
    base = {"patient.age": "40", "concerns": ["dullness"], "med.stopped": ["isotretinoin"]}
    for current in ([NONE_OF_THESE], ["nsaid"]):
        assert "current_medications_unknown" not in to_intake({**base, "history.medications": current})["history"]
    # Nothing stopped either: leaving medicines out already says they are not known.
    assert "history" not in to_intake({"patient.age": "40", "concerns": ["dullness"], "history.medications": [UNSURE]})


def test_every_medicine_class_can_be_marked_stopped_and_the_rules_classes_ask_when() -> None:
    stopped = next(q for q in MEDICINES.questions if q.name == "med.stopped")
    current = next(q for q in MEDICINES.questions if q.name == "history.medications")
    assert [c.value for c in stopped.choices] == [c.value for c in current.choices]
    assert "in the last 6 months" in stopped.label  # the longest wait the rules use: isotretinoin, 180 days
    asked = {q.name.removeprefix("stopped.") for q in MEDICINES.questions if q.name.startswith("stopped.")}
    assert {"isotretinoin", "antiplatelet", "nsaid", "systemic_corticosteroid"} <= asked


def test_days_since_stopped_must_be_a_whole_number_of_zero_or_more() -> None:
    for typed, message in (("-1", "at least 0"), ("a month", "whole number"), ("2.5", "whole number")):
        errors = validate(MEDICINES, {"stopped.isotretinoin": typed})
        assert message in errors["stopped.isotretinoin"]
    assert validate(MEDICINES, {"stopped.isotretinoin": "0"}) == {}
