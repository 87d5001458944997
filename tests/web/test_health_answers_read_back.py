"""The person's answers read back ("Your answers", the summary and its PDF, the answers sent to the clinic).

A skipped health question (pregnancy, breastfeeding, conditions, medicines now and stopped, allergies) keeps its
line, saying "Not answered": the summary goes to the clinic, and a missing line there reads as "none".
"""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient
from tests_web_support import PERSON, csrf_from, hidden_state, walk

HEALTH = 3  # the index of the health step in PERSON; the medicines step follows it
HEALTH_QUESTIONS = (
    "history.pregnant",
    "history.breastfeeding",
    "history.conditions",
    "history.medications",
    "med.stopped",
    "history.allergies",
)
SKIPPED = [*PERSON[:HEALTH], ("health", {}), ("medicines", {}), *PERSON[HEALTH + 2 :]]


def labels(client: TestClient) -> dict[str, str]:
    """Each question's wording as the person saw it, from the questionnaire itself."""
    steps = client.app.state.rejuv.steps  # type: ignore[attr-defined]
    return {q.name: q.shown_as for step in steps for q in step.questions}


def read_back(html: str) -> dict[str, str]:
    """The page's last answers list (the sent page lists the name and contact first): question -> answer."""
    blocks = re.findall(r'<dl class="answers">(.*?)</dl>', html, flags=re.S)
    assert blocks, "the page lists no answers"
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", blocks[-1], flags=re.S)
    return {unescape(q).strip(): unescape(a).strip() for q, a in pairs}


def post_result_form(client: TestClient, result_html: str, action: str, **fields: str) -> str:
    response = client.post(
        action, data={"csrf_token": csrf_from(result_html), "state": hidden_state(result_html), **fields}
    )
    assert response.status_code == 200, response.text[:2000]
    page: str = response.text
    return page


def test_skipped_health_questions_say_not_answered_on_the_result_and_the_summary(client: TestClient) -> None:
    result = walk(client, SKIPPED)
    assert result.status_code == 200, result.text[:2000]
    words = labels(client)
    for page in (result.text, post_result_form(client, result.text, "/summary")):
        answers = read_back(page)
        for name in HEALTH_QUESTIONS:
            assert answers.get(words[name]) == "Not answered", (name, answers)
        assert answers[words["patient.age"]] == "30 years"  # answered questions read back as before


def test_skipped_health_questions_say_not_answered_in_the_pdf(client: TestClient, tmp_path: Path) -> None:
    result = walk(client, SKIPPED)
    response = client.post(
        "/summary.pdf", data={"csrf_token": csrf_from(result.text), "state": hidden_state(result.text)}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    words = labels(client)
    for name in HEALTH_QUESTIONS:
        assert f"{words[name]} Not answered" in flat, name


def test_the_page_after_sending_lists_the_skipped_health_questions(client: TestClient) -> None:
    result = walk(client, SKIPPED)
    sent = post_result_form(client, result.text, "/send", name="Ann", contact="ann@example.org", consent="yes")
    assert "Your answers were sent to the clinic" in sent
    answers = read_back(sent)
    words = labels(client)
    for name in HEALTH_QUESTIONS:
        assert answers.get(words[name]) == "Not answered", (name, answers)


def test_not_sure_keeps_its_own_words_and_answered_health_questions_are_read_back_as_given(
    client: TestClient,
) -> None:
    steps = [
        *PERSON[:HEALTH],
        ("health", {"history.pregnant": ["unsure"], "history.breastfeeding": ["no"], "history.conditions": ["unsure"]}),
        ("medicines", {"history.medications": ["none"], "med.stopped": ["unsure"], "history.allergies": ["vitamins"]}),
        *PERSON[HEALTH + 2 :],
    ]
    answers = read_back(post_result_form(client, walk(client, steps).text, "/summary"))
    words = labels(client)
    assert answers[words["history.pregnant"]] == "I'm not sure"
    assert answers[words["history.breastfeeding"]] == "No"
    assert answers[words["history.conditions"]] == "I'm not sure"
    assert answers[words["history.medications"]] == "None of these"
    assert answers[words["med.stopped"]] == "I'm not sure"
    assert answers[words["history.allergies"]] == "Vitamins given by injection"
    assert "Not answered" not in answers.values()


def test_other_skipped_questions_are_still_left_out(client: TestClient) -> None:
    """Only the health questions get a "Not answered" line: blank blood tests or recent treatments do not."""
    answers = read_back(walk(client, SKIPPED).text)
    words = labels(client)
    for name in ("labs.platelets_per_ul", "recent.ha_filler", "pref.budget", "history.cigarettes_per_day"):
        assert words[name] not in answers, name
    assert list(answers.values()).count("Not answered") == len(HEALTH_QUESTIONS)


def test_list_questions_are_named_by_what_they_ask_about_not_any_of_these(client: TestClient) -> None:
    """On a printout the choices are gone, so "Do you have any of these?  Not answered" would say nothing."""
    answers = read_back(post_result_form(client, walk(client, SKIPPED).text, "/summary"))
    for named in ("Health problems", "Medicines taken now", "Allergies"):
        assert answers.get(named) == "Not answered", (named, answers)
    assert any(q.startswith("Medicines stopped in the last") for q in answers), answers
    assert not [q for q in answers if "any of these" in q], answers
