"""Medicines, health conditions and allergies that were not answered are named, never read as "none"."""

from __future__ import annotations

from typing import Any

import pytest

from rejuv.domain.intake import parse_intake
from rejuv.engine import recommend
from rejuv.knowledge.loader import KnowledgeBase

RULE = "history_lists_unanswered"
BASE: dict[str, Any] = {"schema_version": "1", "patient": {"age": 45, "sex": "male"}, "concerns": [{"id": "texture"}]}
STOPPED = [{"class": "nsaid", "status": "stopped", "days_since_stopped": 30}]
# A medicines list left out says nothing of medicines stopped lately either, as far back as any rule looks.
ALL_MEDICINES = "your medicines (the ones you take now, and any you stopped in the last 6 months)"


def _result(kb: KnowledgeBase, history: dict[str, Any] | None) -> dict[str, Any]:
    document = BASE | ({"history": history} if history is not None else {})
    return recommend(parse_intake(document), kb).to_dict()


def _finding(result: dict[str, Any]) -> dict[str, Any] | None:
    return next((f for f in result["findings"] if f["rule"] == RULE), None)


@pytest.mark.parametrize(
    ("history", "named"),
    [
        (None, f"{ALL_MEDICINES}, your health conditions and your allergies"),
        ({"labs": {"platelets_per_ul": 250000}}, f"{ALL_MEDICINES}, your health conditions and your allergies"),
        ({"medications": [], "allergies": []}, "your health conditions."),
        ({"medications": [], "conditions": []}, "your allergies."),
        ({"conditions": [], "allergies": []}, f"{ALL_MEDICINES}."),
        (
            {"medications": STOPPED, "current_medications_unknown": True, "conditions": []},
            "the medicines you take now and your allergies",
        ),
    ],
)
def test_the_caution_names_in_plain_words_what_was_not_answered(
    kb: KnowledgeBase, history: dict[str, Any] | None, named: str
) -> None:
    finding = _finding(_result(kb, history))
    assert finding is not None
    assert finding["effect"] == "caution" and finding["treatments"] == ["mesotherapy", "prp"]
    assert f"No answer was recorded about {named}" in finding["text"]
    assert finding["unverified"] is True
    assert "blood thinners" in finding["mitigation"] and "isotretinoin (Roaccutane)" in finding["mitigation"]
    assert "stopped in recent months" in finding["mitigation"]


@pytest.mark.parametrize(
    "history",
    [
        {"medications": [], "conditions": [], "allergies": []},
        {"medications": STOPPED, "conditions": [], "allergies": []},
        {"medications": STOPPED, "current_medications_unknown": False, "conditions": [], "allergies": []},
    ],
)
def test_lists_answered_even_as_empty_raise_no_such_caution(kb: KnowledgeBase, history: dict[str, Any]) -> None:
    assert _finding(_result(kb, history)) is None


def test_the_trace_says_whether_a_list_was_left_out_or_flagged_as_not_known(kb: KnowledgeBase) -> None:
    flagged = _result(kb, {"medications": STOPPED, "current_medications_unknown": True, "conditions": []})
    fired = next(f for f in flagged["trace"]["fired"] if f["rule"] == RULE)
    assert fired["inputs"] == {"history.allergies": None, "history.current_medications_unknown": True}
    missing = _result(kb, None)
    fired = next(f for f in missing["trace"]["fired"] if f["rule"] == RULE)
    assert fired["inputs"] == {"history.medications": None, "history.conditions": None, "history.allergies": None}


def test_the_caution_does_not_change_the_decision_only_the_other_option_s_status(kb: KnowledgeBase) -> None:
    labs = {"platelets_per_ul": 250000, "haemoglobin_g_dl": 14.0}
    document = BASE | {"concerns": [{"id": "wrinkles"}]}
    answered = {"medications": [], "conditions": [], "allergies": [], "labs": labs}
    before = recommend(parse_intake(document | {"history": answered}), kb).to_dict()
    after = recommend(parse_intake(document | {"history": {"labs": labs}}), kb).to_dict()
    assert before["decision"] == after["decision"] == "mesotherapy"
    assert {o["treatment"]: o["status"] for o in before["options"]} == {"mesotherapy": "recommended", "prp": "suitable"}
    assert {o["treatment"]: o["status"] for o in after["options"]} == {"mesotherapy": "recommended", "prp": "caution"}
