"""A PRP preparation protocol: tubes and anticoagulant, spins in g and rpm, and the cited-range warnings."""

from __future__ import annotations

import pytest

from rejuv.planning.data import PlanningData
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.protocol import PrpProtocol, Spin, plan_protocol


def codes(protocol: PrpProtocol) -> set[str]:
    return {w.code for w in protocol.warnings}


def test_the_default_protocol_is_a_double_spin_inside_the_iadvl_ranges(planning: PlanningData) -> None:
    protocol = plan_protocol(planning.prp)
    assert protocol.spin_mode == "double"
    assert [(s.rcf_g, s.minutes) for s in protocol.spins] == [(100, 10), (400, 10)]
    assert not {c for c in codes(protocol) if c.startswith("spin")}


def test_20_ml_of_blood_in_10_ml_acd_a_tubes_needs_3_tubes_with_1_ml_of_anticoagulant_each(
    planning: PlanningData,
) -> None:
    protocol = plan_protocol(planning.prp, blood_volume_ml=20, tube_volume_ml=10, anticoagulant="acd_a")
    assert protocol.tubes == 3  # 1:9 leaves 9 mL of blood a tube
    assert protocol.blood_per_tube_ml == pytest.approx(9.0, abs=0.01)
    assert protocol.anticoagulant_per_tube_ml == pytest.approx(1.0, abs=0.01)


def test_a_rotor_radius_gives_the_rpm_of_each_spin(planning: PlanningData) -> None:
    protocol = plan_protocol(planning.prp, radius_cm=10)
    assert [round(s.rpm or 0) for s in protocol.spins] == [946, 1892]


def test_spins_outside_the_iadvl_ranges_warn_with_the_range_and_citation(planning: PlanningData) -> None:
    protocol = plan_protocol(planning.prp, spins=[Spin(900, 5), Spin(1500, 20)])
    found = {w.code: w for w in protocol.warnings}
    assert {"spin1_force_outside_range", "spin2_force_outside_range", "spin2_time_outside_range"} <= set(found)
    assert "spin1_time_outside_range" not in found
    assert "400–700 × g" in found["spin2_force_outside_range"].text
    assert found["spin2_force_outside_range"].citations == ("iadvl2021prp",)


def test_a_single_spin_is_checked_against_the_single_spin_range_and_says_it_is_unverified(
    planning: PlanningData,
) -> None:
    protocol = plan_protocol(planning.prp, spins=[Spin(3000, 5)])
    assert protocol.spin_mode == "single"
    warning = next(w for w in protocol.warnings if w.code == "spin1_force_outside_range")
    assert warning.unverified


@pytest.mark.parametrize("anticoagulant", ["edta", "none"])
def test_an_anticoagulant_unsuitable_for_prp_is_explained(planning: PlanningData, anticoagulant: str) -> None:
    assert "anticoagulant_unsuitable" in codes(plan_protocol(planning.prp, anticoagulant=anticoagulant))


def test_blood_volumes_outside_the_usual_and_the_published_ranges_warn_differently(planning: PlanningData) -> None:
    assert "blood_volume_unusual" in codes(plan_protocol(planning.prp, blood_volume_ml=30))
    assert "blood_volume_outside_range" in codes(plan_protocol(planning.prp, blood_volume_ml=80))
    assert not {"blood_volume_unusual", "blood_volume_outside_range"} & codes(plan_protocol(planning.prp))


def test_the_expected_prp_volume_scales_with_the_blood_drawn(planning: PlanningData) -> None:
    assert plan_protocol(planning.prp, blood_volume_ml=20).expected_prp_ml == pytest.approx((2.0, 3.4))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"anticoagulant": "heparin"}, "anticoagulant"),
        ({"spins": [Spin(100, 10), Spin(400, 10), Spin(700, 5)]}, "spins"),
        ({"spins": [Spin(0, 10)]}, "spin1_g"),
        ({"blood_volume_ml": -5}, "blood_volume_ml"),
        ({"radius_cm": 0}, "radius_cm"),
    ],
)
def test_impossible_protocols_are_refused(planning: PlanningData, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(PlanningInputError) as caught:
        plan_protocol(planning.prp, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
