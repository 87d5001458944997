"""The JSON API for answers a person sends to the clinic, and the clinic's inbox of them.

`POST /api/submissions` is public, like the decision aid's send form: no login, but consent must be `true`,
the body is decoded as strictly as `/api/recommend` (a repeated key is refused), the per-address send limit
is the form's, and an `Idempotency-Key` header makes a retried request return the first submission instead
of storing a second one (IETF draft "The Idempotency-Key HTTP Header Field"). The same key with a different
body is 422; a key whose submission has since been deleted is 409, and the answers are not stored again.

The inbox endpoints are for clinicians only (401 anonymous, 403 another role), need the session's CSRF token
in `X-CSRF-Token` to change anything, and every read and write is audited by the services, as on the inbox
pages. Submissions are found by their reference code, the one thing the person and the clinic both know.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.domain.strict_json import decode_json
from rejuv.services import submissions
from rejuv.services.errors import Invalid
from rejuv.services.records import Submission
from rejuv.web.contracts import contract_schema
from rejuv.web.deps import ClinicianDep, StateDep
from rejuv.web.problems import not_json, problem, problem_responses
from rejuv.web.routers.api_clinic import WriterDep
from rejuv.web.security import TooManyAttempts
from rejuv.web.strict_body import refuse_repeated_keys

# Every JSON body here is decoded strictly too: a repeated key is refused, never resolved to its last value.
router = APIRouter(prefix="/api", tags=["sent answers"], dependencies=[Depends(refuse_repeated_keys)])
SEND_FIELDS = ("name", "contact", "consent", "intake")
CODE_PATTERN = r"^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$"
NOT_STORED = ["the knowledge check", "the SURE test answers", "any summary or PDF"]
HOW_TO_DELETE = (
    "The answers are deleted by themselves on the date in delete_after. To have them deleted sooner, contact "
    "the clinic and quote the reference code."
)

Code = Annotated[str, Path(pattern=CODE_PATTERN, description="the reference code, such as K7PQ-4QX9")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=f"^{submissions.SEND_KEY_PATTERN.pattern}$",
        description="Any unique string of 16 to 64 letters, digits or . _ ~ - (a UUID fits). The same key "
        "again returns the first submission instead of storing a second one.",
    ),
]


class Stored(BaseModel):
    """What the clinic stores, shown back to the sender so they know exactly what was kept."""

    name: str
    contact: str
    intake: dict[str, Any] = Field(description="the intake contract document as sent")
    recommendation: dict[str, Any] = Field(description="the recommendation computed on the server")
    knowledge_version: str


class SentOut(BaseModel):
    code: str = Field(description="the reference code to quote to the clinic")
    created_at: dt.datetime
    delete_after: dt.datetime = Field(description="when the answers are wiped by themselves (UTC)")
    retention_days: int
    stored: Stored
    not_stored: list[str]
    how_to_delete: str


class SubmissionOut(BaseModel):
    code: str
    status: Literal["new", "imported", "deleted"]
    created_at: dt.datetime
    delete_after: dt.datetime
    name: str = Field(description="empty once deleted")
    contact: str = Field(description="empty once deleted")
    intake: dict[str, Any] = Field(description="empty once deleted")
    recommendation: dict[str, Any] = Field(description="the recommendation when sent; empty once deleted")
    knowledge_version: str


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: Annotated[str, Field(min_length=1, max_length=64, description="the clinic's own record number")]
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    birth_year: Annotated[int | None, Field(ge=1800, le=2200)] = None
    decision: Literal["accept", "override"]
    final_decision: Literal["mesotherapy", "prp", "either", "refer"] | None = None
    override_reason: Annotated[str | None, Field(max_length=2000)] = None
    notes: Annotated[str, Field(max_length=10_000)] = ""


class ImportedOut(BaseModel):
    patient: dict[str, Any]
    consultation: dict[str, Any]


def _send_openapi() -> dict[str, Any]:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": list(SEND_FIELDS),
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": submissions.MAX_NAME_CHARS},
            "contact": {
                "type": "string",
                "minLength": 1,
                "maxLength": submissions.MAX_CONTACT_CHARS,
                "description": "a phone number or email address, as the person prefers",
            },
            "consent": {"const": True, "description": "the person agrees the clinic stores the answers"},
            "intake": contract_schema("intake"),
        },
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@router.post(
    "/submissions",
    summary="Send a person's answers to the clinic, with consent (no login)",
    status_code=201,
    openapi_extra=_send_openapi(),
    responses={
        201: {"model": SentOut, "description": "Stored", "headers": {"Location": {"schema": {"type": "string"}}}},
        200: {
            "model": SentOut,
            "description": "Already stored with this Idempotency-Key: the first submission; nothing new was stored",
        },
        **problem_responses(400, 409, 413, 415, 422, 429),
    },
)
async def send(request: Request, state: StateDep, idempotency_key: IdempotencyKey = None) -> Response:
    """Store name, contact, intake and the server's recommendation; say what was stored and until when."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        return problem(415, "Send the answers as application/json.", errors=[FieldError("body", "must be JSON")])
    try:
        document = decode_json(await request.body())
    except IntakeError as exc:
        return not_json(exc)
    errors = _shape_errors(document)
    if errors:
        return problem(422, "Some fields need attention.", errors=errors, instance=request.url.path)
    key = submissions.SendKey("api", idempotency_key) if idempotency_key else None
    retention_days = state.settings.submission_retention_days
    if key is None or not await run_in_threadpool(submissions.was_sent, state.uow(), key):
        client = request.client.host if request.client else "unknown"
        try:  # a replay stores nothing, so only a send that may store counts against the limit
            await run_in_threadpool(state.send_limiter.check, client, client)
        except TooManyAttempts as exc:
            return problem(
                429,
                f"Too many answers were sent from this address just now. Try again in {exc.retry_after_seconds} "
                "seconds.",
                instance=request.url.path,
                headers={"Retry-After": str(exc.retry_after_seconds)},
            )
    try:
        sent = await run_in_threadpool(
            submissions.send_submission,
            state.uow(),
            state.advisor,
            document["name"],
            document["contact"],
            document["consent"] is True,
            document["intake"],
            retention_days=retention_days,
            send_key=key,
        )
    except Invalid as exc:
        return problem(
            422,
            "Some fields need attention.",
            errors=exc.errors,
            instance=request.url.path,
        )
    except submissions.SendKeyReused:
        # Which fields differ is not said: that would let a caller holding someone's key probe their answers.
        return problem(
            422,
            "This Idempotency-Key was already used to send different answers; nothing was stored. Use a new key "
            "for a new send.",
            errors=[FieldError("header.Idempotency-Key", "was already used for a different request")],
            instance=request.url.path,
        )
    except submissions.AlreadyDeleted:
        return problem(
            409,
            "The answers sent with this Idempotency-Key were deleted since (on request or after the retention "
            "period), so they were not stored again. To send them again, use a new key.",
            errors=[FieldError("header.Idempotency-Key", "belongs to a deleted submission")],
            instance=request.url.path,
        )
    body = _sent(sent, retention_days)
    if sent.replayed:
        return JSONResponse(body, status_code=200, headers={"Idempotent-Replayed": "true"})
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/submissions/{sent.submission.code}"})


@router.get(
    "/submissions",
    summary="The inbox: new submissions, oldest first (clinicians)",
    response_model=list[SubmissionOut],
    responses=problem_responses(401, 403),
)
def list_submissions(state: StateDep, user: ClinicianDep) -> list[dict[str, Any]]:
    days = state.settings.submission_retention_days
    return [_submission(s, days) for s in submissions.inbox(state.uow(), user.username, retention_days=days)]


@router.get(
    "/submissions/{code}",
    summary="One submission by its reference code (clinicians)",
    response_model=SubmissionOut,
    responses=problem_responses(401, 403, 404, 422),
)
def get_submission(code: Code, state: StateDep, user: ClinicianDep) -> dict[str, Any]:
    days = state.settings.submission_retention_days
    return _submission(submissions.get_submission(state.uow(), user.username, code, retention_days=days), days)


@router.post(
    "/submissions/{code}/import",
    summary="Import a new submission as a patient and a consultation, in one transaction (clinicians)",
    status_code=201,
    response_model=ImportedOut,
    responses={
        201: {"headers": {"Location": {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
def import_submission(code: Code, body: ImportBody, state: StateDep, user: WriterDep) -> JSONResponse:
    imported = submissions.import_submission(
        state.uow(),
        state.advisor,
        user.username,
        code,
        body.reference,
        body.full_name,
        body.birth_year,
        body.decision,
        body.final_decision,
        body.override_reason,
        body.notes,
        retention_days=state.settings.submission_retention_days,
    )
    patient, consultation = imported.patient, imported.consultation
    content = {
        "patient": {**asdict(patient), "created_at": patient.created_at.isoformat()},
        "consultation": {**asdict(consultation), "created_at": consultation.created_at.isoformat()},
    }
    return JSONResponse(content, status_code=201, headers={"Location": f"/api/consultations/{consultation.id}"})


@router.delete(
    "/submissions/{code}",
    summary="Delete a submission: wipe the name, contact, answers and result, keep the code and date (clinicians)",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
)
def delete_submission(code: Code, state: StateDep, user: WriterDep) -> Response:
    days = state.settings.submission_retention_days
    submissions.delete_submission(state.uow(), user.username, code, retention_days=days)
    return Response(status_code=204)


def _shape_errors(document: Any) -> list[FieldError]:
    """The body's own fields, named as the use case names them (`consent`); the intake's contract and the text
    rules are checked by the use case, so the API and the form give the same messages."""
    if not isinstance(document, dict):
        return [FieldError("body", "must be a JSON object with name, contact, consent and intake")]
    errors = [FieldError(key, "is not a field of a submission") for key in document if key not in SEND_FIELDS]
    errors += [FieldError(key, "is required") for key in SEND_FIELDS if key not in document]
    for key in ("name", "contact"):
        if key in document and not isinstance(document[key], str):
            errors.append(FieldError(key, "must be a string"))
    if "consent" in document and document["consent"] is not True:
        errors.append(FieldError("consent", "must be true: without consent nothing is stored"))
    if "intake" in document and not isinstance(document["intake"], dict):
        errors.append(FieldError("intake", "must be an intake document (a JSON object)"))
    return errors


def _sent(sent: submissions.Sent, retention_days: int) -> dict[str, Any]:
    s = sent.submission
    return {
        "code": s.code,
        "created_at": s.created_at.isoformat(),
        "delete_after": sent.delete_after.isoformat(),
        "retention_days": retention_days,
        "stored": {
            "name": s.name,
            "contact": s.contact,
            "intake": s.intake,
            "recommendation": s.recommendation,
            "knowledge_version": s.knowledge_version,
        },
        "not_stored": NOT_STORED,
        "how_to_delete": HOW_TO_DELETE,
    }


def _submission(s: Submission, retention_days: int) -> dict[str, Any]:
    return {
        "code": s.code,
        "status": s.status,
        "created_at": s.created_at,
        "delete_after": submissions.delete_after(s, retention_days),
        "name": s.name,
        "contact": s.contact,
        "intake": s.intake,
        "recommendation": s.recommendation,
        "knowledge_version": s.knowledge_version,
    }
