"""Editing a stored face chart: add, move or remove a point, each checked against the face template.

A point the clinician places must be inside one of the chart's zones and clear of every exclusion in force by
the chart's safety buffer, the same test the automatic placement passes; otherwise the edit is refused with
the reason, naming the form field (`x_mm`, `zone`, `number`) so the page can show it beside that field.
Spacing between points is not enforced for hand-placed points: the clinician may want a denser row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from rejuv.domain.errors import FieldError
from rejuv.planning.chart.face_chart import FaceChart, placed_by_hand, with_edited_points
from rejuv.planning.chart.geometry import contains
from rejuv.planning.chart.template import ZoneArea
from rejuv.services.errors import Invalid
from rejuv.services.plan_records import ChartSpot

COORDINATE_LIMIT_MM = 500.0
MAX_POINTS = 2000


@dataclass(frozen=True)
class ChartEdit:
    action: Literal["add", "move", "remove"]
    number: int | None = None  # the point to move or remove (1-based, as drawn)
    zone: str | None = None  # for add: the zone the point must fall in
    x_mm: float | None = None
    y_mm: float | None = None


def with_points(chart: FaceChart, spots: tuple[ChartSpot, ...]) -> FaceChart:
    """The drawn chart with the kept points instead of the automatic ones, numbered in the order kept."""
    points = tuple(placed_by_hand(chart, n, s.zone, s.side, s.x_mm, s.y_mm) for n, s in enumerate(spots, start=1))
    return with_edited_points(chart, points)


def spots_of(chart: FaceChart) -> tuple[ChartSpot, ...]:
    return tuple(ChartSpot(p.zone, p.side, round(p.x_mm, 2), round(p.y_mm, 2)) for p in chart.points)


def apply_edit(chart: FaceChart, spots: tuple[ChartSpot, ...], edit: ChartEdit) -> tuple[ChartSpot, ...]:
    """The spots after the edit; Invalid naming the field when the edit would break the template's rules."""
    if edit.action == "remove":
        index = _index(spots, edit.number)
        return spots[:index] + spots[index + 1 :]
    x, y = _coordinates(edit)
    if edit.action == "move":
        index = _index(spots, edit.number)
        area = _place(chart, x, y, None)  # a moved point may cross into a neighbouring charted zone
        return (*spots[:index], ChartSpot(area.zone, area.side, x, y), *spots[index + 1 :])
    if len(spots) >= MAX_POINTS:
        raise Invalid([FieldError("number", f"a chart holds at most {MAX_POINTS} points")])
    charted = {z.zone for z in chart.zones}
    if edit.zone not in charted:
        raise Invalid([FieldError("zone", f"choose one of the charted zones: {', '.join(sorted(charted))}")])
    area = _place(chart, x, y, edit.zone)
    return (*spots, ChartSpot(area.zone, area.side, x, y))


def _index(spots: tuple[ChartSpot, ...], number: int | None) -> int:
    if number is None or not 1 <= number <= len(spots):
        raise Invalid([FieldError("number", f"choose a point numbered 1 to {len(spots)}" if spots else "no points")])
    return number - 1


def _coordinates(edit: ChartEdit) -> tuple[float, float]:
    errors = [
        FieldError(name, f"must be a number of mm between {-COORDINATE_LIMIT_MM:g} and {COORDINATE_LIMIT_MM:g}")
        for name, value in (("x_mm", edit.x_mm), ("y_mm", edit.y_mm))
        if value is None or not math.isfinite(value) or abs(value) > COORDINATE_LIMIT_MM
    ]
    if errors:
        raise Invalid(errors)
    assert edit.x_mm is not None and edit.y_mm is not None
    return round(edit.x_mm, 2), round(edit.y_mm, 2)


def _place(chart: FaceChart, x: float, y: float, zone: str | None) -> ZoneArea:
    """The zone area (of `zone`, or any charted one) holding the point, after checking every exclusion's buffer."""
    area = next(
        (a for a in chart.zones if zone in (None, a.zone) and contains(a.polygon, (x, y))),
        None,
    )
    if area is None:
        label = next((a.label.lower() + " zone" for a in chart.zones if a.zone == zone), "charted zones")
        raise Invalid([FieldError("x_mm", f"({x:g}, {y:g}) mm is outside the {label}")])
    for region in chart.exclusions:
        if region.intrudes((x, y), chart.buffer_mm):
            raise Invalid(
                [
                    FieldError(
                        "x_mm",
                        f"({x:g}, {y:g}) mm is within {chart.buffer_mm:g} mm of the "
                        f"{region.exclusion.label.lower()}: {region.exclusion.explanation.text}",
                    )
                ]
            )
    return area
