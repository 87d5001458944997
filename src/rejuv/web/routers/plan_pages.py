"""The Plan page of a consultation: session plan with .ics, the face chart and its editor, recorded sessions.

Everything works with plain forms (no JavaScript needed): each form posts, the use case checks it, and the page
comes back either redirected (saved) or with the message beside the field (422). A small script
(`/static/chart-editor.js`) only fills those same forms when the clinician clicks or drags on the chart.
Clinicians only, CSRF on every form; the services audit every read and write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from rejuv.domain.errors import FieldError
from rejuv.knowledge.schema import Statement
from rejuv.planning.chart.face_chart import ZONE_IDS, FaceChart
from rejuv.planning.chart.svg import render_svg
from rejuv.planning.ics import export_ics
from rejuv.planning.sessions import SessionPlan
from rejuv.services import patients
from rejuv.services import treatment_plans as plans
from rejuv.services.errors import Invalid
from rejuv.services.records import Patient, User
from rejuv.web import plan_forms
from rejuv.web.deps import AppState, ClinicianDep, RowId, SessionDep, StateDep
from rejuv.web.security import CSRF_FIELD, check_csrf
from rejuv.web.templating import render

router = APIRouter(prefix="/clinic/consultations", include_in_schema=False)


@dataclass
class PlanPage:
    """What the plan template may use; `form` names the form whose `errors` and `values` are shown."""

    title: str
    view: plans.PlanView
    patient: Patient
    choices: tuple[str, ...]
    zone_ids: tuple[str, ...]
    chosen_zones: tuple[str, ...]
    products: list[tuple[str, str]]
    anticoagulants: list[tuple[str, str]]
    allergies: tuple[str, ...]
    glabella_waiver: Statement | None = None  # what waiving the glabella means, from the face template
    glabella_waived: bool = False
    dated: SessionPlan | None = None
    chart: FaceChart | None = None
    chart_svg: Markup | None = None
    form: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    # The cocktail rows as sent (product, volume_ml, lot, expiry), so a refused session form keeps every row.
    cocktail_rows: list[dict[str, str]] = field(default_factory=list)
    cocktail_slots: int = plan_forms.COCKTAIL_ROWS


async def _form(request: Request, session: SessionDep) -> plan_forms.Form:
    data = await request.form(max_files=0, max_fields=200)
    form: plan_forms.Form = {}
    for key, value in data.multi_items():
        if isinstance(value, str):
            form.setdefault(key, []).append(value)
    check_csrf(session, plan_forms.one(form, CSRF_FIELD) or None)
    return form


def build_page(
    state: AppState,
    user: User,
    consultation_id: int,
    form: str = "",
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
) -> PlanPage:
    view = plans.load_plan(state.uow(), user.username, consultation_id)
    patient = patients.patient_history(state.uow(), user.username, view.consultation.patient_id).patient
    data = state.planner.data
    page = PlanPage(
        title=f"Treatment plan: {patient.full_name}",
        view=view,
        patient=patient,
        choices=plans.plannable(view.consultation),
        zone_ids=ZONE_IDS,
        chosen_zones=view.plan.zones if view.plan else plans.intake_zones(view.consultation),
        products=[(p.id, p.name) for p in data.cocktails.values()],
        anticoagulants=[(a.id, a.label) for a in data.prp.anticoagulants],
        allergies=plans.intake_allergies(view.consultation),
        glabella_waiver=next((e.waiver for e in data.template.exclusions if e.id == "glabella"), None),
        glabella_waived=(values or {}).get("allow_glabella") == "yes"
        if form == "plan"
        else bool(view.plan and "glabella" in view.plan.waived),
        form=form,
        errors={e.path: e.message for e in errors or []},
        values=values or {},
    )
    if view.plan is not None:
        page.dated = plans.session_plan(state.planner, view.plan)
        page.chart = plans.draw_chart(state.planner, view.plan)
        page.chart_svg = Markup(render_svg(page.chart))  # the core escapes every text it writes
    return page


def _back(consultation_id: int, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/clinic/consultations/{consultation_id}/plan#{anchor}", status_code=303)


@router.get("/{consultation_id}/plan", response_class=HTMLResponse)
def plan_page(request: Request, consultation_id: RowId, state: StateDep, user: ClinicianDep) -> HTMLResponse:
    page = build_page(state, user, consultation_id)
    return render(request, "clinic/plan.html", {"title": page.title, "page": page, "user": user})


@router.post("/{consultation_id}/plan", response_class=HTMLResponse)
async def plan_save(
    request: Request, consultation_id: RowId, state: StateDep, user: ClinicianDep, session: SessionDep
) -> Response:
    form = await _form(request, session)
    try:
        plans.save_plan(state.uow(), state.planner, user.username, consultation_id, plan_forms.plan_request(form))
    except Invalid as exc:
        return _refused(request, state, user, consultation_id, "plan", exc, form)
    return _back(consultation_id, "sessions-plan")


@router.get("/{consultation_id}/plan.ics")
def plan_ics(consultation_id: RowId, state: StateDep, user: ClinicianDep) -> Response:
    view = plans.load_plan(state.uow(), user.username, consultation_id)
    if view.plan is None:
        return RedirectResponse(f"/clinic/consultations/{consultation_id}/plan", status_code=303)
    dated = plans.session_plan(state.planner, view.plan)
    return Response(
        export_ics(dated, dt.datetime.now(dt.UTC)),
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="plan-{consultation_id}.ics"'},
    )


@router.post("/{consultation_id}/plan/chart", response_class=HTMLResponse)
async def chart_edit(
    request: Request, consultation_id: RowId, state: StateDep, user: ClinicianDep, session: SessionDep
) -> Response:
    form = await _form(request, session)
    action = plan_forms.one(form, "action")
    try:
        edit = plan_forms.chart_edit(form)
        plans.edit_chart(state.uow(), state.planner, user.username, consultation_id, edit)
    except Invalid as exc:
        where = action if action in ("add", "move", "remove") else "add"
        return _refused(request, state, user, consultation_id, where, exc, form)
    return _back(consultation_id, "chart")


@router.post("/{consultation_id}/plan/sessions", response_class=HTMLResponse)
async def session_record(
    request: Request, consultation_id: RowId, state: StateDep, user: ClinicianDep, session: SessionDep
) -> Response:
    form = await _form(request, session)
    treatment = plan_forms.one(form, "treatment")
    try:
        number, when = plan_forms.visit(form)
        if treatment == "prp":
            sample, protocol = plan_forms.prp_inputs(form)
            plans.record_prp_session(
                state.uow(), state.planner, user.username, consultation_id, number, when, sample, protocol
            )
        else:
            components = plan_forms.cocktail_components(form)
            plans.record_mesotherapy_session(
                state.uow(), state.planner, user.username, consultation_id, number, when, components
            )
    except Invalid as exc:
        return _refused(request, state, user, consultation_id, "session", exc, form)
    return _back(consultation_id, "recorded")


def _refused(
    request: Request,
    state: AppState,
    user: User,
    consultation_id: int,
    form_name: str,
    exc: Invalid,
    form: plan_forms.Form,
) -> HTMLResponse:
    values = {k: v[0][: plan_forms.MAX_TEXT] for k, v in form.items() if k != CSRF_FIELD and v}
    page = build_page(state, user, consultation_id, form_name, exc.errors, values)
    page.cocktail_rows = plan_forms.cocktail_rows(form)
    context: dict[str, Any] = {"title": page.title, "page": page, "user": user}
    return render(request, "clinic/plan.html", context, 422)
