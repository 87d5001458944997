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
from rejuv.planning.schema import CocktailInputLimits, CocktailProduct, PrpInputLimits
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


def test_the_prp_volume_limit_is_data_marked_like_the_others(planning: PlanningData) -> None:
    volume = planning.prp.input_limits.prp_volume_ml
    assert (volume.unit, volume.min, volume.max) == ("ml", 0.01, 1000)
    assert volume.unverified and "rejuv_clinical_defaults" in volume.citations


def test_the_prp_volume_is_refused_by_the_limit_the_data_gives(planning: PlanningData) -> None:
    """Proves the core reads the range from the knowledge base: a narrower limit in the data refuses 15 mL."""
    limits = planning.prp.input_limits
    narrow = limits.model_copy(update={"prp_volume_ml": limits.prp_volume_ml.model_copy(update={"max": 10.0})})
    params = planning.prp.model_copy(update={"input_limits": narrow})
    assert assess_prp(PrpSample(250_000, 1_000_000, 100, 15), planning.prp).concentration_factor == 4
    with pytest.raises(PlanningInputError) as refused:
        assess_prp(PrpSample(250_000, 1_000_000, 100, 15), params)
    assert refused.value.field == "prp_volume_ml"
    assert refused.value.message.startswith("must be between 0.01 and 10 mL, got 15.")


@pytest.mark.parametrize(
    ("volume", "message"),
    [
        (5000, "must be between 0.01 and 1,000 mL, got 5,000. This is a plausibility limit"),
        (0.001, "must be between 0.01 and 1,000 mL, got 0.001."),
        (1e-9, "must be between 0.01 and 1,000 mL, got 1e-09."),  # not "got 0": it is not zero
        (0, "must be a positive number, got 0"),
    ],
)
def test_a_prp_volume_outside_the_limit_is_refused_with_the_range_and_its_unit(
    planning: PlanningData, volume: float, message: str
) -> None:
    with pytest.raises(PlanningInputError) as refused:
        assess_prp(PrpSample(250_000, 1_000_000, 20, volume), planning.prp)
    assert refused.value.field == "prp_volume_ml" and refused.value.message.startswith(message)


def test_the_prp_volume_limit_is_required_with_both_ends_in_ml(planning: PlanningData) -> None:
    limits = planning.prp.input_limits.model_dump(exclude={"prp_volume_ml"})
    with pytest.raises(ValidationError, match="prp_volume_ml"):
        PrpInputLimits.model_validate(limits)
    cited = {"citations": ["rejuv_clinical_defaults"]}
    with pytest.raises(ValidationError, match="prp_volume_ml must be in ml, not mm"):
        PrpInputLimits.model_validate({**limits, "prp_volume_ml": {"unit": "mm", "min": 0.01, "max": 9, **cited}})
    with pytest.raises(ValidationError, match="prp_volume_ml needs min and max"):
        PrpInputLimits.model_validate({**limits, "prp_volume_ml": {"unit": "ml", "max": 9, **cited}})


def test_a_planner_default_still_needs_its_unit_and_a_typical_value() -> None:
    """The unit check shared by limits and defaults: a default in the wrong unit, or without a typical value,
    is refused with the same messages as before they shared it."""
    product = {
        "id": "p",
        "name": "P",
        "product_class": "ncha",
        "description": {"text": "A product.", "citations": ["rejuv_clinical_defaults"]},
        "ingredients_complete": False,
        "ingredients": [
            {"id": "i", "name": "I", "category": "hyaluronic_acid", "allergy_ids": ["hyaluronic_acid"]},
        ],
    }
    cited = {"citations": ["rejuv_clinical_defaults"]}
    CocktailProduct.model_validate({**product, "vial_volume_ml": {"unit": "ml", "typical": 3, **cited}})
    with pytest.raises(ValidationError, match="vial_volume_ml must be in ml, not mm"):
        CocktailProduct.model_validate({**product, "vial_volume_ml": {"unit": "mm", "typical": 3, **cited}})
    with pytest.raises(ValidationError, match="vial_volume_ml needs a typical value"):
        CocktailProduct.model_validate({**product, "vial_volume_ml": {"unit": "ml", "min": 1, **cited}})


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
