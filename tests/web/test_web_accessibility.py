"""Accessibility properties every page must keep: language, one h1, a label for every control, error messages
linked to their fields, a skip link, and text colours with at least 4.5:1 contrast (WCAG 2.2 AA)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests_web_support import PERSON, csrf_from, hidden_state, log_in_page, walk

CSS = Path(__file__).resolve().parents[2] / "src" / "rejuv" / "web" / "static" / "rejuv.css"


class Controls(HTMLParser):
    """Collects form controls, label targets, headings and the root language of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.h1 = 0
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        if tag == "html":
            self.lang = found.get("lang", "")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and "for" in found:
            self.label_for.add(found["for"])
        elif tag in {"input", "select", "textarea"} and found.get("type") not in {"hidden", "submit"}:
            self.controls.append(found)


def check_page(html: str) -> None:
    page = Controls()
    page.feed(html)
    assert page.lang == "en"
    assert page.h1 == 1
    for control in page.controls:
        assert control.get("id") in page.label_for, f"no label for {control}"
        for described in control.get("aria-describedby", "").split():
            assert described in page.ids, f"aria-describedby points at a missing id: {described}"
    assert 'class="skip" href="#main"' in html or '<body class="summary">' in html


def test_every_decision_aid_page_is_labelled_and_structured(client: TestClient) -> None:
    check_page(client.get("/").text)
    check_page(client.get("/compare").text)
    check_page(client.get("/docs").text)
    response = client.get("/questions")
    check_page(response.text)
    for index in range(1, len(PERSON) + 1):
        check_page(walk(client, PERSON[:index]).text)


def test_a_page_with_errors_links_every_message_to_its_field(client: TestClient) -> None:
    response = walk(client, [*PERSON[:1], ("about", {"patient.age": ["abc"]})])
    assert response.status_code == 422
    check_page(response.text)
    assert 'href="#f-patient-age"' in response.text  # the summary at the top jumps to the field


def test_every_clinic_page_is_labelled_and_structured(client: TestClient) -> None:
    check_page(client.get("/clinic/login").text)
    log_in_page(client, "dr")
    check_page(client.get("/clinic/patients").text)
    check_page(client.get("/clinic/patients?q=zz").text)


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


COLOURS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text()))


@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("ink", "bg"),
        ("muted", "bg"),
        ("muted", "soft"),
        ("brand", "bg"),
        ("brand-dark", "bg"),
        ("error", "bg"),
        ("ok", "bg"),
        ("warn", "bg"),
        ("warn", "soft"),
        ("ok", "soft"),
        ("error", "soft"),
        ("brand", "soft"),
    ],
)
def test_text_colours_have_at_least_aa_contrast(text: str, background: str) -> None:
    assert contrast(COLOURS[text], COLOURS[background]) >= 4.5


def test_white_text_on_the_header_and_buttons_has_aa_contrast() -> None:
    assert contrast("#ffffff", COLOURS["brand-dark"]) >= 4.5
    assert contrast("#ffffff", COLOURS["brand"]) >= 4.5
    assert contrast(COLOURS["warn"], "#fff4e0") >= 4.5  # the "not yet verified" tag


def test_every_admin_page_is_labelled_and_structured(client: TestClient) -> None:
    log_in_page(client, "root", "admin")
    check_page(client.get("/clinic/users").text)
    check_page(client.get("/clinic/audit").text)


def test_sending_to_the_clinic_and_the_inbox_are_labelled_and_structured(client: TestClient) -> None:
    result = walk(client)
    form = {"csrf_token": csrf_from(result.text), "state": hidden_state(result.text), "name": "", "contact": "0123"}
    refused = client.post("/send", data=form)
    assert refused.status_code == 422
    check_page(refused.text)
    assert 'href="#send-consent"' in refused.text  # the summary jumps to the box
    sent = client.post("/send", data={**form, "name": "Ann", "consent": "yes"})
    check_page(sent.text)
    log_in_page(client, "dr")
    check_page(client.get("/clinic/inbox").text)
    check_page(client.get("/clinic/inbox/1").text)
