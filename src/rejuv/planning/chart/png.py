"""Render a face chart as a PNG with Pillow, drawing the same scene as the SVG.

Pillow draws the chart directly instead of rasterising the SVG, because no SVG rasteriser is installed
and the scene is simple. Translucent fills are composited on a separate layer so overlaps stay readable.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw, ImageFont

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

FONT_FILE = "DejaVuSans.ttf"


def _font(size_px: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT_FILE, max(6, round(size_px)))
    except OSError:
        return ImageFont.load_default(size=max(6, round(size_px)))


def _rgba(colour: str, alpha: float) -> tuple[int, int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return (value >> 16 & 255, value >> 8 & 255, value & 255, round(alpha * 255))


BASE_PIXELS_PER_MM = 4.0  # about 100 dpi: enough for the usual 8-10 mm papule charts
MIN_NUMBER_PX = 10.0  # the smallest point number a person can read on screen or on paper


def pixels_per_mm_for(chart: FaceChart) -> float:
    """A resolution at which the point numbers are still legible: dense charts (3 mm nappage) get more pixels
    rather than numbers too small to read, since a bitmap, unlike the SVG, cannot be zoomed into."""
    return max(BASE_PIXELS_PER_MM, MIN_NUMBER_PX / style_for(chart).number_size_mm)


def render_png(chart: FaceChart, pixels_per_mm: float | None = None) -> bytes:
    """The chart as PNG bytes at `pixels_per_mm` (None: `pixels_per_mm_for(chart)`)."""
    style = style_for(chart)
    window = style.window
    scale = pixels_per_mm if pixels_per_mm is not None else pixels_per_mm_for(chart)

    def px(point: Point) -> tuple[float, float]:
        return ((point[0] - window.left) * scale, (point[1] - window.top) * scale)

    def poly(points: Sequence[Point]) -> list[tuple[float, float]]:
        return [px(p) for p in points]

    size = (round((window.right - window.left) * scale), round((window.bottom - window.top) * scale))
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    shade = ImageDraw.Draw(layer)
    charted = {(z.zone, z.side) for z in chart.zones}
    for zone in chart.layout.zones:
        if (zone.zone, zone.side) not in charted and zone.chartable:
            shade.polygon(poly(zone.polygon), outline=_rgba(ZONE_CONTEXT, 1.0))
    for zone in chart.zones:
        shade.polygon(poly(zone.polygon), fill=_rgba(ZONE_FILL, 0.12), outline=_rgba(ZONE_FILL, 0.9))
    buffer_px = chart.buffer_mm * scale
    for region, waived in [(r, False) for r in chart.exclusions] + [(r, True) for r in chart.waived]:
        _shade_region(shade, region, region_fill(region, waived), buffer_px, scale, px)
    image = Image.alpha_composite(image, layer)

    draw = ImageDraw.Draw(image)
    draw.polygon(poly(chart.layout.outline), outline=_rgba(OUTLINE, 1.0), width=max(1, round(0.5 * scale)))
    label_font = _font(style.label_size_mm * scale)
    for zone in chart.zones:
        draw.text(
            px(centroid(zone.polygon)),
            short_label(zone.label),
            fill=_rgba(ZONE_FILL, 1.0),
            font=label_font,
            anchor="mm",
        )
    danger_font = _font(2.4 * scale)
    labelled: set[str] = set()
    for region, waived in [(r, False) for r in chart.exclusions] + [(r, True) for r in chart.waived]:
        if region.exclusion.kind != "danger" or region.id in labelled:
            continue
        labelled.add(region.id)
        text = region.exclusion.label + (" (waived)" if waived else "")
        colour = _rgba(region_fill(region, waived), 1.0)
        draw.text(px(region_anchor(region)), text, fill=colour, font=danger_font, anchor="mm")

    radius = style.point_radius_mm * scale
    number_font = _font(style.number_size_mm * scale)
    for point in chart.points:
        x, y = px((point.x_mm, point.y_mm))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=_rgba(POINT_FILL, 1.0))
        draw.text(
            (x + radius * 1.1, y - radius * 1.1),
            str(point.number),
            fill=_rgba(POINT_FILL, 1.0),
            font=number_font,
            anchor="ls",
        )

    for row, line in enumerate(header_lines(chart)):
        font = _font((3.4 if row == 0 else 2.8) * scale)
        colour = (17, 17, 17, 255) if row == 0 else (68, 68, 68, 255)
        draw.text((4 * scale, (6 + row * HEADER_LINE_MM) * scale), line, fill=colour, font=font, anchor="ls")
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def _shade_region(
    shade: ImageDraw.ImageDraw,
    region: Region,
    colour: str,
    buffer_px: float,
    scale: float,
    to_px: Callable[[Point], tuple[float, float]],
) -> None:
    if region.centre is not None:
        cx, cy = to_px(region.centre)
        outer = region.radius_mm * scale + buffer_px
        inner = region.radius_mm * scale
        shade.ellipse((cx - outer, cy - outer, cx + outer, cy + outer), fill=_rgba(colour, 0.15))
        shade.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=_rgba(colour, 0.55))
        return
    if region.path is not None:
        points = [to_px(p) for p in region.path]
        core = max(1, round(2 * region.radius_mm * scale))
        shade.line(points, fill=_rgba(colour, 0.15), width=round(core + 2 * buffer_px), joint="curve")
        shade.line(points, fill=_rgba(colour, 0.6), width=core, joint="curve")
        return
    assert region.polygon is not None
    points = [to_px(p) for p in region.polygon]
    if buffer_px >= 1:
        shade.line([*points, points[0]], fill=_rgba(colour, 0.15), width=round(2 * buffer_px), joint="curve")
    shade.polygon(points, fill=_rgba(colour, 0.35))
