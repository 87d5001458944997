"""The Plan page of a consultation: session plan with .ics, the face chart and its editor, recorded sessions.

Everything works with plain forms (no JavaScript needed): each form posts, the use case checks it, and the page
comes back either redirected (saved) or with the message beside the field (422). A small script
(`/static/chart-editor.js`) only fills those same forms when the clinician clicks or drags on the chart.
Clinicians only, CSRF on every form; the services audit every read and write.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from rejuv.domain.errors import FieldError
from rejuv.knowledge.schema import Statement
from rejuv.planning.advice import PlanWarning
from rejuv.planning.chart.face_chart import ZONE_IDS, FaceChart
from rejuv.planning.chart.svg import render_svg
from rejuv.planning.ics import export_ics
from rejuv.planning.sessions import SessionPlan
from rejuv.services import patients
from rejuv.services import treatment_plans as plans
from rejuv.services.errors import Invalid
from rejuv.services.planning import DEFAULT_TECHNIQUE
from rejuv.services.records import Patient, User
from rejuv.web import plan_forms
from rejuv.web.deps import AppState, ClinicianDep, RowId, SessionDep, StateDep
from rejuv.web.security import CSRF_FIELD, check_csrf
from rejuv.web.templating import render

router = APIRouter(prefix="/clinic/consultations", include_in_schema=False)

FORM_FIELDS = {
    "plan": frozenset(("treatment", "start", "sessions", "interval_days", "zones", "allow_glabella", "spacing_mm")),
    "add": frozenset(("zone", "x_mm", "y_mm")),
    "move": frozenset(("number", "x_mm", "y_mm")),
    "remove": frozenset(("number",)),
}
STOPS = ("refer", "exclude")  # findings that make an option unsuitable; "caution" ones only ask for care


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
    allergies_answered: bool
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
    treatment: str = ""  # the treatment ticked on the plan form: the saved one, or the one sent
    # The saved recommendation's findings that concern the planned treatment: refer/exclude first, then cautions.
    stops: list[dict[str, Any]] = field(default_factory=list)
    cautions: list[dict[str, Any]] = field(default_factory=list)
    start_notice: str = ""  # a start date before today: saved, but said beside the field
    # For a PRP plan: the default anticoagulant conflicts with an allergy in the intake (what to do instead).
    anticoagulant_warning: PlanWarning | None = None

    def fields(self, form: str) -> frozenset[str]:
        """The fields the page shows for `form`, each with the id `<form>-<field>`, to put its error beside it."""
        if form == "session":
            rows = {f"{name}-{i}" for name in plan_forms.COCKTAIL_FIELDS for i in range(1, self.cocktail_slots + 1)}
            return plan_forms.SESSION_FIELDS | rows
        return FORM_FIELDS.get(form, frozenset())

    def other_errors(self, form: str) -> list[tuple[str, str]]:
        """(label, message) of the errors that have no field of their own on the form: shown at its top."""
        if self.form != form:
            return []
        known = self.fields(form)
        return [(plan_forms.label(path), message) for path, message in self.errors.items() if path not in known]

    def summary(self, form: str) -> list[tuple[str, str, str]]:
        """(link target, label, message) of each error of `form`, as the use case gave them."""
        if self.form != form:
            return []
        known = self.fields(form)
        return [
            (f"{form}-{path}" if path in known else f"{form}-other", plan_forms.label(path), message)
            for path, message in self.errors.items()
        ]


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
    sent: plan_forms.Form | None = None,
) -> PlanPage:
    """The page; for a refused form, `sent` is what was posted, shown again exactly as it was."""
    view = plans.load_plan(state.uow(), user.username, consultation_id)
    patient = patients.patient_history(state.uow(), user.username, view.consultation.patient_id).patient
    data = state.planner.data
    sent = sent or {}
    values = {k: v[0][: plan_forms.MAX_TEXT] for k, v in sent.items() if k != CSRF_FIELD and v}
    choices = plans.plannable(view.consultation)
    plan = view.plan
    refused_plan = form == "plan"  # then the zones, waiver and treatment are the ones sent, not the saved ones
    if refused_plan:
        zones, waived, treatment = (
            plan_forms.posted_zones(sent),
            bool(plan_forms.waived(sent)),
            values.get("treatment", ""),
        )
    elif plan is not None:
        zones, waived, treatment = plan.zones, "glabella" in plan.waived, plan.treatment
    else:
        zones, waived, treatment = plans.intake_zones(view.consultation), False, (choices[0] if choices else "")
    page = PlanPage(
        title=f"Treatment plan: {patient.full_name}",
        view=view,
        patient=patient,
        choices=choices,
        zone_ids=ZONE_IDS,
        chosen_zones=zones,
        products=[(p.id, p.name) for p in data.cocktails.values()],
        anticoagulants=[(a.id, a.label) for a in data.prp.anticoagulants],
        allergies=plans.intake_allergies(view.consultation),
        allergies_answered=plans.intake_allergies_answered(view.consultation),
        glabella_waiver=next((e.waiver for e in data.template.exclusions if e.id == "glabella"), None),
        glabella_waived=waived,
        form=form,
        values=values,
        treatment=treatment,
    )
    page.errors = _placed(state, page, errors or [], sent)
    page.stops, page.cautions = _findings(
        view.consultation.recommendation, page.treatment or view.consultation.final_decision
    )
    page.start_notice = _start_notice(
        values.get("start", "") if refused_plan else plan.start.isoformat() if plan else "",
        bool(view.sessions),
    )
    if (plan is not None and plan.treatment == "prp") or treatment == "prp":
        page.anticoagulant_warning = plans.prp_anticoagulant_warning(state.planner, view.consultation)
    if view.plan is not None:
        page.dated = plans.session_plan(state.planner, view.plan)
        page.chart = plans.draw_chart(state.planner, view.plan)
        page.chart_svg = Markup(render_svg(page.chart))  # the core escapes every text it writes
    return page


def _placed(state: AppState, page: PlanPage, errors: list[FieldError], sent: plan_forms.Form) -> dict[str, str]:
    """Each error under the name of the field it belongs to, worded for a clinician, every one kept.

    The use cases name the core's fields, sometimes behind a prefix (`protocol.anticoagulant`); a cocktail
    error names the field but not the row, so it is put on the row it concerns."""
    if page.form == "session":
        data = state.planner.data
        allergic = {
            p.id
            for p in data.cocktails.values()
            if any(set(i.allergy_ids) & set(page.allergies) for i in p.ingredients)
        }
        names = {p.id: p.name for p in data.cocktails.values()}
        page.cocktail_rows = plan_forms.cocktail_rows(sent)
        errors = plan_forms.place_on_rows(errors, page.cocktail_rows, allergic, names)
    known = page.fields(page.form)
    placed: dict[str, str] = {}
    for error in errors:
        path = error.path
        if path not in known and path.rsplit(".", 1)[-1] in known:
            path = path.rsplit(".", 1)[-1]
        message = _clinical(state, path, error.message)
        placed[path] = f"{placed[path]}; {message}" if path in placed and message not in placed[path] else message
    return placed


WAIVER = re.compile(r"^may be waived only for (?P<allowed>[\w, ]+), not (?P<technique>\w+)$")


def _clinical(state: AppState, path: str, message: str) -> str:
    """The core names techniques by their ids; the clinician reads their names."""
    found = WAIVER.match(message) if path.startswith("allow_") else None
    if not found:
        return message
    techniques = state.planner.data.techniques
    allowed = [techniques[t].label if t in techniques else t for t in found["allowed"].split(", ")]
    technique = found["technique"]
    treatment = next((t for t, k in DEFAULT_TECHNIQUE.items() if k == technique), "")
    kb_treatment = state.planner.kb.treatments.get(treatment)
    used = techniques[technique].label if technique in techniques else technique
    planned = f"{kb_treatment.name} ({used})" if kb_treatment else used
    return f"may be waived only for {' or '.join(allowed)}, not for {planned}"


def _findings(recommendation: dict[str, Any], treatment: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The recommendation's findings that name `treatment`: those that rule it out, and those that ask for care."""
    concerning = [
        f
        for f in recommendation.get("findings") or []
        if isinstance(f, dict) and treatment in (f.get("treatments") or [])
    ]
    return [f for f in concerning if f.get("effect") in STOPS], [f for f in concerning if f.get("effect") == "caution"]


def _start_notice(start: str, started: bool) -> str:
    """A first session dated before today is allowed (a plan written up afterwards) but is usually a typo."""
    try:
        when = dt.date.fromisoformat(start)
    except ValueError:
        return ""
    today = dt.date.today()
    if started or when >= today:
        return ""
    return (
        f"This date is before today ({today.isoformat()}). Check it is the date you meant; the plan keeps it as typed."
    )


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
        read = plan_forms.session_inputs(form, treatment)
        if read.sample is not None and read.protocol is not None:
            plans.record_prp_session(
                state.uow(),
                state.planner,
                user.username,
                consultation_id,
                read.number,
                read.when,
                read.sample,
                read.protocol,
            )
        else:
            plans.record_mesotherapy_session(
                state.uow(), state.planner, user.username, consultation_id, read.number, read.when, read.components
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
    page = build_page(state, user, consultation_id, form_name, exc.errors, form)
    context: dict[str, Any] = {"title": page.title, "page": page, "user": user}
    return render(request, "clinic/plan.html", context, 422)
