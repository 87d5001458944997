"""The authenticated JSON API: session, patients, consultations and the audit log.

Authentication is the same signed session cookie as the clinic pages; state-changing calls also need the
session's CSRF token in an `X-CSRF-Token` header (returned by `POST /api/session`). Anonymous calls get 401,
the wrong role 403, both as problem+json.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from rejuv.services import audit, consultations, patients
from rejuv.services.accounts import authenticate, end_sessions
from rejuv.services.records import Consultation, Patient, User
from rejuv.web.deps import MAX_ROW_ID, AdminDep, ClinicianDep, OptionalUserDep, RowId, SessionDep, StateDep
from rejuv.web.problems import problem_responses
from rejuv.web.security import CSRF_HEADER, NotAuthenticated, check_csrf
from rejuv.web.strict_body import refuse_repeated_keys

# Every JSON body here is decoded strictly too: a repeated key is refused, never resolved to its last value.
router = APIRouter(prefix="/api", tags=["clinic"], dependencies=[Depends(refuse_repeated_keys)])
AUTH_ERRORS = problem_responses(401, 403, 422)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class PatientBody(_Body):
    reference: Annotated[str, Field(min_length=1, max_length=64, description="the clinic's own record number")]
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    birth_year: Annotated[int | None, Field(ge=1800, le=2200)] = None


class ConsultationBody(_Body):
    patient_id: Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
    intake: dict[str, Any] = Field(description="an intake contract document")
    decision: Literal["accept", "override"]
    final_decision: Literal["mesotherapy", "prp", "either", "refer"] | None = None
    override_reason: Annotated[str | None, Field(max_length=2000)] = None
    notes: Annotated[str, Field(max_length=10_000)] = ""


def _csrf(request: Request, session: SessionDep) -> None:
    check_csrf(session, request.headers.get(CSRF_HEADER))


def clinician_writer(user: ClinicianDep, _csrf_ok: Annotated[None, Depends(_csrf)]) -> User:
    """A clinician whose request carries the session's CSRF token (role first, so anonymous gets 401)."""
    return user


WriterDep = Annotated[User, Depends(clinician_writer)]


@router.post(
    "/session", summary="Log in; returns the CSRF token for later writes", responses=problem_responses(401, 422, 429)
)
def log_in(body: LoginBody, request: Request, state: StateDep, session: SessionDep) -> JSONResponse:
    client = request.client.host if request.client else "unknown"
    state.limiter.check(client, body.username)
    user = authenticate(state.uow(), body.username, body.password)
    if user is None:
        raise NotAuthenticated()
    state.limiter.succeed(client, body.username)
    state.sessions.log_in(session, user.id, user.session_version)
    response = JSONResponse({"username": user.username, "role": user.role, "csrf_token": session.csrf})
    state.sessions.save(request, response)
    return response


@router.delete("/session", summary="Log out", status_code=204, responses=problem_responses(401, 403))
def log_out(request: Request, state: StateDep, session: SessionDep, user: OptionalUserDep) -> JSONResponse:
    if user is None:
        raise NotAuthenticated()
    check_csrf(session, request.headers.get(CSRF_HEADER))
    end_sessions(state.uow(), user.id)
    state.sessions.log_out(session)
    response = JSONResponse(None, status_code=204)
    state.sessions.save(request, response)
    return response


@router.get("/patients", summary="List or search patients", responses=AUTH_ERRORS)
def list_patients(
    state: StateDep, user: ClinicianDep, q: Annotated[str, Query(max_length=100)] = ""
) -> list[dict[str, Any]]:
    return [_patient(p) for p in patients.search_patients(state.uow(), user.username, q)]


@router.post("/patients", summary="Create a patient", status_code=201, responses=problem_responses(401, 403, 409, 422))
def create_patient(body: PatientBody, state: StateDep, user: WriterDep) -> dict[str, Any]:
    created = patients.create_patient(state.uow(), user.username, body.reference, body.full_name, body.birth_year)
    return _patient(created)


@router.get(
    "/patients/{patient_id}",
    summary="A patient and their consultation history",
    responses=problem_responses(401, 403, 404, 422),
)
def get_patient(patient_id: RowId, state: StateDep, user: ClinicianDep) -> dict[str, Any]:
    history = patients.patient_history(state.uow(), user.username, patient_id)
    return {**_patient(history.patient), "consultations": [_consultation(c) for c in history.consultations]}


@router.post(
    "/consultations",
    summary="Save a consultation: intake, recommendation, decision and notes",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422),
)
def create_consultation(body: ConsultationBody, state: StateDep, user: WriterDep) -> dict[str, Any]:
    saved = consultations.record_consultation(
        state.uow(),
        state.advisor,
        user.username,
        body.patient_id,
        body.intake,
        body.decision,
        body.final_decision,
        body.override_reason,
        body.notes,
    )
    return _consultation(saved)


@router.get(
    "/consultations",
    summary="A patient's consultations, oldest first",
    responses=problem_responses(401, 403, 404, 422),
)
def list_consultations(
    state: StateDep, user: ClinicianDep, patient_id: Annotated[int, Query(ge=1, le=2**63 - 1)]
) -> list[dict[str, Any]]:
    """Read (and audited) like the patient's history; the patient is required, so no request lists every
    consultation of the clinic at once."""
    return [_consultation(c) for c in patients.patient_history(state.uow(), user.username, patient_id).consultations]


@router.get(
    "/consultations/{consultation_id}", summary="One consultation", responses=problem_responses(401, 403, 404, 422)
)
def get_consultation(consultation_id: RowId, state: StateDep, user: ClinicianDep) -> dict[str, Any]:
    return _consultation(consultations.get_consultation(state.uow(), user.username, consultation_id))


@router.get("/audit", summary="The audit log, newest first (admins only)", responses=AUTH_ERRORS)
def audit_log(
    state: StateDep,
    user: AdminDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[dict[str, Any]]:
    entries = audit.audit_entries(state.uow(), user.username, limit, offset)
    return [{**asdict(e), "at": e.at.isoformat()} for e in entries]


def _patient(p: Patient) -> dict[str, Any]:
    return {**asdict(p), "created_at": p.created_at.isoformat()}


def _consultation(c: Consultation) -> dict[str, Any]:
    return {**asdict(c), "created_at": c.created_at.isoformat()}
