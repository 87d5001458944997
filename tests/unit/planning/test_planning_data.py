"""The planning data is complete, cited, honest about what is unverified, and refused when broken."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import get_args

import pytest

from rejuv.domain.errors import KnowledgeError
from rejuv.domain.intake import ZoneId
from rejuv.knowledge.loader import DATA_DIR, KnowledgeBase
from rejuv.planning.chart.geometry import contains
from rejuv.planning.chart.template import build_layout
from rejuv.planning.cocktail import SINGLE_USE_CITATIONS
from rejuv.planning.data import PlanningData, cited_keys, load_planning_data

CODE_CITATIONS = {"rejuv_clinical_defaults", *SINGLE_USE_CITATIONS}  # cited by warnings built in code


def test_every_citation_the_planning_data_and_code_use_resolves_in_the_knowledge_base(
    kb: KnowledgeBase, planning: PlanningData
) -> None:
    missing = (cited_keys(planning) | CODE_CITATIONS) - set(kb.citations)
    assert not missing


def test_the_planning_citations_do_not_redefine_a_shared_key(kb: KnowledgeBase, planning: PlanningData) -> None:
    # The loader refuses duplicates across citation files; this names the culprit if one creeps in.
    for key, citation in planning.citations.items():
        assert kb.citations[key] == citation


def test_the_template_draws_every_intake_zone_once(planning: PlanningData) -> None:
    assert sorted(z.id for z in planning.template.zones) == sorted(get_args(ZoneId))


def test_chartable_zones_do_not_overlap(planning: PlanningData) -> None:
    layout = build_layout(planning.template)
    chartable = [z for z in layout.zones if z.chartable]
    y = -0.37
    while y < 390:
        x = -120.29
        while x < 120:
            inside = [f"{z.zone}/{z.side}" for z in chartable if z.box.holds(x, y) and contains(z.polygon, (x, y))]
            assert len(inside) <= 1, (x, y, inside)
            x += 1.3
        y += 1.3


def test_each_technique_defaults_inside_its_own_cited_ranges(planning: PlanningData) -> None:
    for technique in planning.techniques.values():
        for quantity in (technique.spacing_mm, technique.depth_mm, technique.volume_per_point_ml):
            assert quantity.min is not None and quantity.max is not None
            assert quantity.min <= (quantity.typical or 0) <= quantity.max


def test_the_depa_bands_say_which_are_verified(planning: PlanningData) -> None:
    depa = planning.prp.depa
    verified = {
        (axis, band.code)
        for axis, bands in (("dose", depa.dose), ("efficiency", depa.efficiency), ("purity", depa.purity))
        for band in bands.bands
        if not band.unverified
    }
    assert verified == {("purity", "A")}  # the only cut-off confirmed from the paper


def test_every_danger_zone_is_explained_and_cited(planning: PlanningData) -> None:
    dangers = [e for e in planning.template.exclusions if e.kind == "danger"]
    assert {e.id for e in dangers} >= {
        "glabella",
        "nasal_dorsum",
        "angular_artery",
        "supraorbital_supratrochlear",
        "infraorbital_foramen",
    }
    assert all(e.explanation.text and e.explanation.citations for e in dangers)


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_an_unknown_key_in_a_planning_file_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    path = root / "planning" / "techniques.yaml"
    path.write_text(path.read_text().replace("  - id: papule\n", "  - id: papule\n    colour: red\n", 1))
    with pytest.raises(KnowledgeError) as caught:
        load_planning_data(root)
    assert any(str(path) in p and "colour" in p for p in caught.value.problems)


def test_a_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    path = root / "planning" / "prp.yaml"
    path.write_text(path.read_text().replace("prp:\n", "prp:\n  use_window: {text: x, citations: [a]}\n", 1))
    with pytest.raises(KnowledgeError) as caught:
        load_planning_data(root)
    assert "duplicate key" in str(caught.value)


def test_a_paired_zone_drawn_across_the_midline_is_refused(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    path = root / "planning" / "face_template.yaml"
    text = path.read_text()
    path.write_text(text.replace("polygon_mm: [[50, 17], [57, 21]", "polygon_mm: [[-50, 17], [57, 21]", 1))
    with pytest.raises(KnowledgeError) as caught:
        load_planning_data(root)
    assert "patient's left" in str(caught.value)
