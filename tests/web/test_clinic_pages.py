"""The clinician workspace in the browser's terms: forms, redirects, roles, CSRF and the history."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests_web_support import (
    PASSWORD,
    PERSON,
    add_user,
    assert_every_citation_leads_to_a_source,
    csrf_from,
    hidden_state,
    log_in_page,
)

PATIENT_PAGES = ["/clinic/patients", "/clinic/patients/1", "/clinic/patients/1/consult", "/clinic/consultations/1"]


def new_patient(client: TestClient, reference: str = "R1", name: str = "Ann Example") -> int:
    token = csrf_from(client.get("/clinic/patients").text)
    response = client.post(
        "/clinic/patients",
        data={"reference": reference, "full_name": name, "birth_year": "1980", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def consult_answers() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for _, fields in PERSON:
        merged.update(fields)
    return merged


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/clinic/login?next={path}"


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_admins_get_403_on_patient_pages(client: TestClient, path: str) -> None:
    log_in_page(client, "root", "admin")
    assert client.get(path).status_code == 403


def test_clinicians_get_403_on_the_audit_page(client: TestClient) -> None:
    log_in_page(client, "dr")
    assert client.get("/clinic/audit").status_code == 403


def test_the_session_cookie_is_http_only_secure_and_same_site(client: TestClient) -> None:
    add_user(client, "dr", "clinician")
    token = csrf_from(client.get("/clinic/login").text)
    response = client.post(
        "/clinic/login", data={"username": "dr", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie


def test_a_login_without_the_csrf_token_is_refused(client: TestClient) -> None:
    add_user(client, "dr", "clinician")
    client.get("/clinic/login")
    response = client.post("/clinic/login", data={"username": "dr", "password": PASSWORD})
    assert response.status_code == 403


def test_a_wrong_password_shows_a_message_and_five_failures_lock_the_form(client: TestClient) -> None:
    add_user(client, "dr", "clinician")
    for _ in range(5):
        token = csrf_from(client.get("/clinic/login").text)
        response = client.post("/clinic/login", data={"username": "dr", "password": "nope", "csrf_token": token})
        assert response.status_code == 401 and "The username or password is not right." in response.text
    token = csrf_from(client.get("/clinic/login").text)
    locked = client.post("/clinic/login", data={"username": "dr", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429 and "Too many failed logins" in locked.text


def test_login_only_redirects_within_the_site(client: TestClient) -> None:
    add_user(client, "dr", "clinician")
    token = csrf_from(client.get("/clinic/login").text)
    response = client.post(
        "/clinic/login",
        data={"username": "dr", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/clinic"


def test_a_clinician_adds_and_finds_patients(client: TestClient) -> None:
    log_in_page(client, "dr")
    new_patient(client, "R1", "Ann Example")
    new_patient(client, "R2", "Bob Other")
    found = client.get("/clinic/patients", params={"q": "bob"}).text
    assert "Bob Other" in found and "Ann Example" not in found


def test_a_bad_patient_form_shows_messages_beside_the_fields(client: TestClient) -> None:
    log_in_page(client, "dr")
    token = csrf_from(client.get("/clinic/patients").text)
    response = client.post(
        "/clinic/patients", data={"reference": "", "full_name": "", "birth_year": "19x", "csrf_token": token}
    )
    assert response.status_code == 422 and 'id="p-birth_year-error"' in response.text
    response = client.post(
        "/clinic/patients", data={"reference": "", "full_name": "", "birth_year": "", "csrf_token": token}
    )
    assert 'id="p-reference-error"' in response.text and 'id="p-full_name-error"' in response.text
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, flags=re.S)
    assert summary and '<a href="#p-reference">Clinic reference' in summary.group(0)
    assert '<a href="#p-full_name">Full name' in summary.group(0)


def test_a_duplicate_reference_is_shown_as_a_conflict(client: TestClient) -> None:
    log_in_page(client, "dr")
    new_patient(client, "R1")
    token = csrf_from(client.get("/clinic/patients").text)
    response = client.post("/clinic/patients", data={"reference": "R1", "full_name": "X", "csrf_token": token})
    assert response.status_code == 409 and "already used" in response.text


def test_a_clinician_overrides_a_recommendation_with_a_reason_and_finds_it_in_the_history(
    client: TestClient,
) -> None:
    log_in_page(client, "dr")
    patient_id = new_patient(client)
    form_page = client.get(f"/clinic/patients/{patient_id}/consult").text
    preview = client.post(
        f"/clinic/patients/{patient_id}/consult", data={**consult_answers(), "csrf_token": csrf_from(form_page)}
    )
    assert preview.status_code == 200 and "Mesotherapy fits you better now" in preview.text
    assert "Do you accept the recommendation (Mesotherapy)?" in preview.text
    assert '<option value="refer">Refer: neither option now</option>' in preview.text
    assert_every_citation_leads_to_a_source(preview.text)
    token, state = csrf_from(preview.text), hidden_state(preview.text)
    url = f"/clinic/patients/{patient_id}/consultations"
    missing = client.post(
        url, data={"csrf_token": token, "state": state, "decision": "override", "final_decision": "prp"}
    )
    assert missing.status_code == 422 and "is required when you override" in missing.text
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "state": state,
            "decision": "override",
            "final_decision": "prp",
            "override_reason": "Wants her own material",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    history = client.get(f"/clinic/patients/{patient_id}").text
    row = re.search(r'<table class="list" id="history">.*?</table>', history, flags=re.S)
    assert row and "Overridden" in row.group(0) and "Wants her own material" in row.group(0)
    detail = client.get(saved.headers["location"]).text
    assert "Knowledge version" in detail
    # Decisions are named for the clinician, not as ids and not in the words meant for the person.
    assert "<dt>Recommended</dt><dd>Mesotherapy</dd>" in detail
    assert "Overridden: Platelet-rich plasma (PRP)</dd>" in detail
    assert_every_citation_leads_to_a_source(detail)
    # Headings speak to the clinician about the patient, not to the patient.
    assert "Why: each option for this patient" in detail and "Why: each option for you" not in detail
    assert "What we found in your answers" not in detail and "worded for the patient" in detail
    assert '<h2 id="sources-h">Sources</h2>' in detail


def test_an_invalid_consultation_intake_is_shown_beside_the_field(client: TestClient) -> None:
    log_in_page(client, "dr")
    patient_id = new_patient(client)
    page = client.get(f"/clinic/patients/{patient_id}/consult").text
    answers = {**consult_answers(), "patient.age": ["-3"]}
    response = client.post(f"/clinic/patients/{patient_id}/consult", data={**answers, "csrf_token": csrf_from(page)})
    assert response.status_code == 422 and 'id="f-patient-age-error"' in response.text
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, flags=re.S)
    assert summary and '<a href="#f-patient-age">How old are you?' in summary.group(0)  # names the question


def test_an_admin_reads_the_audit_log_of_patient_reads(client: TestClient) -> None:
    log_in_page(client, "dr")
    patient_id = new_patient(client)
    client.get(f"/clinic/patients/{patient_id}")
    client.cookies.clear()
    log_in_page(client, "root", "admin")
    page = client.get("/clinic/audit").text
    assert re.search(rf"<td>dr</td><td>read</td><td>patient</td><td>{patient_id}</td>", page)
    assert re.search(rf"<td>dr</td><td>create</td><td>patient</td><td>{patient_id}</td>", page)


def test_logging_out_needs_the_token_and_ends_the_session(client: TestClient) -> None:
    log_in_page(client, "dr")
    page = client.get("/clinic/patients").text
    assert client.post("/clinic/logout", data={}).status_code == 403
    client.post("/clinic/logout", data={"csrf_token": csrf_from(page)})
    assert client.get("/clinic/patients", follow_redirects=False).status_code == 303


def test_the_clinic_home_sends_each_role_to_its_page(client: TestClient) -> None:
    assert client.get("/clinic", follow_redirects=False).headers["location"] == "/clinic/login"
    log_in_page(client, "dr")
    assert client.get("/clinic", follow_redirects=False).headers["location"] == "/clinic/patients"


def test_an_admin_adds_a_clinician_who_can_then_log_in(client: TestClient) -> None:
    log_in_page(client, "root", "admin")
    page = client.get("/clinic/users").text
    response = client.post(
        "/clinic/users",
        data={"username": "newdr", "password": "x" * 12, "role": "clinician", "csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "<td>newdr</td><td>clinician</td>" in client.get("/clinic/users").text
    client.cookies.clear()
    token = csrf_from(client.get("/clinic/login").text)
    login = client.post(
        "/clinic/login", data={"username": "newdr", "password": "x" * 12, "csrf_token": token}, follow_redirects=False
    )
    assert login.headers["location"] == "/clinic"


def test_a_weak_account_is_refused_beside_its_fields_and_the_password_is_not_echoed(client: TestClient) -> None:
    log_in_page(client, "root", "admin")
    page = client.get("/clinic/users").text
    response = client.post(
        "/clinic/users",
        data={"username": "Bad Name!", "password": "secret-pw", "role": "owner", "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 422
    for field in ("username", "password"):
        assert f'id="u-{field}-error"' in response.text
    assert "Role must be one of" in response.text
    assert "secret-pw" not in response.text


def test_only_admins_manage_accounts(client: TestClient) -> None:
    assert client.get("/clinic/users", follow_redirects=False).status_code == 303
    log_in_page(client, "dr")
    assert client.get("/clinic/users").status_code == 403
    token = csrf_from(client.get("/clinic/patients").text)
    refused = client.post(
        "/clinic/users", data={"username": "x2", "password": "x" * 12, "role": "admin", "csrf_token": token}
    )
    assert refused.status_code == 403


def test_no_page_shortens_the_knowledge_version() -> None:
    """A shortened version cannot be matched with /api/knowledge or the PDF, which show it whole."""
    from pathlib import Path

    import rejuv.web

    templates = Path(rejuv.web.__file__).parent / "templates"
    shortened = [
        str(p.relative_to(templates)) for p in templates.rglob("*.html") if "knowledge_version[" in p.read_text()
    ]
    assert shortened == []


def test_an_error_inside_the_clinic_keeps_the_clinics_navigation(client: TestClient) -> None:
    log_in_page(client, "dr")
    missing = client.get("/clinic/patients/999")
    assert missing.status_code == 404
    assert 'href="/compare"' not in missing.text and '<a href="/clinic">Back to the clinic</a>' in missing.text
    public = client.get("/no-such-page")
    assert public.status_code == 404 and 'href="/compare"' in public.text
