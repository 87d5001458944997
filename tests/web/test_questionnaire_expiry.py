"""An expired session on a questionnaire step gives the answers back, but only to a post from our own pages:
another site must not be able to open a step filled with answers of its choosing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests_web_support import PERSON, csrf_from, hidden_state, walk

MARKER = {"pref.max_downtime_days": ["13"]}  # a value no page shows by itself


def refused_post(client: TestClient, headers: dict[str, str]) -> str:
    first = client.get("/questions")
    data = {**PERSON[0][1], **MARKER, "csrf_token": "forged", "state": hidden_state(first.text), "go": "next"}
    response = client.post("/questions/values", data=data, headers=headers)
    assert response.status_code == 403
    return response.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://elsewhere.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://shop.testserver"},
        {"Origin": "null"},  # a sandboxed or data: page
        {"Origin": "http://testserver"},  # same host, another scheme: another origin
    ],
)
def test_a_refused_post_from_another_site_gets_no_answers_back(client: TestClient, headers: dict[str, str]) -> None:
    html = refused_post(client, headers)
    assert "Your session had expired" not in html
    assert 'value="13"' not in html


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://testserver"},  # the test client's own origin
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://testserver"},
        # Behind a proxy that drops the port from Host, the browser's own verdict still counts.
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://testserver:8443"},
        {},
    ],
)
def test_a_refused_post_from_our_own_pages_keeps_the_answers(client: TestClient, headers: dict[str, str]) -> None:
    html = refused_post(client, headers)
    assert "Your session had expired" in html
    assert 'value="13"' in html


@pytest.mark.parametrize("action", ["/result", "/summary", "/summary.pdf", "/send"])
def test_a_result_page_form_sent_after_the_session_expired_gives_the_result_back(
    client: TestClient, action: str
) -> None:
    result = walk(client)
    client.cookies.clear()  # the session cookie expired while the page was open
    form = {
        "csrf_token": csrf_from(result.text),
        "state": hidden_state(result.text),
        "check.prp_blood": "true",
        "name": "Ann Example",
        "contact": "ann@example.org",
        "consent": "yes",
    }
    refused = client.post(action, data=form, headers={"Origin": "https://testserver"})
    assert refused.status_code == 403
    html = refused.text
    assert "Your session had expired" in html and "<title>Session expired: Your result" in html
    assert "Right. The statement is true." in html  # the knowledge-check answer is kept
    assert 'value="Ann Example"' in html and 'value="ann@example.org"' in html
    assert csrf_from(html) != form["csrf_token"]
    assert 'name="consent" value="yes" checked' not in html  # consent is given again, never carried over


def test_a_result_page_form_from_another_site_gets_nothing_back(client: TestClient) -> None:
    result = walk(client)
    form = {"csrf_token": "forged", "state": hidden_state(result.text), "name": "Ann Example"}
    refused = client.post("/send", data=form, headers={"Origin": "https://elsewhere.example"})
    assert refused.status_code == 403 and 'value="Ann Example"' not in refused.text
