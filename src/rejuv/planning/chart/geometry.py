"""Plane geometry in millimetres, in plain Python: containment, distances and scanlines.

Only what the chart needs. Containment and scanlines share one crossing rule (an edge counts when the
horizontal line at y crosses it with y1 <= y < y2), so a point the scanline calls inside is inside for
`contains` too; the property tests rely on that agreement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Polygon = tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def grown(self, margin: float) -> Box:
        return Box(self.left - margin, self.top - margin, self.right + margin, self.bottom + margin)

    def holds(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


def bounds(points: Sequence[Point]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


def _crossings(polygon: Polygon, y: float) -> list[float]:
    """x of every edge crossing of the horizontal line at y, under the half-open rule."""
    xs: list[float] = []
    count = len(polygon)
    for i in range(count):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % count]
        if (y1 <= y < y2) or (y2 <= y < y1):
            xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    return xs


def contains(polygon: Polygon, point: Point) -> bool:
    """Even-odd rule: inside when an odd number of crossings lie to the right of the point."""
    x, y = point
    return sum(1 for cx in _crossings(polygon, y) if cx > x) % 2 == 1


def scanline(polygon: Polygon, y: float) -> list[tuple[float, float]]:
    """The open x intervals of the horizontal line at y that lie inside the polygon."""
    xs = sorted(_crossings(polygon, y))
    return [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]


def distance_to_segment(point: Point, start: Point, end: Point) -> float:
    px, py = point
    ax, ay = start
    bx, by = end
    dx, dy = bx - ax, by - ay
    length_sq = dx * dx + dy * dy
    if length_sq == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length_sq))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def distance_to_boundary(polygon: Polygon, point: Point) -> float:
    count = len(polygon)
    return min(distance_to_segment(point, polygon[i], polygon[(i + 1) % count]) for i in range(count))


def distance_to_path(path: Sequence[Point], point: Point) -> float:
    return min(distance_to_segment(point, path[i], path[i + 1]) for i in range(len(path) - 1))


def ellipse_polygon(centre: Point, radii: Point, vertices: int = 64) -> Polygon:
    """An ellipse as a polygon; 64 vertices keep the error under 0.2 % of the radius."""
    cx, cy = centre
    rx, ry = radii
    return tuple(
        (cx + rx * math.cos(2 * math.pi * k / vertices), cy + ry * math.sin(2 * math.pi * k / vertices))
        for k in range(vertices)
    )


def area(polygon: Polygon) -> float:
    """Shoelace formula, absolute value (mm²)."""
    total = 0.0
    count = len(polygon)
    for i in range(count):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % count]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def centroid(polygon: Polygon) -> Point:
    """Area centroid, where a zone's label goes."""
    signed = 0.0
    cx = cy = 0.0
    count = len(polygon)
    for i in range(count):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % count]
        cross = x1 * y2 - x2 * y1
        signed += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if signed == 0:
        return (sum(p[0] for p in polygon) / count, sum(p[1] for p in polygon) / count)
    return (cx / (3 * signed), cy / (3 * signed))
