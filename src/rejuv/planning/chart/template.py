"""Turn the reviewed face template into scaled polygons and exclusion regions, both sides drawn.

The YAML draws a paired zone once, on the patient's left; here it is mirrored so the right is exactly
symmetric. Scaling stretches the face to a measured width and height, but safety distances do not stretch:
a vessel's width and the safety buffer stay in absolute millimetres, and so does the small foramen circle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rejuv.planning.chart.geometry import (
    Box,
    Point,
    Polygon,
    bounds,
    contains,
    distance_to_boundary,
    distance_to_path,
    ellipse_polygon,
)
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.schema import CircleShape, EllipseShape, Exclusion, FaceTemplate, PathShape, PolygonShape

SCALE_LIMITS = (0.6, 1.5)
Segment = tuple[float, float, float, float, float, float, float, float, float]


def _segments(points: Polygon, closed: bool) -> tuple[Segment, ...]:
    """Each edge as start, direction, squared length and bounding box, precomputed for `Region.intrudes`."""
    count = len(points) if closed else len(points) - 1
    found: list[Segment] = []
    for i in range(count):
        (ax, ay), (bx, by) = points[i], points[(i + 1) % len(points)]
        dx, dy = bx - ax, by - ay
        found.append((ax, ay, dx, dy, dx * dx + dy * dy, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
    return tuple(found)  # a face 60 % to 150 % of the template: beyond that the template is the wrong one


@dataclass(frozen=True, slots=True)
class ZoneArea:
    zone: str
    side: str  # "left", "right" (the patient's) or "centre" for an unpaired zone
    label: str
    polygon: Polygon
    box: Box
    chartable: bool


@dataclass(frozen=True, slots=True)
class Region:
    """An exclusion on one side. `clearance` is the signed distance from its edge: negative inside."""

    exclusion: Exclusion
    side: str
    polygon: Polygon | None = None
    centre: Point | None = None
    radius_mm: float = 0.0
    path: Polygon | None = None
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))
    segments: tuple[Segment, ...] = ()

    @property
    def id(self) -> str:
        return self.exclusion.id

    def intrudes(self, point: Point, buffer_mm: float) -> bool:
        """Whether the point is inside the region or closer than `buffer_mm` to it: `clearance < buffer_mm`.

        The same answer as `clearance`, computed with early exits because the chart asks it thousands of times.
        """
        x, y = point
        if self.centre is not None:
            return math.hypot(x - self.centre[0], y - self.centre[1]) - self.radius_mm < buffer_mm
        if self.polygon is not None and contains(self.polygon, point):
            return True
        reach = buffer_mm + self.radius_mm
        for ax, ay, dx, dy, length_sq, left, top, right, bottom in self.segments:
            if x < left - reach or x > right + reach or y < top - reach or y > bottom + reach:
                continue
            t = 0.0 if length_sq == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length_sq))
            if math.hypot(x - (ax + t * dx), y - (ay + t * dy)) < reach:
                return True
        return False

    def clearance(self, point: Point) -> float:
        if self.polygon is not None:
            distance = distance_to_boundary(self.polygon, point)
            return -distance if contains(self.polygon, point) else distance
        if self.path is not None:
            return distance_to_path(self.path, point) - self.radius_mm
        assert self.centre is not None
        return math.hypot(point[0] - self.centre[0], point[1] - self.centre[1]) - self.radius_mm


@dataclass(frozen=True)
class FaceLayout:
    template: FaceTemplate
    scale_x: float
    scale_y: float
    outline: Polygon
    zones: tuple[ZoneArea, ...]
    exclusions: tuple[Region, ...]

    def zone_areas(self, zone_id: str) -> tuple[ZoneArea, ...]:
        return tuple(z for z in self.zones if z.zone == zone_id)


def _scaled(points: Sequence[tuple[float, float]], sx: float, sy: float, mirror: bool) -> Polygon:
    scaled = tuple(((-x if mirror else x) * sx, y * sy) for x, y in points)
    return tuple(reversed(scaled)) if mirror else scaled


def _sides(paired: bool) -> tuple[tuple[str, bool], ...]:
    return (("right", True), ("left", False)) if paired else (("centre", False),)


def _region(exclusion: Exclusion, side: str, mirror: bool, sx: float, sy: float) -> Region:
    shape = exclusion.shape
    sign = -1.0 if mirror else 1.0
    if isinstance(shape, PolygonShape):
        polygon = _scaled(shape.points_mm, sx, sy, mirror)
        return Region(exclusion, side, polygon=polygon, box=bounds(polygon), segments=_segments(polygon, True))
    if isinstance(shape, EllipseShape):
        centre = (sign * shape.centre_mm[0] * sx, shape.centre_mm[1] * sy)
        polygon = ellipse_polygon(centre, (shape.radii_mm[0] * sx, shape.radii_mm[1] * sy))
        return Region(exclusion, side, polygon=polygon, box=bounds(polygon), segments=_segments(polygon, True))
    if isinstance(shape, CircleShape):
        centre = (sign * shape.centre_mm[0] * sx, shape.centre_mm[1] * sy)
        r = shape.radius_mm
        return Region(
            exclusion,
            side,
            centre=centre,
            radius_mm=r,
            box=Box(centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r),
        )
    assert isinstance(shape, PathShape)
    path = tuple((sign * x * sx, y * sy) for x, y in shape.points_mm)
    return Region(
        exclusion,
        side,
        path=path,
        radius_mm=shape.half_width_mm,
        box=bounds(path).grown(shape.half_width_mm),
        segments=_segments(path, False),
    )


def build_layout(
    template: FaceTemplate, *, face_width_mm: float | None = None, face_height_mm: float | None = None
) -> FaceLayout:
    """Scale the template to a face (the template's own size by default) and draw both sides."""
    reference_width = template.width_mm.typical or 1.0
    reference_height = template.height_mm.typical or 1.0
    sx = 1.0 if face_width_mm is None else face_width_mm / reference_width
    sy = 1.0 if face_height_mm is None else face_height_mm / reference_height
    for option, factor, reference in (("face_width_mm", sx, reference_width), ("face_height_mm", sy, reference_height)):
        low, high = SCALE_LIMITS
        if not math.isfinite(factor) or not low <= factor <= high:
            raise PlanningInputError(
                option, f"must be between {low * reference:g} and {high * reference:g} mm for this template"
            )

    zones = tuple(
        ZoneArea(zone.id, side, zone.label, polygon, bounds(polygon), zone.chartable)
        for zone in template.zones
        for side, mirror in _sides(zone.paired)
        for polygon in (_scaled(zone.polygon_mm, sx, sy, mirror),)
    )
    exclusions = tuple(
        _region(exclusion, side, mirror, sx, sy)
        for exclusion in template.exclusions
        for side, mirror in _sides(exclusion.paired)
    )
    half = template.outline_mm
    outline = _scaled(half, sx, sy, False) + _scaled(half, sx, sy, True)
    return FaceLayout(template, sx, sy, outline, zones, exclusions)
