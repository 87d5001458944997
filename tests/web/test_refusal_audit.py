"""Refused requests on clinic pages and the clinic API are in the audit log: who, which route, why.

What a clinic relies on: an admin can see a clinician trying the admin pages (and the reverse), the route is
recorded without the query string (a search holds a patient's name), an anonymous flood cannot fill the log,
and a broken audit write still answers 403, never 500.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from rejuv.services.records import AuditEntry

from tests.web.tests_web_support import csrf_from, log_in_api, log_in_page


def entries(client: TestClient) -> list[AuditEntry]:
    uow = client.app.state.rejuv.uow()  # type: ignore[attr-defined]
    with uow:
        found: list[AuditEntry] = uow.audit.latest(1000, 0)
    return found


def refusals(client: TestClient) -> list[AuditEntry]:
    return [entry for entry in entries(client) if entry.action == "refused"]


def test_a_clinician_on_an_admin_page_is_refused_and_audited(db_client: TestClient) -> None:
    log_in_page(db_client, "dr")
    assert db_client.get("/clinic/audit").status_code == 403
    [entry] = refusals(db_client)
    assert (entry.actor, entry.entity, entry.entity_id, entry.detail) == (
        "dr",
        "route",
        "/clinic/audit",
        "GET wrong role",
    )


def test_the_route_is_stored_as_its_template_and_never_with_the_query(db_client: TestClient) -> None:
    log_in_api(db_client, "boss", role="admin")
    assert db_client.get("/api/patients", params={"q": "Ann Example"}).status_code == 403
    assert db_client.get("/api/patients/2147483647").status_code == 403
    stored = [(e.actor, e.entity_id, e.detail) for e in reversed(refusals(db_client))]
    assert stored == [
        ("boss", "/api/patients", "GET wrong role"),
        ("boss", "/api/patients/{patient_id}", "GET wrong role"),
    ]
    assert not any("Ann" in f"{e.actor} {e.entity} {e.entity_id} {e.detail}" for e in entries(db_client))


def test_a_write_without_the_csrf_token_is_audited_under_the_logged_in_user(db_client: TestClient) -> None:
    log_in_api(db_client, "dr")
    response = db_client.post("/api/patients", json={"reference": "R-1", "full_name": "Ann Example"})
    assert response.status_code == 403
    [entry] = refusals(db_client)
    assert (entry.actor, entry.entity_id, entry.detail) == ("dr", "/api/patients", "POST CSRF token missing or wrong")


def test_a_form_without_the_csrf_token_is_audited_as_anonymous_when_nobody_is_logged_in(client: TestClient) -> None:
    response = client.post("/clinic/login", data={"username": "dr", "password": "x"})
    assert response.status_code == 403
    [entry] = refusals(client)
    assert (entry.actor, entry.entity_id, entry.detail) == (
        "anonymous",
        "/clinic/login",
        "POST CSRF token missing or wrong",
    )


def test_an_anonymous_flood_of_refusals_is_audited_only_up_to_a_cap_per_address(client: TestClient) -> None:
    for _ in range(30):
        assert client.post("/clinic/login", data={"username": "dr", "password": "x"}).status_code == 403
    assert len(refusals(client)) == 20
    log_in_page(client, "dr")  # a logged-in user's refusals are always audited, cap or not
    assert client.get("/clinic/audit").status_code == 403
    assert refusals(client)[0].actor == "dr"


def test_refusals_on_the_public_decision_aid_are_not_audited(client: TestClient) -> None:
    client.get("/questions")
    assert client.post("/questions/values", data={"state": ""}).status_code == 403
    assert refusals(client) == []


def test_not_being_logged_in_is_not_audited(client: TestClient) -> None:
    assert client.get("/api/patients", params={"q": "Ann Example"}).status_code == 401
    assert client.get("/clinic/patients", follow_redirects=False).status_code == 303
    assert entries(client) == []


def test_a_failed_audit_write_still_answers_403_and_is_logged(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    log_in_page(client, "dr")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit table is locked")

    monkeypatch.setattr("rejuv.web.errors.record_refusal", broken)
    with caplog.at_level(logging.ERROR, logger="rejuv.web.errors"):
        response = client.get("/clinic/audit")
    assert response.status_code == 403 and "role does not allow" in response.text
    assert "could not audit a refused GET /clinic/audit" in caplog.text


def test_a_logged_out_cookie_is_audited_as_anonymous(client: TestClient) -> None:
    log_in_page(client, "dr")
    stale = dict(client.cookies)
    token = csrf_from(client.get("/clinic/patients").text)
    client.post("/clinic/logout", data={"csrf_token": token}, follow_redirects=False)
    client.cookies.clear()
    client.cookies.update(stale)  # the old cookie names the user, but its session was ended
    assert client.post("/clinic/logout", data={}).status_code == 403  # no token: refused before anything
    assert refusals(client)[0].actor == "anonymous"
