"""The JSON API for sent answers: a public, consented, strictly decoded send with an optional Idempotency-Key,
and the clinicians' inbox endpoints (login, role, CSRF, audit). Runs on SQLite and PostgreSQL (`db_client`).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests_web_support import HYDRATION, log_in_api

from rejuv.storage.tables import SubmissionRow

BODY: dict[str, Any] = {"name": "Ann Example", "contact": "ann@example.org", "consent": True, "intake": HYDRATION}


def stored(client: TestClient) -> list[SubmissionRow]:
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    with state.session_factory() as session:
        rows = list(session.query(SubmissionRow).order_by(SubmissionRow.id))
        session.expunge_all()
    return rows


def audit_trail(client: TestClient) -> list[tuple[str, str, str]]:
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    with state.uow() as uow:
        return [(e.actor, e.action, e.entity) for e in reversed(uow.audit.latest(200, 0))]


def send(client: TestClient, body: dict[str, Any] = BODY, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/submissions", json=body, headers=headers)


def problem_paths(response: Any) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [e["path"] for e in response.json().get("errors", [])]


def test_a_send_with_consent_is_stored_and_says_what_was_kept_and_until_when(db_client: TestClient) -> None:
    response = send(db_client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/submissions/{body['code']}"
    created = dt.datetime.fromisoformat(body["created_at"])
    assert dt.datetime.fromisoformat(body["delete_after"]) == created + dt.timedelta(days=30)
    assert body["retention_days"] == 30
    assert body["stored"]["name"] == "Ann Example" and body["stored"]["intake"] == HYDRATION
    assert body["stored"]["recommendation"] == db_client.app.state.rejuv.advisor.recommend(HYDRATION)  # type: ignore[attr-defined]
    assert "the knowledge check" in body["not_stored"] and "quote the reference code" in body["how_to_delete"]
    [row] = stored(db_client)
    assert (row.code, row.status, row.send_key) == (body["code"], "new", None)
    assert audit_trail(db_client) == [("person (decision aid)", "create", "submission")]


def test_the_same_idempotency_key_returns_the_first_submission_and_stores_nothing(db_client: TestClient) -> None:
    key = str(uuid.uuid4())
    first = send(db_client, key=key)
    again = send(db_client, key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "location" not in again.headers
    assert len(stored(db_client)) == 1
    assert send(db_client, key=str(uuid.uuid4())).status_code == 201  # another key is another send
    assert len(stored(db_client)) == 2


def test_the_same_key_with_a_different_body_is_422_and_stores_nothing(db_client: TestClient) -> None:
    key = str(uuid.uuid4())
    send(db_client, key=key)
    response = send(db_client, {**BODY, "contact": "0999"}, key=key)
    assert response.status_code == 422
    assert problem_paths(response) == ["header.Idempotency-Key"]
    assert "0123" not in response.text and "ann@example.org" not in response.text  # nothing of the first leaks
    [row] = stored(db_client)
    assert row.contact == "ann@example.org"


def test_a_key_whose_submission_was_deleted_is_409_and_not_stored_again(db_client: TestClient) -> None:
    key = str(uuid.uuid4())
    code = send(db_client, key=key).json()["code"]
    token = log_in_api(db_client, "dr")
    assert db_client.delete(f"/api/submissions/{code}", headers={"X-CSRF-Token": token}).status_code == 204
    again = send(db_client, key=key)
    assert again.status_code == 409 and problem_paths(again) == ["header.Idempotency-Key"]
    assert "deleted" in again.json()["detail"]
    [row] = stored(db_client)
    assert (row.status, row.name, row.intake) == ("deleted", "", {})


@pytest.mark.parametrize("key", ["short", "x" * 65, "has spaces in it, sixteen+", "ключ-ключ-ключ-ключ"])
def test_a_malformed_idempotency_key_is_422_naming_the_header(db_client: TestClient, key: str) -> None:
    response = db_client.post(
        "/api/submissions",
        content=json.dumps(BODY).encode(),
        headers={"content-type": "application/json", "Idempotency-Key": key.encode()},  # raw UTF-8 bytes too
    )
    assert response.status_code == 422 and problem_paths(response) == ["header.Idempotency-Key"]
    assert stored(db_client) == []


def test_a_body_that_is_not_json_is_415(db_client: TestClient) -> None:
    response = db_client.post("/api/submissions", data={"name": "Ann"})
    assert response.status_code == 415 and problem_paths(response) == ["body"]
    assert stored(db_client) == []


@pytest.mark.parametrize("raw", [b"{", b'{"name": "A", "name": "B"}', b'{"consent": NaN}'])
def test_broken_or_ambiguous_json_is_400(db_client: TestClient, raw: bytes) -> None:
    response = db_client.post("/api/submissions", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert detail.startswith("The body is not valid JSON: ") and detail.count("not valid JSON") == 1
    assert stored(db_client) == []


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({**BODY, "consent": False}, ["consent"]),
        ({**BODY, "consent": "true"}, ["consent"]),
        ({k: v for k, v in BODY.items() if k != "consent"}, ["consent"]),
        ({**BODY, "name": "", "contact": "\x00"}, ["name", "contact"]),
        ({**BODY, "name": 7}, ["name"]),
        ({**BODY, "extra": 1}, ["extra"]),
        ({**BODY, "intake": []}, ["intake"]),
        ({**BODY, "intake": {**HYDRATION, "patient": {"age": "old"}}}, ["intake.patient.age"]),
        ([BODY], ["body"]),
    ],
)
def test_bad_fields_are_422_naming_each_field_and_nothing_is_stored(
    db_client: TestClient, body: Any, paths: list[str]
) -> None:
    response = send(db_client, body)
    assert response.status_code == 422
    assert problem_paths(response) == paths
    assert stored(db_client) == []
    assert audit_trail(db_client) == []


def test_one_address_cannot_flood_the_inbox_through_the_api(client: TestClient) -> None:
    for _ in range(5):
        assert send(client, key=str(uuid.uuid4())).status_code == 201
    refused = send(client, key=str(uuid.uuid4()))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"] == "application/problem+json"
    assert "Too many answers were sent from this address" in refused.json()["detail"]
    assert len(stored(client)) == 5


def test_a_replay_is_answered_even_when_the_address_is_over_the_limit(client: TestClient) -> None:
    key = str(uuid.uuid4())
    first = send(client, key=key)
    for _ in range(4):
        send(client, key=str(uuid.uuid4()))
    assert send(client, key=str(uuid.uuid4())).status_code == 429
    replay = send(client, key=key)
    assert replay.status_code == 200 and replay.json()["code"] == first.json()["code"]


CLINIC_READS = ["/api/submissions", "/api/submissions/AAAA-BBBB"]
IMPORT = {"reference": "R-1", "full_name": "Ann Example", "decision": "accept"}


@pytest.mark.parametrize("path", CLINIC_READS)
def test_anonymous_callers_get_401_on_the_inbox(db_client: TestClient, path: str) -> None:
    response = db_client.get(path)
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/submissions"),
        ("GET", "/api/submissions/{code}"),
        ("DELETE", "/api/submissions/{code}"),
        ("POST", "/api/submissions/{code}/import"),
    ],
)
def test_admins_get_403_and_nothing_changes(db_client: TestClient, method: str, path: str) -> None:
    code = send(db_client).json()["code"]
    token = log_in_api(db_client, "root", "admin")
    response = db_client.request(
        method, path.format(code=code), json=IMPORT if method == "POST" else None, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 403
    assert stored(db_client)[0].status == "new"


@pytest.mark.parametrize("token", [None, "forged"])
def test_writes_without_the_csrf_header_are_refused(db_client: TestClient, token: str | None) -> None:
    code = send(db_client).json()["code"]
    log_in_api(db_client, "dr")
    headers = {"X-CSRF-Token": token} if token else {}
    assert db_client.delete(f"/api/submissions/{code}", headers=headers).status_code == 403
    assert db_client.post(f"/api/submissions/{code}/import", json=IMPORT, headers=headers).status_code == 403
    [row] = stored(db_client)
    assert (row.status, row.name) == ("new", "Ann Example")


def test_a_clinician_lists_reads_and_imports_a_submission(db_client: TestClient) -> None:
    code = send(db_client).json()["code"]
    token = log_in_api(db_client, "dr")
    [listed] = db_client.get("/api/submissions").json()
    assert (listed["code"], listed["name"], listed["status"]) == (code, "Ann Example", "new")
    one = db_client.get(f"/api/submissions/{code.lower()}")
    assert one.status_code == 200 and one.json()["intake"] == HYDRATION
    imported = db_client.post(f"/api/submissions/{code}/import", json=IMPORT, headers={"X-CSRF-Token": token})
    assert imported.status_code == 201, imported.text
    consultation = imported.json()["consultation"]
    assert imported.headers["location"] == f"/api/consultations/{consultation['id']}"
    assert db_client.get(imported.headers["location"]).json()["intake"] == HYDRATION
    assert db_client.get(f"/api/submissions/{code}").json()["status"] == "imported"
    assert db_client.get("/api/submissions").json() == []
    twice = db_client.post(f"/api/submissions/{code}/import", json=IMPORT, headers={"X-CSRF-Token": token})
    assert twice.status_code == 409 and problem_paths(twice) == ["submission"]


def test_an_import_with_bad_fields_is_422_naming_them_and_changes_nothing(db_client: TestClient) -> None:
    code = send(db_client).json()["code"]
    token = log_in_api(db_client, "dr")
    bare = {**IMPORT, "decision": "override"}
    response = db_client.post(f"/api/submissions/{code}/import", json=bare, headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    assert set(problem_paths(response)) == {"final_decision", "override_reason"}
    extra = db_client.post(f"/api/submissions/{code}/import", json={**IMPORT, "x": 1}, headers={"X-CSRF-Token": token})
    assert extra.status_code == 422 and problem_paths(extra) == ["x"]
    assert stored(db_client)[0].status == "new"


def test_deleting_wipes_the_personal_fields_and_keeps_the_code(db_client: TestClient) -> None:
    code = send(db_client).json()["code"]
    token = log_in_api(db_client, "dr")
    assert db_client.delete(f"/api/submissions/{code}", headers={"X-CSRF-Token": token}).status_code == 204
    after = db_client.get(f"/api/submissions/{code}").json()
    assert (after["status"], after["name"], after["contact"], after["intake"]) == ("deleted", "", "", {})
    assert after["code"] == code


@pytest.mark.parametrize("path", ["/api/submissions/AAAA-BBBB", "/api/submissions/aaaa-2222"])
def test_an_unknown_code_is_404(db_client: TestClient, path: str) -> None:
    token = log_in_api(db_client, "dr")
    assert db_client.get(path).status_code == 404
    assert db_client.delete(path, headers={"X-CSRF-Token": token}).status_code == 404


@pytest.mark.parametrize("path", ["/api/submissions/AAAABBBB", "/api/submissions/AAAA-BBBB-C"])
def test_a_malformed_code_is_422_naming_it(db_client: TestClient, path: str) -> None:
    log_in_api(db_client, "dr")
    response = db_client.get(path)
    assert response.status_code == 422 and problem_paths(response) == ["path.code"]


def test_every_clinic_read_and_write_through_the_api_is_audited(db_client: TestClient) -> None:
    first, second = send(db_client).json()["code"], send(db_client).json()["code"]
    token = log_in_api(db_client, "dr")
    db_client.get("/api/submissions")
    db_client.get(f"/api/submissions/{first}")
    db_client.post(f"/api/submissions/{first}/import", json=IMPORT, headers={"X-CSRF-Token": token})
    db_client.delete(f"/api/submissions/{second}", headers={"X-CSRF-Token": token})
    trail = [entry for entry in audit_trail(db_client) if entry[0] == "dr" and entry[2] != "session"]
    assert trail == [
        ("dr", "read", "submission_list"),
        ("dr", "read", "submission"),
        ("dr", "create", "patient"),
        ("dr", "create", "consultation"),
        ("dr", "import", "submission"),
        ("dr", "delete", "submission"),
    ]


def test_the_openapi_document_describes_every_submission_operation(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    send_op = paths["/api/submissions"]["post"]
    assert {"201", "200", "415", "422", "429"} <= set(send_op["responses"])
    assert send_op["requestBody"]["content"]["application/json"]["schema"]["properties"]["consent"] == {
        "const": True,
        "description": "the person agrees the clinic stores the answers",
    }
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in send_op["parameters"])
    for path, method in [
        ("/api/submissions", "get"),
        ("/api/submissions/{code}", "get"),
        ("/api/submissions/{code}/import", "post"),
        ("/api/submissions/{code}", "delete"),
    ]:
        operation = paths[path][method]
        assert operation["summary"] and {"401", "403"} <= set(operation["responses"])
