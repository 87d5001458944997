"""Use cases for the plan kept with a consultation: the session plan, the edited face chart, recorded sessions.

Each takes a unit of work and audits like every other use of patient data (entity `treatment_plan`, id the
consultation's). The planning core decides every number; this module only checks the request against the
consultation (its final decision, its intake's allergies), stores what the clinician chose and rebuilds the
drawing and the dates from it, so a plan reopened later follows the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rejuv.domain.errors import FieldError
from rejuv.planning.chart.face_chart import ChartRequest, FaceChart
from rejuv.planning.cocktail import CocktailComponent, SessionCocktail
from rejuv.planning.protocol import Spin
from rejuv.planning.prp import PrpSample
from rejuv.planning.sessions import SessionPlan
from rejuv.services.chart_edits import ChartEdit, apply_edit, spots_of, with_points
from rejuv.services.clock import Clock, utc_now
from rejuv.services.errors import Invalid, NotFound
from rejuv.services.plan_records import RecordedSession, TreatmentPlan
from rejuv.services.planning import DEFAULT_TECHNIQUE, TREATMENTS, Planner
from rejuv.services.ports import UnitOfWork
from rejuv.services.records import Consultation

ENTITY = "treatment_plan"
DEFAULT_ZONES = ("forehead", "cheek")  # when the intake names no zone: the most often treated areas


@dataclass(frozen=True)
class PlanView:
    consultation: Consultation
    plan: TreatmentPlan | None
    sessions: list[RecordedSession]


@dataclass(frozen=True)
class PlanRequest:
    treatment: str
    start: dt.date
    sessions: int | None = None
    interval_days: int | None = None
    zones: tuple[str, ...] = ()
    spacing_mm: float | None = None
    waive: tuple[str, ...] = ()  # exclusions to waive; the planning core refuses any its technique may not


def plannable(consultation: Consultation) -> tuple[str, ...]:
    """The treatments this consultation may be planned for: its decision, both for `either`, none for `refer`."""
    final = consultation.final_decision
    return TREATMENTS if final == "either" else tuple(t for t in TREATMENTS if t == final)


def intake_zones(consultation: Consultation) -> tuple[str, ...]:
    """The zones the person named for their concerns, in the order named, or the defaults when none."""
    found: list[str] = []
    for concern in consultation.intake.get("concerns") or []:
        if isinstance(concern, dict):
            found.extend(z for z in concern.get("zones") or [] if isinstance(z, str) and z not in found)
    return tuple(found) or DEFAULT_ZONES


def intake_allergies(consultation: Consultation) -> tuple[str, ...]:
    history = consultation.intake.get("history") or {}
    allergies = history.get("allergies") if isinstance(history, dict) else None
    return tuple(a for a in allergies or [] if isinstance(a, str))


def draw_chart(planner: Planner, plan: TreatmentPlan) -> FaceChart:
    """The stored chart drawn again from the template, with the clinician's points."""
    request = ChartRequest(
        zones=plan.zones, technique=plan.technique, spacing_mm=plan.spacing_mm, waive=frozenset(plan.waived)
    )
    return with_points(planner.chart(request), plan.points)


def session_plan(planner: Planner, plan: TreatmentPlan) -> SessionPlan:
    return planner.sessions(plan.treatment, plan.start, plan.sessions, plan.interval_days)


def load_plan(uow: UnitOfWork, actor: str, consultation_id: int, clock: Clock = utc_now) -> PlanView:
    with uow:
        consultation = _consultation(uow, consultation_id)
        plan = uow.plans.for_consultation(consultation_id)
        sessions = uow.plans.sessions(plan.id) if plan else []
        uow.audit.add(actor, "read", ENTITY, str(consultation_id), "", clock())
        uow.commit()
    return PlanView(consultation, plan, sessions)


def save_plan(
    uow: UnitOfWork, planner: Planner, actor: str, consultation_id: int, request: PlanRequest, clock: Clock = utc_now
) -> TreatmentPlan:
    """Create or change the plan. The chart keeps its edited points unless its zones, technique, spacing or
    waiver change, in which case it is charted afresh (old points may not fit the new zones)."""
    with uow:
        consultation = _consultation(uow, consultation_id)
        allowed = plannable(consultation)
        if request.treatment not in allowed:
            message = f"must be {' or '.join(allowed)}" if allowed else "cannot be planned: the decision is to refer"
            raise Invalid([FieldError("treatment", message)])
        dated = planner.sessions(request.treatment, request.start, request.sessions, request.interval_days)
        zones = request.zones or intake_zones(consultation)
        technique = DEFAULT_TECHNIQUE[request.treatment]
        waived = tuple(sorted(set(request.waive)))
        chart = planner.chart(
            ChartRequest(zones=zones, technique=technique, spacing_mm=request.spacing_mm, waive=frozenset(waived))
        )
        existing = uow.plans.for_consultation(consultation_id)
        if existing and existing.treatment != request.treatment and uow.plans.sessions(existing.id):
            raise Invalid([FieldError("treatment", "cannot change once a session has been recorded")])
        same_chart = existing is not None and (
            existing.zones,
            existing.technique,
            existing.spacing_mm,
            existing.waived,
        ) == (tuple(zones), technique, chart.spacing_mm, waived)
        plan = TreatmentPlan(
            consultation_id=consultation_id,
            treatment=request.treatment,
            start=request.start,
            sessions=dated.sessions,
            interval_days=dated.interval_days,
            technique=technique,
            zones=tuple(zones),
            spacing_mm=chart.spacing_mm,
            points=existing.points if existing is not None and same_chart else spots_of(chart),
            updated_by=actor,
            updated_at=clock(),
            waived=waived,
        )
        saved = uow.plans.save(plan)
        detail = f"{plan.treatment} x{plan.sessions} every {plan.interval_days} d from {plan.start.isoformat()}"
        if waived:
            detail += f"; waived: {', '.join(waived)}"
        uow.audit.add(actor, "update" if existing else "create", ENTITY, str(consultation_id), detail, clock())
        uow.commit()
    return saved


def edit_chart(
    uow: UnitOfWork, planner: Planner, actor: str, consultation_id: int, edit: ChartEdit, clock: Clock = utc_now
) -> TreatmentPlan:
    with uow:
        plan = _plan(uow, consultation_id)
        chart = draw_chart(planner, plan)
        spots = apply_edit(chart, plan.points, edit)
        saved = uow.plans.save(replace(plan, points=spots, updated_by=actor, updated_at=clock()))
        where = "" if edit.x_mm is None else f" to ({edit.x_mm:g}, {edit.y_mm:g}) mm"
        detail = f"chart {edit.action}" + (f" point {edit.number}" if edit.number else "") + where
        uow.audit.add(actor, "update", ENTITY, str(consultation_id), detail, clock())
        uow.commit()
    return saved


def record_prp_session(
    uow: UnitOfWork,
    planner: Planner,
    actor: str,
    consultation_id: int,
    number: int,
    session_date: dt.date | None,
    sample: PrpSample,
    protocol: dict[str, Any],
    clock: Clock = utc_now,
) -> RecordedSession:
    """A PRP session with its preparation protocol and the assessment of the PRP obtained."""
    spins: Sequence[Spin] | None = protocol.get("spins")
    prepared = planner.protocol(
        blood_volume_ml=protocol.get("blood_volume_ml"),
        tube_volume_ml=protocol.get("tube_volume_ml"),
        anticoagulant=protocol.get("anticoagulant"),
        spins=spins,
        radius_cm=protocol.get("radius_cm"),
    )
    assessment = planner.assess(sample)
    details = {"protocol": prepared.as_dict(), "assessment": assessment.as_dict()}
    return _record(uow, planner, actor, consultation_id, "prp", number, session_date, details, clock)


def check_cocktail(
    planner: Planner, view: PlanView, components: Sequence[CocktailComponent], session_date: dt.date
) -> SessionCocktail:
    """The cocktail checked against the intake's allergies, the session date and the chart's points."""
    plan = view.plan
    points = len(plan.points) if plan and plan.points else None
    technique = plan.technique if plan else None
    return planner.cocktail(components, session_date, intake_allergies(view.consultation), points, technique)


def record_mesotherapy_session(
    uow: UnitOfWork,
    planner: Planner,
    actor: str,
    consultation_id: int,
    number: int,
    session_date: dt.date | None,
    components: Sequence[CocktailComponent],
    clock: Clock = utc_now,
) -> RecordedSession:
    """A mesotherapy session with its cocktail, lots and expiry dates. A cocktail that conflicts with the
    intake's allergies or holds an expired product is refused: it must not be injected, so it is not recorded."""
    view = load_plan(uow, actor, consultation_id, clock)
    when = session_date or _planned_date(planner, view, number)
    cocktail = check_cocktail(planner, view, components, when)
    if cocktail.blocked:
        errors = [FieldError("product", w.text) for w in cocktail.warnings if w.code == "allergy_conflict"]
        errors += [FieldError("expiry", w.text) for w in cocktail.warnings if w.code == "product_expired"]
        raise Invalid(errors or [FieldError("product", "this cocktail must not be used")])
    details = {"cocktail": cocktail.as_dict()}
    return _record(uow, planner, actor, consultation_id, "mesotherapy", number, when, details, clock)


def _record(
    uow: UnitOfWork,
    planner: Planner,
    actor: str,
    consultation_id: int,
    treatment: str,
    number: int,
    session_date: dt.date | None,
    details: dict[str, Any],
    clock: Clock,
) -> RecordedSession:
    with uow:
        plan = _plan(uow, consultation_id)
        if plan.treatment != treatment:
            raise Invalid([FieldError("treatment", f"the plan is for {plan.treatment}, not {treatment}")])
        visits = session_plan(planner, plan).visits
        if not 1 <= number <= len(visits):
            raise Invalid([FieldError("number", f"must be a planned visit, 1 to {len(visits)}")])
        if any(s.number == number for s in uow.plans.sessions(plan.id)):
            raise Invalid([FieldError("number", f"visit {number} has already been recorded")])
        when = session_date or visits[number - 1].date
        recorded = uow.plans.add_session(plan.id, number, when, treatment, details, actor, clock())
        uow.audit.add(
            actor, "create", "treatment_session", str(recorded.id), f"consultation={consultation_id}", clock()
        )
        uow.commit()
    return recorded


def _planned_date(planner: Planner, view: PlanView, number: int) -> dt.date:
    if view.plan is None:
        raise Invalid([FieldError("number", "save a session plan first")])
    visits = session_plan(planner, view.plan).visits
    return visits[number - 1].date if 1 <= number <= len(visits) else view.plan.start


def _consultation(uow: UnitOfWork, consultation_id: int) -> Consultation:
    found = uow.consultations.get(consultation_id)
    if found is None:
        raise NotFound("the consultation")
    return found


def _plan(uow: UnitOfWork, consultation_id: int) -> TreatmentPlan:
    _consultation(uow, consultation_id)
    plan = uow.plans.for_consultation(consultation_id)
    if plan is None:
        raise Invalid([FieldError("start", "save a session plan first")])
    return plan
