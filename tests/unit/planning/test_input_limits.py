"""Plausibility limits (typing errors, not clinical thresholds) and the anticoagulant's allergy check, in the core."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from rejuv.knowledge.loader import KnowledgeBase
from rejuv.planning.cocktail import CocktailComponent, check_volumes, plan_cocktail
from rejuv.planning.data import PlanningData
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.protocol import anticoagulant_allergy, conflicting_anticoagulants, plan_protocol
from rejuv.planning.prp import PrpSample, assess_prp
from rejuv.planning.schema import CocktailInputLimits
from rejuv.planning.sessions import MAX_INTERVAL_DAYS, MAX_SESSIONS, plan_sessions

TODAY = dt.date(2027, 3, 1)
VIAL = dt.date(2030, 1, 1)


def test_the_limits_are_data_and_cited_as_unverified(planning: PlanningData) -> None:
    limits = planning.prp.input_limits
    assert limits.baseline_platelets_per_ul.min is not None and limits.baseline_platelets_per_ul.max is not None
    # Set well outside the physiological range (150,000-450,000/uL), which they cite.
    assert limits.baseline_platelets_per_ul.min < 150_000 and limits.baseline_platelets_per_ul.max > 450_000
    assert "platelet_reference_range" in limits.baseline_platelets_per_ul.citations
    assert all(q.unverified for q in (limits.blood_volume_ml, planning.cocktail_limits.total_volume_ml))


def test_a_limit_needs_both_ends() -> None:
    with pytest.raises(ValidationError, match="needs min and max"):
        CocktailInputLimits.model_validate(
            {
                "component_volume_ml": {"unit": "ml", "max": 10, "citations": ["rejuv_clinical_defaults"]},
                "total_volume_ml": {"unit": "ml", "min": 0.01, "max": 20, "citations": ["rejuv_clinical_defaults"]},
            }
        )


@pytest.mark.parametrize(
    ("baseline", "prp", "field"),
    [
        (250_000, 1.2, "prp_platelets_per_ul"),
        (250_000, 20_000_000, "prp_platelets_per_ul"),
        (0.25, 1_000_000, "baseline_platelets_per_ul"),
        (3_000_000, 9_000_000, "baseline_platelets_per_ul"),
    ],
)
def test_a_platelet_count_in_the_wrong_unit_is_refused(
    planning: PlanningData, baseline: float, prp: float, field: str
) -> None:
    with pytest.raises(PlanningInputError) as refused:
        assess_prp(PrpSample(baseline, prp, 20, 4), planning.prp)
    assert refused.value.field == field and "per µL" in refused.value.message


def test_a_low_but_real_count_is_assessed_with_its_clinical_warning(planning: PlanningData) -> None:
    low = assess_prp(PrpSample(60_000, 300_000, 20, 4), planning.prp)
    assert "baseline_below_minimum" in {w.code for w in low.warnings}


@pytest.mark.parametrize(("blood", "tube", "field"), [(2000, 10, "blood_volume_ml"), (20, 500, "tube_volume_ml")])
def test_a_protocol_volume_that_must_be_a_typo_is_refused(
    planning: PlanningData, blood: float, tube: float, field: str
) -> None:
    with pytest.raises(PlanningInputError) as refused:
        plan_protocol(planning.prp, blood_volume_ml=blood, tube_volume_ml=tube)
    assert refused.value.field == field and "must be between" in refused.value.message


def test_cocktail_volumes_are_limited_per_component_and_in_all(planning: PlanningData) -> None:
    limits = planning.cocktail_limits
    with pytest.raises(PlanningInputError, match="got 500"):
        check_volumes([CocktailComponent("ncha_10", 500, "L1", VIAL)], limits)
    with pytest.raises(PlanningInputError, match="for the whole cocktail"):
        plan_cocktail(
            planning.cocktails,
            planning.cocktail_allergy_rule,
            [CocktailComponent("ncha_10", 9, f"L{n}", VIAL) for n in range(3)],
            TODAY,
            limits=limits,
        )
    fine = [CocktailComponent("ncha_10", 3, "L1", VIAL)]
    assert plan_cocktail(planning.cocktails, planning.cocktail_allergy_rule, fine, TODAY, limits=limits).total_volume_ml


@pytest.mark.parametrize(
    ("sessions", "interval", "field"),
    [(MAX_SESSIONS + 1, 14, "sessions"), (1000, 14, "sessions"), (3, MAX_INTERVAL_DAYS + 1, "interval_days")],
)
def test_a_session_count_or_interval_beyond_the_calculators_cap_is_refused(
    kb: KnowledgeBase, planning: PlanningData, sessions: int, interval: int, field: str
) -> None:
    with pytest.raises(PlanningInputError) as refused:
        plan_sessions(
            "mesotherapy",
            kb.treatments["mesotherapy"].course,
            planning.aftercare["mesotherapy"],
            TODAY,
            sessions=sessions,
            interval_days=interval,
        )
    assert refused.value.field == field and "between 1 and" in refused.value.message


def test_a_citrate_allergy_rules_out_both_citrate_anticoagulants(planning: PlanningData) -> None:
    allergies = ["citrate_anticoagulant"]
    assert conflicting_anticoagulants(planning.prp, allergies) == ("acd_a", "sodium_citrate")
    default = anticoagulant_allergy(planning.prp, None, allergies)  # the default protocol's ACD-A
    assert default is not None and "ACD-A" in default.text and "citrate anticoagulant" in default.text
    assert "platelet-rich fibrin" in default.text  # no citrate-free PRP anticoagulant: what to do instead
    assert anticoagulant_allergy(planning.prp, "sodium_citrate", allergies) is not None
    assert anticoagulant_allergy(planning.prp, "none", allergies) is None
    assert anticoagulant_allergy(planning.prp, "acd_a", ["hyaluronic_acid"]) is None
    with pytest.raises(PlanningInputError) as unknown:
        anticoagulant_allergy(planning.prp, "heparin", allergies)
    assert unknown.value.field == "anticoagulant"
