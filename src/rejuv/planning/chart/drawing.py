"""What the SVG and PNG renderers share: the visible window, colours, sizes and label positions.

Both drawings must show the same thing, so the decisions live here once: the window is the head plus
whatever zones were chosen (the neck and chest only when charted), danger zones are red with their buffer
shown as a translucent band, waived danger zones are orange, and marker and number sizes follow the spacing
so a 3 mm nappage chart stays legible.
"""

from __future__ import annotations

from dataclasses import dataclass

from rejuv.planning.chart.face_chart import FaceChart
from rejuv.planning.chart.geometry import Box, Point, bounds, centroid
from rejuv.planning.chart.template import Region

MARGIN_MM = 14.0
HEADER_MM = 22.0
HEADER_LINE_MM = 4.6
ZONE_FILL = "#3b82f6"
ZONE_CONTEXT = "#cbd5e1"
OUTLINE = "#64748b"
ANATOMICAL_FILL = "#94a3b8"
DANGER_FILL = "#dc2626"
WAIVED_FILL = "#f97316"
POINT_FILL = "#111827"


@dataclass(frozen=True)
class Style:
    window: Box
    point_radius_mm: float
    number_size_mm: float
    label_size_mm: float


def style_for(chart: FaceChart) -> Style:
    box = bounds(chart.layout.outline)
    for zone in chart.zones:
        box = box.union(zone.box)
    window = Box(box.left - MARGIN_MM, box.top - MARGIN_MM - HEADER_MM, box.right + MARGIN_MM, box.bottom + MARGIN_MM)
    spacing = chart.spacing_mm
    return Style(
        window=window,
        point_radius_mm=min(0.9, spacing * 0.14),
        number_size_mm=min(2.6, max(0.8, spacing * 0.36)),
        label_size_mm=3.2,
    )


def region_anchor(region: Region) -> Point:
    """Where a region's label goes: its centre, or the middle vertex of a vessel's path."""
    if region.centre is not None:
        return region.centre
    if region.polygon is not None:
        return centroid(region.polygon)
    assert region.path is not None
    return region.path[len(region.path) // 2]


def region_fill(region: Region, waived: bool) -> str:
    if waived:
        return WAIVED_FILL
    return DANGER_FILL if region.exclusion.kind == "danger" else ANATOMICAL_FILL


def header_lines(chart: FaceChart) -> tuple[str, ...]:
    count = len(chart.points)
    return (
        f"{chart.technique.label}: {count} points, {chart.spacing_mm:g} mm apart",
        f"{chart.total_volume_ml:g} mL in all: {chart.volume_per_point_ml:g} mL a point, {chart.depth_mm:g} mm deep",
        f"Red: danger zones, {chart.buffer_mm:g} mm buffer. Grey: eyes, nostrils, lips.",
        "Patient's right on the left. A qualified professional places the real points.",
    )


def short_label(label: str) -> str:
    """ "Periorbital (crow's feet)" -> "Periorbital": the drawing has no room for the gloss."""
    return label.split(" (", 1)[0]
