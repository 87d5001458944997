"""The decision aid for a person: IPDAS content on every page, the questionnaire, the result and the summary."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from tests_web_support import PERSON, csrf_from, hidden_state, post_step, walk

from rejuv.storage.tables import AuditRow, ConsultationRow, PatientRow


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_start_page_says_what_the_decision_is_whom_it_is_for_and_what_the_tool_cannot_do(
    client: TestClient,
) -> None:
    page = text_of(client.get("/").text)
    for phrase in (
        "What this guide is for",
        "Who it is for",
        "What it can do",
        "What it cannot do",
        "Nobody paid for this tool",
        "next review",
        "Nothing you enter is stored",
    ):
        assert phrase in page


def test_reading_pages_set_no_cookie(client: TestClient) -> None:
    for path in ("/", "/compare"):
        assert "set-cookie" not in client.get(path).headers


def test_the_comparison_shows_both_options_side_by_side_with_sources_and_certainty(client: TestClient) -> None:
    html = client.get("/compare").text
    assert '<th scope="col">Mesotherapy' in html and '<th scope="col">Platelet-rich plasma (PRP)</th>' in html
    cells = re.findall(r"<td data-label=.*?</td>", html, flags=re.S)
    assert cells and all('href="#ref-' in cell for cell in cells)
    for key in re.findall(r'href="#ref-([a-z0-9_]+)"', html):
        assert f'id="ref-{key}"' in html
    assert "certainty" in text_of(html).lower()
    assert "What side effects are common?" in html and "What rare but serious risks are there?" in html


def test_the_first_question_step_is_what_matters_to_you_with_progress(client: TestClient) -> None:
    html = client.get("/questions").text
    assert "What matters to you" in html and "Step 1 of 6" in html
    assert '<progress max="6" value="1"' in html
    assert "needles" in html.lower() and "blood sample" in html


def test_a_person_goes_through_every_step_to_a_cited_result(client: TestClient) -> None:
    response = walk(client)
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Mesotherapy fits you better now" in page
    assert "Questions to ask your clinician" in page
    assert "Check what you know" in page and "SURE" in page
    assert "Dry, dehydrated skin" in page  # the person's answers read back in words


def test_every_step_shows_its_progress(client: TestClient) -> None:
    response = client.get("/questions")
    for number, (slug, fields) in enumerate(PERSON, start=1):
        assert f"Step {number} of 6" in response.text
        response = post_step(client, slug, response.text, fields)


def test_a_missing_age_is_shown_beside_the_field(client: TestClient) -> None:
    first = client.get("/questions")
    about = post_step(client, "values", first.text, PERSON[0][1])
    response = post_step(client, "about", about.text, {"patient.age": ["thirty"]})
    assert response.status_code == 422
    assert 'id="f-patient-age-error"' in response.text
    assert 'aria-describedby="f-patient-age-error"' in response.text and 'aria-invalid="true"' in response.text
    assert "Please write a whole number." in response.text
    too_old = post_step(client, "about", response.text, {"patient.age": ["130"]})
    assert "at most 120" in too_old.text


def test_no_concern_chosen_asks_for_one(client: TestClient) -> None:
    response = walk(client, [*PERSON[:2], ("concerns", {})])
    assert response.status_code == 422
    assert "Please choose at least one." in response.text


def test_none_of_these_cannot_be_ticked_with_another_answer(client: TestClient) -> None:
    response = walk(client, [*PERSON[:3], ("health", {"history.conditions": ["none", "diabetes"]})])
    assert response.status_code == 422 and "cannot be ticked with other answers" in response.text


def test_back_keeps_the_answers_already_given(client: TestClient) -> None:
    response = walk(client, PERSON[:2])
    back = post_step(client, "concerns", response.text, {"concerns": ["dullness"]}, go="back")
    assert "About you" in back.text and 'value="30"' in back.text
    forward = post_step(client, "about", back.text, PERSON[1][1])
    assert 'value="dullness" checked' in forward.text


def test_i_am_not_sure_leaves_the_contract_field_out(client: TestClient) -> None:
    steps = [*PERSON[:3], ("health", {"history.pregnant": ["unsure"], "history.conditions": ["unsure"]}), *PERSON[4:]]
    response = walk(client, steps)
    assert response.status_code == 200
    assert '"history.pregnant":"unsure"' in hidden_state(response.text)


def test_pregnancy_leads_to_a_referral_with_the_finding_explained(client: TestClient) -> None:
    steps = [*PERSON[:3], ("health", {"history.pregnant": ["yes"]}), *PERSON[4:]]
    page = text_of(walk(client, steps).text)
    assert "Neither option is right for you now" in page
    assert "What we found in your answers" in page


def test_the_knowledge_check_gives_feedback_and_the_sure_test_flags_conflict(client: TestClient) -> None:
    result = walk(client)
    form = {
        "csrf_token": csrf_from(result.text),
        "state": hidden_state(result.text),
        "check.prp_blood": "true",
        "check.meso_own_body": "true",
        "check.one_session": "false",
        "sure.sure": "true",
        "sure.understand": "true",
        "sure.risk": "false",
        "sure.encourage": "true",
    }
    checked = client.post("/result", data=form)
    assert checked.status_code == 200
    page = text_of(checked.text)
    assert "Right. The statement is true." in page  # PRP does need blood
    assert "Not quite. The statement is false." in page  # mesotherapy is not from your own body
    # Both are a course of sessions (typically 4 and 3): "one is usually enough" is false, so "false" is right.
    assert page.count("Right. The statement is false.") == 1
    assert 'You answered "yes" to 3 of 4.' in page and "no need to decide today" in page


def test_four_yes_answers_to_sure_say_the_person_seems_ready(client: TestClient) -> None:
    result = walk(client)
    form = {
        "csrf_token": csrf_from(result.text),
        "state": hidden_state(result.text),
        **{f"sure.{k}": "true" for k in ("sure", "understand", "risk", "encourage")},
    }
    assert 'You answered "yes" to all 4.' in text_of(client.post("/result", data=form).text)


def test_a_tampered_state_is_checked_again_before_a_result(client: TestClient) -> None:
    result = walk(client)
    form = {"csrf_token": csrf_from(result.text), "state": '{"patient.age":"500","concerns":["dullness"]}'}
    response = client.post("/result", data=form)
    assert response.status_code == 422 and "About you" in response.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    client.get("/questions")
    response = client.post("/questions/values", data={"state": "{}"})
    assert response.status_code == 403 and "expired" in response.text


def test_an_unknown_step_is_a_404_page(client: TestClient) -> None:
    html = client.get("/questions").text
    response = client.post("/questions/nope", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_the_printable_summary_has_everything_for_the_clinic(client: TestClient) -> None:
    result = walk(client)
    response = client.post("/summary", data={"csrf_token": csrf_from(result.text), "state": hidden_state(result.text)})
    page = text_of(response.text)
    for phrase in (
        "My result",
        "My answers",
        "The options compared",
        "Sources",
        "Knowledge version",
        "Mesotherapy fits you better now",
    ):
        assert phrase in page
    assert "/static/print.css" in response.text


def test_the_pdf_summary_holds_the_result_answers_and_knowledge_version(client: TestClient, tmp_path: Path) -> None:
    result = walk(client)
    response = client.post(
        "/summary.pdf", data={"csrf_token": csrf_from(result.text), "state": hidden_state(result.text)}
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    flat = " ".join(text.stdout.split())
    version = client.get("/api/knowledge").json()["knowledge_version"]
    for phrase in ("Mesotherapy fits you better now", "My answers", "The options compared", version):
        assert phrase in flat


def test_nothing_a_person_enters_is_stored(client: TestClient) -> None:
    walk(client)
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    with state.session_factory() as session:
        for row in (PatientRow, ConsultationRow, AuditRow):
            assert session.query(row).count() == 0


def test_unknown_pages_get_a_readable_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "There is nothing at this address." in response.text


def test_when_every_pdf_slot_is_busy_the_person_is_asked_to_retry(client: TestClient) -> None:
    import asyncio

    result = walk(client)
    client.app.state.pdf_slots = asyncio.Semaphore(0)  # type: ignore[attr-defined]  # every slot taken
    response = client.post(
        "/summary.pdf", data={"csrf_token": csrf_from(result.text), "state": hidden_state(result.text)}
    )
    assert response.status_code == 503 and "try again" in response.text


def test_no_page_loads_anything_from_another_site(client: TestClient) -> None:
    pages = [client.get(path).text for path in ("/", "/compare", "/questions", "/docs")] + [walk(client).text]
    for html in pages:
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
        assert "<script" not in html  # the aid needs no JavaScript at all
