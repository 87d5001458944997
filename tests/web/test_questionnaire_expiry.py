"""An expired session on a questionnaire step gives the answers back, but only to a post from our own pages:
another site must not be able to open a step filled with answers of its choosing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests_web_support import PERSON, hidden_state

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
    ],
)
def test_a_refused_post_from_another_site_gets_no_answers_back(client: TestClient, headers: dict[str, str]) -> None:
    html = refused_post(client, headers)
    assert "Your session had expired" not in html
    assert 'value="13"' not in html


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, {}],
)
def test_a_refused_post_from_our_own_pages_keeps_the_answers(client: TestClient, headers: dict[str, str]) -> None:
    html = refused_post(client, headers)
    assert "Your session had expired" in html
    assert 'value="13"' in html
