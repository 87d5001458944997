"""A person sends their answers to the clinic from the result page; a clinician reads, imports or deletes them.

Runs on SQLite and PostgreSQL (`db_client`): nothing is stored without consent, the result is the server's,
the inbox is for clinicians only, every form needs its CSRF token and every read and write is audited. Sending
the same form again (refresh, double click, back and send) stores nothing new; answers past the retention
period are wiped before anyone can read them.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests_web_support import assert_every_citation_leads_to_a_source, csrf_from, hidden_state, log_in_page, walk

from rejuv.storage.tables import SubmissionRow

INBOX_PAGES = ["/clinic/inbox", "/clinic/inbox/1"]
INBOX_FORMS = ["/clinic/inbox/1/import", "/clinic/inbox/1/delete"]
SEND_KEY_INPUT = re.compile(r'name="send_key" value="([^"]+)"')


def send_key_from(page: str) -> str:
    found = SEND_KEY_INPUT.search(page)
    assert found, "the send form has no send key"
    return html.unescape(found.group(1))


def send_form(client: TestClient, **fields: str) -> dict[str, Any]:
    result = walk(client)
    assert result.status_code == 200, result.text[:2000]
    return {
        "csrf_token": csrf_from(result.text),
        "state": hidden_state(result.text),
        "send_key": send_key_from(result.text),
        **fields,
    }


def reopened(client: TestClient, form: dict[str, Any]) -> dict[str, Any]:
    """The same answers on a result page rendered again (POST /result), which carries a new send key."""
    page = client.post("/result", data={"csrf_token": form["csrf_token"], "state": form["state"]})
    assert page.status_code == 200
    return {**form, "send_key": send_key_from(page.text)}


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
    assert '<dl class="answers intake">' in page and "<dt>Medicines</dt>" in page  # answers, not only JSON
    assert_every_citation_leads_to_a_source(page)
    form = {"csrf_token": csrf_from(page), "reference": "R-77", "full_name": "Ann Example", "decision": "accept"}
    response = db_client.post("/clinic/inbox/1/import", data=form, follow_redirects=False)
    assert response.status_code == 303
    consultation = db_client.get(response.headers["location"])
    assert consultation.status_code == 200 and "Ann Example" in consultation.text
    assert_every_citation_leads_to_a_source(consultation.text)
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
    unconfirmed = db_client.post("/clinic/inbox/1/delete", data={"csrf_token": csrf_from(page)})
    assert unconfirmed.status_code == 422 and 'id="i-confirm-error"' in unconfirmed.text
    assert stored(db_client)[0].status == "new"  # one click wipes nothing
    response = db_client.post(
        "/clinic/inbox/1/delete", data={"csrf_token": csrf_from(page), "confirm": "yes"}, follow_redirects=False
    )
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
    db_client.post(
        "/clinic/inbox/2/delete", data={"csrf_token": csrf_from(page), "confirm": "yes"}, follow_redirects=False
    )
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
        form = reopened(client, form)
        assert client.post("/send", data=form).status_code == 200
    refused = client.post("/send", data=reopened(client, form))
    assert refused.status_code == 429
    assert "Too many answers were sent from here just now" in refused.text
    assert len(stored(client)) == 5


def test_each_rendering_of_the_result_page_carries_its_own_send_key(db_client: TestClient) -> None:
    form = send_form(db_client)
    again = reopened(db_client, form)
    assert len(form["send_key"]) >= 32 and form["send_key"] != again["send_key"]


@pytest.mark.parametrize("repeats", [2, 3])
def test_sending_the_same_form_again_stores_one_copy_and_shows_the_same_code(
    db_client: TestClient, repeats: int
) -> None:
    form = send_form(db_client, name="Ann E.", contact="ann@example.org", consent="yes")
    pages = [db_client.post("/send", data=form) for _ in range(repeats)]
    assert [p.status_code for p in pages] == [200] * repeats
    codes = {re.search(r'id="reference-code">([A-Z0-9-]+)<', p.text).group(1) for p in pages}  # type: ignore[union-attr]
    assert len(codes) == 1
    assert 'id="already-sent"' not in pages[0].text
    assert all("They were not stored a second time." in p.text for p in pages[1:])
    assert len(stored(db_client)) == 1
    assert audit_trail(db_client) == [("person (decision aid)", "create", "submission")]


def test_repeating_a_send_does_not_count_against_the_send_limit(client: TestClient) -> None:
    form = send_form(client, name="Ann E.", contact="ann@example.org", consent="yes")
    assert [client.post("/send", data=form).status_code for _ in range(8)] == [200] * 8
    assert len(stored(client)) == 1


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "bad key with spaces!!"])
def test_a_send_form_with_a_damaged_key_stores_nothing_and_offers_a_fresh_one(db_client: TestClient, key: str) -> None:
    form = {**send_form(db_client, name="Ann", contact="0123", consent="yes"), "send_key": key}
    response = db_client.post("/send", data=form)
    assert response.status_code == 422
    assert "This page was out of date, so nothing was sent." in response.text
    assert 'value="Ann"' in response.text
    assert db_client.post("/send", data={**form, "send_key": send_key_from(response.text)}).status_code == 200
    assert len(stored(db_client)) == 1


def test_a_changed_contact_sent_from_the_same_page_is_named_beside_the_field(db_client: TestClient) -> None:
    form = send_form(db_client, name="Ann", contact="0123", consent="yes")
    code = re.search(r'id="reference-code">([A-Z0-9-]+)<', db_client.post("/send", data=form).text).group(1)  # type: ignore[union-attr]
    changed = db_client.post("/send", data={**form, "contact": "0999"})
    assert changed.status_code == 409
    error = re.search(r'id="send-contact-error">(.*?)</p>', changed.text, re.S)
    assert error and code in error.group(1) and "Nothing new was stored" in error.group(1)
    assert 'value="0999"' in changed.text  # what was typed is still there, not dropped
    assert send_key_from(changed.text) == form["send_key"]  # pressing Send again does not make a second copy
    [row] = stored(db_client)
    assert row.contact == "0123"


def test_resending_after_the_clinic_deleted_the_answers_does_not_store_them_again(db_client: TestClient) -> None:
    form = send_form(db_client, name="Ann Example", contact="0123", consent="yes")
    code = re.search(r'id="reference-code">([A-Z0-9-]+)<', db_client.post("/send", data=form).text).group(1)  # type: ignore[union-attr]
    log_in_page(db_client, "dr")
    page = db_client.get("/clinic/inbox/1").text
    db_client.post(
        "/clinic/inbox/1/delete", data={"csrf_token": csrf_from(page), "confirm": "yes"}, follow_redirects=False
    )
    again = db_client.post("/send", data={**form, "csrf_token": csrf_from(page)})
    assert again.status_code == 409
    assert "These answers were already sent, and then deleted" in again.text
    assert code in again.text and "not</strong> stored again" in again.text
    [row] = stored(db_client)
    assert (row.status, row.name, row.contact, row.intake) == ("deleted", "", "", {})
    fresh = db_client.post("/result", data={"csrf_token": csrf_from(page), "state": form["state"]})
    assert fresh.status_code == 200 and send_key_from(fresh.text) != form["send_key"]


def test_the_confirmation_gives_the_date_the_answers_will_be_deleted(db_client: TestClient) -> None:
    response = db_client.post("/send", data=send_form(db_client, name="Ann", contact="0123", consent="yes"))
    [row] = stored(db_client)
    due = row.created_at + dt.timedelta(days=30)
    found = re.search(r'id="delete-on">([^<]+)<', response.text)
    assert found and found.group(1) == f"{due.day} {due:%B %Y}"
    assert "(30 days after you sent them)" in response.text


def test_the_send_form_says_how_long_the_clinic_keeps_the_answers(db_client: TestClient) -> None:
    assert "for 30\n    days, and then deletes them" in walk(db_client).text


def test_a_send_form_without_a_key_is_still_sent_once_per_press(db_client: TestClient) -> None:
    """A page cached before send keys existed still works (nothing the person typed is lost), without the
    repeat protection."""
    form = dict(send_form(db_client, name="Ann", contact="0123", consent="yes"))
    del form["send_key"]
    assert [db_client.post("/send", data=form).status_code for _ in range(2)] == [200, 200]
    assert len(stored(db_client)) == 2


def test_answers_past_the_retention_period_are_wiped_before_the_inbox_shows_them(db_client: TestClient) -> None:
    state = db_client.app.state.rejuv  # type: ignore[attr-defined]
    with state.uow() as uow:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
        uow.submissions.add("OLDS-CODE", "Old Person", "0123", {"a": 1}, {"decision": "prp"}, "kv", old)
        uow.commit()
    code = send(db_client, name="Ann New")
    log_in_page(db_client, "dr")
    inbox = db_client.get("/clinic/inbox").text
    assert code in inbox and "OLDS-CODE" not in inbox and "Old Person" not in inbox
    old_row = next(r for r in stored(db_client) if r.code == "OLDS-CODE")
    assert (old_row.status, old_row.name, old_row.contact, old_row.intake) == ("deleted", "", "", {})
    assert ("retention period (automatic)", "purge", "submission") in audit_trail(db_client)


def test_sending_again_after_the_session_expired_still_stores_one_copy(db_client: TestClient) -> None:
    """Sent, then the cookie expired and the person pressed Send again: the page that comes back keeps the
    form's send key, so pressing once more shows the first confirmation instead of storing a second copy."""
    form = send_form(db_client, name="Ann E.", contact="ann@example.org", consent="yes")
    assert db_client.post("/send", data=form).status_code == 200
    db_client.cookies.clear()
    expired = db_client.post("/send", data=form, headers={"Origin": "https://testserver"})
    assert expired.status_code == 403 and send_key_from(expired.text) == form["send_key"]
    again = {**form, "csrf_token": csrf_from(expired.text)}
    assert db_client.post("/send", data=again).status_code == 200
    assert len(stored(db_client)) == 1
