"""The planning calculators behind one object, for the web shell: charts, PRP, session plans and cocktails.

`Planner` holds the planning data and the knowledge base (the session plan reads a treatment's course from
it) so routes never load files or call the core directly. Every core refusal (`PlanningInputError`) becomes
`Invalid` naming the same field, which the shells turn into problem+json or a message beside a form field.
Nothing here touches storage: the calculators are public and stateless.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from rejuv.domain.errors import FieldError
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.planning.centrifuge import calculate_rcf_g, calculate_rpm
from rejuv.planning.chart.face_chart import ChartRequest, FaceChart, plan_chart
from rejuv.planning.cocktail import CocktailComponent, SessionCocktail, plan_cocktail
from rejuv.planning.data import PlanningData, load_planning_data
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.protocol import PrpProtocol, Spin, plan_protocol
from rejuv.planning.prp import PrpAssessment, PrpSample, assess_prp
from rejuv.planning.sessions import SessionPlan, plan_sessions
from rejuv.services.errors import Invalid

TREATMENTS = ("mesotherapy", "prp")
DEFAULT_TECHNIQUE = {"mesotherapy": "papule", "prp": "prp_microdepot"}


@functools.lru_cache(maxsize=8)
def _planning_data(root: Path | None) -> PlanningData:
    """Loaded once per folder and process: it is immutable and takes ~150 ms, and every app (every test) needs it."""
    return load_planning_data(root)


def invalid(error: PlanningInputError) -> Invalid:
    """The core's error as the services' error, naming the same field; where the field came from is the shell's
    to say (the API names a body field by its own path and puts `query.` before a query parameter)."""
    return Invalid([FieldError(error.field, error.message)])


@dataclass(frozen=True)
class Planner:
    data: PlanningData
    kb: KnowledgeBase

    @classmethod
    def load(cls, kb: KnowledgeBase, knowledge_path: Path | None = None) -> Planner:
        """The planning data beside `knowledge_path` when it has a `planning/` folder, the packaged data otherwise."""
        root = knowledge_path.resolve() if knowledge_path and (knowledge_path / "planning").is_dir() else None
        return cls(_planning_data(root), kb)

    def chart(self, request: ChartRequest) -> FaceChart:
        try:
            return plan_chart(request, self.data.template, self.data.techniques)
        except PlanningInputError as error:
            raise invalid(error) from None

    def rpm(self, radius_cm: float, rcf_g: float) -> float:
        try:
            return calculate_rpm(radius_cm, rcf_g)
        except PlanningInputError as error:
            raise invalid(error) from None
        except ZeroDivisionError:  # a radius so small that radius x constant underflows to zero
            raise Invalid([FieldError("radius_cm", "is too small to be a rotor radius")]) from None

    def rcf(self, radius_cm: float, rpm: float) -> float:
        try:
            return calculate_rcf_g(radius_cm, rpm)
        except PlanningInputError as error:
            raise invalid(error) from None

    def assess(self, sample: PrpSample) -> PrpAssessment:
        try:
            return assess_prp(sample, self.data.prp)
        except PlanningInputError as error:
            raise invalid(error) from None

    def protocol(
        self,
        *,
        blood_volume_ml: float | None = None,
        tube_volume_ml: float | None = None,
        anticoagulant: str | None = None,
        spins: Sequence[Spin] | None = None,
        radius_cm: float | None = None,
    ) -> PrpProtocol:
        try:
            return plan_protocol(
                self.data.prp,
                blood_volume_ml=blood_volume_ml,
                tube_volume_ml=tube_volume_ml,
                anticoagulant=anticoagulant,
                spins=spins,
                radius_cm=radius_cm,
            )
        except PlanningInputError as error:
            raise invalid(error) from None

    def sessions(
        self, treatment: str, start: dt.date, sessions: int | None = None, interval_days: int | None = None
    ) -> SessionPlan:
        if treatment not in TREATMENTS:
            raise Invalid([FieldError("treatment", f"must be one of {', '.join(TREATMENTS)}")])
        try:
            return plan_sessions(
                treatment,
                self.kb.treatments[treatment].course,
                self.data.aftercare[treatment],
                start,
                sessions=sessions,
                interval_days=interval_days,
            )
        except PlanningInputError as error:
            raise invalid(error) from None
        except OverflowError:  # a start date so late that a later visit would pass the year 9999
            raise Invalid([FieldError("start", "is too far in the future to date every visit")]) from None

    def cocktail(
        self,
        components: Sequence[CocktailComponent],
        session_date: dt.date,
        allergies: Collection[str],
        points: int | None = None,
        technique: str | None = None,
    ) -> SessionCocktail:
        try:
            return plan_cocktail(
                self.data.cocktails,
                self.data.cocktail_allergy_rule,
                components,
                session_date,
                allergies,
                points=points,
                technique=self.data.techniques.get(technique) if technique else None,
                limits=self.data.cocktail_limits,  # typing errors (500 for 5.00 mL) refused everywhere
            )
        except PlanningInputError as error:
            raise invalid(error) from None
