"""Use cases for the plan kept with a consultation: the session plan, the edited face chart, recorded sessions.

Each takes a unit of work and audits like every other use of patient data (entity `treatment_plan`, id the
consultation's). The planning core decides every number; this module only checks the request against the
consultation (its final decision, its intake's allergies), stores what the clinician chose and rebuilds the
drawing and the dates from it, so a plan reopened later follows the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rejuv.domain.errors import FieldError
from rejuv.planning.advice import PlanWarning
from rejuv.planning.chart.face_chart import ChartRequest, FaceChart
from rejuv.planning.cocktail import CocktailComponent, SessionCocktail
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.protocol import Spin, anticoagulant_allergy
from rejuv.planning.prp import PrpSample
from rejuv.planning.sessions import SessionPlan
from rejuv.services.chart_edits import ChartEdit, apply_edit, spots_of, with_points
from rejuv.services.clock import Clock, utc_now
from rejuv.services.errors import Invalid, NotFound
from rejuv.services.plan_records import RecordedSession, TreatmentPlan
from rejuv.services.planning import DEFAULT_TECHNIQUE, TREATMENTS, Planner, invalid
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


def intake_allergies_answered(consultation: Consultation) -> bool:
    """Whether the intake says anything about allergies. An empty list means "none"; no list means nobody asked,
    and the pages must say so rather than "no allergy", because the cocktail check can only use what is known."""
    history = consultation.intake.get("history")
    return isinstance(history, dict) and isinstance(history.get("allergies"), list)


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
    """Create or change the plan. The chart keeps its edited points unless its zones (as a set: their order does
    not matter), technique, spacing or waiver change, in which case it is charted afresh (old points may not fit
    the new zones). Once a session is recorded, the treatment, start and interval stay and the count cannot fall
    below the highest recorded visit, so no recorded session is dropped or attached to another date."""
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
        if existing is not None:
            _keeps_recorded_sessions(existing, uow.plans.sessions(existing.id), request.treatment, dated)
        # Zones compare as a set: the form sends its checkboxes in the template's order, which need not be the
        # order the plan was first saved in (the intake's), and the order alone must not discard edited points.
        same_chart = existing is not None and (
            frozenset(existing.zones),
            existing.technique,
            existing.spacing_mm,
            tuple(sorted(set(existing.waived))),
        ) == (frozenset(zones), technique, chart.spacing_mm, waived)
        if existing is not None and same_chart:
            zones = existing.zones  # the same chart, drawn in the same order, so the points keep their numbers
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


def _keeps_recorded_sessions(
    existing: TreatmentPlan, recorded: Sequence[RecordedSession], treatment: str, dated: SessionPlan
) -> None:
    """Refuse a change that would misattribute or drop a recorded session. Visits are numbered and dated from
    the start and the interval, and a recorded session is matched to its visit by number, so once one is
    recorded the treatment, the start and the interval stay as they were and the count cannot fall below the
    highest recorded visit (docs/planning.md, "Changing a plan after sessions are recorded")."""
    if not recorded:
        return
    last = max(recorded, key=lambda s: s.number)
    errors: list[FieldError] = []
    if treatment != existing.treatment:
        errors.append(FieldError("treatment", "cannot change once a session has been recorded"))
    if dated.start != existing.start:
        errors.append(
            FieldError(
                "start",
                f"cannot change once a session has been recorded: keep {existing.start.isoformat()}; a visit done "
                "on another day is recorded with the date it was done",
            )
        )
    if dated.interval_days != existing.interval_days:
        errors.append(
            FieldError(
                "interval_days",
                f"cannot change once a session has been recorded: keep {existing.interval_days}; a visit done "
                "on another day is recorded with the date it was done",
            )
        )
    if dated.sessions < last.number:
        errors.append(
            FieldError(
                "sessions",
                f"must be at least {last.number}: visit {last.number} was recorded on "
                f"{last.session_date.isoformat()}, and a plan cannot drop a recorded session",
            )
        )
    if errors:
        raise Invalid(errors)


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
    """A PRP session with its preparation protocol and the assessment of the PRP obtained. An anticoagulant the
    intake's allergies rule out (a citrate one for a citrate allergy) is refused on the `anticoagulant` field, as
    are counts and volumes outside the plausibility limits (typing errors), on their own fields."""
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

    def no_allergy(consultation: Consultation) -> None:
        # Like a cocktail, an anticoagulant the intake's allergies rule out must not be used, so it is not recorded.
        conflict = prp_anticoagulant_warning(planner, consultation, prepared.anticoagulant)
        if conflict is not None:
            raise Invalid([FieldError("anticoagulant", conflict.text)])

    return _record(uow, planner, actor, consultation_id, "prp", number, session_date, details, clock, no_allergy)


def prp_anticoagulant_warning(
    planner: Planner, consultation: Consultation, anticoagulant: str | None = None
) -> PlanWarning | None:
    """For the Plan page, before any PRP session is recorded: the warning (with the allergy, what to choose
    instead and its citations) when the intake's allergies rule out `anticoagulant`, by default the default
    protocol's; None when there is no conflict. `record_prp_session` refuses a session in that case."""
    try:
        return anticoagulant_allergy(planner.data.prp, anticoagulant, intake_allergies(consultation))
    except PlanningInputError as error:
        raise invalid(error) from None


def check_cocktail(
    planner: Planner, view: PlanView, components: Sequence[CocktailComponent], session_date: dt.date
) -> SessionCocktail:
    """The cocktail checked against the intake's allergies, the session date and the chart's points; volumes
    outside the plausibility limits (typing errors such as 500 mL) are refused with the allowed range."""
    plan = view.plan
    points = len(plan.points) if plan and plan.points else None
    technique = plan.technique if plan else None
    # Planner.cocktail applies the plausibility limits too (typing errors such as 500 mL for 5.00).
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
    check: Callable[[Consultation], None] | None = None,
) -> RecordedSession:
    with uow:
        plan = _plan(uow, consultation_id)
        if check is not None:
            check(_consultation(uow, consultation_id))
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
