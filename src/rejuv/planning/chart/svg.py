"""Render a face chart as a standalone SVG document in millimetre units.

Built as text with escaped labels rather than with a drawing library, so the core stays dependency-free and
the output is stable enough to diff. Each point is a circle with its number; each zone, exclusion and point
carries a `data-` attribute so a page or a test can find it without parsing the geometry.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from rejuv.planning.chart.drawing import (
    HEADER_LINE_MM,
    OUTLINE,
    POINT_FILL,
    ZONE_CONTEXT,
    ZONE_FILL,
    header_lines,
    region_anchor,
    region_fill,
    short_label,
    style_for,
)
from rejuv.planning.chart.face_chart import FaceChart
from rejuv.planning.chart.geometry import Point, centroid
from rejuv.planning.chart.template import Region


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _points(points: Iterable[Point]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)


def _region(region: Region, buffer_mm: float, waived: bool) -> list[str]:
    fill = region_fill(region, waived)
    attrs = f"data-exclusion={quoteattr(region.id)} data-side={quoteattr(region.side)}"
    title = f"<title>{escape(region.exclusion.label)}: {escape(region.exclusion.explanation.text)}</title>"
    if region.centre is not None:
        cx, cy = region.centre
        return [
            f'<g {attrs}>{title}<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(region.radius_mm + buffer_mm)}" '
            f'fill="{fill}" fill-opacity="0.15"/>'
            f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(region.radius_mm)}" '
            f'fill="{fill}" fill-opacity="0.55"/></g>'
        ]
    if region.path is not None:
        core = 2 * region.radius_mm
        path = _points(region.path)
        return [
            f'<g {attrs} fill="none" stroke="{fill}" stroke-linecap="round" stroke-linejoin="round">{title}'
            f'<polyline points="{path}" stroke-opacity="0.15" stroke-width="{_fmt(core + 2 * buffer_mm)}"/>'
            f'<polyline points="{path}" stroke-opacity="0.6" stroke-width="{_fmt(max(core, 0.4))}"/></g>'
        ]
    assert region.polygon is not None
    return [
        f'<g {attrs}>{title}<polygon points="{_points(region.polygon)}" fill="{fill}" fill-opacity="0.35" '
        f'stroke="{fill}" stroke-opacity="0.15" stroke-width="{_fmt(2 * buffer_mm)}" stroke-linejoin="round"/></g>'
    ]


def render_svg(chart: FaceChart) -> str:
    """The chart as an SVG string: outline, zones, shaded and labelled exclusions, numbered points."""
    style = style_for(chart)
    window = style.window
    width, height = window.right - window.left, window.bottom - window.top
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{_fmt(width)}mm" height="{_fmt(height)}mm" '
        f'viewBox="{_fmt(window.left)} {_fmt(window.top)} {_fmt(width)} {_fmt(height)}" '
        'font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title>Face chart: {escape(chart.technique.label)}</title>",
        f'<rect x="{_fmt(window.left)}" y="{_fmt(window.top)}" width="{_fmt(width)}" height="{_fmt(height)}" '
        'fill="#fff"/>',
    ]
    for row, line in enumerate(header_lines(chart)):
        out.append(
            f'<text x="{_fmt(window.left + 4)}" y="{_fmt(window.top + 6 + row * HEADER_LINE_MM)}" '
            f'font-size="{3.4 if row == 0 else 2.8}" fill="{"#111" if row == 0 else "#444"}">{escape(line)}</text>'
        )
    out.append(f'<polygon points="{_points(chart.layout.outline)}" fill="none" stroke="{OUTLINE}" stroke-width="0.6"/>')
    charted = {(z.zone, z.side) for z in chart.zones}
    for zone in chart.layout.zones:
        if (zone.zone, zone.side) in charted or not zone.chartable:
            continue
        out.append(
            f'<polygon points="{_points(zone.polygon)}" fill="none" stroke="{ZONE_CONTEXT}" stroke-width="0.3"/>'
        )
    for zone in chart.zones:
        out.append(
            f"<polygon data-zone={quoteattr(zone.zone)} data-side={quoteattr(zone.side)} "
            f'points="{_points(zone.polygon)}" fill="{ZONE_FILL}" fill-opacity="0.12" stroke="{ZONE_FILL}" '
            'stroke-width="0.4"/>'
        )
    for region in chart.exclusions:
        out.extend(_region(region, chart.buffer_mm, waived=False))
    for region in chart.waived:
        out.extend(_region(region, chart.buffer_mm, waived=True))
    for zone in chart.zones:
        x, y = centroid(zone.polygon)
        out.append(
            f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="{_fmt(style.label_size_mm)}" fill="{ZONE_FILL}" '
            f'text-anchor="middle" opacity="0.8">{escape(short_label(zone.label))}</text>'
        )
    labelled: set[str] = set()
    for region, waived in [(r, False) for r in chart.exclusions] + [(r, True) for r in chart.waived]:
        if region.exclusion.kind != "danger" or region.id in labelled:
            continue
        labelled.add(region.id)
        x, y = region_anchor(region)
        suffix = " (waived)" if waived else ""
        out.append(
            f'<text data-label={quoteattr(region.id)} x="{_fmt(x)}" y="{_fmt(y)}" font-size="2.4" '
            f'fill="{region_fill(region, waived)}" text-anchor="middle">'
            f"{escape(region.exclusion.label + suffix)}</text>"
        )
    size = style.number_size_mm
    offset = style.point_radius_mm * 1.1
    for point in chart.points:
        out.append(
            f'<g data-point="{point.number}" data-zone={quoteattr(point.zone)}>'
            f'<circle cx="{_fmt(point.x_mm)}" cy="{_fmt(point.y_mm)}" r="{_fmt(style.point_radius_mm)}" '
            f'fill="{POINT_FILL}"/>'
            f'<text x="{_fmt(point.x_mm + offset)}" y="{_fmt(point.y_mm - offset)}" '
            f'font-size="{_fmt(size)}" fill="{POINT_FILL}">{point.number}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
