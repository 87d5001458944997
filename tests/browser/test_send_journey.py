"""In Chromium, at desktop and phone sizes: a person sends their answers to the clinic (refused until the
consent box is ticked) and a clinician finds them in the inbox and imports them as a patient."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CLINICIAN_LOGIN
from playwright.sync_api import Browser, Page, expect

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    context = browser.new_context(**VIEWPORTS[request.param])
    page = context.new_page()
    yield request.param, page
    context.close()


def answer_every_step(page: Page, server: str) -> None:
    page.goto(server + "/questions")
    page.get_by_label("Yes, a blood sample is fine").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("How old are you?").fill("30")
    page.get_by_role("button", name="Next").click()
    page.locator("#f-concerns-dehydration").check()
    page.get_by_role("button", name="Next").click()
    for number in (4, 5, 6):
        expect(page.get_by_text(f"Step {number} of 6")).to_be_visible()
        page.get_by_role("button", name="See my result" if number == 6 else "Next").click()
    expect(page.locator("#decision")).to_be_visible()


def test_a_person_sends_their_answers_and_a_clinician_imports_them(
    server: str, sized_page: tuple[str, Page], artifacts: Path
) -> None:
    size, page = sized_page
    name = f"Sender {size} {uuid.uuid4().hex[:4]}"
    answer_every_step(page, server)
    page.get_by_label("Your name or initials").fill(name)
    page.get_by_label("How the clinic can reach you").fill("0123 456 789")
    page.get_by_role("button", name="Send my answers to the clinic").click()
    expect(page.locator("#send-consent-error")).to_contain_text("Without it, nothing is stored.")
    expect(page.get_by_label("Your name or initials")).to_have_value(name)
    page.screenshot(path=artifacts / f"send-{size}-1-no-consent.png", full_page=True)

    page.get_by_label("I agree the clinic stores my answers to prepare my consultation").check()
    page.get_by_role("button", name="Send my answers to the clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers were sent to the clinic")
    code = page.locator("#reference-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    expect(page.get_by_role("heading", name="How to have it deleted")).to_be_visible()
    page.screenshot(path=artifacts / f"send-{size}-2-sent.png", full_page=True)

    page.goto(server + "/clinic/inbox")
    page.get_by_label("Username").fill(CLINICIAN_LOGIN[0])
    page.get_by_label("Password").fill(CLINICIAN_LOGIN[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.locator("#inbox")).to_contain_text(name)
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Submission {code}")
    page.get_by_label("Clinic reference").fill(f"S-{uuid.uuid4().hex[:6]}")
    page.screenshot(path=artifacts / f"send-{size}-3-submission.png", full_page=True)
    page.get_by_role("button", name="Import as patient and consultation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("main")).not_to_contain_text(code)
