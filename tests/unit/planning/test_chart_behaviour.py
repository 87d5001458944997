"""What a clinician relies on in a chart: defaults by technique, the glabella and lips choices, volumes, scaling."""

from __future__ import annotations

import pytest

from rejuv.planning.chart.face_chart import ZONE_IDS, ChartRequest, FaceChart, placed_by_hand, plan_chart
from rejuv.planning.chart.template import build_layout
from rejuv.planning.data import PlanningData
from rejuv.planning.errors import PlanningInputError

FACE_ZONES = [z for z in ZONE_IDS if z not in ("neck", "decolletage")]


def chart(planning: PlanningData, zones: list[str], technique: str = "papule", **kwargs: object) -> FaceChart:
    request = ChartRequest(zones=zones, technique=technique, **kwargs)  # type: ignore[arg-type]
    return plan_chart(request, planning.template, planning.techniques)


def codes(result: FaceChart) -> set[str]:
    return {w.code for w in result.warnings}


def test_a_full_face_papule_chart_at_the_default_1_cm_has_the_50_to_250_points_studies_report(
    planning: PlanningData,
) -> None:
    result = chart(planning, FACE_ZONES)
    assert result.spacing_mm == 10
    assert 50 <= len(result.points) <= 250


@pytest.mark.parametrize(
    ("technique", "spacing", "depth"), [("papule", 10, 1.5), ("nappage", 3, 1), ("prp_microdepot", 10, 1.5)]
)
def test_spacing_and_depth_default_to_the_techniques_typical_values(
    planning: PlanningData, technique: str, spacing: float, depth: float
) -> None:
    result = chart(planning, ["cheek"], technique)
    assert (result.spacing_mm, result.depth_mm) == (spacing, depth)
    assert {(p.depth_mm, p.technique) for p in result.points} == {(depth, technique)}


def test_every_point_carries_zone_side_position_depth_volume_and_a_number_in_order(planning: PlanningData) -> None:
    result = chart(planning, ["cheek", "forehead"])
    assert [p.number for p in result.points] == list(range(1, len(result.points) + 1))
    assert {(p.zone, p.side) for p in result.points} == {("forehead", "centre"), ("cheek", "right"), ("cheek", "left")}
    # The patient's right is at negative x (drawn on the viewer's left).
    assert all((p.x_mm < 0) == (p.side == "right") for p in result.points if p.zone == "cheek")
    totals = result.totals()
    assert totals["count"] == len(result.points)
    assert totals["volume_ml"] == pytest.approx(0.01 * len(result.points))


def test_a_spacing_outside_the_techniques_cited_range_is_kept_with_a_warning(planning: PlanningData) -> None:
    result = chart(planning, ["cheek"], spacing_mm=15)
    assert result.spacing_mm == 15
    warning = next(w for w in result.warnings if w.code == "spacing_outside_range")
    assert "5–10 mm" in warning.text


def test_the_glabella_is_excluded_by_default_with_its_blindness_warning(planning: PlanningData) -> None:
    result = chart(planning, ["glabella", "forehead"])
    assert not [p for p in result.points if p.zone == "glabella"]
    warning = next(w for w in result.warnings if w.code == "glabella_excluded")
    assert "prp_blindness_reports" in warning.citations


def test_an_allowed_glabella_gets_only_shallow_points_each_carrying_the_danger_zone(planning: PlanningData) -> None:
    result = chart(planning, ["glabella"], "papule", spacing_mm=5, waive=frozenset({"glabella"}))
    glabella = [p for p in result.points if p.zone == "glabella"]
    assert glabella
    shallowest = planning.techniques["papule"].depth_mm.min
    assert all(p.depth_mm == shallowest and "glabella" in p.cautions for p in glabella)
    assert "glabella_waived" in codes(result)


def test_a_chart_redrawn_from_its_saved_points_keeps_every_waived_points_depth_and_caution(
    planning: PlanningData,
) -> None:
    """Plans store only where each point is; drawing them again must give back the shallow depth and the
    danger-zone caution the automatic placement gave, or a reopened plan would lose the waiver's safeguards."""
    result = chart(planning, ["glabella", "forehead"], "papule", waive=frozenset({"glabella"}))
    kept = [placed_by_hand(result, p.number, p.zone, p.side, p.x_mm, p.y_mm) for p in result.points]
    assert [(p.depth_mm, p.cautions) for p in kept] == [(p.depth_mm, p.cautions) for p in result.points]
    assert any(p.cautions for p in kept) and any(not p.cautions for p in kept)


def test_the_glabella_cannot_be_waived_for_prp(planning: PlanningData) -> None:
    with pytest.raises(PlanningInputError) as caught:
        chart(planning, ["glabella"], "prp_microdepot", waive=frozenset({"glabella"}))
    assert caught.value.field == "allow_glabella"


def test_no_other_exclusion_can_be_waived(planning: PlanningData) -> None:
    with pytest.raises(PlanningInputError):
        chart(planning, ["nose"], waive=frozenset({"nasal_dorsum"}))


def test_the_lips_are_never_charted_and_the_chart_says_why(planning: PlanningData) -> None:
    result = chart(planning, ["lips", "perioral"])
    assert {p.zone for p in result.points} == {"perioral"}
    assert "lips_not_charted" in codes(result)
    with pytest.raises(PlanningInputError) as caught:
        chart(planning, ["lips"])
    assert caught.value.field == "zones"


def test_each_danger_zone_that_removed_points_is_explained_and_cited(planning: PlanningData) -> None:
    result = chart(planning, ["nasolabial", "infraorbital", "nose"])
    found = {w.code: w for w in result.warnings}
    for danger in ("angular_artery", "infraorbital_foramen", "nasal_dorsum"):
        assert f"{danger}_kept_clear" in found
        assert found[f"{danger}_kept_clear"].citations


def test_a_wider_buffer_keeps_points_farther_from_the_danger_zones(planning: PlanningData) -> None:
    narrow = chart(planning, ["nasolabial", "cheek"], buffer_mm=0)
    wide = chart(planning, ["nasolabial", "cheek"], buffer_mm=6)
    artery = [r for r in wide.exclusions if r.id == "angular_artery"]
    assert min(r.clearance((p.x_mm, p.y_mm)) for r in artery for p in wide.points) >= 6
    assert min(r.clearance((p.x_mm, p.y_mm)) for r in artery for p in narrow.points) < 6


def test_a_chart_needing_more_than_the_available_volume_says_how_much_per_point_fits(planning: PlanningData) -> None:
    result = chart(planning, ["cheek", "forehead"], available_volume_ml=0.5)
    assert result.totals()["volume_sufficient"] is False
    warning = next(w for w in result.warnings if w.code == "volume_insufficient")
    assert f"{0.5 / len(result.points):.4f}".rstrip("0") in warning.text
    assert chart(planning, ["cheek"], available_volume_ml=3).totals()["volume_sufficient"] is True


def test_a_scaled_face_stretches_the_zones_but_not_the_safety_distances(planning: PlanningData) -> None:
    base = build_layout(planning.template)
    wider = build_layout(planning.template, face_width_mm=154)  # 10 % wider than the 140 mm template
    cheek, cheek_wide = base.zone_areas("cheek")[1], wider.zone_areas("cheek")[1]
    assert cheek_wide.box.right == pytest.approx(cheek.box.right * 1.1)
    foramen = next(r for r in base.exclusions if r.id == "infraorbital_foramen")
    foramen_wide = next(r for r in wider.exclusions if r.id == "infraorbital_foramen")
    assert foramen_wide.radius_mm == foramen.radius_mm


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"spacing_mm": 0.5}, "spacing_mm"),
        ({"buffer_mm": -1}, "buffer_mm"),
        ({"face_width_mm": 300}, "face_width_mm"),
        ({"technique": "laser"}, "technique"),
        ({"zones": ["ear"]}, "zones"),
        ({"zones": []}, "zones"),
    ],
)
def test_impossible_chart_requests_are_refused_naming_the_input(
    planning: PlanningData, kwargs: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {"zones": ["cheek"], "technique": "papule"} | kwargs
    with pytest.raises(PlanningInputError) as caught:
        plan_chart(ChartRequest(**arguments), planning.template, planning.techniques)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_hand_edits_work_out_the_point_warnings_again(planning: PlanningData) -> None:
    from rejuv.planning.chart.face_chart import with_edited_points

    automatic = chart(planning, ["cheek", "forehead"], available_volume_ml=5.0)
    assert "zones_without_points" not in codes(automatic)
    without_forehead = [p for p in automatic.points if p.zone != "forehead"]
    edited = with_edited_points(automatic, without_forehead)
    assert "zones_without_points" in codes(edited)
    assert "forehead" in next(w.text for w in edited.warnings if w.code == "zones_without_points")
    assert len(edited.points) == len(without_forehead)

    tight = with_edited_points(chart(planning, ["cheek"], available_volume_ml=0.05), automatic.points[:40])
    assert "volume_insufficient" in codes(tight)
    assert "volume_insufficient" not in codes(with_edited_points(tight, automatic.points[:2]))
