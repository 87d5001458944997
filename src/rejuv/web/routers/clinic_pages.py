"""The clinician workspace pages: login, patients, consultations with accept/override, and the audit log.

Patient pages need the clinician role (admins manage accounts and read the audit log, not patient records).
Every form carries the CSRF token; every read and write of patient data is audited by the services.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rejuv.domain.errors import IntakeError
from rejuv.services import audit, consultations, patients
from rejuv.services.accounts import authenticate, create_user, end_sessions, list_users
from rejuv.services.errors import Conflict, Invalid
from rejuv.web.citing import sources_for
from rejuv.web.deps import AdminDep, AppState, ClinicianDep, OptionalUserDep, RowId, SessionDep, StateDep
from rejuv.web.questionnaire import Answers, decode_state, encode_state, merge, to_intake, validate
from rejuv.web.security import CSRF_FIELD, check_csrf
from rejuv.web.templating import render

router = APIRouter(prefix="/clinic", include_in_schema=False)


async def _form(request: Request, session: SessionDep) -> dict[str, list[str]]:
    data = await request.form(max_files=0, max_fields=400)
    form: dict[str, list[str]] = {}
    for key, value in data.multi_items():
        if isinstance(value, str):
            form.setdefault(key, []).append(value)
    check_csrf(session, _one(form, CSRF_FIELD) or None)
    return form


def _one(form: dict[str, list[str]], key: str, default: str = "") -> str:
    return (form.get(key) or [default])[0]


@router.get("", response_class=HTMLResponse)
def home(user: OptionalUserDep) -> Response:
    if user is None:
        return RedirectResponse("/clinic/login", status_code=303)
    return RedirectResponse("/clinic/audit" if user.role == "admin" else "/clinic/patients", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/clinic") -> HTMLResponse:
    return render(
        request,
        "clinic/login.html",
        {"title": "Clinician login", "next": _safe_next(next), "error": None, "username": ""},
    )


@router.post("/login", response_class=HTMLResponse)
async def log_in(request: Request, state: StateDep, session: SessionDep) -> Response:
    form = await _form(request, session)
    username, password = _one(form, "username")[:64], _one(form, "password")[:1024]
    next_url = _safe_next(_one(form, "next", "/clinic"))
    client = request.client.host if request.client else "unknown"
    await run_in_threadpool(state.limiter.check, client, username)  # a database transaction: not on the loop
    user = await run_in_threadpool(  # argon2 is CPU-bound: keep the event loop free
        authenticate, state.uow(), username, password
    )
    if user is None:
        return render(
            request,
            "clinic/login.html",
            {
                "title": "Clinician login",
                "next": next_url,
                "error": "The username or password is not right.",
                "username": username,
            },
            401,
        )
    await run_in_threadpool(state.limiter.succeed, client, username)
    state.sessions.log_in(session, user.id, user.session_version)
    response = RedirectResponse(next_url, status_code=303)
    state.sessions.save(request, response)
    return response


@router.post("/logout")
async def log_out(request: Request, state: StateDep, session: SessionDep) -> Response:
    await _form(request, session)
    if session.user_id is not None:
        end_sessions(state.uow(), session.user_id)
    state.sessions.log_out(session)
    response = RedirectResponse("/clinic/login", status_code=303)
    state.sessions.save(request, response)
    return response


@router.get("/patients", response_class=HTMLResponse)
def patient_list(request: Request, state: StateDep, user: ClinicianDep, q: str = "") -> HTMLResponse:
    found = patients.search_patients(state.uow(), user.username, q[:100])
    return render(
        request,
        "clinic/patients.html",
        {"title": "Patients", "user": user, "patients": found, "q": q[:100], "errors": {}, "values": {}},
    )


@router.post("/patients", response_class=HTMLResponse)
async def patient_create(request: Request, state: StateDep, user: ClinicianDep, session: SessionDep) -> Response:
    form = await _form(request, session)
    values = {k: _one(form, k) for k in ("reference", "full_name", "birth_year")}
    try:
        year = patients.birth_year_from(values["birth_year"])
        created = patients.create_patient(state.uow(), user.username, values["reference"], values["full_name"], year)
    except (Invalid, Conflict) as exc:
        found = patients.search_patients(state.uow(), user.username, "")
        errors = {e.path: e.message for e in exc.errors}
        return render(
            request,
            "clinic/patients.html",
            {"title": "Patients", "user": user, "patients": found, "q": "", "errors": errors, "values": values},
            409 if isinstance(exc, Conflict) else 422,
        )
    return RedirectResponse(f"/clinic/patients/{created.id}", status_code=303)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: RowId, state: StateDep, user: ClinicianDep) -> HTMLResponse:
    history = patients.patient_history(state.uow(), user.username, patient_id)
    return render(
        request, "clinic/patient.html", {"title": history.patient.full_name, "user": user, "history": history}
    )


@router.get("/patients/{patient_id}/consult", response_class=HTMLResponse)
def consult_form(request: Request, patient_id: RowId, state: StateDep, user: ClinicianDep) -> HTMLResponse:
    history = patients.patient_history(state.uow(), user.username, patient_id)
    return _consult(request, state, user, history.patient, {}, {})


@router.post("/patients/{patient_id}/consult", response_class=HTMLResponse)
async def consult_preview(
    request: Request, patient_id: RowId, state: StateDep, user: ClinicianDep, session: SessionDep
) -> HTMLResponse:
    """Check the intake and show the recommendation beside the accept/override form."""
    form = await _form(request, session)
    history = patients.patient_history(state.uow(), user.username, patient_id)
    answers: Answers = {}
    errors: dict[str, str] = {}
    for step in state.steps:
        answers = merge(answers, form, step)
        errors.update(validate(step, answers))
    if errors:
        return _consult(request, state, user, history.patient, answers, errors, 422)
    try:
        recommendation = state.advisor.recommend(to_intake(answers))
    except IntakeError as exc:
        return _consult(request, state, user, history.patient, answers, {"": str(exc)}, 422)
    return _decide(request, user, history.patient, answers, recommendation, {}, {})


@router.post("/patients/{patient_id}/consultations", response_class=HTMLResponse)
async def consult_save(
    request: Request, patient_id: RowId, state: StateDep, user: ClinicianDep, session: SessionDep
) -> Response:
    form = await _form(request, session)
    answers = decode_state(_one(form, "state"))
    values = {k: _one(form, k) for k in ("decision", "final_decision", "override_reason", "notes")}
    try:
        saved = consultations.record_consultation(
            state.uow(),
            state.advisor,
            user.username,
            patient_id,
            to_intake(answers),
            values["decision"],
            values["final_decision"] or None,
            values["override_reason"],
            values["notes"],
        )
    except Invalid as exc:
        history = patients.patient_history(state.uow(), user.username, patient_id)
        recommendation = state.advisor.recommend(to_intake(answers))
        errors = {e.path: e.message for e in exc.errors}
        return _decide(request, user, history.patient, answers, recommendation, errors, values, 422)
    return RedirectResponse(f"/clinic/consultations/{saved.id}", status_code=303)


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
def consultation_page(request: Request, consultation_id: RowId, state: StateDep, user: ClinicianDep) -> HTMLResponse:
    found = consultations.get_consultation(state.uow(), user.username, consultation_id)
    history = patients.patient_history(state.uow(), user.username, found.patient_id)
    return render(
        request,
        "clinic/consultation.html",
        {
            "title": f"Consultation {found.id}",
            "user": user,
            "consultation": found,
            "patient": history.patient,
            "sources": sources_for(state.advisor, found.recommendation),
        },
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, state: StateDep, user: AdminDep) -> HTMLResponse:
    return _users(request, state, user, {}, {})


@router.post("/users", response_class=HTMLResponse)
async def user_create(request: Request, state: StateDep, user: AdminDep, session: SessionDep) -> Response:
    form = await _form(request, session)
    values = {k: _one(form, k)[:1024] for k in ("username", "password", "role")}
    try:
        await run_in_threadpool(  # argon2 hashing is CPU-bound
            create_user, state.uow(), values["username"], values["password"], values["role"], user.username
        )
    except (Invalid, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        return _users(request, state, user, {e.path: e.message for e in exc.errors}, values, status)
    return RedirectResponse("/clinic/users", status_code=303)


def _users(
    request: Request, state: AppState, user: Any, errors: dict[str, str], values: dict[str, str], status: int = 200
) -> HTMLResponse:
    values = {k: v for k, v in values.items() if k != "password"}  # never echo a password back
    return render(
        request,
        "clinic/users.html",
        {"title": "Accounts", "user": user, "users": list_users(state.uow()), "errors": errors, "values": values},
        status,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, state: StateDep, user: AdminDep, page: int = 0) -> HTMLResponse:
    page = max(0, min(page, 10**6))
    entries = audit.audit_entries(state.uow(), user.username, 100, page * 100)
    return render(request, "clinic/audit.html", {"title": "Audit log", "user": user, "entries": entries, "page": page})


def _consult(
    request: Request,
    state: AppState,
    user: Any,
    patient: Any,
    answers: Answers,
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "clinic/consult.html",
        {
            "title": f"New consultation: {patient.full_name}",
            "user": user,
            "patient": patient,
            "steps": state.steps,
            "answers": answers,
            "errors": errors,
        },
        status,
    )


def _decide(
    request: Request,
    user: Any,
    patient: Any,
    answers: Answers,
    recommendation: dict[str, Any],
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "clinic/decide.html",
        {
            "title": f"Recommendation for {patient.full_name}",
            "user": user,
            "patient": patient,
            "state": encode_state(answers),
            "recommendation": recommendation,
            "sources": sources_for(request.app.state.rejuv.advisor, recommendation),
            "errors": errors,
            "values": values,
        },
        status,
    )


def _safe_next(target: str) -> str:
    """Only same-site paths: an open redirect after login would help phishing."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/clinic"
