"""One shape for `errors[].path`: a body field is named by its own dotted path, whether FastAPI or a use case
refused it, so a client needs one parser. Other locations keep their prefix (`query.radius_cm`), because a query
parameter and a body field may share a name; an error about the whole body is `body`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests_web_support import log_in_api

from rejuv.domain.errors import FieldError
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


@pytest.mark.parametrize("raw", [b"[1]", b'"zones"'])
def test_an_error_about_the_whole_body_is_named_body(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/chart", content=raw, headers={"content-type": "application/json"})
    assert _paths(response) == ["body"]


@pytest.mark.parametrize("path", ["/api/chart", "/api/recommend", "/api/prp/assess"])
def test_an_empty_json_body_is_a_400_worded_alike_everywhere(client: TestClient, path: str) -> None:
    response = client.post(path, content=b"", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "body", "message": "not valid JSON: Expecting value at line 1, column 1"}
    ]


def test_broken_json_is_a_400_saying_where_it_broke_instead_of_naming_a_field(client: TestClient) -> None:
    response = client.post("/api/chart", content=b'{"zones": [', headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The body is not valid JSON: Expecting value at line 1, column 12."
    assert response.json()["errors"] == [
        {"path": "body", "message": "not valid JSON: Expecting value at line 1, column 12"}
    ]


def test_a_line_break_in_broken_json_counts_in_the_line_and_column(client: TestClient) -> None:
    raw = b'{"zones": ["cheek"],\n "technique": }'
    response = client.post("/api/chart", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "body", "message": "not valid JSON: Expecting value at line 2, column 15"}
    ]


@pytest.mark.parametrize(
    ("raw", "reason"), [(b'{"zones": "\xff"}', "the text is not UTF-8"), (b"[" * 50_000, "nested too deeply")]
)
def test_a_body_fastapi_cannot_read_as_json_is_a_400_naming_the_body(
    client: TestClient, raw: bytes, reason: str
) -> None:
    response = client.post("/api/chart", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"path": "body", "message": f"not valid JSON: {reason}"}]


@pytest.mark.parametrize(
    ("url", "words"),
    [("/api/recommend", "the intake"), ("/api/submissions", "the answers"), ("/api/chart", "the body")],
)
def test_every_json_endpoint_words_broken_json_and_a_wrong_media_type_alike(
    client: TestClient, url: str, words: str
) -> None:
    broken = client.post(url, content=b'{"a": ', headers={"content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["detail"] == "The body is not valid JSON: Expecting value at line 1, column 7."
    assert broken.json()["errors"] == [
        {"path": "body", "message": "not valid JSON: Expecting value at line 1, column 7"}
    ]
    for headers in ({"content-type": "text/plain"}, {}):
        wrong_type = client.post(url, content=b"{}", headers=headers)
        assert wrong_type.status_code == 415 and wrong_type.headers["content-type"] == "application/problem+json"
        assert wrong_type.json()["detail"] == f"Send {words} as application/json."
        assert wrong_type.json()["errors"] == [{"path": "body", "message": "must be JSON"}]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/merge-patch+json"])
def test_any_json_media_type_is_accepted(client: TestClient, content_type: str) -> None:
    body = b'{"zones": ["cheek"], "technique": "papule"}'
    assert client.post("/api/chart", content=body, headers={"content-type": content_type}).status_code == 200


def test_an_empty_body_of_another_media_type_is_a_415_too(client: TestClient) -> None:
    response = client.post("/api/chart", content=b"", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["errors"] == [{"path": "body", "message": "must be JSON"}]


def test_the_openapi_document_lists_400_413_and_415_for_every_json_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    with_body = [
        (method, path, operation["responses"])
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert {("post", "/api/chart"), ("post", "/api/patients"), ("post", "/api/recommend")} <= {
        (method, path) for method, path, _ in with_body
    }
    for method, path, responses in with_body:
        for status in ("400", "413", "415", "422"):
            assert "application/problem+json" in responses[status]["content"], (method, path, status)


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
        ("body", "not valid JSON: Expecting ',' (at character 3)"),
    ]
    broken = [{"loc": ("body", 14), "type": "json_invalid", "ctx": {"error": "Expecting ':' delimiter"}}]
    assert field_errors_from_fastapi(broken, '{"a": 1,\n "b" 2}') == [
        FieldError("body", "not valid JSON: Expecting ':' delimiter at line 2, column 6")
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


def test_a_repeated_key_in_a_consultation_s_intake_is_refused_not_resolved_to_its_last_value(
    client: TestClient,
) -> None:
    """The case /api/recommend was made strict for: a later `"pregnant": false` hiding an earlier `true`."""
    headers = {"X-CSRF-Token": log_in_api(client, "dr"), "content-type": "application/json"}
    patient = client.post("/api/patients", json={"reference": "R1", "full_name": "Ann Example"}, headers=headers)
    intake = (
        '{"schema_version": "1", "patient": {"age": 30, "sex": "female"}, "concerns": [{"id": "fine_lines"}], '
        '"history": {"pregnant": true, "pregnant": false}}'
    )
    body = f'{{"patient_id": {patient.json()["id"]}, "decision": "accept", "intake": {intake}}}'
    refused = client.post("/api/consultations", content=body, headers=headers)
    assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [{"path": "body", "message": "the key 'pregnant' appears twice in one object"}]
    listed = client.get(f"/api/consultations?patient_id={patient.json()['id']}", headers=headers)
    assert listed.status_code == 200 and "pregnant" not in listed.text  # nothing was stored


def test_a_repeated_key_is_refused_on_the_planning_calculators_too(client: TestClient) -> None:
    body = '{"zones": ["forehead"], "zones": ["cheek"]}'
    refused = client.post("/api/chart", content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"path": "body", "message": "the key 'zones' appears twice in one object"}]
