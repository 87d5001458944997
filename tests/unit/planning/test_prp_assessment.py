"""PRP quality from counts: the domain sheet's worked example, the classification bands and the warnings."""

from __future__ import annotations

import dataclasses

import pytest

from rejuv.planning.data import PlanningData
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.prp import PrpAssessment, PrpSample, assess_prp

# Worked example: 250,000/µL in 20 mL of blood, 3 mL of PRP at 1.2 million/µL, WBC 1,000 and RBC 50,000/µL.
EXAMPLE = PrpSample(
    baseline_platelets_per_ul=250_000,
    prp_platelets_per_ul=1_200_000,
    blood_volume_ml=20,
    prp_volume_ml=3,
    baseline_wbc_per_ul=6_000,
    prp_wbc_per_ul=1_000,
    prp_rbc_per_ul=50_000,
)


def assess(planning: PlanningData, **changes: object) -> PrpAssessment:
    return assess_prp(dataclasses.replace(EXAMPLE, **changes), planning.prp)  # type: ignore[arg-type]


def codes(result: PrpAssessment) -> set[str]:
    return {w.code for w in result.warnings}


def test_the_worked_example_gives_factor_dose_efficiency_and_purity(planning: PlanningData) -> None:
    result = assess(planning)
    assert result.concentration_factor == pytest.approx(4.8)  # 1.2e6 / 250e3
    assert result.dose_billion == pytest.approx(3.6)  # 1.2e6/µL x 3,000 µL
    assert result.efficiency_percent == pytest.approx(72.0)  # 3.6e9 / (250e3 x 20,000 µL)
    assert result.purity_percent == pytest.approx(95.92, abs=0.01)  # 1.2e6 / (1.2e6 + 1e3 + 5e4)


def test_the_worked_example_is_depa_b_b_a_with_dose_and_efficiency_flagged_unverified(planning: PlanningData) -> None:
    result = assess(planning)
    assert result.depa_code == "BBA-none"
    assert result.unverified_depa_axes == ("dose", "efficiency")
    assert "depa_bands_unverified" in codes(result)


def test_a_red_cell_rich_prp_drops_out_of_purity_a(planning: PlanningData) -> None:
    result = assess(planning, prp_rbc_per_ul=500_000)  # purity 70.5 %
    assert result.purity_percent == pytest.approx(70.55, abs=0.01)
    purity = result.depa[2]
    assert (purity.code, purity.unverified) == ("B", True)


def test_a_value_exactly_on_a_depa_threshold_goes_to_the_lower_band(planning: PlanningData) -> None:
    # 3 mL at 1e6/µL is exactly 3.0 billion: band B needs more than 3.
    result = assess(planning, prp_platelets_per_ul=1_000_000)
    assert result.depa[0].code == "C"


def test_purity_is_not_assessed_without_white_and_red_counts(planning: PlanningData) -> None:
    result = assess(planning, prp_wbc_per_ul=None, prp_rbc_per_ul=None)
    assert result.purity_percent is None
    assert result.depa[2].code is None
    assert result.depa_code.startswith("BB?")


@pytest.mark.parametrize(
    ("prp_per_ul", "paw"),
    [(240_000, "P1"), (250_000, "P1"), (700_000, "P2"), (750_000, "P2"), (800_000, "P3"), (1_300_000, "P4")],
)
def test_paw_platelet_bands_follow_delong(planning: PlanningData, prp_per_ul: float, paw: str) -> None:
    result = assess(planning, prp_platelets_per_ul=prp_per_ul, prp_wbc_per_ul=None)
    assert result.paw == paw


def test_paw_marks_exogenous_activation_and_white_cells_above_baseline(planning: PlanningData) -> None:
    result = assess(
        planning,
        prp_wbc_per_ul=9_000,
        baseline_neutrophils_per_ul=3_000,
        prp_neutrophils_per_ul=2_000,
        activation="calcium_chloride",
    )
    assert result.paw == "P3-x-Aβ"
    assert result.depa[3].label == "calcium_chloride"


def test_mishra_type_and_letter_come_from_white_cells_activation_and_the_5x_cut_off(planning: PlanningData) -> None:
    assert assess(planning).mishra == "3B"  # WBC not raised, not activated, 4.8x
    raised = assess(planning, prp_wbc_per_ul=9_000, activation="thrombin", prp_platelets_per_ul=1_250_000)
    assert raised.mishra == "2A"  # 5.0x reaches the cut-off
    assert assess(planning, prp_wbc_per_ul=None).mishra is None


def test_a_prp_below_the_dermatology_target_is_flagged_with_the_consensus(planning: PlanningData) -> None:
    result = assess(planning, prp_platelets_per_ul=900_000)
    warning = next(w for w in result.warnings if w.code == "prp_below_target")
    assert "1,000,000–1,500,000" in warning.text
    assert warning.citations == ("iadvl2021prp",)


def test_a_prp_above_the_target_is_flagged(planning: PlanningData) -> None:
    assert "prp_above_target" in codes(assess(planning, prp_platelets_per_ul=1_600_000))
    assert not {"prp_above_target", "prp_below_target"} & codes(assess(planning))


def test_an_unconcentrated_prp_is_flagged(planning: PlanningData) -> None:
    assert "prp_not_concentrated" in codes(assess(planning, prp_platelets_per_ul=200_000, prp_wbc_per_ul=None))


def test_low_baseline_platelets_are_flagged_as_lower_yield_or_a_relative_contraindication(
    planning: PlanningData,
) -> None:
    assert "baseline_below_normal" in codes(assess(planning, baseline_platelets_per_ul=120_000))
    low = codes(assess(planning, baseline_platelets_per_ul=90_000))
    assert "baseline_below_minimum" in low and "baseline_below_normal" not in low


def test_a_recovery_above_100_percent_asks_to_check_the_counts(planning: PlanningData) -> None:
    assert "efficiency_impossible" in codes(assess(planning, blood_volume_ml=10, prp_volume_ml=5))


def test_injecting_part_of_the_prp_lowers_the_dose_not_the_efficiency(planning: PlanningData) -> None:
    result = assess(planning, injected_volume_ml=1.5)
    assert result.dose_billion == pytest.approx(1.8)
    assert result.efficiency_percent == pytest.approx(72.0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"injected_volume_ml": 4}, "injected_volume_ml"),
        ({"prp_volume_ml": 20}, "prp_volume_ml"),
        ({"baseline_platelets_per_ul": 0}, "baseline_platelets_per_ul"),
        ({"prp_wbc_per_ul": -1}, "prp_wbc_per_ul"),
    ],
)
def test_impossible_counts_or_volumes_are_refused(
    planning: PlanningData, changes: dict[str, float], field: str
) -> None:
    with pytest.raises(PlanningInputError) as caught:
        assess(planning, **changes)
    assert caught.value.field == field


def test_counts_and_volumes_too_small_to_be_real_are_refused_instead_of_dividing_by_zero(
    planning: PlanningData,
) -> None:
    sample = PrpSample(
        baseline_platelets_per_ul=2.2250738585e-313,
        prp_platelets_per_ul=1.0,
        blood_volume_ml=1.1754943508222875e-38,
        prp_volume_ml=7.261800471039761e-49,
    )
    with pytest.raises(PlanningInputError) as caught:
        assess_prp(sample, planning.prp)
    assert "must be between" in str(caught.value)
