"""The SVG and PNG drawings show every point, numbered, with the zones and labelled danger zones."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from PIL import Image

from rejuv.planning.chart.drawing import style_for
from rejuv.planning.chart.face_chart import ChartRequest, FaceChart, plan_chart
from rejuv.planning.chart.png import BASE_PIXELS_PER_MM, MIN_NUMBER_PX, _font, pixels_per_mm_for, render_png
from rejuv.planning.chart.svg import render_svg
from rejuv.planning.data import PlanningData

SVG = "{http://www.w3.org/2000/svg}"


def cheek_and_forehead(planning: PlanningData) -> FaceChart:
    request = ChartRequest(zones=["cheek", "forehead", "nasolabial"], technique="papule")
    return plan_chart(request, planning.template, planning.techniques)


def test_the_svg_is_well_formed_with_one_numbered_marker_per_point(planning: PlanningData) -> None:
    chart = cheek_and_forehead(planning)
    root = ET.fromstring(render_svg(chart))
    markers = root.findall(f".//{SVG}g[@data-point]")
    assert [int(m.attrib["data-point"]) for m in markers] == [p.number for p in chart.points]
    assert [m.find(f"{SVG}text").text for m in markers] == [str(p.number) for p in chart.points]  # type: ignore[union-attr]
    for marker, point in zip(markers, chart.points, strict=True):
        circle = marker.find(f"{SVG}circle")
        assert circle is not None
        assert float(circle.attrib["cx"]) == round(point.x_mm, 2)


def test_the_svg_draws_the_chosen_zones_and_shades_and_labels_every_danger_zone(planning: PlanningData) -> None:
    chart = cheek_and_forehead(planning)
    root = ET.fromstring(render_svg(chart))
    zones = {
        (e.attrib["data-zone"], e.attrib["data-side"]) for e in root.iter(f"{SVG}polygon") if "data-zone" in e.attrib
    }
    assert zones == {(a.zone, a.side) for a in chart.zones}
    shaded = {e.attrib["data-exclusion"] for e in root.iter(f"{SVG}g") if "data-exclusion" in e.attrib}
    assert shaded == {r.id for r in chart.exclusions}
    labels = {e.attrib["data-label"] for e in root.iter(f"{SVG}text") if "data-label" in e.attrib}
    assert labels == {r.id for r in chart.exclusions if r.exclusion.kind == "danger"}


def test_the_png_is_a_picture_of_the_chart_window(planning: PlanningData) -> None:
    chart = cheek_and_forehead(planning)
    data = render_png(chart, pixels_per_mm=3)
    image = Image.open(io.BytesIO(data))
    window = style_for(chart).window
    assert image.format == "PNG"
    assert image.size == (round((window.right - window.left) * 3), round((window.bottom - window.top) * 3))
    # Every point marker is drawn dark on the light background.
    for point in chart.points:
        x = round((point.x_mm - window.left) * 3)
        y = round((point.y_mm - window.top) * 3)
        assert sum(image.convert("RGB").getpixel((x, y))[:3]) < 200  # type: ignore[index]


def test_a_dense_png_gets_enough_pixels_for_its_numbers_to_be_read_without_overlapping(
    planning: PlanningData,
) -> None:
    """A bitmap cannot be zoomed into like the SVG: at 3 mm nappage spacing the numbers must still be at least
    10 px high and the widest of them narrower than the gap to the next point."""
    request = ChartRequest(zones=["cheek", "forehead"], technique="nappage", spacing_mm=3)
    dense = plan_chart(request, planning.template, planning.techniques)
    scale = pixels_per_mm_for(dense)
    style = style_for(dense)
    assert style.number_size_mm * scale >= MIN_NUMBER_PX
    widest = _font(style.number_size_mm * scale).getlength(str(len(dense.points)))
    assert widest < dense.spacing_mm * scale
    image = Image.open(io.BytesIO(render_png(dense)))
    assert image.size[0] == round((style.window.right - style.window.left) * scale)
    # The usual 10 mm chart keeps its modest size.
    assert pixels_per_mm_for(cheek_and_forehead(planning)) == BASE_PIXELS_PER_MM
