"""One shape for `errors[].path`: a body field is named by its own dotted path, whether FastAPI or a use case
refused it, so a client needs one parser. Other locations keep their prefix (`query.radius_cm`), because a query
parameter and a body field may share a name; an error about the whole body is `body`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests_web_support import log_in_api

from rejuv.web.problems import field_errors_from_fastapi


def _paths(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["path"] for e in response.json()["errors"]]


def test_a_body_field_has_the_same_path_whether_fastapi_or_the_core_refuses_it(client: TestClient) -> None:
    by_fastapi = client.post("/api/chart", json={"zones": ["cheek"], "technique": "papule", "spacing_mm": 0.2})
    by_the_core = client.post("/api/chart", json={"zones": ["ear"], "technique": "papule"})
    assert _paths(by_fastapi) == ["spacing_mm"] and _paths(by_the_core) == ["zones"]


def test_a_nested_body_field_is_its_dotted_path_without_a_prefix(client: TestClient) -> None:
    response = client.post("/api/chart", json={"zones": ["cheek", "x" * 41], "technique": "papule"})
    assert _paths(response) == ["zones.1"]


def test_a_body_field_matches_the_intake_endpoints_naming(client: TestClient) -> None:
    headers = {"X-CSRF-Token": log_in_api(client, "dr")}
    by_fastapi = client.post("/api/consultations", json={"intake": {}, "decision": "accept"}, headers=headers)
    assert "patient_id" in _paths(by_fastapi)
    patient = client.post("/api/patients", json={"reference": "R1", "full_name": "Ann"}, headers=headers).json()
    body = {"patient_id": patient["id"], "intake": {"schema_version": "1", "patient": {"age": "old"}}}
    by_the_service = client.post("/api/consultations", json={**body, "decision": "accept"}, headers=headers)
    assert "intake.patient.age" in _paths(by_the_service)


@pytest.mark.parametrize("raw", [b"[1]", b'"zones"', b"", b'{"zones": ['])
def test_an_error_about_the_whole_body_is_named_body(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/chart", content=raw, headers={"content-type": "application/json"})
    assert _paths(response) == ["body"]


def test_broken_json_says_where_it_broke_instead_of_naming_a_field(client: TestClient) -> None:
    response = client.post("/api/chart", content=b'{"zones": [', headers={"content-type": "application/json"})
    assert response.json()["errors"] == [
        {"path": "body", "message": "is not valid JSON: expecting value (at character 11)"}
    ]


def test_query_path_and_header_errors_keep_their_location(client: TestClient) -> None:
    assert _paths(client.get("/api/prp/rpm?radius_cm=abc&rcf=300")) == ["query.radius_cm"]
    assert _paths(client.get("/api/prp/rpm?radius_cm=500&rcf=300")) == ["query.radius_cm"]
    headers = {"Idempotency-Key": "short"}
    assert _paths(client.post("/api/submissions", json={}, headers=headers)) == ["header.Idempotency-Key"]
    log_in_api(client, "dr")
    assert _paths(client.get("/api/submissions/not-a-code")) == ["path.code"]


def test_fastapi_locations_become_one_path_shape() -> None:
    errors = [
        {"loc": ("body", "intake", "patient", "age"), "msg": "Input should be a valid integer"},
        {"loc": ("body",), "msg": "Field required"},
        {"loc": ("query", "ids"), "msg": "Field required"},
        {"loc": ("path", "code"), "msg": "String should match pattern"},
        {"loc": ("header", "Idempotency-Key"), "msg": "String should match pattern"},
        {"loc": ("body", 3), "msg": "JSON decode error", "type": "json_invalid", "ctx": {"error": "Expecting ','"}},
    ]
    assert [(e.path, e.message) for e in field_errors_from_fastapi(errors)] == [
        ("intake.patient.age", "input should be a valid integer"),
        ("body", "field required"),
        ("query.ids", "field required"),
        ("path.code", "string should match pattern"),
        ("header.Idempotency-Key", "string should match pattern"),
        ("body", "is not valid JSON: expecting ',' (at character 3)"),
    ]


@pytest.mark.parametrize(
    ("url", "raw", "status"),
    [
        ("/api/recommend", b"[1]", 422),
        ("/api/recommend", b'{"a": ', 400),
        ("/api/recommend", b'{"a": 1, "a": 2}', 400),
        ("/api/submissions", b'{"a": ', 400),
    ],
)
def test_the_strictly_decoded_endpoints_name_a_whole_body_error_body_too(
    client: TestClient, url: str, raw: bytes, status: int
) -> None:
    response = client.post(url, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert [e["path"] for e in response.json()["errors"]] == ["body"]
