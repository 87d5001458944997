"""Exception handlers: problem+json for the API, a plain HTML page (or a login redirect) for people.

Which one a request gets depends only on its path, so an API client never receives HTML and a person never
sees raw JSON.

Refusals (403: wrong role, missing or wrong CSRF token) on clinic pages and the clinic API are written to the
audit log under the logged-in username or "anonymous", with the route's path template (never the query
string, which can hold a patient's name), the method and the reason. Anonymous refusals are capped per address
so nobody can fill the log; 401s are not audited at all (docs/security.md says why). Failing to write the
entry is logged and the person still gets the 403, never a 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.services.accounts import get_user
from rejuv.services.audit import ANONYMOUS, record_refusal
from rejuv.services.errors import Conflict, Invalid, NotFound
from rejuv.web.deps import AppState
from rejuv.web.problems import field_errors_from_fastapi, problem
from rejuv.web.security import CsrfRefused, NotAuthenticated, TooManyAttempts, WrongRole

log = logging.getLogger(__name__)
AUDITED_PREFIXES = ("/clinic", "/api/")  # where patient data lives; the public aid's refusals are not audited


def wants_problem(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def error_response(
    request: Request,
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_problem(request):
        return problem(status, detail, errors=errors or [], instance=request.url.path, headers=headers)
    state = request.app.state.rejuv
    response = state.templates.TemplateResponse(
        request,
        "error.html",
        {"title": HTTPStatus(status).phrase, "status": status, "detail": detail, "errors": errors or []},
        status_code=status,
        headers=headers,
    )
    state.sessions.save(request, response)
    html: Response = response
    return html


def install_error_handlers(app: FastAPI) -> None:
    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = field_errors_from_fastapi(exc.errors())
        return error_response(request, 422, "The request has invalid fields.", errors)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed here."
        return error_response(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    async def not_authenticated(request: Request, exc: Exception) -> Response:
        if wants_problem(request):
            return problem(
                401,
                "Log in first: this endpoint holds patient data.",
                instance=request.url.path,
                headers={"WWW-Authenticate": 'Cookie realm="rejuv"'},
            )
        return RedirectResponse(f"/clinic/login?next={quote(request.url.path)}", status_code=303)

    async def wrong_role(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WrongRole)
        await audit_refusal(request, "wrong role", exc.username)
        return error_response(request, 403, "Your role does not allow this.")

    async def csrf(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(AUDITED_PREFIXES):
            await audit_refusal(request, "CSRF token missing or wrong", None)
        return error_response(
            request, 403, "This form has expired or did not come from this site. Go back, reload and try again."
        )

    async def too_many(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TooManyAttempts)
        return error_response(
            request,
            429,
            f"Too many failed logins. Try again in {exc.retry_after_seconds} seconds.",
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(request, 404, str(exc).capitalize() + ".")

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Invalid | Conflict | IntakeError)
        status = 409 if isinstance(exc, Conflict) else 422
        return error_response(request, status, "Some fields need attention.", list(exc.errors))

    async def unstorable(request: Request, exc: Exception) -> Response:
        # PostgreSQL refuses some text SQLite accepts (a NUL character): the person sent it, so it is a 4xx.
        log.warning("refused unstorable data on %s %s", request.method, request.url.path)
        message = "A text field holds a character that cannot be stored (such as a NUL); remove it."
        return error_response(request, 422, message, [FieldError("body", message)])

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Something went wrong on our side; nothing you sent was stored.")

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(NotAuthenticated, not_authenticated)
    app.add_exception_handler(WrongRole, wrong_role)
    app.add_exception_handler(CsrfRefused, csrf)
    app.add_exception_handler(TooManyAttempts, too_many)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(Invalid, invalid)
    app.add_exception_handler(Conflict, invalid)
    app.add_exception_handler(IntakeError, invalid)
    app.add_exception_handler(DataError, unstorable)
    app.add_exception_handler(Exception, crash)


async def audit_refusal(request: Request, reason: str, username: str | None) -> None:
    """Write the refusal to the audit log in a worker thread; a failure is logged, never raised."""
    route = route_template(request)
    try:
        state: AppState = request.app.state.rejuv
        client = request.client.host if request.client else "unknown"
        session = state.sessions.read(request)

        def write() -> None:
            actor = username or _session_username(state, session.user_id, session.version) or ANONYMOUS
            if actor == ANONYMOUS:
                try:  # an anonymous flood must not grow the log without bound: cap it per address
                    state.refusal_audit_limiter.check(client, client)
                except TooManyAttempts:
                    log.debug("anonymous refusals from one address are over the audit cap; not audited")
                    return
            record_refusal(state.uow(), actor, route, request.method, reason)

        await run_in_threadpool(write)
    except Exception:
        log.exception("could not audit a refused %s %s", request.method, route)


def route_template(request: Request) -> str:
    """The matched route's path template (/clinic/patients/{patient_id}), else the path; never the query."""
    template = getattr(request.scope.get("route"), "path", None)
    return template if isinstance(template, str) and template.startswith("/") else request.url.path


def _session_username(state: AppState, user_id: int | None, version: int) -> str | None:
    """The logged-in user's name, checked as the dependencies check it (a logged-out cookie is anonymous)."""
    if user_id is None:
        return None
    user = get_user(state.uow(), user_id)
    return user.username if user is not None and user.session_version == version else None
