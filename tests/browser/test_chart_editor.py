"""The face chart editor in Chromium: a clinician adds a point, drags it, removes another, and finds the edits
kept after a reload."""

from __future__ import annotations

import uuid
from pathlib import Path

from browser_support import CLINICIAN_LOGIN
from playwright.sync_api import Page, expect

CHART = "#chart-figure svg"
POINTS = "#chart-figure svg g[data-point]"


def _log_in_and_consult(page: Page, server: str) -> None:
    page.goto(server + "/clinic/patients")
    page.get_by_label("Username").fill(CLINICIAN_LOGIN[0])
    page.get_by_label("Password").fill(CLINICIAN_LOGIN[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    page.get_by_label("Clinic reference").fill(f"C-{uuid.uuid4().hex[:6]}")
    page.get_by_label("Full name").fill("Chart Patient")
    page.get_by_role("button", name="Add patient").click()
    page.get_by_role("link", name="New consultation").click()
    page.locator("#f-patient-age").fill("35")
    page.locator("#f-concerns-dehydration").check()
    page.locator("#f-pref-blood_draw-ok").check()
    page.locator("#f-history-pregnant-no").check()
    page.get_by_role("button", name="Get the recommendation").click()
    page.get_by_role("button", name="Save the consultation").click()
    expect(page.get_by_role("link", name="Plan", exact=True)).to_be_visible()


def _screen(page: Page, x_mm: float, y_mm: float) -> tuple[float, float]:
    """Viewport pixels of a chart position in mm (the SVG's viewBox is in mm)."""
    found = page.evaluate(
        """([x, y]) => { const svg = document.querySelector('#chart-figure svg');
            const p = svg.createSVGPoint(); p.x = x; p.y = y;
            const s = p.matrixTransform(svg.getScreenCTM()); return [s.x, s.y]; }""",
        [x_mm, y_mm],
    )
    return float(found[0]), float(found[1])


def _point_mm(page: Page, number: int) -> tuple[float, float]:
    circle = page.locator(f'{POINTS}[data-point="{number}"] circle')
    return float(circle.get_attribute("cx") or "nan"), float(circle.get_attribute("cy") or "nan")


def test_a_clinician_edits_the_face_chart_and_the_edits_are_kept(server: str, page: Page, artifacts: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 1000})
    _log_in_and_consult(page, server)
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_label("First session").fill("2027-03-01")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(CHART)).to_be_visible()
    expect(page.locator(CHART)).to_have_attribute("data-enhanced", "true")
    before = page.locator(POINTS).count()
    assert before > 10
    first_point = _point_mm(page, 1)
    page.screenshot(path=artifacts / "chart-1-planned.png", full_page=True)

    # Add: a click on the forehead fills the form (the script), the clinician checks it and adds the point.
    page.locator(CHART).scroll_into_view_if_needed()
    page.mouse.click(*_screen(page, 5, 20))
    add = page.locator("#chart-add")
    assert abs(float(add.get_by_label("x (mm)").input_value()) - 5) < 1.5
    assert abs(float(add.get_by_label("y (mm)").input_value()) - 20) < 1.5
    add.get_by_label("Zone").select_option("forehead")
    add.get_by_label("x (mm)").fill("5")
    add.get_by_label("y (mm)").fill("20")
    add.get_by_role("button", name="Add the point").click()
    expect(page.locator(POINTS)).to_have_count(before + 1)
    assert _point_mm(page, before + 1) == (5.0, 20.0)

    # Move: drag the new point to another spot in the forehead; the script submits the move form.
    page.locator(CHART).scroll_into_view_if_needed()
    start = _screen(page, 5, 20)
    end = _screen(page, 10, 25)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
    page.mouse.move(*end, steps=4)
    with page.expect_navigation():
        page.mouse.up()
    expect(page.locator(POINTS)).to_have_count(before + 1)
    moved = _point_mm(page, before + 1)
    assert abs(moved[0] - 10) < 1 and abs(moved[1] - 25) < 1, moved
    page.screenshot(path=artifacts / "chart-2-moved.png", full_page=True)

    # A point inside a danger zone's buffer is refused with the reason beside the field.
    add = page.locator("#chart-add")
    add.get_by_label("Zone").select_option("forehead")
    add.get_by_label("x (mm)").fill("-36")
    add.get_by_label("y (mm)").fill("40")
    add.get_by_role("button", name="Add the point").click()
    expect(page.locator("#add-x_mm-error")).to_contain_text("supraorbital")
    expect(page.locator(POINTS)).to_have_count(before + 1)

    # Remove another point, with the plain form.
    remove = page.locator("#chart-remove")
    remove.get_by_label("Point number").fill("1")
    remove.get_by_role("button", name="Remove the point").click()
    expect(page.locator(POINTS)).to_have_count(before)

    page.reload()
    expect(page.locator(POINTS)).to_have_count(before)
    assert _point_mm(page, 1) != first_point
    kept = _point_mm(page, before)  # the moved point, renumbered after the removal
    assert abs(kept[0] - 10) < 1 and abs(kept[1] - 25) < 1, kept
    page.screenshot(path=artifacts / "chart-3-kept-after-reload.png", full_page=True)
