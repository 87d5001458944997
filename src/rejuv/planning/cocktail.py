"""A session's mesotherapy cocktail: what goes in the syringe, how much per point, and whether it is safe.

An allergy to any component rules a product out, so the check is against every ingredient's intake allergy
ids, not the product's name. Lot and expiry are required because they are what a recall or an infection
investigation asks for first; an expired product or an allergy conflict blocks the cocktail outright.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from rejuv.knowledge.schema import Statement
from rejuv.planning.advice import PlanWarning, format_number, format_range, outside, require_plausible, warn
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.schema import CONCENTRATION_LABELS, CocktailInputLimits, CocktailProduct, Technique

SINGLE_USE_CITATIONS = ("mesotherapy_outbreak2011",)


@dataclass(frozen=True, slots=True)
class CocktailComponent:
    product_id: str
    volume_ml: float
    lot: str
    expiry: dt.date


@dataclass(frozen=True, slots=True)
class MixedIngredient:
    product_id: str
    ingredient_id: str
    name: str
    category: str
    concentration: str | None  # in the mixed cocktail, with its unit; None when no source states it
    unverified: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "product": self.product_id,
            "ingredient": self.ingredient_id,
            "name": self.name,
            "category": self.category,
            "concentration": self.concentration,
            "unverified": self.unverified,
        }


@dataclass(frozen=True, slots=True)
class AllergyConflict:
    allergy_id: str
    product_id: str
    ingredient_id: str
    ingredient_name: str

    def as_dict(self) -> dict[str, str]:
        return {
            "allergy": self.allergy_id,
            "product": self.product_id,
            "ingredient": self.ingredient_id,
            "name": self.ingredient_name,
        }


@dataclass(frozen=True)
class SessionCocktail:
    session_date: dt.date
    components: tuple[CocktailComponent, ...]
    ingredients: tuple[MixedIngredient, ...]
    total_volume_ml: float
    points: int | None
    volume_per_point_ml: float | None
    conflicts: tuple[AllergyConflict, ...]
    warnings: tuple[PlanWarning, ...]
    blocked: bool  # an allergy conflict or an expired product: do not inject this cocktail

    def as_dict(self) -> dict[str, object]:
        return {
            "session_date": self.session_date.isoformat(),
            "components": [
                {"product": c.product_id, "volume_ml": c.volume_ml, "lot": c.lot, "expiry": c.expiry.isoformat()}
                for c in self.components
            ],
            "ingredients": [i.as_dict() for i in self.ingredients],
            "total_volume_ml": round(self.total_volume_ml, 3),
            "points": self.points,
            "volume_per_point_ml": None if self.volume_per_point_ml is None else round(self.volume_per_point_ml, 4),
            "conflicts": [c.as_dict() for c in self.conflicts],
            "warnings": [w.as_dict() for w in self.warnings],
            "blocked": self.blocked,
        }


def _validate(
    products: Mapping[str, CocktailProduct],
    components: Sequence[CocktailComponent],
    limits: CocktailInputLimits | None,
) -> None:
    if not components:
        raise PlanningInputError("product", "a cocktail needs at least one product")
    for component in components:
        if component.product_id not in products:
            allowed = ", ".join(sorted(products))
            raise PlanningInputError("product", f"unknown product {component.product_id!r}; choose one of {allowed}")
        if not math.isfinite(component.volume_ml) or component.volume_ml <= 0:
            raise PlanningInputError("volume_ml", f"must be a positive number of mL, got {component.volume_ml}")
        if not component.lot.strip():
            raise PlanningInputError("lot", "the lot number printed on the vial is required")
    if limits is not None:
        check_volumes(components, limits)


def check_volumes(components: Sequence[CocktailComponent], limits: CocktailInputLimits) -> None:
    """Refuse a component or cocktail volume outside the plausibility limits (typing errors such as 500 for
    5.00 mL), with the allowed range. These are not clinical thresholds: the vial and per-point ranges warn."""
    for component in components:
        require_plausible("volume_ml", component.volume_ml, limits.component_volume_ml)
    total = sum(c.volume_ml for c in components)
    require_plausible("volume_ml", total, limits.total_volume_ml, " for the whole cocktail")


def plan_cocktail(
    products: Mapping[str, CocktailProduct],
    allergy_rule: Statement,
    components: Sequence[CocktailComponent],
    session_date: dt.date,
    allergies: Collection[str] = (),
    *,
    points: int | None = None,
    technique: Technique | None = None,
    limits: CocktailInputLimits | None = None,
) -> SessionCocktail:
    """Mix the components, check them against the allergies and dates, and share the volume over the points."""
    _validate(products, components, limits)
    if points is not None and points < 1:
        raise PlanningInputError("points", f"must be at least 1, got {points}")
    total = sum(c.volume_ml for c in components)
    warnings: list[PlanWarning] = []
    conflicts: list[AllergyConflict] = []
    mixed: list[MixedIngredient] = []
    blocked = False

    for component in components:
        product = products[component.product_id]
        if component.expiry < session_date:
            blocked = True
            warnings.append(
                PlanWarning(
                    "product_expired",
                    f"{product.name} lot {component.lot} expired on {component.expiry.isoformat()}, before the "
                    f"session on {session_date.isoformat()}: do not use it.",
                    ("rejuv_clinical_defaults",),
                )
            )
        vial = product.vial_volume_ml.typical
        if vial is not None and component.volume_ml > vial:
            warnings.append(
                PlanWarning(
                    "more_than_one_vial",
                    f"{format_number(component.volume_ml)} mL of {product.name} is more than one "
                    f"{format_number(vial)} mL vial: open a new single-use vial each time; an infection outbreak "
                    "was traced to multi-dose vials.",
                    SINGLE_USE_CITATIONS,
                )
            )
        for ingredient in product.ingredients:
            concentration = None
            unverified = product.description.unverified
            if ingredient.concentration is not None:
                value = ingredient.concentration.value * component.volume_ml / total
                concentration = (
                    f"{format_number(round(value, 4))} {CONCENTRATION_LABELS[ingredient.concentration.unit]}"
                )
                unverified = unverified or ingredient.concentration.unverified
            mixed.append(
                MixedIngredient(
                    product.id, ingredient.id, ingredient.name, ingredient.category, concentration, unverified
                )
            )
            for allergy in sorted(set(allergies) & set(ingredient.allergy_ids)):
                conflicts.append(AllergyConflict(allergy, product.id, ingredient.id, ingredient.name))

    if conflicts:
        blocked = True
        names = "; ".join(f"{c.ingredient_name} ({c.allergy_id.replace('_', ' ')})" for c in conflicts)
        warnings.append(
            warn("allergy_conflict", f"Recorded allergy matches: {names}. {allergy_rule.text}", allergy_rule)
        )
    if "other" in allergies:
        warnings.append(
            warn(
                "other_allergy_unchecked",
                "An 'other' allergy is recorded: compare it with the full ingredient list in the instructions for use.",
                allergy_rule,
            )
        )
    incomplete = [products[c.product_id].name for c in components if not products[c.product_id].ingredients_complete]
    if allergies and incomplete:
        warnings.append(
            warn(
                "ingredients_incomplete",
                f"The registry lists ingredient classes, not every excipient, for: {', '.join(incomplete)}. Check "
                "the instructions for use against the recorded allergies.",
                allergy_rule,
            )
        )

    per_point = None if points is None else total / points
    if per_point is not None and technique is not None and outside(per_point, technique.volume_per_point_ml):
        warnings.append(
            warn(
                "volume_per_point_outside_range",
                f"{format_number(round(per_point, 4))} mL per point is outside the cited "
                f"{format_range(technique.volume_per_point_ml)} per point for {technique.label.lower()}.",
                technique.volume_per_point_ml,
            )
        )
    return SessionCocktail(
        session_date=session_date,
        components=tuple(components),
        ingredients=tuple(mixed),
        total_volume_ml=total,
        points=points,
        volume_per_point_ml=per_point,
        conflicts=tuple(conflicts),
        warnings=tuple(warnings),
        blocked=blocked,
    )
