"""Property-based API testing from the OpenAPI document: no generated input, valid or not, may cause a 5xx,
and every error must be problem+json.

Each operation gets its own Hypothesis run (one test per operation, named after it), built from an app made by
a fixture rather than at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from tests_web_support import PASSWORD

from rejuv.services.accounts import create_user
from rejuv.services.advice import Advisor
from rejuv.settings import Settings
from rejuv.web.app import create_app

OPERATIONS = [
    "POST /api/recommend",
    "GET /api/health",
    "GET /api/treatments",
    "GET /api/treatments/{treatment_id}",
    "GET /api/compare",
    "GET /api/knowledge",
    "POST /api/chart",
    "GET /api/prp/rpm",
    "GET /api/prp/rcf",
    "POST /api/prp/assess",
    "POST /api/plan/sessions",
    "POST /api/session",
    "DELETE /api/session",
    "GET /api/patients",
    "POST /api/patients",
    "GET /api/patients/{patient_id}",
    "POST /api/consultations",
    "GET /api/consultations",
    "GET /api/consultations/{consultation_id}",
    "GET /api/consultations/{consultation_id}/plan",
    "GET /api/audit",
    "POST /api/submissions",
    "GET /api/submissions",
    "GET /api/submissions/{code}",
    "POST /api/submissions/{code}/import",
    "DELETE /api/submissions/{code}",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    return create_app(Settings(data_dir=data_dir, secret_key="s" * 40), Advisor.load())


@pytest.fixture(scope="module")
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def clinician(app: Any) -> dict[str, Any]:
    """A logged-in clinician's cookie and CSRF header, so generated requests reach the real handlers."""
    create_user(app.state.rejuv.uow(), "fuzz", PASSWORD, "clinician")
    app.state.rejuv.limiter.reset()  # the anonymous runs above fail many logins from the same address
    with TestClient(app, base_url="https://testserver") as client:
        token = client.post("/api/session", json={"username": "fuzz", "password": PASSWORD}).json()["csrf_token"]
        client.post(
            "/api/patients", json={"reference": "F1", "full_name": "Fuzz Patient"}, headers={"X-CSRF-Token": token}
        )
        return {"headers": {"X-CSRF-Token": token}, "cookies": dict(client.cookies)}


def test_the_list_below_covers_every_documented_operation(api_schema: Any) -> None:
    documented = {result.ok().label for result in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)


# Operations whose only inputs are free strings or nothing: there is no invalid request to generate.
WITHOUT_INPUT = {
    "GET /api/health",
    "GET /api/treatments",
    "GET /api/knowledge",
    "DELETE /api/session",
    "GET /api/treatments/{treatment_id}",
    "GET /api/submissions",
}
CLINIC = [
    "GET /api/patients",
    "POST /api/patients",
    "GET /api/patients/{patient_id}",
    "POST /api/consultations",
    "GET /api/consultations",
    "GET /api/consultations/{consultation_id}",
    "GET /api/consultations/{consultation_id}/plan",
    "GET /api/submissions",
    "GET /api/submissions/{code}",
    "POST /api/submissions/{code}/import",
    "DELETE /api/submissions/{code}",
]
CASES = [
    pytest.param(label, mode, id=f"{label}-{mode.value}")
    for label in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (mode is GenerationMode.NEGATIVE and label in WITHOUT_INPUT)  # nothing to make invalid
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_no_generated_request_causes_a_server_error(api_schema: Any, label: str, mode: GenerationMode) -> None:
    operation = next(r.ok() for r in api_schema.get_all_operations() if r.ok().label == label)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            assert response.headers["content-type"][0] == "application/problem+json", response.text

    run()


@pytest.mark.parametrize(
    ("label", "mode"),
    [
        pytest.param(label, mode, id=f"{label}-{mode.value}")
        for label in CLINIC
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if not (mode is GenerationMode.NEGATIVE and label in WITHOUT_INPUT)
    ],
)
def test_no_generated_request_from_a_logged_in_clinician_causes_a_server_error(
    api_schema: Any, clinician: dict[str, Any], label: str, mode: GenerationMode
) -> None:
    operation = next(r.ok() for r in api_schema.get_all_operations() if r.ok().label == label)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=clinician["headers"], cookies=clinician["cookies"])
        case.validate_response(response, checks=[not_a_server_error])
        assert response.status_code != 401, "the clinician's session was not used"
        if response.status_code >= 400:
            assert response.headers["content-type"][0] == "application/problem+json", response.text

    run()
