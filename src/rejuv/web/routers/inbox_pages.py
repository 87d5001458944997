"""The clinic's inbox: answers people sent from the decision aid, to read, import as a patient and
consultation, or delete (which wipes the personal fields).

Clinicians only (admins get 403, as for other patient data); every form carries the CSRF token; every read
and write is audited by the services, which also wipe submissions past the retention period before any read
(REJUV_SUBMISSION_RETENTION_DAYS), so an expired submission is never shown.
"""

from __future__ import annotations

import functools

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rejuv.services import patients, submissions
from rejuv.services.errors import Conflict, Invalid
from rejuv.services.records import Submission, User
from rejuv.web.citing import sources_for
from rejuv.web.deps import AppState, ClinicianDep, RowId, SessionDep, StateDep
from rejuv.web.security import CSRF_FIELD, check_csrf
from rejuv.web.templating import render

router = APIRouter(prefix="/clinic/inbox", include_in_schema=False)
IMPORT_FIELDS = ("reference", "full_name", "birth_year", "decision", "final_decision", "override_reason", "notes")


async def _form(request: Request, session: SessionDep) -> dict[str, str]:
    """The first value of each field, after the CSRF check (these forms have no repeated fields)."""
    data = await request.form(max_files=0, max_fields=50)
    form: dict[str, str] = {}
    for key, value in data.multi_items():
        if isinstance(value, str):
            form.setdefault(key, value)
    check_csrf(session, form.get(CSRF_FIELD) or None)
    return form


@router.get("", response_class=HTMLResponse)
def inbox_page(request: Request, state: StateDep, user: ClinicianDep) -> HTMLResponse:
    days = state.settings.submission_retention_days
    found = submissions.inbox(state.uow(), user.username, retention_days=days)
    context = {
        "title": "Inbox",
        "user": user,
        "submissions": [(s, submissions.delete_after(s, days)) for s in found],
        "retention_days": days,
    }
    return render(request, "clinic/inbox.html", context)


@router.get("/{submission_id}", response_class=HTMLResponse)
def submission_page(request: Request, submission_id: RowId, state: StateDep, user: ClinicianDep) -> HTMLResponse:
    days = state.settings.submission_retention_days
    found = submissions.get_submission(state.uow(), user.username, submission_id, retention_days=days)
    return _submission(request, state, user, found, {}, {"full_name": found.name, "decision": "accept"})


@router.post("/{submission_id}/import", response_class=HTMLResponse)
async def import_submission(
    request: Request, submission_id: RowId, state: StateDep, user: ClinicianDep, session: SessionDep
) -> Response:
    form = await _form(request, session)
    values = {key: form.get(key, "") for key in IMPORT_FIELDS}
    try:
        year = patients.birth_year_from(values["birth_year"])
        imported = await run_in_threadpool(
            submissions.import_submission,
            state.uow(),
            state.advisor,
            user.username,
            submission_id,
            values["reference"],
            values["full_name"],
            year,
            values["decision"],
            values["final_decision"] or None,
            values["override_reason"],
            values["notes"],
            retention_days=state.settings.submission_retention_days,
        )
    except (Invalid, Conflict) as exc:
        found = await run_in_threadpool(
            functools.partial(
                submissions.get_submission,
                state.uow(),
                user.username,
                submission_id,
                retention_days=state.settings.submission_retention_days,
            )
        )
        errors = {e.path: e.message for e in exc.errors}
        return _submission(request, state, user, found, errors, values, 409 if isinstance(exc, Conflict) else 422)
    return RedirectResponse(f"/clinic/consultations/{imported.consultation.id}", status_code=303)


@router.post("/{submission_id}/delete")
async def delete_submission(
    request: Request, submission_id: RowId, state: StateDep, user: ClinicianDep, session: SessionDep
) -> Response:
    form = await _form(request, session)
    if form.get("confirm") != "yes":  # one click must not wipe a person's answers: the box says what happens
        found = await run_in_threadpool(
            submissions.get_submission,
            state.uow(),
            user.username,
            submission_id,
            retention_days=state.settings.submission_retention_days,
        )
        message = "Tick the box to confirm: deleting wipes the name, contact, answers and result for good."
        return _submission(request, state, user, found, {"confirm": message}, {}, 422)
    await run_in_threadpool(
        functools.partial(
            submissions.delete_submission,
            state.uow(),
            user.username,
            submission_id,
            retention_days=state.settings.submission_retention_days,
        )
    )
    return RedirectResponse("/clinic/inbox", status_code=303)


def _submission(
    request: Request,
    state: AppState,
    user: User,
    found: Submission,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "clinic/submission.html",
        {
            "title": f"Submission {found.code}",
            "user": user,
            "submission": found,
            "sources": sources_for(state.advisor, found.recommendation or {}),
            "errors": errors,
            "values": values,
            "delete_on": submissions.delete_after(found, state.settings.submission_retention_days),
        },
        status,
    )
