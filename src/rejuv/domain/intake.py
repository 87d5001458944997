"""The consultation intake: the public contract `shared/contracts/intake.schema.json`, version 1, as types,
plus the project's optional additions (`history.current_medications_unknown`), kept in step with the project's
own copy `contracts/intake.schema.json`.

Parsing is strict on purpose. The CLI, the API and the web form must accept exactly the documents the JSON
schema accepts, so nothing is coerced: a string "30" is not an age, 1 is not `true`, and an unknown key is an
error rather than something silently dropped. A missing optional field means "not known", never "no", which
is why every optional field is `None` by default rather than a falsy value.

`tests/unit/test_intake_contract.py` checks this model against the JSON schema itself in both directions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.domain.strict_json import decode_json_noting_nulls

ConcernId = Literal[
    "fine_lines",
    "wrinkles",
    "deep_wrinkles",
    "volume_loss",
    "laxity",
    "dehydration",
    "dullness",
    "pigmentation",
    "dark_circles",
    "acne_scars",
    "texture",
    "enlarged_pores",
    "thin_crepey_skin",
    "collagen_stimulation",
    "prevention",
]
ZoneId = Literal[
    "forehead",
    "glabella",
    "temple",
    "periorbital",
    "infraorbital",
    "cheek",
    "nose",
    "nasolabial",
    "perioral",
    "lips",
    "marionette",
    "chin",
    "jawline",
    "neck",
    "decolletage",
]
ConditionId = Literal[
    "active_infection_at_site",
    "active_herpes_at_site",
    "active_acne_or_rosacea_flare_at_site",
    "acute_febrile_illness",
    "sepsis",
    "haemodynamic_instability",
    "active_cancer_treatment",
    "platelet_dysfunction_disorder",
    "autoimmune_disease_active",
    "keloid_tendency",
    "body_dysmorphic_concern",
    "bleeding_disorder",
    "liver_disease_with_coagulopathy",
    "diabetes",
    "hypothyroidism_treated",
    "hepatitis_b",
    "hepatitis_c",
    "hiv",
    "history_of_post_inflammatory_hyperpigmentation",
    "vasovagal_episodes",
]
MedicationClass = Literal[
    "anticoagulant",
    "antiplatelet",
    "nsaid",
    "systemic_corticosteroid",
    "local_corticosteroid_injection",
    "isotretinoin",
    "chemotherapy",
    "topical_retinoid",
    "other",
]
AllergyId = Literal[
    "mesotherapy_cocktail_component",
    "hyaluronic_acid",
    "local_anaesthetic",
    "citrate_anticoagulant",
    "vitamins",
    "other",
]
ProcedureType = Literal[
    "ha_filler",
    "botulinum_toxin",
    "chemical_peel",
    "laser",
    "microneedling",
    "mesotherapy",
    "prp",
    "surgery",
    "other",
]
Fitzpatrick = Literal["I", "II", "III", "IV", "V", "VI"]
Glogau = Literal["I", "II", "III", "IV"]


def _whole_number(value: Any) -> Any:
    """JSON Schema counts 30.0 as an integer, so accept an integral float; strings and booleans still fail."""
    if isinstance(value, float) and not isinstance(value, bool) and value.is_integer():
        return int(value)
    return value


# JSON schema "integer" and "number": no strings, no booleans; a number accepts an integer.
Count = Annotated[int, BeforeValidator(_whole_number), Field(strict=True, ge=0)]
NonNegative = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    """Every contract object forbids unknown keys and is immutable once parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Patient(_Strict):
    age: Annotated[int, BeforeValidator(_whole_number), Field(strict=True, ge=0, le=120)]
    sex: Literal["female", "male", "other"] | None = None
    fitzpatrick: Fitzpatrick | None = None
    glogau: Glogau | None = None


class Concern(_Strict):
    id: ConcernId
    severity: Literal["mild", "moderate", "severe"] | None = None
    zones: list[ZoneId] | None = None


class Preferences(_Strict):
    max_downtime_days: NonNegative | None = None
    blood_draw: Literal["ok", "refuses"] | None = None
    autologous_only: StrictBool | None = None
    visits: Literal["frequent_ok", "fewer_visits"] | None = None
    budget: Literal["low", "medium", "high"] | None = None
    leaning: Literal["none", "mesotherapy", "prp"] | None = None
    expectations: Literal["realistic", "unrealistic"] | None = None


class Medication(_Strict):
    class_: MedicationClass = Field(alias="class")
    name: Annotated[StrictStr, Field(max_length=200)] | None = None
    status: Literal["current", "stopped"] | None = None
    can_pause: StrictBool | None = None
    days_since_stopped: Count | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    @property
    def is_current(self) -> bool:
        """The contract says an absent status means current."""
        return self.status != "stopped"


class Labs(_Strict):
    platelets_per_ul: NonNegative | None = None
    haemoglobin_g_dl: NonNegative | None = None
    hba1c_percent: NonNegative | None = None
    inr: NonNegative | None = None


class RecentProcedure(_Strict):
    type: ProcedureType
    zones: list[ZoneId] | None = None
    days_ago: Count


class History(_Strict):
    pregnant: StrictBool | None = None
    breastfeeding: StrictBool | None = None
    conditions: list[ConditionId] | None = None
    medications: list[Medication] | None = None
    # True: the medicines taken now are not known, even if `medications` lists some (stopped ones, say), so the
    # list is not read as "nothing else taken now". A project addition to the shared contract (a superset of it).
    current_medications_unknown: StrictBool | None = None
    labs: Labs | None = None
    allergies: list[AllergyId] | None = None
    cigarettes_per_day: Count | None = None
    recent_procedures: list[RecentProcedure] | None = None


class Intake(_Strict):
    schema_version: Literal["1"]
    patient: Patient
    concerns: Annotated[list[Concern], Field(min_length=1)]
    preferences: Preferences | None = None
    history: History | None = None

    # Convenience views used by rules. They never turn "unknown" into "no": callers that need the
    # difference read the optional fields directly.
    @property
    def concern_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.concerns)

    @property
    def conditions(self) -> frozenset[str]:
        return frozenset(self.history.conditions or ()) if self.history else frozenset()

    @property
    def medications(self) -> list[Medication]:
        return (self.history.medications or []) if self.history else []

    @property
    def allergies(self) -> frozenset[str]:
        return frozenset(self.history.allergies or ()) if self.history else frozenset()

    @property
    def labs(self) -> Labs:
        return (self.history.labs if self.history else None) or _NO_LABS

    @property
    def prefs(self) -> Preferences:
        return self.preferences or _NO_PREFERENCES

    def to_dict(self) -> dict[str, Any]:
        """The intake as a contract document (what was given, nothing added)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# "Nothing given", shared rather than built afresh on every read (building one costs about 2 us, and the engine
# reads these for every intake); the models are frozen, so sharing them is safe.
_NO_LABS = Labs()
_NO_PREFERENCES = Preferences()


def parse_intake(document: Mapping[str, Any] | Any, *, may_hold_null: bool = True) -> Intake:
    """Turn a decoded JSON document into an Intake or raise IntakeError naming every bad field.

    `may_hold_null=False` skips the scan for nulls when the JSON decoder has already seen that there are none.
    """
    if not isinstance(document, Mapping):
        raise IntakeError([FieldError("", f"the intake must be a JSON object, not {_json_type(document)}")])
    nulls = list(_null_fields(document, "")) if may_hold_null and _has_null(document) else []
    try:
        # The model's own validator, as Intake.model_validate calls it with no options, minus that wrapper's
        # Python-level work (this runs for every API request).
        intake: Intake = Intake.__pydantic_validator__.validate_python(document)
    except ValidationError as exc:
        raise IntakeError(nulls + [e for e in _field_errors(exc) if e.path not in {n.path for n in nulls}]) from None
    if nulls:
        raise IntakeError(nulls)
    return intake


def _has_null(document: Any) -> bool:
    """A fast first pass (plain type checks, a loop rather than recursion): most documents have no null."""
    stack = [document]
    while stack:
        node = stack.pop()
        kind = type(node)
        values = node.values() if kind is dict else node if kind is list else ()
        for value in values:
            if value is None:
                return True
            if type(value) is dict or type(value) is list:
                stack.append(value)
    return False


def _null_fields(node: Any, path: str) -> Iterator[FieldError]:
    """The contract has no nullable field: `null` is refused rather than read as "not known"."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if value is None:
                yield FieldError(here, "must not be null (leave the field out when it is not known)")
            else:
                yield from _null_fields(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            here = f"{path}.{index}"
            if item is None:
                yield FieldError(here, "must not be null")
            else:
                yield from _null_fields(item, here)


def parse_intake_json(text: str | bytes) -> Intake:
    """Decode JSON text and parse it; a syntax error is reported with its line and column."""
    document, saw_null = decode_json_noting_nulls(text)
    return parse_intake(document, may_hold_null=saw_null)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _field_errors(exc: ValidationError) -> list[FieldError]:
    """Rephrase pydantic's errors in the contract's terms: a dotted field path and what is allowed."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for err in exc.errors():
        loc = [str(part) for part in err["loc"] if not _is_union_tag(part)]
        path = ".".join(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            message = "is not a field of the intake contract (unknown fields are refused)"
        elif kind == "missing":
            message = "is required"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            message = f"must be one of {expected}"
        elif kind in {"int_type", "int_parsing", "int_from_float"}:
            message = "must be a whole number"
        elif kind in {"float_type", "float_parsing"}:
            message = "must be a number"
        elif kind == "finite_number":
            message = "must be a finite number"
        elif kind in {"bool_type", "bool_parsing"}:
            message = "must be true or false"
        elif kind in {"string_type"}:
            message = "must be a string"
        elif kind in {"tuple_type", "list_type"}:
            message = "must be an array"
        elif kind in {"model_type", "model_attributes_type", "dict_type"}:
            message = "must be an object"
        elif kind == "greater_than_equal":
            message = f"must be at least {err['ctx']['ge']}"
        elif kind == "less_than_equal":
            message = f"must be at most {err['ctx']['le']}"
        elif kind == "too_short":
            message = f"must have at least {err['ctx']['min_length']} item(s)"
        elif kind == "string_too_long":
            message = f"must be at most {err['ctx']['max_length']} characters"
        else:
            message = str(err["msg"]).lower()
        key = f"{path}|{message}"
        if key not in seen:
            seen.add(key)
            errors.append(FieldError(path, message))
    return errors


def _is_union_tag(part: object) -> bool:
    # Pydantic inserts the branch name of an `X | None` union into the location; the contract has no such level.
    return isinstance(part, str) and (part.startswith(("function-", "literal[")) or part in {"none", "nullable"})
