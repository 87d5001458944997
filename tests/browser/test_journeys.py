"""Real journeys in Chromium: a person from the start page to the PDF, a clinician overriding a
recommendation, both at desktop and phone sizes, and the questionnaire by keyboard alone."""

from __future__ import annotations

import re
import subprocess
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
    context = browser.new_context(accept_downloads=True, **VIEWPORTS[request.param])
    page = context.new_page()
    yield request.param, page
    context.close()


def assert_fits_width(page: Page) -> None:
    """Nothing forces sideways scrolling of the whole page (tables may scroll inside their own box)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


def test_a_person_goes_from_the_start_page_to_the_pdf_summary(
    server: str, sized_page: tuple[str, Page], artifacts: Path
) -> None:
    size, page = sized_page
    page.goto(server + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mesotherapy or PRP?")
    assert_fits_width(page)
    page.screenshot(path=artifacts / f"person-{size}-1-start.png", full_page=True)
    page.get_by_role("link", name="Compare the options").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The options side by side")
    assert_fits_width(page)
    page.screenshot(path=artifacts / f"person-{size}-2-compare.png", full_page=True)
    page.get_by_role("link", name="Next: what matters to you").click()

    expect(page.get_by_text("Step 1 of 6")).to_be_visible()
    page.get_by_label("Yes, a blood sample is fine").check()
    page.locator("#f-pref-max_downtime_days").fill("2")
    page.get_by_label("No preference yet").check()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("Step 2 of 6")).to_be_visible()
    page.get_by_role("button", name="Next").click()  # age left empty: the message appears beside it
    expect(page.locator("#f-patient-age-error")).to_have_text(re.compile("Please fill this in"))
    page.get_by_label("How old are you?").fill("30")
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("Step 3 of 6")).to_be_visible()
    page.locator("#f-concerns-dehydration").check()
    page.locator("#f-concerns-fine_lines").check()
    page.locator("#f-severity-fine_lines").select_option("mild")
    assert_fits_width(page)
    page.screenshot(path=artifacts / f"person-{size}-3-concerns.png", full_page=True)
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("Step 4 of 6")).to_be_visible()
    page.locator("#f-history-pregnant-no").check()
    page.locator("#f-history-breastfeeding-no").check()
    page.locator("#f-history-conditions-none").check()
    page.get_by_role("button", name="Next").click()
    page.locator("#f-history-medications-none").check()
    page.locator("#f-history-allergies-none").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Step 6 of 6")).to_be_visible()
    page.get_by_role("button", name="See my result").click()

    expect(page.locator("#decision")).to_have_text("Mesotherapy fits you better now")
    page.locator("#check-prp_blood-true").check()
    page.locator("#check-meso_own_body-true").check()
    for key in ("sure", "understand", "risk"):
        page.locator(f"#sure-{key}-true").check()
    page.locator("#sure-encourage-false").check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("#sure-result")).to_contain_text('You answered "yes" to 3 of 4.')
    expect(page.get_by_text("Not quite. The statement is false.")).to_be_visible()
    assert_fits_width(page)
    page.screenshot(path=artifacts / f"person-{size}-4-result.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the summary (PDF)").click()
    pdf = artifacts / f"person-{size}-summary.pdf"
    download_info.value.save_as(pdf)
    prefix = artifacts / f"person-{size}-summary-page"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(prefix)], check=True)
    pngs = sorted(artifacts.glob(f"person-{size}-summary-page*.png"))
    assert pngs and all(p.stat().st_size > 5_000 for p in pngs)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for phrase in (
        "Mesotherapy fits you better now",
        "My answers",
        "The options compared",
        "Sources",
        "Knowledge version",
    ):
        assert phrase in flat


def test_a_clinician_overrides_a_recommendation_and_finds_it_in_the_history(
    server: str, sized_page: tuple[str, Page], artifacts: Path
) -> None:
    size, page = sized_page
    reference = f"B-{uuid.uuid4().hex[:6]}"
    page.goto(server + "/clinic/patients")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinician login")
    page.get_by_label("Username").fill(CLINICIAN_LOGIN[0])
    page.get_by_label("Password").fill(CLINICIAN_LOGIN[1])
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    page.get_by_label("Clinic reference").fill(reference)
    page.get_by_label("Full name").fill(f"Browser Patient {size}")
    page.get_by_label("Year of birth").fill("1990")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Browser Patient {size}")

    page.get_by_role("link", name="New consultation").click()
    page.locator("#f-patient-age").fill("30")
    page.locator("#f-concerns-dehydration").check()
    page.locator("#f-pref-blood_draw-ok").check()
    page.locator("#f-history-pregnant-no").check()
    page.get_by_role("button", name="Get the recommendation").click()
    expect(page.locator("#decision")).to_be_visible()

    page.get_by_label("Override", exact=True).check()
    page.get_by_label("If you override: your decision").select_option("refer")
    page.get_by_role("button", name="Save the consultation").click()
    expect(page.locator(".error-summary")).to_contain_text("is required when you override")
    page.get_by_label("If you override: the reason").fill("Wants to think about it for a month")
    page.get_by_label("If you override: the reason").blur()
    page.screenshot(path=artifacts / f"clinician-{size}-1-decide.png", full_page=True)
    page.get_by_role("button", name="Save the consultation").click()

    expect(page.get_by_text("Overridden: refer")).to_be_visible()
    page.get_by_role("link", name=f"Browser Patient {size}").click()
    history = page.locator("#history")
    expect(history).to_contain_text("Overridden")
    expect(history).to_contain_text("Wants to think about it for a month")
    assert_fits_width(page)
    page.screenshot(path=artifacts / f"clinician-{size}-2-history.png", full_page=True)

    page.goto(server + "/clinic/patients?q=" + reference)
    expect(page.get_by_role("link", name=f"Browser Patient {size}")).to_be_visible()


def _tab_to(page: Page, selector: str, limit: int = 250) -> None:
    """Press Tab until the focused element matches `selector`; fail if it is never reached."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def _focus_is_visible(page: Page) -> bool:
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    return (style[0] != "none" and style[1] != "0px") or style[2] != "none"


def _choose_radio(page: Page, name: str, value: str) -> None:
    _tab_to(page, f'input[name="{name}"]')
    for _ in range(12):
        if page.evaluate("() => document.activeElement.value") == value:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio {name}={value}")


def test_the_questionnaire_can_be_completed_by_keyboard_alone(server: str, page: Page, artifacts: Path) -> None:
    page.goto(server + "/questions")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    assert _focus_is_visible(page)
    _choose_radio(page, "pref.blood_draw", "ok")
    assert _focus_is_visible(page)
    _tab_to(page, "#f-pref-max_downtime_days")
    page.keyboard.type("3")
    _tab_to(page, 'button[value="next"]')
    page.screenshot(path=artifacts / "keyboard-1-values.png")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Step 2 of 6")).to_be_visible()
    _tab_to(page, "#f-patient-age")
    page.keyboard.type("41")
    _choose_radio(page, "patient.sex", "male")
    _tab_to(page, 'button[value="next"]')
    page.keyboard.press("Enter")

    expect(page.get_by_text("Step 3 of 6")).to_be_visible()
    _tab_to(page, "#f-concerns-dullness")
    page.keyboard.press("Space")
    _tab_to(page, 'button[value="next"]')
    page.keyboard.press("Enter")

    for number in (4, 5, 6):
        expect(page.get_by_text(f"Step {number} of 6")).to_be_visible()
        _tab_to(page, 'button[value="next"]')
        assert _focus_is_visible(page)
        page.keyboard.press("Enter")

    expect(page.locator("#decision")).to_be_visible()
    page.screenshot(path=artifacts / "keyboard-2-result.png", full_page=True)


@pytest.mark.parametrize("mobile", [True, False], ids=["phone", "narrow-window"])
@pytest.mark.parametrize("path", ["/", "/compare", "/questions", "/docs", "/clinic/login"])
def test_every_public_page_fits_360_px(server: str, browser: Browser, path: str, mobile: bool) -> None:
    """On a phone, and in a desktop window made as narrow (which lays out long words differently)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=mobile, has_touch=mobile)
    try:
        page = context.new_page()
        page.goto(server + path)
        assert_fits_width(page)
    finally:
        context.close()
