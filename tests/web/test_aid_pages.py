"""The decision aid for a person: IPDAS content on every page, the questionnaire, the result and the summary."""

from __future__ import annotations

import re
import subprocess
from html import unescape
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


MEDICINES = 4  # the index of the medicines step in PERSON


def with_medicines(fields: dict[str, list[str]]) -> list[tuple[str, dict[str, list[str]]]]:
    return [*PERSON[:MEDICINES], ("medicines", fields), *PERSON[MEDICINES + 1 :]]


def result_and_summary(client: TestClient, fields: dict[str, list[str]]) -> tuple[str, str]:
    """The result page's text and the printable summary's, after a walk with these medicine answers."""
    result = walk(client, with_medicines(fields))
    assert result.status_code == 200
    summary = client.post("/summary", data={"csrf_token": csrf_from(result.text), "state": hidden_state(result.text)})
    return text_of(result.text), unescape(text_of(summary.text))


def test_isotretinoin_stopped_a_month_ago_is_a_finding_on_the_result_and_in_the_answers(client: TestClient) -> None:
    fields = {
        "history.medications": ["none"],
        "med.stopped": ["isotretinoin"],
        "stopped.isotretinoin": ["30"],
        "history.allergies": ["none"],
    }
    page, answers = result_and_summary(client, fields)
    assert "Isotretinoin stopped in the last 6 months" in page
    assert "stopped 30 days ago" in page
    assert "Medicines stopped in the last 6 months Isotretinoin (Roaccutane) for acne" in answers
    assert "30 days ago" in answers


def test_a_medicine_stopped_at_an_unknown_time_is_treated_as_recent(client: TestClient) -> None:
    fields = {"history.medications": ["none"], "med.stopped": ["isotretinoin"], "history.allergies": ["none"]}
    page = text_of(walk(client, with_medicines(fields)).text)
    assert "Isotretinoin stopped in the last 6 months" in page and "stopped, date not known" in page


def test_not_sure_about_current_medicines_with_a_stopped_one_is_shown_as_not_known(client: TestClient) -> None:
    fields = {
        "history.medications": ["unsure"],
        "med.stopped": ["isotretinoin"],
        "stopped.isotretinoin": ["200"],
        "history.allergies": ["none"],
    }
    page, answers = result_and_summary(client, fields)
    assert "Medicines, health conditions or allergies not answered" in page
    assert "No answer was recorded about the medicines you take now." in page
    assert "Medicines taken now I'm not sure" in answers
    assert "No answer was recorded about the medicines you take now." in answers


def test_answering_every_health_list_gives_no_unanswered_caution(client: TestClient) -> None:
    rules = {r.id: r for r in client.app.state.rejuv.advisor.kb.rules}  # type: ignore[attr-defined]
    title = rules["history_lists_unanswered"].title  # as the page shows the finding, whatever its wording
    skipped = unescape(text_of(walk(client, with_medicines({})).text))
    assert title in skipped  # the caution this test looks for does show when the medicines are left blank
    page = unescape(text_of(walk(client).text))
    assert "What we found in your answers" in page
    assert title not in page


def test_a_wrong_number_of_days_is_shown_beside_the_field_and_keeps_every_answer(client: TestClient) -> None:
    before = walk(client, PERSON[:MEDICINES])
    fields = {
        "history.medications": ["nsaid"],
        "med.can_pause": ["yes"],
        "med.stopped": ["isotretinoin", "antiplatelet"],
        "stopped.isotretinoin": ["-3"],
        "stopped.antiplatelet": ["about a week"],
        "history.allergies": ["vitamins"],
    }
    response = post_step(client, "medicines", before.text, fields)
    assert response.status_code == 422
    html = response.text
    assert 'id="f-stopped-isotretinoin-error"' in html and "at least 0" in html
    assert 'id="f-stopped-antiplatelet-error"' in html and "Please write a whole number." in html
    assert 'aria-describedby="f-stopped-isotretinoin-hint f-stopped-isotretinoin-error"' in html
    assert 'value="-3"' in html and 'value="about a week"' in html
    for checked in (
        'id="f-history-medications-nsaid" name="history.medications" value="nsaid" checked',
        'id="f-med-can_pause-yes" name="med.can_pause" value="yes" checked',
        'id="f-med-stopped-isotretinoin" name="med.stopped" value="isotretinoin" checked',
        'id="f-med-stopped-antiplatelet" name="med.stopped" value="antiplatelet" checked',
        'id="f-history-allergies-vitamins" name="history.allergies" value="vitamins" checked',
    ):
        assert checked in html
    assert '"patient.age":"30"' in hidden_state(html)  # the earlier steps too
    fixed = post_step(
        client, "medicines", html, {**fields, "stopped.isotretinoin": ["40"], "stopped.antiplatelet": ["7"]}
    )
    assert fixed.status_code == 200 and "Recent treatments" in fixed.text


def test_days_since_stopping_with_none_of_these_ticked_asks_which_is_right(client: TestClient) -> None:
    fields = {"history.medications": ["none"], "med.stopped": ["none"], "stopped.isotretinoin": ["30"]}
    response = walk(client, with_medicines(fields)[: MEDICINES + 1])
    assert response.status_code == 422
    assert 'id="f-stopped-isotretinoin-error"' in response.text and "None of these" in response.text


def test_an_expired_session_keeps_every_answer_and_the_next_press_goes_on(client: TestClient) -> None:
    before = walk(client, PERSON[:MEDICINES])
    fields = {
        "history.medications": ["antiplatelet"],
        "med.can_pause": ["no"],
        "med.stopped": ["isotretinoin"],
        "stopped.isotretinoin": ["30"],
        "history.allergies": ["hyaluronic_acid"],
    }
    state = hidden_state(before.text)
    client.cookies.clear()  # the 8-hour cookie has gone; the page still holds its old token
    data = {**fields, "csrf_token": csrf_from(before.text), "state": state, "go": "next"}
    refused = client.post("/questions/medicines", data=data)
    assert refused.status_code == 403
    html = refused.text
    assert "Your session had expired" in html and 'role="alert"' in html
    assert "<title>Session expired: Medicines and allergies" in html
    assert "Please check" not in html  # the answers were not checked, so no error messages
    for checked in (
        'value="antiplatelet" checked',
        'id="f-med-can_pause-no" name="med.can_pause" value="no" checked',
        'id="f-med-stopped-isotretinoin" name="med.stopped" value="isotretinoin" checked',
        'id="f-history-allergies-hyaluronic_acid" name="history.allergies" value="hyaluronic_acid" checked',
        'value="30"',
    ):
        assert checked in html
    assert all(f'"{k}"' in hidden_state(html) for k in ("patient.age", "concerns", "history.pregnant"))
    assert csrf_from(html) != csrf_from(before.text) and "set-cookie" in refused.headers
    again = post_step(client, "medicines", html, fields)
    assert again.status_code == 200 and "Recent treatments" in again.text
    result = post_step(client, "recent", again.text, {})
    page = text_of(result.text)
    assert "Isotretinoin stopped in the last 6 months" in page and "antiplatelet" in page.lower()


def test_a_wrong_token_with_a_live_cookie_also_keeps_the_answers(client: TestClient) -> None:
    first = client.get("/questions")
    data = {**PERSON[0][1], "csrf_token": "forged", "state": hidden_state(first.text), "go": "next"}
    refused = client.post("/questions/values", data=data)
    assert refused.status_code == 403 and "Your session had expired" in refused.text
    assert 'id="f-pref-blood_draw-ok" name="pref.blood_draw" value="ok" checked' in refused.text
    assert 'value="2"' in refused.text
    again = post_step(client, "values", refused.text, PERSON[0][1])
    assert again.status_code == 200 and "Step 2 of 6" in again.text


# --- The option grid's balance, certainty wording, duplicates, values read back, tagged PDF, review dates ---


def grid_row(html: str, row_id: str) -> list[str]:
    """The cells of one row of the option grid on /compare."""
    row = re.search(rf'<tr id="row-{row_id}">(.*?)</tr>', html, flags=re.S)
    assert row, f"no row {row_id}"
    return re.findall(r"<td data-label=.*?</td>", row.group(1), flags=re.S)


def test_the_grid_has_a_cited_benefits_row_as_detailed_as_the_harms_rows(client: TestClient) -> None:
    html = client.get("/compare").text
    assert '<th scope="row">What might improve?</th>' in html
    benefits = grid_row(html, "benefits")
    assert len(benefits) == 2 and all('href="#ref-' in cell for cell in benefits)
    words = {row: [len(text_of(c).split()) for c in grid_row(html, row)] for row in ("benefits", "rare_risks")}
    for benefit, harm in zip(words["benefits"], words["rare_risks"], strict=True):
        assert 0.5 <= benefit / harm <= 2.0, words  # comparable detail, option by option
    for treatment in ("mesotherapy", "prp"):  # the API carries the same row, from the same cited data
        cells = {r["id"]: r["cells"] for r in client.get("/api/compare").json()["rows"]}["benefits"]
        assert cells[treatment]["citations"] and cells[treatment]["items"]


def test_one_certainty_wording_is_used_on_the_badges_the_legend_and_the_evidence_row(client: TestClient) -> None:
    from rejuv.engine.compare import CERTAINTY_LABELS

    start, compare = text_of(client.get("/").text), text_of(client.get("/compare").text)
    meanings = {key: meaning for key, (_, meaning) in CERTAINTY_LABELS.items()}
    assert len(set(meanings.values())) == 4
    assert "likely to be quite different" in meanings["very_low"] and "may be quite different" in meanings["low"]
    for label, meaning in CERTAINTY_LABELS.values():
        assert f"{label} certainty {meaning}" in compare  # the legend
    for treatment in client.get("/api/treatments").json():
        key = treatment["evidence_certainty"]
        label, meaning = CERTAINTY_LABELS[key]
        assert f"{label} certainty {meaning}" in start  # the badge on the start page
        evidence = {r["id"]: r["cells"] for r in client.get("/api/compare").json()["rows"]}["evidence"]
        assert evidence[treatment["id"]]["text"].startswith(f"Certainty of evidence: {label}. {meaning}")
    for key in meanings:  # no explanation sits under another level's label
        others = [m for k, m in meanings.items() if k != key]
        assert not any(f"{CERTAINTY_LABELS[key][0]} certainty {m}" in start + compare for m in others)


def test_how_it_is_done_is_shown_once_on_the_grid_and_in_the_summary(client: TestClient) -> None:
    from html import unescape

    procedure = {r["id"]: r["cells"] for r in client.get("/api/compare").json()["rows"]}["procedure"]
    compare = unescape(text_of(client.get("/compare").text))
    result = walk(client)
    summary = unescape(
        text_of(
            client.post(
                "/summary", data={"csrf_token": csrf_from(result.text), "state": hidden_state(result.text)}
            ).text
        )
    )
    for cell in procedure.values():
        for item in cell["items"]:
            flat = " ".join(item.split())
            assert compare.count(flat) == 1 and summary.count(flat) == 1, flat


def test_each_reason_for_an_option_is_said_once(client: TestClient) -> None:
    page = walk(client).text
    why = text_of(page[page.index('id="options-h"') : page.index('id="findings-h"')])
    assert why.count("Mesotherapy is a main treatment for dry, dehydrated skin and fine lines") == 1
    assert "the other option is not a main treatment for any of your concerns" in why


def test_a_reason_repeated_by_a_longer_one_is_dropped_with_its_sources_kept() -> None:
    from rejuv.web.result import distinct_reasons

    recommendation = {
        "options": [
            {
                "reasons": [
                    {"rule": "a", "text": "It fits.", "citations": ["x"]},
                    {"rule": "b", "text": "It fits; the other does not.", "citations": ["y"]},
                    {"rule": "c", "text": "Other.", "citations": ["z"]},
                    {"rule": "d", "text": "Other.", "citations": ["w"]},
                ]
            }
        ]
    }
    shown = distinct_reasons(recommendation)["options"][0]["reasons"]
    assert [(r["rule"], r["citations"]) for r in shown] == [("b", ["x", "y"]), ("c", ["z", "w"])]
    assert len(recommendation["options"][0]["reasons"]) == 4  # the engine's output is left whole


def test_the_result_relates_each_option_to_what_the_person_said_matters(client: TestClient) -> None:
    values = {**PERSON[0][1], "imp.needles": ["a_lot"], "imp.evidence": ["a_little"]}
    result = walk(client, [("values", values), *PERSON[1:]])
    html = result.text
    section = text_of(html[html.index('id="values-h"') : html.index('id="check-h"')])
    assert "What you said matters, option by option" in section
    assert section.index("How much do the needles worry you?") < section.index("strength of the research")
    assert "You said: Matters a lot" in section and "You said: Matters a little" in section
    assert "Both options use needles" in section and "Platelet-rich plasma (PRP) also needs a blood sample" in section
    assert "Very low certainty" in section and "Low certainty" in section and "is limited" in section
    block = html[html.index('id="values-h"') : html.index('id="check-h"')]
    assert 'href="#ref-' in block
    for key in re.findall(r'href="#ref-([a-z0-9_]+)"', block):
        assert f'id="ref-{key}"' in html
    summary = client.post("/summary", data={"csrf_token": csrf_from(html), "state": hidden_state(html)})
    assert "What you said matters, option by option" in summary.text


def test_things_that_do_not_matter_to_the_person_are_not_read_back_as_values(client: TestClient) -> None:
    values = {**PERSON[0][1], "imp.needles": ["not"], "imp.evidence": ["not"]}
    html = walk(client, [("values", values), *PERSON[1:]]).text
    assert 'id="values-h"' not in html


def test_the_pdf_summary_is_tagged_for_screen_readers(client: TestClient, tmp_path: Path) -> None:
    result = walk(client)
    response = client.post(
        "/summary.pdf", data={"csrf_token": csrf_from(result.text), "state": hidden_state(result.text)}
    )
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, flags=re.M), info


def test_every_page_shows_the_full_knowledge_version_and_honest_review_dates(client: TestClient) -> None:
    from rejuv.web.templating import review_status

    knowledge = client.get("/api/knowledge").json()
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    status = review_status(state.advisor.kb)
    assert 0 < status.pending < status.facts
    for path in ("/", "/compare", "/questions"):
        page = text_of(client.get(path).text)
        assert f"Knowledge version {knowledge['knowledge_version']} ." in page
        assert f"Content written or last updated on {knowledge['reviewed_on']}" in page
        assert f"next review due by {knowledge['next_review']}" in page
        assert f"{status.pending} of the {status.facts} facts in this guide are still waiting for a clinician" in page
        assert "Content reviewed" not in page


def test_sources_lists_end_each_author_list_with_one_full_stop(client: TestClient) -> None:
    for html in (client.get("/compare").text, walk(client).text):
        refs = text_of(html[html.index('class="refs"') :])
        assert "et al." in refs and ".." not in refs
