"""The public JSON API: contract in, contract out, and every error as problem+json naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient

from rejuv.services.advice import Advisor
from rejuv.settings import Settings
from rejuv.web.app import create_app

CONTRACTS = Path(__file__).resolve().parents[2] / "src" / "rejuv" / "contracts"
RECOMMENDATION_SCHEMA = json.loads((CONTRACTS / "recommendation.schema.json").read_text())
HYDRATION = {
    "schema_version": "1",
    "patient": {"age": 30, "sex": "female", "fitzpatrick": "II", "glogau": "I"},
    "concerns": [{"id": "dehydration"}, {"id": "fine_lines", "severity": "mild", "zones": ["forehead"]}],
    "preferences": {"max_downtime_days": 2, "blood_draw": "ok", "leaning": "none"},
    "history": {"pregnant": False, "breastfeeding": False, "conditions": [], "medications": [], "allergies": []},
}


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_a_valid_intake_gets_a_recommendation_matching_the_contract(client: TestClient) -> None:
    response = client.post("/api/recommend", json=HYDRATION)
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, RECOMMENDATION_SCHEMA)
    assert body["decision"] == "mesotherapy"
    assert body["knowledge_version"] == client.get("/api/knowledge").json()["knowledge_version"]


def test_a_count_beyond_64_bits_is_answered_and_echoed_exactly(client: TestClient) -> None:
    """The contract sets no maximum on cigarettes a day; the trace repeats the answer digit for digit (the
    fast JSON encoder cannot hold it, so this answer must take the standard one rather than fail with 500)."""
    huge = 123456789012345678901234567890
    intake = {**HYDRATION, "history": {**HYDRATION["history"], "cigarettes_per_day": huge}}  # type: ignore[dict-item]
    response = client.post("/api/recommend", content=json.dumps(intake), headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    jsonschema.validate(response.json(), RECOMMENDATION_SCHEMA)
    assert str(huge) in response.text
    inputs = [f["inputs"] for f in response.json()["trace"]["fired"] if "history.cigarettes_per_day" in f["inputs"]]
    assert inputs and inputs[0]["history.cigarettes_per_day"] == huge


SHARED_EXAMPLES = [  # the contract's worked examples (shared/contracts/examples), one per decision
    (HYDRATION, "mesotherapy"),
    (
        {
            "schema_version": "1",
            "patient": {"age": 33, "sex": "female"},
            "concerns": [{"id": "dullness"}],
            "history": {"pregnant": True},
        },
        "refer",
    ),
    (
        {
            "schema_version": "1",
            "patient": {"age": 58, "sex": "female", "fitzpatrick": "III", "glogau": "III"},
            "concerns": [
                {"id": "volume_loss", "severity": "moderate", "zones": ["cheek"]},
                {"id": "deep_wrinkles", "zones": ["perioral"]},
            ],
            "preferences": {"autologous_only": True, "visits": "fewer_visits"},
            "history": {"labs": {"platelets_per_ul": 255000, "haemoglobin_g_dl": 13.1}},
        },
        "prp",
    ),
    (
        {
            "schema_version": "1",
            "patient": {"age": 44, "sex": "male", "fitzpatrick": "III", "glogau": "II"},
            "concerns": [{"id": "wrinkles", "zones": ["forehead"]}, {"id": "thin_crepey_skin", "zones": ["neck"]}],
            "preferences": {"leaning": "none", "budget": "medium"},
            "history": {"labs": {"platelets_per_ul": 210000}},
        },
        "either",
    ),
]


@pytest.mark.parametrize(("intake", "decision"), SHARED_EXAMPLES, ids=[d for _, d in SHARED_EXAMPLES])
def test_each_worked_example_gets_its_expected_decision(
    client: TestClient, intake: dict[str, object], decision: str
) -> None:
    response = client.post("/api/recommend", json=intake)
    assert response.status_code == 200
    assert response.json()["decision"] == decision


def test_an_intake_outside_the_contract_names_every_bad_field(client: TestClient) -> None:
    bad = {**HYDRATION, "patient": {"age": "30"}, "concerns": [{"id": "warts"}], "extra": 1}
    body = assert_problem(client.post("/api/recommend", json=bad), 422)
    paths = {e["path"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert {"patient.age", "concerns.0.id", "extra"} <= paths


def test_a_json_array_is_refused_as_not_an_intake(client: TestClient) -> None:
    body = assert_problem(client.post("/api/recommend", json=[1, 2]), 422)
    assert body["errors"] == [{"path": "body", "message": "the intake must be a JSON object, not an array"}]


def test_broken_json_is_a_400_problem_with_its_position(client: TestClient) -> None:
    response = client.post("/api/recommend", content=b'{"a": ', headers={"content-type": "application/json"})
    body = assert_problem(response, 400)
    assert "line 1" in str(body["detail"]) and str(body["detail"]).count("not valid JSON") == 1


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_numbers(client: TestClient, constant: str) -> None:
    body = b'{"schema_version": "1", "patient": {"age": 30}, "concerns": [{"id": "dullness"}], '
    body += b'"preferences": {"max_downtime_days": ' + constant.encode() + b"}}"
    assert_problem(client.post("/api/recommend", content=body, headers={"content-type": "application/json"}), 400)


def test_a_key_given_twice_is_refused_so_a_later_false_cannot_hide_a_true(client: TestClient) -> None:
    body = b'{"schema_version": "1", "patient": {"age": 30}, "concerns": [{"id": "dullness"}], '
    body += b'"history": {"pregnant": true, "pregnant": false}}'
    problem = assert_problem(
        client.post("/api/recommend", content=body, headers={"content-type": "application/json"}), 400
    )
    assert "the key 'pregnant' appears twice" in str(problem["detail"])


def test_a_body_that_is_not_json_is_refused_with_415(client: TestClient) -> None:
    assert_problem(client.post("/api/recommend", content=b"age=3", headers={"content-type": "text/plain"}), 415)


def test_a_declared_body_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    response = client.post("/api/recommend", content=b" " * 70_000, headers={"content-type": "application/json"})
    assert assert_problem(response, 413)["errors"] == [
        {"path": "body", "message": "The request body is larger than the limit of 65536 bytes."}
    ]


def test_a_chunked_body_over_the_limit_is_refused_too(client: TestClient) -> None:
    def chunks():  # no Content-Length: the server must count as it reads
        for _ in range(20):
            yield b" " * 5_000

    response = client.post("/api/recommend", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(response, 413)


def test_a_content_length_that_is_not_a_number_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/api/recommend", content=b"{}", headers={"content-type": "application/json", "content-length": "x"}
    )
    assert response.status_code == 400


def test_treatments_are_listed_with_review_dates(client: TestClient) -> None:
    listed = client.get("/api/treatments").json()
    assert {t["id"] for t in listed} == {"mesotherapy", "prp"}
    assert all(t["reviewed_on"] < t["next_review"] for t in listed)


def test_one_treatment_comes_with_its_citations(client: TestClient) -> None:
    body = client.get("/api/treatments/prp").json()
    assert body["id"] == "prp" and body["summary"]["citations"]


def test_an_unknown_treatment_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/treatments/botox"), 404)


def test_the_comparison_cites_every_cell(client: TestClient) -> None:
    body = client.get("/api/compare").json()
    assert [t["id"] for t in body["treatments"]] == ["mesotherapy", "prp"]
    for row in body["rows"]:
        for cell in row["cells"].values():
            assert cell["citations"], row["id"]
            assert all(key in body["citations"] for key in cell["citations"])


def test_the_comparison_can_be_narrowed_to_chosen_ids(client: TestClient) -> None:
    body = client.get("/api/compare", params={"ids": "prp"}).json()
    assert [t["id"] for t in body["treatments"]] == ["prp"]


@pytest.mark.parametrize("ids", ["botox", "prp,botox", ",", ""])
def test_unknown_or_empty_comparison_ids_name_the_query_field(client: TestClient, ids: str) -> None:
    body = assert_problem(client.get("/api/compare", params={"ids": ids}), 422)
    assert body["errors"][0]["path"] == "query.ids"  # type: ignore[index]


def test_a_too_long_query_parameter_is_a_422_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/api/compare", params={"ids": "x" * 600}), 422)
    assert body["errors"][0]["path"] == "query.ids"  # type: ignore[index]


def test_the_knowledge_endpoint_gives_version_and_review_dates(client: TestClient) -> None:
    body = client.get("/api/knowledge").json()
    assert body["knowledge_version"] and body["reviewed_on"] < body["next_review"]


def test_unknown_api_paths_and_methods_are_problems(client: TestClient) -> None:
    assert_problem(client.get("/api/nothing-here"), 404)
    assert_problem(client.put("/api/recommend", json={}), 405)


def test_the_openapi_document_embeds_the_intake_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/recommend"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["schema_version", "patient", "concerns"]
    assert "application/problem+json" in spec["paths"]["/api/recommend"]["post"]["responses"]["422"]["content"]


def test_the_docs_page_works_offline_and_lists_every_endpoint(client: TestClient) -> None:
    html = client.get("/docs").text
    for path in ("/api/recommend", "/api/treatments", "/api/compare", "/api/knowledge", "/api/patients"):
        assert path in html
    assert "cdn" not in html.lower() and "<script" not in html


def test_responses_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/api/health").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


class BrokenAdvisor(Advisor):
    """An advisor whose engine fails, to check what a client sees when the server has a bug."""

    def recommend_json(self, document: object) -> bytes:
        raise RuntimeError("secret internal detail")


def test_an_unexpected_server_error_is_a_500_problem_that_leaks_nothing(tmp_path: Path, advisor: Advisor) -> None:
    app = create_app(Settings(data_dir=tmp_path, secret_key="t" * 40), BrokenAdvisor(advisor.kb))
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as broken:
        response = broken.post("/api/recommend", json=HYDRATION)
    body = assert_problem(response, 500)
    assert "secret" not in response.text and "nothing you sent was stored" in str(body["detail"])
