"""The consultation's Plan page without JavaScript: dates with .ics, the chart editor and recorded sessions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests_web_support import HYDRATION, csrf_from, log_in_api

POINT = re.compile(r'data-point="(\d+)"')


# A PRP session as the form posts it: counts and volumes that make a concentration factor of 4.
PRP_SESSION = {
    "treatment": "prp",
    "number": "1",
    "baseline_platelets_per_ul": "250000",
    "prp_platelets_per_ul": "1000000",
    "blood_volume_ml": "20",
    "prp_volume_ml": "4",
}


def _consultation(client: TestClient, intake: dict[str, Any] = HYDRATION, **decision: Any) -> int:
    token = log_in_api(client, "dr")
    headers = {"X-CSRF-Token": token}
    patient = client.post("/api/patients", json={"reference": "R1", "full_name": "Ann Example"}, headers=headers)
    body = {"patient_id": patient.json()["id"], "intake": intake, "decision": "accept", **decision}
    saved = client.post("/api/consultations", json=body, headers=headers)
    assert saved.status_code == 201, saved.text
    consultation_id: int = saved.json()["id"]
    return consultation_id


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    token = csrf_from(client.get(url.split("/plan")[0] + "/plan").text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def _plan(client: TestClient, cid: int, **fields: Any) -> Any:
    data = {"treatment": "mesotherapy", "start": "2027-03-01", "sessions": "4", "interval_days": "14", **fields}
    return _post(client, f"/clinic/consultations/{cid}/plan", data)


def _points(client: TestClient, cid: int) -> list[int]:
    return [int(n) for n in POINT.findall(client.get(f"/clinic/consultations/{cid}/plan").text)]


def test_the_plan_page_needs_a_clinician(client: TestClient) -> None:
    cid = _consultation(client)
    client.delete("/api/session", headers={"X-CSRF-Token": csrf_from(client.get("/clinic/patients").text)})
    response = client.get(f"/clinic/consultations/{cid}/plan", follow_redirects=False)
    assert response.status_code == 303 and "/clinic/login" in response.headers["location"]
    log_in_api(client, "root", "admin")
    assert client.get(f"/clinic/consultations/{cid}/plan").status_code == 403


def test_the_consultation_page_links_to_its_plan(client: TestClient) -> None:
    cid = _consultation(client)
    assert f'href="/clinic/consultations/{cid}/plan"' in client.get(f"/clinic/consultations/{cid}").text


def test_a_saved_plan_shows_dated_visits_the_chart_and_a_calendar(client: TestClient) -> None:
    cid = _consultation(client)
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert 'id="plan-form"' in page and "<svg" not in page
    assert _plan(client, cid).status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    for date in ("2027-03-01", "2027-03-15", "2027-03-29", "2027-04-12"):
        assert date in page
    assert "<svg" in page and 'data-zone="forehead"' in page and len(POINT.findall(page)) > 10
    ics = client.get(f"/clinic/consultations/{cid}/plan.ics")
    assert ics.headers["content-type"].startswith("text/calendar") and "DTSTART;VALUE=DATE:20270315" in ics.text


def test_a_count_outside_the_cited_range_is_saved_with_a_warning_and_its_range(client: TestClient) -> None:
    cid = _consultation(client)
    assert _plan(client, cid, sessions="30").status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert "30 sessions are outside the knowledge base" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": "1 March"}, "must be a date as YYYY-MM-DD"),
        ({"sessions": "three"}, "must be a number"),
        ({"interval_days": "0"}, "must be at least 1 day"),
        ({"treatment": "prp"}, "must be mesotherapy"),
        ({"zones": "ear"}, "unknown ear"),
    ],
)
def test_a_plan_that_cannot_be_made_is_explained_beside_the_field(
    client: TestClient, fields: dict[str, str], message: str
) -> None:
    cid = _consultation(client)
    response = _plan(client, cid, **fields)
    assert response.status_code == 422
    assert message in response.text and 'role="alert"' in response.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    cid = _consultation(client)
    response = client.post(
        f"/clinic/consultations/{cid}/plan", data={"treatment": "mesotherapy", "start": "2027-03-01"}
    )
    assert response.status_code == 403


def test_the_chart_editor_adds_moves_and_removes_points_and_keeps_them(client: TestClient) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    before = _points(client, cid)
    url = f"/clinic/consultations/{cid}/plan/chart"
    assert _post(client, url, {"action": "add", "zone": "forehead", "x_mm": "5", "y_mm": "20"}).status_code == 303
    assert len(_points(client, cid)) == len(before) + 1
    moved = _post(client, url, {"action": "move", "number": str(len(before) + 1), "x_mm": "10", "y_mm": "25"})
    assert moved.status_code == 303
    assert _post(client, url, {"action": "remove", "number": "1"}).status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert len(POINT.findall(page)) == len(before)
    assert "<td>10.0</td><td>25.0</td>" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "add", "zone": "forehead", "x_mm": "-36", "y_mm": "40"}, "supraorbital"),
        ({"action": "add", "zone": "forehead", "x_mm": "0", "y_mm": "120"}, "outside the forehead"),
        ({"action": "add", "zone": "forehead", "x_mm": "", "y_mm": "20"}, "is needed"),
        ({"action": "move", "number": "999", "x_mm": "0", "y_mm": "30"}, "choose a point numbered"),
        ({"action": "remove", "number": "x"}, "must be a number"),
        ({"action": "paint"}, "must be add, move or remove"),
    ],
)
def test_a_point_the_template_forbids_is_refused_with_the_reason(
    client: TestClient, data: dict[str, str], message: str
) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    before = _points(client, cid)
    response = _post(client, f"/clinic/consultations/{cid}/plan/chart", data)
    assert response.status_code == 422 and message in response.text
    assert _points(client, cid) == before


def test_a_chart_edit_before_any_plan_asks_for_the_plan_first(client: TestClient) -> None:
    cid = _consultation(client)
    response = _post(client, f"/clinic/consultations/{cid}/plan/chart", {"action": "remove", "number": "1"})
    assert response.status_code == 422 and "save a session plan first" in response.text


def test_a_mesotherapy_session_records_lot_and_expiry(client: TestClient) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    data = {"treatment": "mesotherapy", "number": "1", "product": "ncha_10", "volume_ml": "2", "lot": "LOT-77"}
    response = _post(client, f"/clinic/consultations/{cid}/plan/sessions", {**data, "expiry": "2030-01-31"})
    assert response.status_code == 303, response.text[:3000]
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert "lot LOT-77, expires 2030-01-31" in page and "Visit 1, 2027-03-01" in page


def test_an_expired_vial_or_a_missing_expiry_is_refused_beside_the_field(client: TestClient) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    url = f"/clinic/consultations/{cid}/plan/sessions"
    data = {"treatment": "mesotherapy", "number": "1", "product": "ncha_10", "volume_ml": "2", "lot": "L1"}
    expired = _post(client, url, {**data, "expiry": "2020-01-01"})
    assert expired.status_code == 422 and "do not use it" in expired.text
    missing = _post(client, url, {**data, "expiry": ""})
    assert missing.status_code == 422 and "is needed" in missing.text


def test_a_cocktail_of_three_vials_is_recorded_and_a_refused_form_keeps_every_row(client: TestClient) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    url = f"/clinic/consultations/{cid}/plan/sessions"
    rows = {
        "product": ["ncha_10", "polyrevitalising_nctf_type", "tranexamic_acid_4", ""],
        "volume_ml": ["1", "1.5", "0.5", ""],
        "lot": ["A-1", "B-2", "C-3", ""],
        "expiry": ["2030-01-31", "2020-01-01", "2030-03-31", ""],  # the second vial has expired
    }
    refused = _post(client, url, {"treatment": "mesotherapy", "number": "1", **rows})
    assert refused.status_code == 422 and "do not use it" in refused.text
    for lot in ("A-1", "B-2", "C-3"):  # nothing the clinician typed is lost
        assert f'name="lot" value="{lot}"' in refused.text
    assert '<option value="tranexamic_acid_4" selected>' in refused.text and 'value="2020-01-01"' in refused.text

    rows["expiry"][1] = "2030-02-28"
    response = _post(client, url, {"treatment": "mesotherapy", "number": "1", **rows})
    assert response.status_code == 303, response.text[:3000]
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert all(f"lot {lot}" in page for lot in ("A-1", "B-2", "C-3"))


def test_a_cocktail_against_the_intakes_allergy_is_refused(client: TestClient) -> None:
    token = log_in_api(client, "dr")
    headers = {"X-CSRF-Token": token}
    patient = client.post("/api/patients", json={"reference": "R9", "full_name": "Al Lergic"}, headers=headers)
    intake = {**HYDRATION, "history": {**HYDRATION["history"], "allergies": ["local_anaesthetic"]}}
    saved = client.post(
        "/api/consultations",
        json={"patient_id": patient.json()["id"], "intake": intake, "decision": "accept"},
        headers=headers,
    ).json()
    cid = saved["id"]
    final = saved["final_decision"]
    treatment = "mesotherapy" if final in ("mesotherapy", "either") else final
    assert treatment == "mesotherapy", saved
    _plan(client, cid)
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert "local anaesthetic" in page
    data = {"treatment": "mesotherapy", "number": "1", "product": "ha_booster_lidocaine", "volume_ml": "1"}
    response = _post(client, f"/clinic/consultations/{cid}/plan/sessions", {**data, "lot": "L", "expiry": "2030-01-01"})
    assert response.status_code == 422 and "Lidocaine" in response.text


def test_a_prp_session_shows_its_assessment(client: TestClient) -> None:
    cid = _consultation(client, decision="override", final_decision="prp", override_reason="prefers own blood")
    assert _plan(client, cid, treatment="prp", sessions="3", interval_days="30").status_code == 303
    data = {
        "treatment": "prp",
        "number": "1",
        "baseline_platelets_per_ul": "250000",
        "prp_platelets_per_ul": "1000000",
        "blood_volume_ml": "20",
        "prp_volume_ml": "4",
        "radius_cm": "10",
    }
    response = _post(client, f"/clinic/consultations/{cid}/plan/sessions", data)
    assert response.status_code == 303, response.text[:3000]
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert "concentration factor 4.0×" in page and "PAW" in page and "rpm" in page
    bad = _post(client, f"/clinic/consultations/{cid}/plan/sessions", {**data, "number": "2", "prp_volume_ml": "40"})
    assert bad.status_code == 422 and "less than the blood volume" in bad.text


def test_planning_is_written_to_the_audit_log(client: TestClient) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    _post(client, f"/clinic/consultations/{cid}/plan/chart", {"action": "remove", "number": "1"})
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    with state.uow() as uow:
        entries = {(e.action, e.entity, e.entity_id) for e in uow.audit.latest(200, 0)}
    assert {("create", "treatment_plan", str(cid)), ("update", "treatment_plan", str(cid))} <= entries
    assert ("read", "treatment_plan", str(cid)) in entries


def test_the_api_gives_the_saved_plan_with_its_edited_chart_and_sessions(client: TestClient) -> None:
    cid = _consultation(client)
    assert client.get(f"/api/consultations/{cid}/plan").status_code == 404
    _plan(client, cid)
    _post(
        client,
        f"/clinic/consultations/{cid}/plan/chart",
        {"action": "add", "zone": "forehead", "x_mm": "5", "y_mm": "20"},
    )
    data = {"treatment": "mesotherapy", "number": "1", "product": "ncha_10", "volume_ml": "2", "lot": "LOT-77"}
    _post(client, f"/clinic/consultations/{cid}/plan/sessions", {**data, "expiry": "2030-01-31"})
    response = client.get(f"/api/consultations/{cid}/plan")
    assert response.status_code == 200
    body = response.json()
    assert body["plan"]["visits"][1]["date"] == "2027-03-15"
    assert body["chart"]["points"][-1]["x_mm"] == 5.0 and body["chart"]["points"][-1]["y_mm"] == 20.0
    assert body["sessions"][0]["cocktail"]["components"][0]["lot"] == "LOT-77"


def test_the_plan_api_needs_a_clinician_and_names_a_missing_consultation(client: TestClient) -> None:
    assert client.get("/api/consultations/1/plan").status_code == 401
    log_in_api(client, "dr")
    missing = client.get("/api/consultations/77/plan")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    log_in_api(client, "root", "admin")
    assert client.get("/api/consultations/1/plan").status_code == 403


def test_the_plan_page_is_labelled_and_links_errors_to_their_fields(client: TestClient) -> None:
    from test_web_accessibility import check_page

    cid = _consultation(client)
    check_page(client.get(f"/clinic/consultations/{cid}/plan").text)
    _plan(client, cid)
    check_page(client.get(f"/clinic/consultations/{cid}/plan").text)
    refused = _post(client, f"/clinic/consultations/{cid}/plan/chart", {"action": "move", "number": "1", "x_mm": "x"})
    check_page(refused.text)
    assert 'aria-describedby="move-x_mm-error"' in refused.text
    prp = _consultation_for_prp(client)
    check_page(client.get(f"/clinic/consultations/{prp}/plan").text)


def _consultation_for_prp(client: TestClient) -> int:
    token = csrf_from(client.get("/clinic/patients").text)
    patient = client.post("/api/patients", json={"reference": "R2", "full_name": "Bo"}, headers={"X-CSRF-Token": token})
    body = {
        "patient_id": patient.json()["id"],
        "intake": HYDRATION,
        "decision": "override",
        "final_decision": "prp",
        "override_reason": "own blood",
    }
    cid: int = client.post("/api/consultations", json=body, headers={"X-CSRF-Token": token}).json()["id"]
    assert _plan(client, cid, treatment="prp").status_code == 303
    return cid


def test_the_glabella_is_charted_only_when_the_clinician_waives_it_and_the_choice_is_kept(
    client: TestClient,
) -> None:
    cid = _consultation(client)
    assert _plan(client, cid, zones=["glabella", "forehead"]).status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert "<td>glabella</td>" not in page  # no point of the chart's table is in the glabella
    assert 'name="allow_glabella" value="yes" checked' not in page
    assert "Allowed only for superficial mesotherapy" in page  # what waiving means, cited, beside the box

    assert _plan(client, cid, zones=["glabella", "forehead"], allow_glabella="yes").status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert "<td>glabella</td>" in page
    assert 'name="allow_glabella" value="yes" checked' in page  # reopened with the waiver still on
    chart = client.get(f"/api/consultations/{cid}/plan").json()["chart"]
    glabella = [p for p in chart["points"] if p["zone"] == "glabella"]
    forehead = [p for p in chart["points"] if p["zone"] == "forehead" and not p["cautions"]]
    # Reopened from storage, the waived points keep the shallowest depth and the danger zone's caution.
    assert glabella and all("glabella" in p["cautions"] for p in glabella)
    assert forehead and max(p["depth_mm"] for p in glabella) < forehead[0]["depth_mm"]
    log_in_api(client, "root", "admin")
    assert "waived: glabella" in client.get("/clinic/audit").text


def test_a_glabella_waiver_for_prp_is_refused_beside_its_box(client: TestClient) -> None:
    cid = _consultation(client, decision="override", final_decision="prp", override_reason="prefers own blood")
    response = _plan(client, cid, treatment="prp", zones=["glabella", "forehead"], allow_glabella="yes")
    assert response.status_code == 422
    assert 'id="plan-allow_glabella-error"' in response.text and "may be waived only for" in response.text
    assert 'href="#plan-allow_glabella"' in response.text  # the summary links to the box
    assert 'name="allow_glabella" value="yes" checked' in response.text  # the choice is shown as it was sent


CHECKED = re.compile(r'<input type="checkbox" id="plan-z-(\w+)" name="zones" value="\w+" checked>')


def _prp_plan(client: TestClient) -> int:
    cid = _consultation(client, decision="override", final_decision="prp", override_reason="prefers own blood")
    assert _plan(client, cid, treatment="prp", sessions="4", interval_days="30").status_code == 303
    return cid


def _field_error(html: str, field_id: str) -> bool:
    """The message sits beside the field and the field points at it."""
    return (
        f'id="{field_id}-error"' in html
        and re.search(rf'id="{field_id}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*{field_id}-error', html)
        is not None
    )


def test_a_refused_plan_form_comes_back_with_exactly_what_was_sent(client: TestClient) -> None:
    cid = _consultation(client)
    saved = _plan(client, cid, zones=["forehead", "glabella", "cheek"], allow_glabella="yes", spacing_mm="8")
    assert saved.status_code == 303
    refused = _plan(client, cid, sessions="abc", interval_days="21", zones=["forehead", "cheek", "chin"])
    assert refused.status_code == 422
    assert CHECKED.findall(refused.text) == ["forehead", "cheek", "chin"]  # the removed glabella stays removed
    assert 'name="sessions" value="abc"' in refused.text and 'name="interval_days" value="21"' in refused.text
    assert 'name="spacing_mm" value=""' in refused.text  # emptied by the clinician: not the saved 8
    assert 'name="allow_glabella" value="yes" checked' not in refused.text
    nothing = _plan(client, cid, sessions="abc")  # no zone ticked at all
    assert CHECKED.findall(nothing.text) == []


def test_a_refused_session_form_keeps_the_chosen_visit_and_anticoagulant(client: TestClient) -> None:
    cid = _prp_plan(client)
    data = {"treatment": "prp", "number": "3", "anticoagulant": "edta", "blood_volume_ml": "abc", "activation": "x"}
    refused = _post(client, f"/clinic/consultations/{cid}/plan/sessions", data)
    assert refused.status_code == 422
    assert re.search(r'<option value="3" selected>', refused.text)
    assert not re.search(r'<option value="1" selected>', refused.text)
    assert '<option value="edta" selected>' in refused.text
    assert 'name="blood_volume_ml" value="abc"' in refused.text and 'name="activation" value="x"' in refused.text


def test_cocktail_errors_sit_beside_their_field_on_their_row(client: TestClient) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    rows = {
        "product": ["ncha_10", "ncha_10", "tranexamic_acid_4", ""],
        "volume_ml": ["1", "-1", "0.5", ""],
        "lot": ["A-1", "B-2", "", ""],
        "expiry": ["2030-01-31", "2030-01-31", "2030-01-31", ""],
    }
    refused = _post(
        client, f"/clinic/consultations/{cid}/plan/sessions", {"treatment": "mesotherapy", "number": "1", **rows}
    )
    html = refused.text
    assert refused.status_code == 422
    assert _field_error(html, "session-volume_ml-2") and _field_error(html, "session-lot-3")  # both at once
    assert 'href="#session-volume_ml-2"' in html and 'href="#session-lot-3"' in html  # the summary links to them
    assert html.count('aria-invalid="true"') == 2
    assert re.findall(r'<fieldset id="session-row-(\d)" class="has-error"', html) == ["2", "3"]
    from test_web_accessibility import check_page

    check_page(html)


def test_an_allergy_error_sits_on_the_row_with_the_offending_product(client: TestClient) -> None:
    token = log_in_api(client, "dr")
    headers = {"X-CSRF-Token": token}
    patient = client.post("/api/patients", json={"reference": "R9", "full_name": "Al Lergic"}, headers=headers)
    intake = {**HYDRATION, "history": {**HYDRATION["history"], "allergies": ["local_anaesthetic"]}}
    body = {"patient_id": patient.json()["id"], "intake": intake, "decision": "accept"}
    cid = client.post("/api/consultations", json=body, headers=headers).json()["id"]
    _plan(client, cid)
    rows = {
        "product": ["ncha_10", "ha_booster_lidocaine"],
        "volume_ml": ["1", "1"],
        "lot": ["A", "B"],
        "expiry": ["2030-01-01", "2030-01-01"],
    }
    refused = _post(
        client, f"/clinic/consultations/{cid}/plan/sessions", {"treatment": "mesotherapy", "number": "1", **rows}
    )
    html = refused.text
    assert refused.status_code == 422 and _field_error(html, "session-product-2")
    assert not _field_error(html, "session-product-1")
    row2 = html.split('id="session-row-2"')[1].split("</fieldset>")[0]
    assert "Lidocaine" in row2
    assert re.findall(r'<fieldset id="session-row-(\d)" class="has-error"', html) == ["2"]


def test_prp_session_errors_are_all_reported_beside_their_fields(client: TestClient) -> None:
    cid = _prp_plan(client)
    data = {**PRP_SESSION, "blood_volume_ml": "abc", "tube_volume_ml": "0", "spin1_g": "-5", "spin1_minutes": "10"}
    refused = _post(client, f"/clinic/consultations/{cid}/plan/sessions", data)
    html = refused.text
    assert refused.status_code == 422
    for name in ("blood_volume_ml", "tube_volume_ml", "spin1_g"):
        assert _field_error(html, f"session-{name}"), name
        assert f'href="#session-{name}"' in html
    assert "Whole blood processed" in html.split('role="alert"')[1].split("</ul>")[0]  # the summary names fields
    from test_web_accessibility import check_page

    check_page(html)


def test_errors_the_core_raises_land_beside_their_prp_field(client: TestClient) -> None:
    cid = _prp_plan(client)
    data = {**PRP_SESSION, "anticoagulant": "edta", "radius_cm": "500"}  # no centrifuge has a 5 m rotor
    refused = _post(client, f"/clinic/consultations/{cid}/plan/sessions", data)
    assert refused.status_code == 422 and _field_error(refused.text, "session-radius_cm")
    assert '<option value="edta" selected>' in refused.text


@pytest.mark.parametrize(
    ("volume", "message"),
    [
        ("5000", "must be between 0.01 and 1,000 mL, got 5,000. This is a plausibility limit"),
        ("0", "must be more than 0"),
    ],
)
def test_a_prp_volume_outside_its_limit_is_refused_beside_its_field(
    client: TestClient, volume: str, message: str
) -> None:
    cid = _prp_plan(client)
    refused = _post(client, f"/clinic/consultations/{cid}/plan/sessions", {**PRP_SESSION, "prp_volume_ml": volume})
    assert refused.status_code == 422 and _field_error(refused.text, "session-prp_volume_ml")
    assert message in refused.text.split('id="session-prp_volume_ml-error"')[1].split("</p>")[0]


def test_number_fields_ask_phones_for_a_numeric_keypad(client: TestClient) -> None:
    cid = _prp_plan(client)
    html = client.get(f"/clinic/consultations/{cid}/plan").text
    assert "&#34;" not in html and "&quot;numeric" not in html
    assert re.search(r'id="plan-sessions" name="sessions" value="4" inputmode="numeric"', html)
    assert re.search(r'id="session-blood_volume_ml" name="blood_volume_ml" value="" inputmode="decimal"', html)


def test_a_refused_glabella_waiver_names_techniques_as_a_clinician_does(client: TestClient) -> None:
    cid = _consultation(client, decision="override", final_decision="prp", override_reason="prefers own blood")
    response = _plan(client, cid, treatment="prp", zones=["glabella", "forehead"], allow_glabella="yes")
    error = response.text.split('id="plan-allow_glabella-error"')[1].split("</p>")[0]
    assert "Micro-papule" in error and "Nappage" in error and "PRP" in error
    assert "prp_microdepot" not in response.text and "papule, nappage" not in response.text


def test_the_plan_page_shows_the_findings_against_the_planned_treatment_and_the_override(
    client: TestClient,
) -> None:
    token = log_in_api(client, "dr")
    headers = {"X-CSRF-Token": token}
    patient = client.post("/api/patients", json={"reference": "R7", "full_name": "Ha Lergic"}, headers=headers)
    intake = {**HYDRATION, "history": {**HYDRATION["history"], "allergies": ["hyaluronic_acid"]}}
    body = {
        "patient_id": patient.json()["id"],
        "intake": intake,
        "decision": "override",
        "final_decision": "mesotherapy",
        "override_reason": "patch test negative, HA-free cocktail",
    }
    saved = client.post("/api/consultations", json=body, headers=headers).json()
    finding = next(f for f in saved["recommendation"]["findings"] if "mesotherapy" in f["treatments"])
    assert finding["effect"] in ("refer", "exclude")
    cid = saved["id"]
    assert _plan(client, cid).status_code == 303
    html = client.get(f"/clinic/consultations/{cid}/plan").text
    top = html.split('id="sessions-plan"')[0]  # above the plan itself
    assert 'id="plan-findings"' in top and finding["title"] in top and finding["text"] in top
    assert "patch test negative, HA-free cocktail" in top
    assert "No platelet count yet" not in top  # a PRP-only note does not concern a mesotherapy plan


def test_a_start_date_in_the_past_is_saved_with_a_notice_beside_it(client: TestClient) -> None:
    cid = _consultation(client)
    assert _plan(client, cid, start="2020-01-06").status_code == 303
    html = client.get(f"/clinic/consultations/{cid}/plan").text
    assert 'id="plan-start-notice"' in html and "before today" in html
    assert re.search(r'id="plan-start"[^>]*aria-describedby="plan-start-notice"', html)
    future = _consultation_for_prp(client)
    assert 'id="plan-start-notice"' not in client.get(f"/clinic/consultations/{future}/plan").text


def test_plan_dates_read_as_english(client: TestClient) -> None:
    """No "Days 28–28", no "1 sessions": a clinician reads these aloud to the patient."""
    import re

    cid = _consultation(client)
    assert _plan(client, cid, sessions="1").status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert not re.search(r"Days (\d+)–\1\b", page)
    assert ": 1 session</h3>" in page and "1 sessions" not in page
    assert "decision <strong>Mesotherapy</strong>" in page
    # Warnings name their sources as a reader would, not by our citation keys.
    assert "(sources: El-Domyati et al. 2012" in page
    assert not re.search(r"\[[a-z0-9_]+(, [a-z0-9_]+)*\]", page)


def test_a_citrate_allergy_is_shown_on_a_prp_plan_and_refuses_a_session_with_citrate(client: TestClient) -> None:
    allergic = {**HYDRATION, "history": {**HYDRATION["history"], "allergies": ["citrate_anticoagulant"]}}
    cid = _consultation(
        client, allergic, decision="override", final_decision="prp", override_reason="wants her own material"
    )
    assert _plan(client, cid, treatment="prp").status_code == 303
    page = client.get(f"/clinic/consultations/{cid}/plan").text
    assert 'id="anticoagulant-warning"' in page  # said before anyone prepares the PRP
    refused = _post(client, f"/clinic/consultations/{cid}/plan/sessions", PRP_SESSION)  # the default: ACD-A
    assert refused.status_code == 422 and 'id="session-anticoagulant-error"' in refused.text
    assert "citrate" in refused.text.split('id="session-anticoagulant-error"')[1][:400].lower()


def test_a_cocktail_posted_with_more_rows_than_the_form_has_is_refused_not_cut_short(client: TestClient) -> None:
    """The fifth vial of a hand-made post would otherwise be dropped unchecked against the allergies."""
    cid = _consultation(client)
    _plan(client, cid)
    rows = {
        "product": ["ncha_10"] * 5,
        "volume_ml": ["0.5"] * 5,
        "lot": [f"L-{i}" for i in range(5)],
        "expiry": ["2030-01-31"] * 5,
    }
    refused = _post(
        client, f"/clinic/consultations/{cid}/plan/sessions", {"treatment": "mesotherapy", "number": "1", **rows}
    )
    assert refused.status_code == 422 and "at most 4 products" in refused.text
    assert client.get(f"/api/consultations/{cid}/plan").json()["sessions"] == []  # nothing recorded
