"""A session's cocktail: allergy conflicts by ingredient, expiry, lot, mixed concentrations, mL per point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pytest

from rejuv.planning.cocktail import CocktailComponent, SessionCocktail, plan_cocktail
from rejuv.planning.data import PlanningData
from rejuv.planning.errors import PlanningInputError

SESSION = dt.date(2025, 6, 1)
LATER = dt.date(2026, 6, 1)


def cocktail(
    planning: PlanningData,
    *components: CocktailComponent,
    allergies: Collection[str] = (),
    points: int | None = None,
    technique: str | None = None,
) -> SessionCocktail:
    return plan_cocktail(
        planning.cocktails,
        planning.cocktail_allergy_rule,
        list(components) or [CocktailComponent("ncha_10", 2.0, "L123", LATER)],
        SESSION,
        allergies,
        points=points,
        technique=planning.techniques[technique] if technique else None,
    )


@pytest.mark.parametrize(
    ("product", "allergy", "ingredient"),
    [
        ("ncha_10", "hyaluronic_acid", "sodium_hyaluronate"),
        ("polyrevitalising_nctf_type", "vitamins", "vitamins"),
        ("ha_booster_lidocaine", "local_anaesthetic", "lidocaine"),
        ("tranexamic_acid_4", "mesotherapy_cocktail_component", "tranexamic_acid"),
    ],
)
def test_an_allergy_to_an_ingredient_blocks_the_cocktail_and_names_the_ingredient(
    planning: PlanningData, product: str, allergy: str, ingredient: str
) -> None:
    result = cocktail(planning, CocktailComponent(product, 1.0, "L1", LATER), allergies={allergy})
    assert result.blocked
    assert (allergy, product, ingredient) in {(c.allergy_id, c.product_id, c.ingredient_id) for c in result.conflicts}
    warning = next(w for w in result.warnings if w.code == "allergy_conflict")
    assert set(planning.cocktail_allergy_rule.citations) <= set(warning.citations)


@pytest.mark.parametrize(
    ("product", "allergy"),
    [
        ("ncha_10", "vitamins"),
        ("ncha_10", "local_anaesthetic"),
        ("polyrevitalising_nctf_type", "citrate_anticoagulant"),
    ],
)
def test_an_allergy_to_something_the_product_does_not_contain_is_no_conflict(
    planning: PlanningData, product: str, allergy: str
) -> None:
    result = cocktail(planning, CocktailComponent(product, 1.0, "L1", LATER), allergies={allergy})
    assert result.conflicts == ()
    assert not result.blocked


def test_an_other_allergy_asks_for_a_manual_check_against_the_instructions_for_use(planning: PlanningData) -> None:
    result = cocktail(planning, allergies={"other"})
    assert {"other_allergy_unchecked", "ingredients_incomplete"} <= {w.code for w in result.warnings}
    assert not result.blocked


def test_an_expired_product_blocks_the_cocktail_but_one_expiring_on_the_day_does_not(planning: PlanningData) -> None:
    expired = cocktail(planning, CocktailComponent("ncha_10", 1.0, "L1", SESSION - dt.timedelta(days=1)))
    assert expired.blocked and "product_expired" in {w.code for w in expired.warnings}
    assert not cocktail(planning, CocktailComponent("ncha_10", 1.0, "L1", SESSION)).blocked


def test_mixing_two_products_dilutes_each_ingredient_by_its_share_of_the_volume(planning: PlanningData) -> None:
    result = cocktail(
        planning,
        CocktailComponent("ncha_10", 1.0, "A", LATER),
        CocktailComponent("ha_booster_lidocaine", 1.0, "B", LATER),
    )
    concentrations = {(i.product_id, i.ingredient_id): i.concentration for i in result.ingredients}
    assert concentrations[("ncha_10", "sodium_hyaluronate")] == "5 mg/mL"  # 10 mg/mL x 1/2
    assert concentrations[("ha_booster_lidocaine", "lidocaine")] == "0.15 % w/v"  # 0.3 % x 1/2
    assert result.total_volume_ml == pytest.approx(2.0)


def test_an_ingredient_without_a_cited_concentration_says_so_instead_of_inventing_one(planning: PlanningData) -> None:
    result = cocktail(planning, CocktailComponent("polyrevitalising_nctf_type", 3.0, "A", LATER))
    vitamins = next(i for i in result.ingredients if i.ingredient_id == "vitamins")
    assert vitamins.concentration is None
    assert vitamins.unverified


def test_the_volume_is_shared_over_the_chart_points_and_checked_against_the_technique(planning: PlanningData) -> None:
    fine = cocktail(planning, points=100, technique="papule")  # 2 mL / 100 = 0.02 mL
    assert fine.volume_per_point_ml == pytest.approx(0.02)
    assert "volume_per_point_outside_range" not in {w.code for w in fine.warnings}
    too_much = cocktail(planning, points=20, technique="papule")  # 0.1 mL a papule
    assert "volume_per_point_outside_range" in {w.code for w in too_much.warnings}


def test_more_than_one_vial_reminds_that_vials_are_single_use(planning: PlanningData) -> None:
    result = cocktail(planning, CocktailComponent("ncha_10", 6.0, "A", LATER))
    assert "more_than_one_vial" in {w.code for w in result.warnings}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        (CocktailComponent("unknown_product", 1.0, "A", LATER), "product"),
        (CocktailComponent("ncha_10", 0.0, "A", LATER), "volume_ml"),
        (CocktailComponent("ncha_10", 1.0, "  ", LATER), "lot"),
    ],
)
def test_a_cocktail_without_a_known_product_volume_or_lot_is_refused(
    planning: PlanningData, component: CocktailComponent, field: str
) -> None:
    with pytest.raises(PlanningInputError) as caught:
        cocktail(planning, component)
    assert caught.value.field == field
