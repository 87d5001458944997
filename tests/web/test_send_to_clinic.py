"""A person sends their answers to the clinic from the result page; a clinician reads, imports or deletes them.

Runs on SQLite and PostgreSQL (`db_client`): nothing is stored without consent, the result is the server's,
the inbox is for clinicians only, every form needs its CSRF token and every read and write is audited.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests_web_support import csrf_from, hidden_state, log_in_page, walk

from rejuv.storage.tables import SubmissionRow

INBOX_PAGES = ["/clinic/inbox", "/clinic/inbox/1"]
INBOX_FORMS = ["/clinic/inbox/1/import", "/clinic/inbox/1/delete"]


def send_form(client: TestClient, **fields: str) -> dict[str, Any]:
    result = walk(client)
    assert result.status_code == 200, result.text[:2000]
    return {"csrf_token": csrf_from(result.text), "state": hidden_state(result.text), **fields}


def stored(client: TestClient) -> list[SubmissionRow]:
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    with state.session_factory() as session:
        rows = list(session.query(SubmissionRow).order_by(SubmissionRow.id))
        session.expunge_all()
    return rows


def send(client: TestClient, name: str = "Ann E.", contact: str = "ann@example.org") -> str:
    """Send with consent; returns the reference code shown on the confirmation page."""
    response = client.post("/send", data=send_form(client, name=name, contact=contact, consent="yes"))
    assert response.status_code == 200, response.text[:2000]
    found = re.search(r'id="reference-code">([A-Z0-9-]+)<', response.text)
    assert found, "the confirmation shows no reference code"
    return found.group(1)


def audit_trail(client: TestClient) -> list[tuple[str, str, str]]:
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    with state.uow() as uow:
        return [(e.actor, e.action, e.entity) for e in reversed(uow.audit.latest(100, 0))]


def test_the_result_page_offers_to_send_the_answers_with_a_consent_box(db_client: TestClient) -> None:
    page = walk(db_client).text
    assert "Send my answers to the clinic" in page
    assert 'action="/send#send"' in page
    assert "I agree the clinic stores my answers to prepare my consultation" in page
    assert 'type="checkbox" id="send-consent" name="consent"' in page


def test_without_consent_nothing_is_stored_and_the_message_is_beside_the_box(db_client: TestClient) -> None:
    response = db_client.post("/send", data=send_form(db_client, name="Ann", contact="0123 456"))
    assert response.status_code == 422
    assert 'id="send-consent-error"' in response.text
    assert "Without it, nothing is stored." in response.text
    assert 'aria-describedby="send-consent-error"' in response.text
    assert 'value="Ann"' in response.text  # what was typed is kept for the second try
    assert stored(db_client) == []
    assert audit_trail(db_client) == []


def test_with_consent_the_answers_are_stored_and_a_reference_code_is_shown(db_client: TestClient) -> None:
    code = send(db_client)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    [row] = stored(db_client)
    assert (row.code, row.name, row.contact, row.status) == (code, "Ann E.", "ann@example.org", "new")
    assert row.intake["patient"]["age"] == 30
    assert row.recommendation["decision"] and row.knowledge_version == row.recommendation["knowledge_version"]
    assert audit_trail(db_client) == [("person (decision aid)", "create", "submission")]


def test_the_confirmation_says_what_was_stored_and_how_to_have_it_deleted(db_client: TestClient) -> None:
    response = db_client.post("/send", data=send_form(db_client, name="Ann", contact="0123", consent="yes"))
    assert "What the clinic now stores" in response.text
    assert "How to have it deleted" in response.text
    assert "quote your reference code" in response.text


def test_the_stored_result_is_computed_on_the_server_not_taken_from_the_form(db_client: TestClient) -> None:
    form = send_form(db_client, name="Ann", contact="0123", consent="yes", recommendation='{"decision": "prp"}')
    assert db_client.post("/send", data={**form, "decision": "refer"}).status_code == 200
    [row] = stored(db_client)
    assert row.recommendation == db_client.app.state.rejuv.advisor.recommend(row.intake)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "", "contact": "0123"}, "name", "Please write your name or initials."),
        ({"name": "Ann", "contact": "  "}, "contact", "Please write a phone number or email address."),
        ({"name": "A" * 101, "contact": "0123"}, "name", "Please keep this to 100 characters or fewer."),
        ({"name": "Ann", "contact": "0" * 201}, "contact", "Please keep this to 200 characters or fewer."),
        ({"name": "Ann", "contact": "0123\x00"}, "contact", "no control characters"),
        ({"name": "Ann\x1b[2J", "contact": "0123"}, "name", "no control characters"),
    ],
)
def test_a_missing_too_long_or_control_character_field_is_refused_beside_it(
    db_client: TestClient, fields: dict[str, str], field: str, message: str
) -> None:
    response = db_client.post("/send", data=send_form(db_client, consent="yes", **fields))
    assert response.status_code == 422
    error = re.search(rf'id="send-{field}-error">(.*?)</p>', response.text, re.S)
    assert error and message in error.group(1)
    assert stored(db_client) == []


def test_sending_without_the_csrf_token_is_refused_and_stores_nothing(db_client: TestClient) -> None:
    form = send_form(db_client, name="Ann", contact="0123", consent="yes")
    assert db_client.post("/send", data={**form, "csrf_token": "forged"}).status_code == 403
    assert db_client.post("/send", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 403
    assert stored(db_client) == []


def test_answers_that_do_not_pass_the_questions_are_sent_back_to_their_step(db_client: TestClient) -> None:
    form = send_form(db_client, name="Ann", contact="0123", consent="yes")
    response = db_client.post("/send", data={**form, "state": "{}"})
    assert response.status_code == 422
    assert stored(db_client) == []


@pytest.mark.parametrize("path", INBOX_PAGES)
def test_anonymous_visitors_to_the_inbox_are_sent_to_the_login_page(db_client: TestClient, path: str) -> None:
    send(db_client)
    response = db_client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/clinic/login?next={path}"


@pytest.mark.parametrize("path", INBOX_PAGES)
def test_admins_get_403_on_the_inbox(db_client: TestClient, path: str) -> None:
    send(db_client)
    log_in_page(db_client, "root", "admin")
    assert db_client.get(path).status_code == 403


@pytest.mark.parametrize("path", INBOX_FORMS)
def test_admins_may_not_import_or_delete_a_submission(db_client: TestClient, path: str) -> None:
    send(db_client)
    log_in_page(db_client, "root", "admin")
    token = csrf_from(db_client.get("/clinic/users").text)
    form = {"csrf_token": token, "reference": "R1", "full_name": "Ann", "decision": "accept"}
    assert db_client.post(path, data=form).status_code == 403
    assert stored(db_client)[0].status == "new"


@pytest.mark.parametrize("path", INBOX_FORMS)
def test_inbox_forms_without_the_csrf_token_are_refused(db_client: TestClient, path: str) -> None:
    send(db_client)
    log_in_page(db_client, "dr")
    form = {"reference": "R1", "full_name": "Ann", "decision": "accept"}
    assert db_client.post(path, data=form).status_code == 403
    assert db_client.post(path, data={**form, "csrf_token": "forged"}).status_code == 403
    assert stored(db_client)[0].status == "new"


def test_a_clinician_finds_the_submission_in_the_inbox_and_imports_it(db_client: TestClient) -> None:
    code = send(db_client, name="Ann Example")
    log_in_page(db_client, "dr")
    inbox = db_client.get("/clinic/inbox").text
    assert code in inbox and "Ann Example" in inbox
    page = db_client.get("/clinic/inbox/1").text
    assert "ann@example.org" in page and 'value="Ann Example"' in page
    form = {"csrf_token": csrf_from(page), "reference": "R-77", "full_name": "Ann Example", "decision": "accept"}
    response = db_client.post("/clinic/inbox/1/import", data=form, follow_redirects=False)
    assert response.status_code == 303
    consultation = db_client.get(response.headers["location"])
    assert consultation.status_code == 200 and "Ann Example" in consultation.text
    assert stored(db_client)[0].status == "imported"
    assert code not in db_client.get("/clinic/inbox").text  # the inbox lists only new submissions
    patients = db_client.get("/clinic/patients", params={"q": "R-77"}).text
    assert "Ann Example" in patients


def test_importing_with_a_used_reference_or_a_bare_override_changes_nothing(db_client: TestClient) -> None:
    send(db_client)
    log_in_page(db_client, "dr")
    token = csrf_from(db_client.get("/clinic/patients").text)
    db_client.post("/clinic/patients", data={"csrf_token": token, "reference": "R1", "full_name": "Other"})
    form = {"csrf_token": token, "reference": "R1", "full_name": "Ann", "decision": "accept"}
    taken = db_client.post("/clinic/inbox/1/import", data=form)
    assert taken.status_code == 409 and 'id="i-reference-error"' in taken.text
    bare = db_client.post("/clinic/inbox/1/import", data={**form, "reference": "R2", "decision": "override"})
    assert bare.status_code == 422 and 'id="i-reason-error"' in bare.text
    assert stored(db_client)[0].status == "new"
    assert "R2" not in db_client.get("/clinic/patients").text


def test_deleting_a_submission_wipes_the_personal_fields(db_client: TestClient) -> None:
    code = send(db_client, name="Ann Example", contact="+44 20 7946 0000")
    log_in_page(db_client, "dr")
    page = db_client.get("/clinic/inbox/1").text
    response = db_client.post("/clinic/inbox/1/delete", data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/clinic/inbox"
    [row] = stored(db_client)
    assert (row.status, row.name, row.contact, row.intake, row.recommendation) == ("deleted", "", "", {}, {})
    assert row.code == code
    after = db_client.get("/clinic/inbox/1").text
    assert "was deleted" in after and "Ann Example" not in after and "7946" not in after
    assert code not in db_client.get("/clinic/inbox").text


def test_every_inbox_read_and_write_is_audited(db_client: TestClient) -> None:
    send(db_client)
    send(db_client)
    log_in_page(db_client, "dr")
    db_client.get("/clinic/inbox")
    page = db_client.get("/clinic/inbox/1").text
    form = {"csrf_token": csrf_from(page), "reference": "R1", "full_name": "Ann", "decision": "accept"}
    db_client.post("/clinic/inbox/1/import", data=form, follow_redirects=False)
    db_client.post("/clinic/inbox/2/delete", data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    trail = [entry for entry in audit_trail(db_client) if entry[0] == "dr" and entry[2] != "session"]
    assert trail[:2] == [("dr", "read", "submission_list"), ("dr", "read", "submission")]
    assert ("dr", "import", "submission") in trail
    assert ("dr", "create", "patient") in trail and ("dr", "create", "consultation") in trail
    assert trail[-1] == ("dr", "delete", "submission")


def test_a_missing_submission_is_404(db_client: TestClient) -> None:
    log_in_page(db_client, "dr")
    assert db_client.get("/clinic/inbox/42").status_code == 404


def test_one_address_cannot_flood_the_inbox(client: TestClient) -> None:
    form = send_form(client, name="Ann E.", contact="ann@example.org", consent="yes")
    for _ in range(5):
        assert client.post("/send", data=form).status_code == 200
    refused = client.post("/send", data=form)
    assert refused.status_code == 429
    assert "Too many answers were sent from here just now" in refused.text
    assert len(stored(client)) == 5
