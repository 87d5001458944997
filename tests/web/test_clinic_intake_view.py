"""A saved intake reads as answers on the clinic pages, and an unanswered question never reads as "none".

Unknown is never "no" in the rules; these tests hold the pages a clinician reads to the same standard: the
consultation and inbox pages list every question with "not answered" where the person gave no answer, and
the Plan page and the consultation report say when an intake has no allergy answer, instead of "no allergy".
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_plan_pages import _consultation, _plan, _post
from tests_web_support import HYDRATION, csrf_from

from rejuv.knowledge.loader import load_knowledge_base
from rejuv.web.intake_view import NOT_ANSWERED, intake_rows

NO_HISTORY: dict[str, Any] = {
    "schema_version": "1",
    "patient": {"age": 52, "sex": "female"},
    "concerns": [{"id": "fine_lines", "severity": "mild", "zones": ["forehead"]}],
}


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge_base()


def _another_consultation(client: TestClient, intake: dict[str, Any]) -> int:
    """A second consultation by the clinician already logged in (the first one's helper creates the account)."""
    headers = {"X-CSRF-Token": csrf_from(client.get("/clinic/patients").text)}
    patient = client.post("/api/patients", json={"reference": "R2", "full_name": "Bea Example"}, headers=headers)
    body = {"patient_id": patient.json()["id"], "intake": intake, "decision": "accept"}
    saved = client.post("/api/consultations", json=body, headers=headers)
    assert saved.status_code == 201, saved.text
    consultation_id: int = saved.json()["id"]
    return consultation_id


def _rows(intake: dict[str, Any], kb: Any) -> dict[str, str]:
    return dict(intake_rows(intake, kb))


def test_every_health_question_left_out_reads_not_answered(kb: Any) -> None:
    rows = _rows(NO_HISTORY, kb)
    for question in ("Pregnant", "Breastfeeding", "Health conditions", "Medicines", "Allergies", "Cigarettes a day"):
        assert rows[question] == NOT_ANSWERED, question
    assert rows["Age"] == "52 years" and rows["Skin type (Fitzpatrick)"] == NOT_ANSWERED
    assert rows["Concerns"] == "Fine lines (mild; forehead)"
    assert rows["Blood tests"] == "none given"


def test_an_empty_list_is_an_answer_none_and_reads_so(kb: Any) -> None:
    rows = _rows(HYDRATION, kb)
    assert rows["Medicines"] == "none" and rows["Allergies"] == "none" and rows["Health conditions"] == "none"
    assert rows["Pregnant"] == "no" and rows["Most recovery time accepted"] == "2 days"


def test_medicines_say_now_or_stopped_pausable_or_not_and_when_the_current_ones_are_unknown(kb: Any) -> None:
    history = {
        "medications": [
            {"class": "anticoagulant", "name": "warfarin", "can_pause": False},
            {"class": "nsaid"},
            {"class": "isotretinoin", "status": "stopped", "days_since_stopped": 40},
            {"class": "systemic_corticosteroid", "status": "stopped"},
        ],
        "current_medications_unknown": True,
        "labs": {"platelets_per_ul": 210000, "inr": 1.1},
        "recent_procedures": [{"type": "laser", "zones": ["cheek"], "days_ago": 3}],
        "allergies": ["citrate_anticoagulant"],
    }
    rows = _rows({**NO_HISTORY, "history": history}, kb)
    medicines = rows["Medicines"]
    assert "Blood thinner (warfarin): taken now, can be paused: no" in medicines
    assert "(such as ibuprofen): taken now, can be paused: not known" in medicines
    assert "Isotretinoin (Roaccutane): stopped, 40 days ago" in medicines
    assert "Steroid tablets: stopped, date not known" in medicines
    assert medicines.endswith("medicines taken now: not known")
    assert rows["Blood tests"] == "Platelet count 210,000 per µL; INR (how long your blood takes to clot) 1.1"
    assert rows["Recent skin treatments"] == "Laser in the cheeks, 3 days ago"
    assert rows["Allergies"].startswith("Citrate")


def test_a_field_the_page_has_no_words_for_is_still_shown_and_odd_shapes_do_not_break_it(kb: Any) -> None:
    odd = {**NO_HISTORY, "patient": {"age": 40, "height_cm": 170}, "history": {"diet": "vegan"}, "extra": 1}
    rows = intake_rows(odd, kb)
    assert ("patient.height_cm", "170") in rows and ("history.diet", "vegan") in rows and ("extra", "1") in rows
    broken = {"patient": "not an object", "concerns": "none", "history": {"medications": "some", "labs": 3}}
    shown = dict(intake_rows(broken, kb))
    assert shown["Medicines"] == "some" and shown["Blood tests"] == "3" and shown["patient"] == "not an object"


@pytest.mark.parametrize(
    ("intake", "row", "expected"),
    [
        ({"preferences": {"leaning": ["prp"]}}, "Leaning after reading about both", "['prp']"),
        ({"history": {"medications": ["warfarin"]}}, "Medicines", "warfarin"),
        ({"history": {"medications": [{"class": ["x"]}]}}, "Medicines", "['x']: taken now, can be paused: not known"),
        ({"concerns": ["fine_lines", 7]}, "Concerns", "Fine lines; 7"),
        ({"history": "none"}, "history", "none"),
        ({"history": {"recent_procedures": ["laser"], "labs": {"inr": [1]}}}, "Recent skin treatments", "laser"),
    ],
)
def test_stored_data_of_an_unexpected_shape_is_shown_as_it_is_never_a_crash(
    kb: Any, intake: dict[str, Any], row: str, expected: str
) -> None:
    assert dict(intake_rows({**NO_HISTORY, **intake}, kb))[row] == expected


def test_an_intake_that_is_not_an_object_is_shown_whole(kb: Any) -> None:
    assert intake_rows(["a", "list"], kb) == [("The intake as saved", "['a', 'list']")]


def _answers_on(html: str) -> dict[str, tuple[str, bool]]:
    listed = html.split('<dl class="answers intake">')[1].split("</dl>")[0]
    found = re.findall(r"<dt>(.*?)</dt><dd( class=\"unanswered\")?>(.*?)</dd>", listed)
    return {question: (answer, bool(marked)) for question, marked, answer in found}


def test_the_consultation_page_lists_the_answers_and_keeps_the_document(client: TestClient) -> None:
    cid = _consultation(client, NO_HISTORY)
    html = client.get(f"/clinic/consultations/{cid}").text
    answers = _answers_on(html)
    assert answers["Medicines"] == (NOT_ANSWERED, True) and answers["Allergies"] == (NOT_ANSWERED, True)
    assert answers["Age"] == ("52 years", False)
    assert "<summary>The intake document as saved (JSON)</summary>" in html and '"fine_lines"' in html


def test_the_plan_page_never_reads_a_missing_allergy_answer_as_none(client: TestClient) -> None:
    unknown = _consultation(client, NO_HISTORY)
    assert _plan(client, unknown).status_code == 303
    page = client.get(f"/clinic/consultations/{unknown}/plan").text
    assert "does not say whether this person has any allergy" in page and "records no allergy" not in page
    answered = _another_consultation(client, HYDRATION)
    assert _plan(client, answered).status_code == 303
    page = client.get(f"/clinic/consultations/{answered}/plan").text
    assert "The intake records no allergy." in page and "does not say whether" not in page


def test_a_prp_plan_asks_about_allergies_before_blood_is_drawn_when_none_were_recorded(
    client: TestClient, tmp_path: Path
) -> None:
    cid = _consultation(client, NO_HISTORY, decision="override", final_decision="prp", override_reason="own blood")
    assert _plan(client, cid, treatment="prp", sessions="3", interval_days="30").status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert '<div class="notice" id="allergies-unknown">' in page and "citrate allergy" in page
    assert "Allergies were not recorded in the intake." in _report_text(client, cid, tmp_path)


def test_the_report_says_a_cocktail_was_not_checked_when_allergies_were_not_recorded(
    client: TestClient, tmp_path: Path
) -> None:
    cid = _consultation(client, NO_HISTORY)
    assert _plan(client, cid).status_code == 303
    session = {"treatment": "mesotherapy", "number": "1", "product": "ncha_10", "volume_ml": "2", "lot": "L1"}
    assert (
        _post(client, f"/clinic/consultations/{cid}/plan/sessions", {**session, "expiry": "2030-01-01"}).status_code
        == 303
    )
    words = _report_text(client, cid, tmp_path)
    assert "Not checked for allergies" in words and "no conflict" not in words


def _report_text(client: TestClient, cid: int, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(client.get(f"/clinic/consultations/{cid}/report.pdf").content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())
