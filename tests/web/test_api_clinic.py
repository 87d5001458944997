"""The authenticated API on both databases: who may do what, CSRF on writes, and the audit trail."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tests_web_support import HYDRATION, PASSWORD, add_user, log_in_api

PATIENT_ROUTES = [
    ("GET", "/api/patients", None),
    ("POST", "/api/patients", {"reference": "R1", "full_name": "Ann Example"}),
    ("GET", "/api/patients/1", None),
    ("POST", "/api/consultations", {"patient_id": 1, "intake": HYDRATION, "decision": "accept"}),
    ("GET", "/api/consultations/1", None),
    ("GET", "/api/consultations?patient_id=1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PATIENT_ROUTES)
def test_anonymous_requests_to_patient_data_get_401(
    db_client: TestClient, method: str, path: str, body: object
) -> None:
    response = db_client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "body"), PATIENT_ROUTES)
def test_an_admin_may_not_touch_patient_data(db_client: TestClient, method: str, path: str, body: object) -> None:
    token = log_in_api(db_client, "root", "admin")
    response = db_client.request(method, path, json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 403


def test_the_audit_log_is_for_admins_only(db_client: TestClient) -> None:
    assert db_client.get("/api/audit").status_code == 401
    log_in_api(db_client, "dr", "clinician")
    assert db_client.get("/api/audit").status_code == 403


def test_writes_without_the_csrf_token_are_refused(db_client: TestClient) -> None:
    log_in_api(db_client, "dr")
    response = db_client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"})
    assert response.status_code == 403
    wrong = db_client.post(
        "/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers={"X-CSRF-Token": "forged"}
    )
    assert wrong.status_code == 403
    assert db_client.get("/api/patients").json() == []


def test_a_clinician_creates_searches_and_reads_patients(db_client: TestClient) -> None:
    token = log_in_api(db_client, "dr")
    headers = {"X-CSRF-Token": token}
    created = db_client.post(
        "/api/patients", json={"reference": "R1", "full_name": "Ann  Example", "birth_year": 1980}, headers=headers
    )
    assert created.status_code == 201
    assert created.json()["full_name"] == "Ann Example"
    db_client.post("/api/patients", json={"reference": "R2", "full_name": "Bob Other"}, headers=headers)
    assert [p["reference"] for p in db_client.get("/api/patients", params={"q": "ann"}).json()] == ["R1"]
    assert len(db_client.get("/api/patients").json()) == 2
    one = db_client.get(f"/api/patients/{created.json()['id']}").json()
    assert one["reference"] == "R1" and one["consultations"] == []


def test_a_duplicate_reference_is_a_409_naming_the_field(db_client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    db_client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers=headers)
    response = db_client.post("/api/patients", json={"reference": "R1", "full_name": "Other"}, headers=headers)
    assert response.status_code == 409
    assert response.json()["errors"][0]["path"] == "reference"


def test_a_bad_patient_body_names_each_field(db_client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    response = db_client.post("/api/patients", json={"full_name": "", "age": 3}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"reference", "full_name", "age"} <= paths


def test_control_characters_are_refused_in_patient_records_on_both_databases(db_client: TestClient) -> None:
    """SQLite would store a NUL that PostgreSQL refuses: both refuse it first, naming the field."""
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    bad = db_client.post("/api/patients", json={"reference": "R9\u0000", "full_name": "Ann\u001b[31m"}, headers=headers)
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} == {"reference", "full_name"}
    patient = db_client.post("/api/patients", json={"reference": "R9", "full_name": "Ann"}, headers=headers).json()
    body = {"patient_id": patient["id"], "intake": HYDRATION, "decision": "override", "final_decision": "prp"}
    reason = db_client.post("/api/consultations", json={**body, "override_reason": "wants\u0000PRP"}, headers=headers)
    assert reason.status_code == 422 and reason.json()["errors"][0]["path"] == "override_reason"
    notes = db_client.post(
        "/api/consultations",
        json={**body, "override_reason": "wants PRP", "notes": "line one\nline two\u0007"},
        headers=headers,
    )
    assert notes.status_code == 422 and notes.json()["errors"][0]["path"] == "notes"
    fine = db_client.post(
        "/api/consultations",
        json={**body, "override_reason": "wants PRP", "notes": "line one\nline two\ttabbed"},
        headers=headers,
    )
    assert fine.status_code == 201 and fine.json()["notes"] == "line one\nline two\ttabbed"


def test_a_missing_patient_is_a_404(db_client: TestClient) -> None:
    log_in_api(db_client, "dr")
    assert db_client.get("/api/patients/999").status_code == 404
    assert db_client.get("/api/consultations/999").status_code == 404


def test_a_consultation_is_saved_with_the_engines_recommendation_and_version(db_client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    patient = db_client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers=headers).json()
    saved = db_client.post(
        "/api/consultations",
        json={"patient_id": patient["id"], "intake": HYDRATION, "decision": "accept", "notes": "first visit"},
        headers=headers,
    )
    assert saved.status_code == 201, saved.text
    body = saved.json()
    assert body["recommended_decision"] == body["final_decision"] == "mesotherapy"
    assert body["knowledge_version"] == db_client.get("/api/knowledge").json()["knowledge_version"]
    assert body["created_at"].endswith("+00:00")
    assert db_client.get(f"/api/consultations/{body['id']}").json()["notes"] == "first visit"
    listed = db_client.get("/api/consultations", params={"patient_id": patient["id"]})
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [body["id"]]


def test_listing_consultations_needs_a_known_patient(db_client: TestClient) -> None:
    log_in_api(db_client, "dr")
    missing = db_client.get("/api/consultations")
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert [e["path"] for e in missing.json()["errors"]] == ["query.patient_id"]
    unknown = db_client.get("/api/consultations", params={"patient_id": 99})
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")


def test_an_override_needs_a_reason_and_a_different_decision(db_client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    patient = db_client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers=headers).json()
    base = {"patient_id": patient["id"], "intake": HYDRATION, "decision": "override"}
    no_reason = db_client.post("/api/consultations", json={**base, "final_decision": "prp"}, headers=headers)
    assert no_reason.status_code == 422
    assert [e["path"] for e in no_reason.json()["errors"]] == ["override_reason"]
    same = db_client.post(
        "/api/consultations", json={**base, "final_decision": "mesotherapy", "override_reason": "x"}, headers=headers
    )
    assert [e["path"] for e in same.json()["errors"]] == ["final_decision"]
    ok = db_client.post(
        "/api/consultations",
        json={**base, "final_decision": "prp", "override_reason": "prefers own blood"},
        headers=headers,
    )
    assert ok.status_code == 201
    history = db_client.get(f"/api/patients/{patient['id']}").json()["consultations"]
    assert [(c["clinician_decision"], c["final_decision"], c["override_reason"]) for c in history] == [
        ("override", "prp", "prefers own blood")
    ]


def test_a_consultation_with_an_invalid_intake_names_the_intake_field(db_client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    patient = db_client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers=headers).json()
    bad = {**HYDRATION, "patient": {"age": 300}}
    response = db_client.post(
        "/api/consultations", json={"patient_id": patient["id"], "intake": bad, "decision": "accept"}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "intake.patient.age"


def test_a_consultation_intake_with_infinity_is_refused_as_not_json(db_client: TestClient) -> None:
    """Infinity is not JSON: refused as /api/recommend refuses it (the body is decoded strictly), never stored."""
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr"), "content-type": "application/json"}
    patient = db_client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers=headers).json()
    intake = (
        '{"schema_version": "1", "patient": {"age": 30}, "concerns": [{"id": "dullness"}], '
        '"preferences": {"max_downtime_days": Infinity}}'
    )
    body = f'{{"patient_id": {patient["id"]}, "decision": "accept", "intake": {intake}}}'
    response = db_client.post("/api/consultations", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "body", "message": "not valid JSON: Infinity is not a JSON number"}]


def test_a_consultation_for_an_unknown_patient_is_a_404(db_client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    response = db_client.post(
        "/api/consultations", json={"patient_id": 42, "intake": HYDRATION, "decision": "accept"}, headers=headers
    )
    assert response.status_code == 404


def test_every_read_and_write_of_patient_data_is_in_the_audit_log(db_client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    patient = db_client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers=headers).json()
    db_client.get("/api/patients", params={"q": "ann"})
    db_client.get(f"/api/patients/{patient['id']}")
    saved = db_client.post(
        "/api/consultations",
        json={"patient_id": patient["id"], "intake": HYDRATION, "decision": "accept"},
        headers=headers,
    ).json()
    db_client.get(f"/api/consultations/{saved['id']}")
    db_client.cookies.clear()
    log_in_api(db_client, "root", "admin")
    entries = db_client.get("/api/audit").json()
    trail = [(e["actor"], e["action"], e["entity"], e["entity_id"]) for e in reversed(entries)]
    pid, cid = str(patient["id"]), str(saved["id"])
    assert ("dr", "login", "session") in {t[:3] for t in trail}
    assert [t for t in trail if t[0] == "dr" and t[2] != "session"] == [
        ("dr", "create", "patient", pid),
        ("dr", "read", "patient_list", None),
        ("dr", "read", "patient", pid),
        ("dr", "create", "consultation", cid),
        ("dr", "read", "consultation", cid),
    ]
    assert all(e["at"] for e in entries)


def test_logins_failed_logins_and_logouts_are_in_the_audit_log(db_client: TestClient) -> None:
    add_user(db_client, "dr", "clinician")
    assert db_client.post("/api/session", json={"username": "dr", "password": "not the password"}).status_code == 401
    assert db_client.post("/api/session", json={"username": "nobody", "password": "whatever it is"}).status_code == 401
    token = db_client.post("/api/session", json={"username": "dr", "password": PASSWORD}).json()["csrf_token"]
    assert db_client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    log_in_api(db_client, "root", "admin")
    trail = [
        (e["actor"], e["action"]) for e in reversed(db_client.get("/api/audit").json()) if e["entity"] == "session"
    ]
    assert trail[:4] == [("dr", "login_failed"), ("nobody", "login_failed"), ("dr", "login"), ("dr", "logout")]


def test_a_wrong_password_is_a_401_and_repeated_failures_are_rate_limited(db_client: TestClient) -> None:
    add_user(db_client, "dr", "clinician")
    for _ in range(5):
        assert db_client.post("/api/session", json={"username": "dr", "password": "wrong"}).status_code == 401
    limited = db_client.post("/api/session", json={"username": "dr", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0


def test_logging_out_ends_the_session(db_client: TestClient) -> None:
    token = log_in_api(db_client, "dr")
    assert db_client.request("DELETE", "/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    assert db_client.get("/api/patients").status_code == 401


def test_a_forged_session_cookie_is_ignored(db_client: TestClient) -> None:
    log_in_api(db_client, "dr")
    db_client.cookies.clear()
    db_client.cookies.set("rejuv_session", "eyJ1aWQiOjF9.forged.sig")
    assert db_client.get("/api/patients").status_code == 401


# Each clinic endpoint that takes a JSON body, with a valid body's fields and one bad field it names.
JSON_BODIES = [
    ("/api/session", {"username": "dr", "password": PASSWORD}, {"username": ""}, "username"),
    ("/api/patients", {"reference": "R1", "full_name": "Ann"}, {"full_name": ""}, "full_name"),
    (
        "/api/consultations",
        {"patient_id": 1, "intake": HYDRATION, "decision": "accept"},
        {"patient_id": 0},
        "patient_id",
    ),
    (
        "/api/submissions/K7PQ-4QX9/import",
        {"reference": "R1", "full_name": "Ann", "decision": "accept"},
        {"decision": "maybe"},
        "decision",
    ),
]


def _whole_body_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert [e["path"] for e in body["errors"]] == ["body"], body  # type: ignore[attr-defined]
    return body


@pytest.mark.parametrize(("url", "body", "bad", "path"), JSON_BODIES)
def test_broken_json_to_the_clinic_api_is_a_400_naming_the_body(
    db_client: TestClient, url: str, body: dict[str, object], bad: dict[str, object], path: str
) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr"), "content-type": "application/json"}
    raw = json.dumps(body).encode()[:-1]  # the closing brace lost
    problem = _whole_body_problem(db_client.post(url, content=raw, headers=headers), 400)
    assert str(problem["detail"]).startswith("The body is not valid JSON: Expecting ")


@pytest.mark.parametrize(("url", "body", "bad", "path"), JSON_BODIES)
def test_a_clinic_api_body_that_is_not_application_json_is_a_415_naming_the_body(
    db_client: TestClient, url: str, body: dict[str, object], bad: dict[str, object], path: str
) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr"), "content-type": "text/plain"}
    problem = _whole_body_problem(db_client.post(url, content=json.dumps(body).encode(), headers=headers), 415)
    assert problem["errors"] == [{"path": "body", "message": "must be JSON"}]


@pytest.mark.parametrize(("url", "body", "bad", "path"), JSON_BODIES)
def test_valid_json_with_a_bad_field_to_the_clinic_api_is_still_a_422_naming_the_field(
    db_client: TestClient, url: str, body: dict[str, object], bad: dict[str, object], path: str
) -> None:
    headers = {"X-CSRF-Token": log_in_api(db_client, "dr")}
    response = db_client.post(url, json={**body, **bad}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in response.json()["errors"]] == [path]


def test_an_anonymous_body_of_another_media_type_is_still_a_401(db_client: TestClient) -> None:
    response = db_client.post("/api/patients", content=b"reference=R1", headers={"content-type": "text/plain"})
    assert response.status_code == 401
