"""Behaviour follows the knowledge base's data: a threshold or a new treatment is a YAML change, not code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rejuv.domain.intake import parse_intake
from rejuv.engine import recommend, screen
from rejuv.engine.compare import compare
from rejuv.knowledge.loader import load_knowledge_base

PRP_PLATELETS = "      value: 100000\n      citations: [prp_contraindications_list]\n"
CITED = "      citations: [rejuv_clinical_defaults]\n"
LOW_NORMAL_PLATELETS = {
    "schema_version": "1",
    "patient": {"age": 45, "sex": "male"},
    "concerns": [{"id": "texture"}],
    "history": {"labs": {"platelets_per_ul": 120_000}},
}


def test_raising_the_platelet_threshold_in_yaml_changes_the_result(kb_copy: Path) -> None:
    intake = parse_intake(LOW_NORMAL_PLATELETS)
    assert recommend(intake, load_knowledge_base(kb_copy)).decision == "prp"

    parameters = kb_copy / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    assert text.count(PRP_PLATELETS) == 1
    raised = text.replace(PRP_PLATELETS, PRP_PLATELETS.replace("100000", "150000"), 1)
    parameters.write_text(raised, encoding="utf-8")
    kb = load_knowledge_base(kb_copy)

    result = recommend(intake, kb)
    assert result.decision == "refer"  # PRP excluded, and mesotherapy does not address texture
    finding = next(f for f in result.findings if f.rule == "prp_low_platelets")
    assert "150,000/µL" in finding.text
    assert finding.parameters[0].value == 150_000


def test_a_parameter_value_takes_effect_only_from_its_date(kb_copy: Path) -> None:
    parameters = kb_copy / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    future = text.replace(PRP_PLATELETS, PRP_PLATELETS + "    - since: 2099-01-01\n      value: 150000\n" + CITED, 1)
    parameters.write_text(future, encoding="utf-8")
    intake = parse_intake(LOW_NORMAL_PLATELETS)
    assert recommend(intake, load_knowledge_base(kb_copy)).decision == "prp"

    later = load_knowledge_base(kb_copy, as_of=dt.date(2099, 6, 1))
    assert recommend(intake, later).decision == "refer"


MICRONEEDLING = """
id: microneedling
name: Microneedling
reviewed_on: 2026-11-25
next_review: 2027-05-25
authors: test
summary: {text: A pen with tiny needles makes channels in the skin., citations: [kang2022acnescars]}
procedure: [{text: The skin is numbed and a needle pen is passed over it., citations: [kang2022acnescars]}]
benefits: [{text: It may improve acne scars., citations: [kang2022acnescars]}]
course:
  text: {text: "3 to 6 sessions, 4 to 6 weeks apart.", citations: [rejuv_clinical_defaults]}
  sessions: {unit: sessions, min: 3, max: 6, typical: 4, citations: [rejuv_clinical_defaults]}
  interval_days: {unit: days, min: 28, max: 42, typical: 28, citations: [rejuv_clinical_defaults]}
onset: {text: Weeks., citations: [rejuv_clinical_defaults]}
duration: {text: Not well known., citations: [rejuv_clinical_defaults]}
downtime:
  text: {text: 1 to 3 days of redness., citations: [kang2022acnescars]}
  days: {unit: days, min: 1, max: 3, typical: 2, citations: [kang2022acnescars]}
side_effects:
  common:
    - {name: Redness, text: Pink skin., frequency: very_common, duration: 1-3 days, citations: [kang2022acnescars]}
  rare_serious: [{name: Infection, text: Rare., frequency: rare, duration: weeks, citations: [rejuv_clinical_defaults]}]
practical:
  blood_draw: {text: No blood is taken., citations: [rejuv_clinical_defaults]}
  needles: {text: Many tiny needles., citations: [rejuv_clinical_defaults]}
  visits: {text: Monthly visits., citations: [rejuv_clinical_defaults]}
  cost: {text: Moderate., citations: [rejuv_clinical_defaults]}
  requires_blood_draw: false
  autologous: true
  cost_band: medium
  few_visits: false
components: {contains: [], may_contain: [local_anaesthetic], citations: [rejuv_clinical_defaults]}
evidence:
  certainty: low
  text: {text: Some trials for acne scars., citations: [kang2022acnescars]}
  points: [{claim: Helps acne scars with PRP., certainty: moderate, citations: [kang2022acnescars]}]
indications: {primary: [acne_scars], secondary: [texture], citations: [kang2022acnescars]}
"""


def test_a_third_treatment_needs_only_its_yaml_file(kb_copy: Path) -> None:
    (kb_copy / "treatments" / "microneedling.yaml").write_text(MICRONEEDLING, encoding="utf-8")
    kb = load_knowledge_base(kb_copy)
    assert list(kb.treatments) == ["mesotherapy", "microneedling", "prp"]

    grid = compare(kb)
    assert [t.id for t in grid.treatments] == ["mesotherapy", "microneedling", "prp"]
    assert all(set(row.cells) == {"mesotherapy", "microneedling", "prp"} for row in grid.rows)

    # Generic rules reach the new treatment through its data: it is autologous, so an autologous-only wish
    # does not exclude it, while referral triggers (`treatments: all`) apply to it.
    intake = parse_intake(
        {
            "schema_version": "1",
            "patient": {"age": 30},
            "concerns": [{"id": "acne_scars"}],
            "preferences": {"autologous_only": True},
            "history": {"pregnant": True},
        }
    )
    findings = {f.rule: f.treatments for f in screen(intake, kb)}
    assert findings["autologous_only"] == ("mesotherapy",)
    assert "microneedling" in findings["pregnancy"]
    result = recommend(intake, kb)
    assert result.decision == "refer"
    assert result.option("microneedling").status == "not_now"
