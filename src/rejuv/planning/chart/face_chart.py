"""A face chart for one session: the request, the checks, the numbered points and the totals.

Design choices a clinician should know (docs/planning.md explains them at length):
- The glabella is both an intake zone and the highest-risk danger zone. It is excluded by default; a
  clinician may waive it for superficial mesotherapy only, and then every point near it is charted at the
  technique's shallowest depth and carries the danger zone's warning.
- The lips (vermilion) are never charted: lip lines are charted in the perioral zone.
- The safety buffer is absolute millimetres, also when the face template is scaled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, get_args

from rejuv.domain.intake import ZoneId
from rejuv.planning.advice import PlanWarning, format_number, format_range, outside, warn
from rejuv.planning.chart.points import SIDE_ORDER, place_points
from rejuv.planning.chart.template import FaceLayout, Region, ZoneArea, build_layout
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.schema import FaceTemplate, Technique, ZoneOutline

ZONE_IDS: tuple[str, ...] = get_args(ZoneId)
SPACING_LIMITS_MM = (1.0, 50.0)
BUFFER_LIMIT_MM = 20.0


@dataclass(frozen=True)
class ChartRequest:
    zones: Sequence[str]
    technique: str
    spacing_mm: float | None = None  # None: the technique's typical spacing
    buffer_mm: float | None = None  # None: the template's default safety buffer
    waive: frozenset[str] = frozenset()  # exclusion ids the clinician waives (only waivable ones)
    depth_mm: float | None = None
    volume_per_point_ml: float | None = None
    available_volume_ml: float | None = None
    face_width_mm: float | None = None
    face_height_mm: float | None = None


@dataclass(frozen=True, slots=True)
class ChartPoint:
    number: int
    zone: str
    side: str
    x_mm: float
    y_mm: float
    depth_mm: float
    volume_ml: float
    technique: str
    cautions: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "zone": self.zone,
            "side": self.side,
            "x_mm": round(self.x_mm, 2),
            "y_mm": round(self.y_mm, 2),
            "depth_mm": self.depth_mm,
            "volume_ml": self.volume_ml,
            "technique": self.technique,
            "cautions": list(self.cautions),
        }


@dataclass(frozen=True)
class FaceChart:
    technique: Technique
    spacing_mm: float
    buffer_mm: float
    depth_mm: float
    volume_per_point_ml: float
    layout: FaceLayout
    zones: tuple[ZoneArea, ...]  # the areas charted
    exclusions: tuple[Region, ...]  # in force
    waived: tuple[Region, ...]
    points: tuple[ChartPoint, ...]
    available_volume_ml: float | None
    warnings: tuple[PlanWarning, ...]

    @property
    def total_volume_ml(self) -> float:
        return round(sum(p.volume_ml for p in self.points), 6)

    def zone_totals(self) -> list[dict[str, Any]]:
        by_zone: dict[tuple[str, str], list[ChartPoint]] = {}
        for point in self.points:
            by_zone.setdefault((point.zone, point.side), []).append(point)
        return [
            {
                "zone": zone,
                "side": side,
                "count": len(group),
                "volume_ml": round(sum(p.volume_ml for p in group), 6),
            }
            for (zone, side), group in by_zone.items()
        ]

    def totals(self) -> dict[str, object]:
        available = self.available_volume_ml
        return {
            "count": len(self.points),
            "volume_ml": self.total_volume_ml,
            "available_volume_ml": available,
            "volume_sufficient": None if available is None else self.total_volume_ml <= available + 1e-9,
            "by_zone": self.zone_totals(),
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "points": [p.as_dict() for p in self.points],
            "totals": self.totals(),
            "parameters": {
                "technique": self.technique.id,
                "spacing_mm": self.spacing_mm,
                "buffer_mm": self.buffer_mm,
                "depth_mm": self.depth_mm,
                "volume_per_point_ml": self.volume_per_point_ml,
                "template": self.layout.template.id,
                "scale": [round(self.layout.scale_x, 4), round(self.layout.scale_y, 4)],
                "zones": sorted({z.zone for z in self.zones}),
                "waived": sorted({r.id for r in self.waived}),
            },
            "exclusions": [
                {
                    "id": r.id,
                    "side": r.side,
                    "label": r.exclusion.label,
                    "kind": r.exclusion.kind,
                    "waived": False,
                    "explanation": r.exclusion.explanation.text,
                    "citations": list(r.exclusion.explanation.citations),
                }
                for r in self.exclusions
            ]
            + [
                {
                    "id": r.id,
                    "side": r.side,
                    "label": r.exclusion.label,
                    "kind": r.exclusion.kind,
                    "waived": True,
                    "explanation": r.exclusion.explanation.text,
                    "citations": list(r.exclusion.explanation.citations),
                }
                for r in self.waived
            ],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _number(field: str, value: float, low: float, high: float) -> None:
    if not math.isfinite(value) or not low <= value <= high:
        raise PlanningInputError(field, f"must be between {low:g} and {high:g}, got {value:g}")


def _resolve_zones(requested: Sequence[str]) -> list[str]:
    if not requested:
        raise PlanningInputError("zones", f"choose at least one zone from: {', '.join(ZONE_IDS)}")
    unknown = [z for z in requested if z not in ZONE_IDS]
    if unknown:
        raise PlanningInputError("zones", f"unknown {', '.join(unknown)}; choose from: {', '.join(ZONE_IDS)}")
    return list(dict.fromkeys(requested))


def plan_chart(request: ChartRequest, template: FaceTemplate, techniques: Mapping[str, Technique]) -> FaceChart:
    """Chart the request's zones; raise PlanningInputError for impossible input, warn for unusual input."""
    if request.technique not in techniques:
        raise PlanningInputError("technique", f"unknown {request.technique!r}; choose one of {', '.join(techniques)}")
    technique = techniques[request.technique]
    chosen = _resolve_zones(request.zones)
    spacing = (technique.spacing_mm.typical or 10.0) if request.spacing_mm is None else request.spacing_mm
    _number("spacing_mm", spacing, *SPACING_LIMITS_MM)
    buffer = (template.default_buffer_mm.typical or 0.0) if request.buffer_mm is None else request.buffer_mm
    _number("buffer_mm", buffer, 0.0, BUFFER_LIMIT_MM)
    depth = (technique.depth_mm.typical or 1.0) if request.depth_mm is None else request.depth_mm
    _number("depth_mm", depth, 0.1, 20.0)
    volume = technique.volume_per_point_ml.typical or 0.01
    volume = volume if request.volume_per_point_ml is None else request.volume_per_point_ml
    _number("volume_per_point_ml", volume, 0.0001, 1.0)
    if request.available_volume_ml is not None:
        _number("available_volume_ml", request.available_volume_ml, 0.0, 1000.0)
    layout = build_layout(template, face_width_mm=request.face_width_mm, face_height_mm=request.face_height_mm)

    warnings: list[PlanWarning] = []
    definitions = {e.id: e for e in template.exclusions}
    for waived_id in sorted(request.waive):
        exclusion = definitions.get(waived_id)
        if exclusion is None or not exclusion.waivable_for:
            raise PlanningInputError(f"allow_{waived_id}", "is not an exclusion a clinician may waive")
        if technique.id not in exclusion.waivable_for:
            allowed = ", ".join(exclusion.waivable_for)
            raise PlanningInputError(f"allow_{waived_id}", f"may be waived only for {allowed}, not {technique.id}")
    waived_ids = {w for w in request.waive if w in chosen}
    for ignored in sorted(request.waive - waived_ids):
        warnings.append(
            PlanWarning(
                f"{ignored}_waiver_unused",
                f"The {ignored} exclusion stays in force: the {ignored} zone was not chosen.",
                ("rejuv_clinical_defaults",),
            )
        )

    outlines: dict[str, ZoneOutline] = {z.id: z for z in template.zones}
    areas: list[ZoneArea] = []
    for zone_id in chosen:
        outline = outlines[zone_id]
        if not outline.chartable:
            assert outline.not_charted_because is not None
            reason = outline.not_charted_because
            warnings.append(warn(f"{zone_id}_not_charted", reason.text, reason))
            continue
        if zone_id in definitions and zone_id not in waived_ids and definitions[zone_id].waivable_for:
            exclusion = definitions[zone_id]
            allowed = " or ".join(exclusion.waivable_for)
            warnings.append(
                warn(
                    f"{zone_id}_excluded",
                    f"{outline.label} is a danger zone and gets no points unless the clinician allows it "
                    f"(superficial {allowed} only). {exclusion.explanation.text}",
                    exclusion.explanation,
                )
            )
            continue
        if outline.caution is not None:
            warnings.append(warn(f"{zone_id}_caution", f"{outline.label}: {outline.caution.text}", outline.caution))
        areas.extend(layout.zone_areas(zone_id))
    if not areas:
        raise PlanningInputError("zones", "none of the chosen zones can be charted (the lips never are)")

    active = tuple(r for r in layout.exclusions if r.id not in waived_ids)
    waived = tuple(r for r in layout.exclusions if r.id in waived_ids)
    order: dict[str, int] = {z.id: i for i, z in enumerate(template.zones)}
    areas.sort(key=lambda a: (order[a.zone], SIDE_ORDER[a.side]))
    placement = place_points(areas, active, waived, spacing, buffer)

    shallow = technique.depth_mm.min or depth
    placed = sorted(placement.points, key=lambda p: (order[p.zone.zone], SIDE_ORDER[p.zone.side], p.y_mm, p.x_mm))
    points = tuple(
        ChartPoint(
            number,
            p.zone.zone,
            p.zone.side,
            p.x_mm,
            p.y_mm,
            min(depth, shallow) if p.waived else depth,
            volume,
            technique.id,
            p.waived,
        )
        for number, p in enumerate(placed, start=1)
    )

    warnings += _parameter_warnings(technique, spacing, depth, volume)
    warnings += _exclusion_warnings(active, waived, placement.rejected_by, buffer, points)
    warnings += _coverage_warnings(areas, points, spacing)
    warnings += _volume_warnings(technique, points, request.available_volume_ml)
    return FaceChart(
        technique=technique,
        spacing_mm=spacing,
        buffer_mm=buffer,
        depth_mm=depth,
        volume_per_point_ml=volume,
        layout=layout,
        zones=tuple(areas),
        exclusions=active,
        waived=waived,
        points=points,
        available_volume_ml=request.available_volume_ml,
        warnings=tuple(warnings),
    )


# Warnings that depend on where the points are; they must be worked out again when the points change.
POINT_WARNING_CODES = frozenset({"zones_without_points", "volume_insufficient"})


def placed_by_hand(chart: FaceChart, number: int, zone: str, side: str, x_mm: float, y_mm: float) -> ChartPoint:
    """A point kept or placed by the clinician, charted exactly as the automatic placement charts a point there:
    inside a waived danger zone's buffered area it goes at the technique's shallowest depth and carries that
    zone's caution, so redrawing a saved chart can never lose a waiver's safeguards."""
    buffer = chart.buffer_mm
    near = tuple(
        r.id for r in chart.waived if r.box.grown(buffer).holds(x_mm, y_mm) and r.intrudes((x_mm, y_mm), buffer)
    )
    depth = min(chart.depth_mm, chart.technique.depth_mm.min or chart.depth_mm) if near else chart.depth_mm
    return ChartPoint(number, zone, side, x_mm, y_mm, depth, chart.volume_per_point_ml, chart.technique.id, near)


def with_edited_points(chart: FaceChart, points: Sequence[ChartPoint]) -> FaceChart:
    """The chart with points placed or moved by hand, its point-dependent warnings worked out again.

    The other warnings (technique parameters, danger zones in force) describe the zones and settings, which an
    edit does not change, so they stay as the automatic placement found them.
    """
    kept = [w for w in chart.warnings if w.code not in POINT_WARNING_CODES]
    kept += _coverage_warnings(chart.zones, points, chart.spacing_mm)
    kept += _volume_warnings(chart.technique, points, chart.available_volume_ml)
    return replace(chart, points=tuple(points), warnings=tuple(kept))


def _parameter_warnings(technique: Technique, spacing: float, depth: float, volume: float) -> list[PlanWarning]:
    found: list[PlanWarning] = []
    for code, value, quantity, name in (
        ("spacing_outside_range", spacing, technique.spacing_mm, "spacing"),
        ("depth_outside_range", depth, technique.depth_mm, "depth"),
        ("volume_per_point_outside_range", volume, technique.volume_per_point_ml, "volume per point"),
    ):
        if outside(value, quantity):
            found.append(
                warn(
                    code,
                    f"A {name} of {format_number(value)} is outside the cited {format_range(quantity)} for "
                    f"{technique.label.lower()}.",
                    quantity,
                )
            )
    return found


def _exclusion_warnings(
    active: Sequence[Region],
    waived: Sequence[Region],
    rejected_by: Mapping[str, int],
    buffer: float,
    points: Sequence[ChartPoint],
) -> list[PlanWarning]:
    found: list[PlanWarning] = []
    seen: set[str] = set()
    for region in active:
        if region.exclusion.kind != "danger" or region.id in seen or not rejected_by.get(region.id):
            continue
        seen.add(region.id)
        explanation = region.exclusion.explanation
        found.append(
            warn(
                f"{region.id}_kept_clear",
                f"Points keep at least {format_number(buffer)} mm from the {region.exclusion.label.lower()}: "
                f"{explanation.text}",
                explanation,
            )
        )
    for region in waived:
        if region.id in seen:
            continue
        seen.add(region.id)
        count = sum(1 for p in points if region.id in p.cautions)
        waiver = region.exclusion.waiver or region.exclusion.explanation
        found.append(
            warn(
                f"{region.id}_waived",
                f"The clinician allowed the {region.exclusion.label.lower()}; {count} point(s) lie in or near it "
                f"and are charted at the shallowest depth. {region.exclusion.explanation.text} {waiver.text}",
                region.exclusion.explanation,
                waiver,
            )
        )
    return found


def _coverage_warnings(areas: Sequence[ZoneArea], points: Sequence[ChartPoint], spacing: float) -> list[PlanWarning]:
    charted = {(p.zone, p.side) for p in points}
    empty = [f"{a.label.lower()} ({a.side})" for a in areas if (a.zone, a.side) not in charted]
    if not empty:
        return []
    return [
        PlanWarning(
            "zones_without_points",
            f"No point fits in: {', '.join(empty)} at {format_number(spacing)} mm spacing, outside the exclusions. "
            "Chart these by hand or use a smaller spacing.",
            ("rejuv_clinical_defaults",),
        )
    ]


def _volume_warnings(technique: Technique, points: Sequence[ChartPoint], available: float | None) -> list[PlanWarning]:
    total = round(sum(p.volume_ml for p in points), 6)
    if available is None or total <= available + 1e-9 or not points:
        return []
    per_point = available / len(points)
    text = (
        f"The chart needs {format_number(total)} mL but {format_number(available)} mL is available: use "
        f"{format_number(round(per_point, 4))} mL per point, fewer zones or a wider spacing."
    )
    if outside(per_point, technique.volume_per_point_ml):
        text += f" That volume per point is outside the cited {format_range(technique.volume_per_point_ml)}."
    return [warn("volume_insufficient", text, technique.volume_per_point_ml)]
