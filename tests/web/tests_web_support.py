"""Intake documents shared by the web tests."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from rejuv.services.accounts import create_user

PASSWORD = "correct horse battery staple"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')

HYDRATION: dict[str, Any] = {
    "schema_version": "1",
    "patient": {"age": 30, "sex": "female", "fitzpatrick": "II", "glogau": "I"},
    "concerns": [{"id": "dehydration"}, {"id": "fine_lines", "severity": "mild", "zones": ["forehead"]}],
    "preferences": {"max_downtime_days": 2, "blood_draw": "ok", "leaning": "none"},
    "history": {"pregnant": False, "breastfeeding": False, "conditions": [], "medications": [], "allergies": []},
}
PREGNANCY: dict[str, Any] = {
    "schema_version": "1",
    "patient": {"age": 33, "sex": "female"},
    "concerns": [{"id": "dullness"}],
    "history": {"pregnant": True},
}


def add_user(client: TestClient, username: str, role: str) -> None:
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    create_user(state.uow(), username, PASSWORD, role)


def csrf_from(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in_page(client: TestClient, username: str, role: str = "clinician") -> None:
    """Create the account and log in through the HTML form, as a person would."""
    add_user(client, username, role)
    token = csrf_from(client.get("/clinic/login").text)
    response = client.post(
        "/clinic/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def log_in_api(client: TestClient, username: str, role: str = "clinician") -> str:
    """Create the account, log in through the JSON API and return the CSRF token for writes."""
    add_user(client, username, role)
    response = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


STATE_INPUT = re.compile(r'name="state" value="([^"]*)"')
# One person's answers, step by step (form field -> values), for the hydration-and-fine-lines case.
PERSON: list[tuple[str, dict[str, list[str]]]] = [
    (
        "values",
        {
            "pref.blood_draw": ["ok"],
            "pref.max_downtime_days": ["2"],
            "pref.leaning": ["none"],
            "imp.evidence": ["a_lot"],
        },
    ),
    (
        "about",
        {"patient.age": ["30"], "patient.sex": ["female"], "patient.fitzpatrick": ["II"], "patient.glogau": ["I"]},
    ),
    ("concerns", {"concerns": ["dehydration", "fine_lines"], "severity.fine_lines": ["mild"], "zones": ["forehead"]}),
    ("health", {"history.pregnant": ["no"], "history.breastfeeding": ["no"], "history.conditions": ["none"]}),
    ("medicines", {"history.medications": ["none"], "history.allergies": ["none"]}),
    ("recent", {}),
]


def hidden_state(html: str) -> str:
    import html as html_lib

    found = STATE_INPUT.search(html)
    assert found, "the page has no state field"
    return html_lib.unescape(found.group(1))


def post_step(client: TestClient, slug: str, html: str, fields: dict[str, list[str]], go: str = "next") -> Any:
    data: dict[str, Any] = {**fields, "csrf_token": csrf_from(html), "state": hidden_state(html), "go": go}
    return client.post(f"/questions/{slug}", data=data)


def walk(client: TestClient, steps: list[tuple[str, dict[str, list[str]]]] = PERSON) -> Any:
    """Answer every step in order, as a browser without JavaScript would; returns the last response."""
    response = client.get("/questions")
    for slug, fields in steps:
        assert response.status_code == 200, response.text[:2000]
        response = post_step(client, slug, response.text, fields)
    return response


def assert_every_citation_leads_to_a_source(html: str) -> None:
    """Each "[n]" beside a reason or finding links to an entry of the page's sources list."""
    links = set(re.findall(r'href="#(ref-[^"]+)"', html))
    targets = set(re.findall(r'id="(ref-[^"]+)"', html))
    assert links, "the page cites nothing"
    assert links <= targets, f"citations without a source entry: {sorted(links - targets)}"
