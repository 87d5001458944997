"""The consultation's Plan page without JavaScript: dates with .ics, the chart editor and recorded sessions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests_web_support import HYDRATION, csrf_from, log_in_api

POINT = re.compile(r'data-point="(\d+)"')


def _consultation(client: TestClient, **decision: Any) -> int:
    token = log_in_api(client, "dr")
    headers = {"X-CSRF-Token": token}
    patient = client.post("/api/patients", json={"reference": "R1", "full_name": "Ann Example"}, headers=headers)
    body = {"patient_id": patient.json()["id"], "intake": HYDRATION, "decision": "accept", **decision}
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
    assert "30 sessions is outside the knowledge base" in page


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
