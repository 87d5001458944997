"""Pydantic models of every YAML shape in `knowledge/data/`.

Every model forbids unknown keys, so a typo in a reviewed file fails loudly instead of being ignored. Every
clinical statement carries at least one citation key; whether the key exists is checked by the loader, which
sees the whole registry. Numbers always travel with a unit.

The shapes are treatment-agnostic: a third treatment is one more file in `treatments/` with the same shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
CitationKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Citations = Annotated[list[CitationKey], Field(min_length=1)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

Unit = Literal[
    "per_ul",
    "g_dl",
    "percent",
    "days",
    "weeks",
    "months",
    "years",
    "cigarettes_per_day",
    "sessions",
    "mm",
    "ml",
    "g",
    "minutes",
    "ratio",
]
UNIT_LABELS: dict[str, str] = {
    "per_ul": "/µL",
    "g_dl": "g/dL",
    "percent": "%",
    "days": "days",
    "weeks": "weeks",
    "months": "months",
    "years": "years",
    "cigarettes_per_day": "cigarettes a day",
    "sessions": "sessions",
    "mm": "mm",
    "ml": "mL",
    "g": "× g",
    "minutes": "minutes",
    "ratio": "×",
}

Certainty = Literal["high", "moderate", "low", "very_low"]
StudyType = Literal[
    "systematic_review",
    "meta_analysis",
    "rct",
    "split_face_trial",
    "cohort",
    "uncontrolled_trial",
    "case_series",
    "case_report",
    "in_vitro",
    "narrative_review",
    "consensus",
    "guideline",
    "expert_opinion",
    "manufacturer_information",
    "reference_page",
    "trial_registration",
]
# Oxford-style levels as the domain sheet uses them: 1a SR of RCTs ... 5 expert opinion.
EvidenceLevel = Literal["1a", "1b", "2a", "2b", "3", "4", "5"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Statement(Strict):
    """One clinical sentence, written in plain language, with its sources."""

    text: Text
    citations: Citations
    unverified: bool = False  # the domain sheet marks the fact [GK?]: shown as "not yet verified"


class NamedStatement(Statement):
    name: Text


class Quantity(Strict):
    """A number with its unit and sources: min/max/typical, any of which may be absent but not all."""

    unit: Unit
    min: float | None = None
    max: float | None = None
    typical: float | None = None
    citations: Citations
    unverified: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Quantity:
        if self.min is None and self.max is None and self.typical is None:
            raise ValueError("a quantity needs at least one of min, max, typical")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.typical is not None:
            if self.min is not None and self.typical < self.min:
                raise ValueError(f"typical ({self.typical}) is below min ({self.min})")
            if self.max is not None and self.typical > self.max:
                raise ValueError(f"typical ({self.typical}) is above max ({self.max})")
        return self


# --- Citations ------------------------------------------------------------------------------------


class Citation(Strict):
    title: Text
    authors: Text | None = None
    year: Annotated[int, Field(ge=1900, le=2100)]
    source: Text  # journal, publisher or site
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    pmid: Annotated[str, StringConstraints(pattern=r"^\d+$")] | None = None
    study_type: StudyType
    evidence_level: EvidenceLevel
    low_authority: bool = False  # a clinic, training or vendor page rather than peer-reviewed work
    note: Text | None = None

    @model_validator(mode="after")
    def _locatable(self) -> Citation:
        if not (self.doi or self.url or self.pmid):
            raise ValueError("a citation needs a doi, url or pmid so a reader can find it")
        return self


# --- Parameters: dated, unit-bearing, cited thresholds ---------------------------------------------------------


class ParameterValue(Strict):
    since: dt.date
    value: float
    citations: Citations
    note: Text | None = None


class Parameter(Strict):
    """A threshold the rules read. Values are keyed by the date they take effect, OpenFisca style."""

    description: Text
    unit: Unit
    values: Annotated[list[ParameterValue], Field(min_length=1)]
    unverified: bool = False

    @model_validator(mode="after")
    def _dates_unique(self) -> Parameter:
        dates = [v.since for v in self.values]
        if len(set(dates)) != len(dates):
            raise ValueError("two values take effect on the same date")
        return self

    def value_at(self, when: dt.date) -> ParameterValue:
        """The value in force on `when`; before the first date, the first value (nothing older is known)."""
        ordered = sorted(self.values, key=lambda v: v.since)
        current = ordered[0]
        for value in ordered:
            if value.since <= when:
                current = value
        return current


# --- Rules ----------------------------------------------------------------------------------------

Effect = Literal["refer", "exclude", "caution", "info"]
Severity = Literal["absolute", "relative", "caution", "info"]
OptionStatus = Literal["recommended", "suitable", "caution", "not_now", "excluded"]


class Rule(Strict):
    """A contraindication, precaution or referral trigger. `check` names the Python predicate that reads it.

    `effect` is what the decision policy does when it fires: `refer` (step 1: neither treatment now),
    `exclude` (steps 2-3: this treatment not now), `caution` (step 4: offered with counselling), `info`.
    `status` is the option status an `exclude` or `refer` gives the treatments it affects.
    """

    id: Slug
    title: Text
    check: Slug
    args: dict[str, str | int | float | bool | list[str]] = Field(default_factory=dict)
    parameters: list[Slug] = Field(default_factory=list)
    effect: Effect
    severity: Severity
    status: OptionStatus | None = None
    treatments: Literal["all"] | Annotated[list[Slug], Field(min_length=1)] = "all"
    text: Text
    mitigation: Text | None = None
    why_it_matters: Text | None = None
    citations: Citations
    policy: Text  # where in the decision policy this rule comes from, so a reviewer can trace it
    unverified: bool = False

    @model_validator(mode="after")
    def _status_matches_effect(self) -> Rule:
        if self.effect in {"refer", "exclude"} and self.status not in {"not_now", "excluded"}:
            raise ValueError("a refer or exclude rule needs status: not_now or excluded")
        if self.effect in {"caution", "info"} and self.status is not None:
            raise ValueError("only refer and exclude rules set a status")
        return self


class RuleFile(Strict):
    rules: list[Rule]


# --- Concerns, zones, comparison rows -------------------------------------------------------------


class Concern(Strict):
    id: Slug
    label: Text
    description: Text


class Zone(Strict):
    id: Slug
    label: Text
    description: Text
    paired: bool


class ConcernFile(Strict):
    concerns: list[Concern]


class ZoneFile(Strict):
    zones: list[Zone]


class ComparisonRow(Strict):
    """A question people ask, answered for each treatment from the field named by `source`."""

    id: Slug
    question: Text
    source: Literal[
        "summary",
        "procedure",
        "course",
        "onset",
        "duration",
        "downtime",
        "common_side_effects",
        "rare_risks",
        "evidence",
        "blood_draw",
        "needles",
        "visits",
        "cost",
        "benefits",
    ]


class ComparisonFile(Strict):
    rows: list[ComparisonRow]


# --- Treatments -----------------------------------------------------------------------------------


class Course(Strict):
    text: Statement
    sessions: Quantity
    interval_days: Quantity
    maintenance_interval_months: Quantity | None = None


class Downtime(Strict):
    text: Statement
    days: Quantity


class SideEffect(Strict):
    name: Text
    text: Text
    frequency: Literal["very_common", "common", "uncommon", "rare", "very_rare", "unknown"]
    duration: Text
    citations: Citations
    unverified: bool = False


class SideEffects(Strict):
    common: Annotated[list[SideEffect], Field(min_length=1)]
    rare_serious: Annotated[list[SideEffect], Field(min_length=1)]


class EvidencePoint(Strict):
    claim: Text
    certainty: Certainty
    citations: Citations


class Evidence(Strict):
    certainty: Certainty
    text: Statement
    points: Annotated[list[EvidencePoint], Field(min_length=1)]


class Indications(Strict):
    """Concern ids this treatment addresses, as the decision policy (section 10, step 5) sorts them."""

    primary: list[Slug]
    secondary: list[Slug]
    citations: Citations
    notes: list[NamedStatement] = Field(default_factory=list)  # name = concern id the note qualifies

    @model_validator(mode="after")
    def _disjoint(self) -> Indications:
        both = set(self.primary) & set(self.secondary)
        if both:
            raise ValueError(f"concerns listed as both primary and secondary: {sorted(both)}")
        return self


class Practical(Strict):
    """What the treatment asks of the person. The flags feed the generic rules and the preference step."""

    blood_draw: Statement
    needles: Statement
    visits: Statement
    cost: Statement
    requires_blood_draw: bool
    autologous: bool
    cost_band: Literal["low", "medium", "high"]
    few_visits: bool  # meets a stated preference for a short course of widely spaced visits


class Components(Strict):
    """Allergy ids (intake contract) the product always contains, and those some versions contain."""

    contains: list[Slug] = Field(default_factory=list)
    may_contain: list[Slug] = Field(default_factory=list)
    citations: Citations


class Treatment(Strict):
    id: Slug
    name: Text
    also_known_as: list[Text] = Field(default_factory=list)
    reviewed_on: dt.date
    next_review: dt.date
    authors: Text
    summary: Statement
    procedure: Annotated[list[Statement], Field(min_length=1)]
    benefits: Annotated[list[Statement], Field(min_length=1)]
    course: Course
    onset: Statement
    duration: Statement
    downtime: Downtime
    side_effects: SideEffects
    practical: Practical
    components: Components
    evidence: Evidence
    indications: Indications

    @model_validator(mode="after")
    def _review_dates(self) -> Treatment:
        if self.next_review <= self.reviewed_on:
            raise ValueError("next_review must come after reviewed_on")
        return self
