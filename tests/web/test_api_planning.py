"""The public planning calculators answer what the CLI answers, and bad input names the field."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rejuv.cli.planning import chart_command
from rejuv.cli.prp import prp_app
from rejuv.planning.chart.face_chart import ChartRequest

SAMPLE = {
    "baseline_platelets_per_ul": 250_000,
    "prp_platelets_per_ul": 1_000_000,
    "blood_volume_ml": 20,
    "prp_volume_ml": 4,
}


def _problem(response: object, status: int, path: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    paths = [e["path"] for e in body.get("errors", [])]  # type: ignore[attr-defined]
    assert path in paths, body
    assert not any(p.startswith("body.") for p in paths), body  # a body field is named by its own path
    return body


def test_the_chart_api_gives_the_same_json_as_the_cli(client: TestClient) -> None:
    import typer

    app = typer.Typer()
    app.command()(chart_command)
    cli = CliRunner().invoke(app, ["--zones", "cheek,forehead", "--technique", "papule", "--json"])
    assert cli.exit_code == 0, cli.output
    response = client.post("/api/chart", json={"zones": ["cheek", "forehead"], "technique": "papule"})
    assert response.status_code == 200
    assert response.json() == json.loads(cli.output)


def test_the_chart_api_draws_the_chart_as_svg_on_request(client: TestClient) -> None:
    response = client.post("/api/chart?format=svg", json={"zones": ["cheek"], "technique": "nappage"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg") and 'data-point="1"' in response.text


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"zones": ["ear"], "technique": "papule"}, "zones"),
        ({"zones": ["cheek"], "technique": "tattoo"}, "technique"),
        ({"zones": ["cheek"], "technique": "papule", "spacing_mm": 0.2}, "spacing_mm"),
        ({"zones": [], "technique": "papule"}, "zones"),
        ({"zones": ["cheek"], "technique": "papule", "face_width_mm": 20}, "face_width_mm"),
        ({"zones": ["glabella"], "technique": "prp_microdepot", "allow_glabella": True}, "allow_glabella"),
        ({"zones": ["cheek"], "technique": "papule", "colour": "red"}, "colour"),
    ],
)
def test_a_chart_request_that_cannot_be_drawn_names_the_field(client: TestClient, body: object, path: str) -> None:
    _problem(client.post("/api/chart", json=body), 422, path)


def test_an_unknown_chart_format_is_refused(client: TestClient) -> None:
    _problem(
        client.post("/api/chart?format=pdf", json={"zones": ["cheek"], "technique": "papule"}), 422, "query.format"
    )


def test_the_centrifuge_calculators_agree_with_the_cli(client: TestClient) -> None:
    cli = CliRunner().invoke(prp_app, ["rpm", "--radius-cm", "10", "--rcf", "400", "--json"])
    assert client.get("/api/prp/rpm", params={"radius_cm": 10, "rcf": 400}).json() == json.loads(cli.output)
    cli = CliRunner().invoke(prp_app, ["rcf", "--radius-cm", "10", "--rpm", "1900", "--json"])
    assert client.get("/api/prp/rcf", params={"radius_cm": 10, "rpm": 1900}).json() == json.loads(cli.output)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/prp/rpm?radius_cm=0&rcf=400", "query.radius_cm"),
        ("/api/prp/rpm?radius_cm=10", "query.rcf"),
        ("/api/prp/rpm?radius_cm=ten&rcf=400", "query.radius_cm"),
        ("/api/prp/rcf?radius_cm=10&rpm=-5", "query.rpm"),
        ("/api/prp/rpm?radius_cm=1e-320&rcf=1", "query.radius_cm"),
        ("/api/prp/rcf?radius_cm=nan&rpm=1000", "query.radius_cm"),
    ],
)
def test_a_bad_centrifuge_value_names_the_query_parameter(client: TestClient, url: str, path: str) -> None:
    _problem(client.get(url), 422, path)


def test_a_prp_assessment_gives_the_factor_and_the_classes(client: TestClient) -> None:
    response = client.post("/api/prp/assess", json={**SAMPLE, "baseline_wbc_per_ul": 6000, "prp_wbc_per_ul": 500})
    assert response.status_code == 200
    body = response.json()
    assert body["concentration_factor"] == pytest.approx(4.0)
    assert body["paw"] and body["depa"]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"prp_volume_ml": 25}, "prp_volume_ml"),
        ({"injected_volume_ml": 9}, "injected_volume_ml"),
        ({"blood_volume_ml": -1}, "blood_volume_ml"),
        ({"prp_wbc_per_ul": "many"}, "prp_wbc_per_ul"),
        ({"prp_volume_ml": 0}, "prp_volume_ml"),
    ],
)
def test_an_impossible_prp_sample_names_the_field(client: TestClient, changes: dict[str, object], path: str) -> None:
    _problem(client.post("/api/prp/assess", json={**SAMPLE, **changes}), 422, path)


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        ({"prp_platelets_per_ul": 1.2}, "prp_platelets_per_ul", "between 5,000 and 10,000,000 /µL, got 1.2"),
        ({"baseline_platelets_per_ul": 250}, "baseline_platelets_per_ul", "between 5,000 and 2,000,000 /µL"),
        ({"blood_volume_ml": 2000, "prp_volume_ml": 4}, "blood_volume_ml", "between 1 and 200 mL"),
        ({"prp_volume_ml": 5000}, "prp_volume_ml", "between 0.01 and 1,000 mL, got 5,000"),
    ],
)
def test_a_count_or_volume_that_can_only_be_a_typo_is_refused_with_the_range(
    client: TestClient, changes: dict[str, object], path: str, words: str
) -> None:
    body = _problem(client.post("/api/prp/assess", json={**SAMPLE, **changes}), 422, path)
    message = next(e["message"] for e in body["errors"] if e["path"] == path)  # type: ignore[attr-defined]
    assert words in message and "plausibility limit for typing errors, not a clinical threshold" in message


def test_a_prp_sample_missing_a_count_names_it(client: TestClient) -> None:
    body = {k: v for k, v in SAMPLE.items() if k != "prp_platelets_per_ul"}
    _problem(client.post("/api/prp/assess", json=body), 422, "prp_platelets_per_ul")


def test_a_session_plan_dates_every_visit(client: TestClient) -> None:
    response = client.post(
        "/api/plan/sessions", json={"treatment": "prp", "start": "2027-03-01", "sessions": 3, "interval_days": 30}
    )
    assert response.status_code == 200
    plan = response.json()
    sessions = [v["date"] for v in plan["visits"] if v["kind"] == "session"]
    assert sessions == ["2027-03-01", "2027-03-31", "2027-04-30"]
    assert plan["warnings"] == []


def test_a_plan_outside_the_cited_range_warns_with_the_range(client: TestClient) -> None:
    plan = client.post(
        "/api/plan/sessions", json={"treatment": "mesotherapy", "start": "2027-03-01", "sessions": 30}
    ).json()
    warning = next(w for w in plan["warnings"] if w["code"] == "sessions_outside_range")
    assert "30 sessions" in warning["text"] and warning["citations"]


def test_a_session_plan_downloads_as_icalendar(client: TestClient) -> None:
    response = client.post("/api/plan/sessions?format=ics", json={"treatment": "prp", "start": "2027-03-01"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("BEGIN:VCALENDAR") and "DTSTART;VALUE=DATE:20270301" in response.text


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"treatment": "botox", "start": "2027-03-01"}, "treatment"),
        ({"treatment": "prp", "start": "1 March"}, "start"),
        ({"treatment": "prp", "start": "2027-03-01", "sessions": 0}, "sessions"),
        ({"treatment": "prp", "start": "2027-03-01", "interval_days": 0}, "interval_days"),
        ({"treatment": "prp", "start": "9999-12-01", "sessions": 6}, "start"),
    ],
)
def test_a_session_plan_that_cannot_be_dated_names_the_field(client: TestClient, body: object, path: str) -> None:
    _problem(client.post("/api/plan/sessions", json=body), 422, path)


def test_the_calculators_need_no_login(client: TestClient) -> None:
    assert client.cookies.get("rejuv_session") is None
    assert client.get("/api/prp/rpm", params={"radius_cm": 10, "rcf": 400}).status_code == 200


def test_chart_request_fields_match_the_core_request() -> None:
    from rejuv.web.routers.api_planning import ChartBody

    core = set(ChartRequest.__dataclass_fields__) - {"waive"}
    assert core <= set(ChartBody.model_fields)


# One valid body and one with a bad field per calculator that takes a JSON body.
JSON_BODIES = [
    ("/api/chart", {"zones": ["cheek"], "technique": "papule"}, {"spacing_mm": 0.2}, "spacing_mm"),
    ("/api/prp/assess", SAMPLE, {"prp_wbc_per_ul": "many"}, "prp_wbc_per_ul"),
    ("/api/plan/sessions", {"treatment": "prp", "start": "2027-03-01"}, {"sessions": 0}, "sessions"),
]


@pytest.mark.parametrize(("url", "body", "bad", "path"), JSON_BODIES)
def test_broken_json_is_a_400_naming_the_body(
    client: TestClient, url: str, body: dict[str, object], bad: dict[str, object], path: str
) -> None:
    raw = json.dumps(body).encode()[:-1]  # the closing brace lost
    response = client.post(url, content=raw, headers={"content-type": "application/json"})
    problem = _problem(response, 400, "body")
    assert str(problem["detail"]).startswith("The body is not valid JSON: ") and "line 1, column" in str(
        problem["detail"]
    )


@pytest.mark.parametrize(("url", "body", "bad", "path"), JSON_BODIES)
def test_a_body_that_is_not_application_json_is_a_415_naming_the_body(
    client: TestClient, url: str, body: dict[str, object], bad: dict[str, object], path: str
) -> None:
    response = client.post(url, content=json.dumps(body).encode(), headers={"content-type": "text/plain"})
    problem = _problem(response, 415, "body")
    assert problem["errors"] == [{"path": "body", "message": "must be JSON"}]


@pytest.mark.parametrize(("url", "body", "bad", "path"), JSON_BODIES)
def test_valid_json_with_a_bad_field_is_still_a_422_naming_the_field(
    client: TestClient, url: str, body: dict[str, object], bad: dict[str, object], path: str
) -> None:
    assert client.post(url, json=body).status_code == 200
    _problem(client.post(url, json={**body, **bad}), 422, path)
