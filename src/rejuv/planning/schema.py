"""Pydantic models of the planning YAML in `knowledge/data/planning/`.

Same rules as `rejuv.knowledge.schema`, whose building blocks this reuses: unknown keys fail, every clinical
number is a `Quantity` with a unit and citations (or a model here that carries both), and a fact the domain
sheet marks [GK?] says `unverified: true` so the output can say "not yet verified".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from rejuv.domain.intake import AllergyId, ZoneId
from rejuv.knowledge.schema import Citations, Quantity, Slug, Statement, Strict, Text

TreatmentId = Literal["mesotherapy", "prp"]
Coordinate = tuple[float, float]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


def _require_unit(quantity: Quantity, unit: str, name: str) -> None:
    """The calculators use the number as it stands, so a quantity in another unit would be silently misread."""
    if quantity.unit != unit:
        raise ValueError(f"{name} must be in {unit}, not {quantity.unit}")


def _require_limits(quantity: Quantity, unit: str, name: str) -> None:
    """A plausibility limit needs both ends, in the unit the calculator reads."""
    _require_unit(quantity, unit, name)
    if quantity.min is None or quantity.max is None:
        raise ValueError(f"{name} needs min and max: it is the range a typed value must fall in")


def _require_default(quantity: Quantity, unit: str, name: str) -> None:
    """A planner default needs a typical value, in the unit the planner reads."""
    _require_unit(quantity, unit, name)
    if quantity.typical is None:
        raise ValueError(f"{name} needs a typical value: it is the default the planner uses")


# --- Techniques --------------------------------------------------------------------------------------------


class Technique(Strict):
    """How points are placed: the chart's default spacing, depth and volume per point come from here."""

    id: Slug
    label: Text
    treatment: TreatmentId
    description: Statement
    spacing_mm: Quantity
    depth_mm: Quantity
    volume_per_point_ml: Quantity
    needle: Statement

    @model_validator(mode="after")
    def _units(self) -> Technique:
        _require_default(self.spacing_mm, "mm", "spacing_mm")
        _require_default(self.depth_mm, "mm", "depth_mm")
        _require_default(self.volume_per_point_ml, "ml", "volume_per_point_ml")
        if self.depth_mm.min is None:
            raise ValueError("depth_mm needs a min: points in a waived danger zone use the most superficial depth")
        return self


class TechniqueFile(Strict):
    techniques: Annotated[list[Technique], Field(min_length=1)]


# --- Face template -----------------------------------------------------------------------------------------


class PolygonShape(Strict):
    type: Literal["polygon"]
    points_mm: Annotated[list[Coordinate], Field(min_length=3)]


class EllipseShape(Strict):
    type: Literal["ellipse"]
    centre_mm: Coordinate
    radii_mm: tuple[Positive, Positive]


class CircleShape(Strict):
    type: Literal["circle"]
    centre_mm: Coordinate
    radius_mm: Positive


class PathShape(Strict):
    """A vessel's course: a polyline with a half-width, for danger zones that are lines rather than areas."""

    type: Literal["path"]
    points_mm: Annotated[list[Coordinate], Field(min_length=2)]
    half_width_mm: NonNegative


Shape = Annotated[PolygonShape | EllipseShape | CircleShape | PathShape, Field(discriminator="type")]


class ZoneOutline(Strict):
    """An intake zone drawn in millimetres. A paired zone is drawn once, on the patient's left (x >= 0)."""

    id: ZoneId
    label: Text
    paired: bool
    polygon_mm: Annotated[list[Coordinate], Field(min_length=3)]
    chartable: bool = True
    not_charted_because: Statement | None = None
    caution: Statement | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ZoneOutline:
        if self.paired and any(x < 0 for x, _ in self.polygon_mm):
            raise ValueError("a paired zone is drawn on the patient's left, so every x must be >= 0")
        if not self.chartable and self.not_charted_because is None:
            raise ValueError("a zone that is never charted must say why (not_charted_because)")
        return self


class Exclusion(Strict):
    """An area no point may enter or come within the safety buffer of: an eye, the lips, a danger zone."""

    id: Slug
    label: Text
    kind: Literal["anatomical", "danger"]
    paired: bool
    shape: Shape
    explanation: Statement
    waivable_for: list[Slug] = Field(default_factory=list)  # technique ids a clinician may waive it for
    waiver: Statement | None = None

    @model_validator(mode="after")
    def _waiver_explained(self) -> Exclusion:
        if self.waivable_for and self.waiver is None:
            raise ValueError("a waivable exclusion must say what waiving it means (waiver)")
        return self


class FaceTemplate(Strict):
    """A schematic average adult face. x: mm from the midline, + towards the patient's left; y: mm down."""

    id: Slug
    label: Text
    description: Statement
    width_mm: Quantity
    height_mm: Quantity
    default_buffer_mm: Quantity
    outline_mm: Annotated[list[Coordinate], Field(min_length=3)]  # the left half, top to bottom; mirrored
    zones: Annotated[list[ZoneOutline], Field(min_length=1)]
    exclusions: list[Exclusion]

    @model_validator(mode="after")
    def _ids_unique(self) -> FaceTemplate:
        _require_default(self.width_mm, "mm", "width_mm")
        _require_default(self.height_mm, "mm", "height_mm")
        _require_default(self.default_buffer_mm, "mm", "default_buffer_mm")
        zone_ids: list[str] = [z.id for z in self.zones]
        for name, ids in (("zone", zone_ids), ("exclusion", [e.id for e in self.exclusions])):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"duplicate {name} ids: {duplicates}")
        return self


class TemplateFile(Strict):
    template: FaceTemplate


# --- PRP preparation ---------------------------------------------------------------------------------------


class SpinRange(Strict):
    rcf_g: Quantity
    minutes: Quantity

    @model_validator(mode="after")
    def _units(self) -> SpinRange:
        if self.rcf_g.unit != "g" or self.minutes.unit != "minutes":
            raise ValueError("a spin range is in g and minutes")
        if None in (self.rcf_g.min, self.rcf_g.max, self.minutes.min, self.minutes.max):
            raise ValueError("a spin range needs min and max for both g and minutes")
        return self


class SpinMode(Strict):
    id: Literal["single", "double"]
    description: Statement
    spins: Annotated[list[SpinRange], Field(min_length=1, max_length=2)]

    @model_validator(mode="after")
    def _count(self) -> SpinMode:
        if len(self.spins) != (1 if self.id == "single" else 2):
            raise ValueError(f"a {self.id} spin mode has {1 if self.id == 'single' else 2} spin range(s)")
        return self


class Anticoagulant(Strict):
    id: Slug
    label: Text
    suitable_for_prp: bool
    ml_per_ml_blood: Quantity | None = None  # anticoagulant volume per mL of blood drawn
    allergy_id: AllergyId | None = None
    explanation: Statement


class SpinSetting(Strict):
    rcf_g: Positive
    minutes: Positive


class DefaultProtocol(Strict):
    description: Statement
    blood_volume_ml: Positive
    tube_volume_ml: Positive
    anticoagulant: Slug
    spins: Annotated[list[SpinSetting], Field(min_length=1, max_length=2)]


class ClassBand(Strict):
    """One letter of a classification: it applies to values strictly above `above` (None: everything left)."""

    code: Text
    label: Text
    above: float | None
    citations: Citations
    unverified: bool = False


class DepaAxis(Strict):
    unit: Literal["billion_platelets", "percent"]
    bands: Annotated[list[ClassBand], Field(min_length=2)]

    @model_validator(mode="after")
    def _descending(self) -> DepaAxis:
        thresholds = [b.above for b in self.bands]
        if thresholds[-1] is not None or None in thresholds[:-1]:
            raise ValueError("only the last band may (and must) have above: null")
        numbers = [t for t in thresholds if t is not None]
        if numbers != sorted(numbers, reverse=True):
            raise ValueError("bands must run from the highest threshold down")
        return self


class Depa(Strict):
    description: Statement
    dose: DepaAxis
    efficiency: DepaAxis
    purity: DepaAxis


class Paw(Strict):
    description: Statement
    p3_above_per_ul: Quantity
    p4_above_per_ul: Quantity


class PrpInputLimits(Strict):
    """Plausibility limits for typing errors (a count typed in millions, a volume with a misplaced decimal point).

    NOT clinical thresholds: a value inside them may still be clinically unusual (that is a warning against the
    cited ranges); a value outside them cannot be a real measurement of this kind, so it is refused.
    """

    baseline_platelets_per_ul: Quantity
    prp_platelets_per_ul: Quantity
    blood_volume_ml: Quantity
    prp_volume_ml: Quantity
    tube_volume_ml: Quantity

    @model_validator(mode="after")
    def _units(self) -> PrpInputLimits:
        _require_limits(self.baseline_platelets_per_ul, "per_ul", "baseline_platelets_per_ul")
        _require_limits(self.prp_platelets_per_ul, "per_ul", "prp_platelets_per_ul")
        _require_limits(self.blood_volume_ml, "ml", "blood_volume_ml")
        _require_limits(self.prp_volume_ml, "ml", "prp_volume_ml")
        _require_limits(self.tube_volume_ml, "ml", "tube_volume_ml")
        return self


class PrpParameters(Strict):
    usual_blood_volume_ml: Quantity
    blood_volume_range_ml: Quantity
    expected_prp_fraction: Quantity
    spin_modes: Annotated[list[SpinMode], Field(min_length=2, max_length=2)]
    default_protocol: DefaultProtocol
    anticoagulants: Annotated[list[Anticoagulant], Field(min_length=1)]
    target_platelets_per_ul: Quantity
    typical_concentration_factor: Quantity
    normal_baseline_platelets_per_ul: Quantity
    minimum_baseline_platelets_per_ul: Quantity
    paw: Paw
    mishra_factor_cutoff: Quantity
    depa: Depa
    use_window: Statement
    anticoagulant_allergy_rule: Statement  # what to do when the intake's allergies rule an anticoagulant out
    input_limits: PrpInputLimits

    @model_validator(mode="after")
    def _known_default_anticoagulant(self) -> PrpParameters:
        if self.default_protocol.anticoagulant not in {a.id for a in self.anticoagulants}:
            raise ValueError(f"default_protocol.anticoagulant {self.default_protocol.anticoagulant!r} is not listed")
        return self


class PrpFile(Strict):
    prp: PrpParameters


# --- Mesotherapy cocktails -----------------------------------------------------------------------------------

IngredientCategory = Literal[
    "hyaluronic_acid",
    "vitamin",
    "amino_acid",
    "mineral",
    "coenzyme",
    "nucleic_acid",
    "antioxidant",
    "local_anaesthetic",
    "active",
]
ConcentrationUnit = Literal["mg_ml", "percent_w_v"]
CONCENTRATION_LABELS: dict[str, str] = {"mg_ml": "mg/mL", "percent_w_v": "% w/v"}


class Concentration(Strict):
    value: Positive
    unit: ConcentrationUnit
    citations: Citations
    unverified: bool = False


class Ingredient(Strict):
    id: Slug
    name: Text
    category: IngredientCategory
    concentration: Concentration | None = None  # None: not stated by any source we hold; read the IFU
    allergy_ids: Annotated[list[AllergyId], Field(min_length=1)]


class CocktailProduct(Strict):
    id: Slug
    name: Text
    product_class: Literal["ncha", "polycomponent", "ha_with_anaesthetic", "single_agent"]
    description: Statement
    vial_volume_ml: Quantity
    ingredients: Annotated[list[Ingredient], Field(min_length=1)]
    ingredients_complete: bool  # False: the list is the classes we know of, not the full IFU composition

    @model_validator(mode="after")
    def _vial_in_ml(self) -> CocktailProduct:
        _require_default(self.vial_volume_ml, "ml", "vial_volume_ml")
        return self


class CocktailInputLimits(Strict):
    """Plausibility limits for typing errors in a cocktail's volumes, NOT clinical thresholds (see PrpInputLimits)."""

    component_volume_ml: Quantity
    total_volume_ml: Quantity

    @model_validator(mode="after")
    def _units(self) -> CocktailInputLimits:
        _require_limits(self.component_volume_ml, "ml", "component_volume_ml")
        _require_limits(self.total_volume_ml, "ml", "total_volume_ml")
        return self


class CocktailFile(Strict):
    allergy_rule: Statement
    input_limits: CocktailInputLimits
    products: Annotated[list[CocktailProduct], Field(min_length=1)]


# --- Aftercare and recovery ----------------------------------------------------------------------------------


class DayRange(Strict):
    from_day: Annotated[int, Field(ge=0)]
    to_day: Annotated[int, Field(ge=0)]
    text: Text
    citations: Citations
    unverified: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> DayRange:
        if self.to_day < self.from_day:
            raise ValueError(f"to_day ({self.to_day}) is before from_day ({self.from_day})")
        return self


class RecoveryMilestone(DayRange):
    after: Literal["each_session", "last_session"]


class TreatmentAftercare(Strict):
    treatment: TreatmentId
    instructions: Annotated[list[DayRange], Field(min_length=1)]
    recovery: Annotated[list[RecoveryMilestone], Field(min_length=1)]
    warning_signs: Annotated[list[Statement], Field(min_length=1)]


class AftercareFile(Strict):
    aftercare: Annotated[list[TreatmentAftercare], Field(min_length=1)]
