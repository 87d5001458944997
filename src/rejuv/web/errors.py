"""Exception handlers: problem+json for the API, a plain HTML page (or a login redirect) for people.

Which one a request gets depends only on its path, so an API client never receives HTML and a person never
sees raw JSON.

A route whose JSON body FastAPI parses answers as the routes that decode their own body do: 400 naming `body`
for a body that is not JSON, 415 for one that is not `application/json`, 422 for a bad field.

Refusals (403: wrong role, missing or wrong CSRF token) on clinic pages and the clinic API are written to the
audit log under the logged-in username or "anonymous", with the route's path template (never the query
string, which can hold a patient's name), the method and the reason. Anonymous refusals are capped per address
so nobody can fill the log; 401s are not audited at all (docs/security.md says why). Failing to write the
entry is logged and the person still gets the 403, never a 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
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
from rejuv.web.problems import (
    MUST_BE_JSON,
    document_body_problems,
    field_errors_from_fastapi,
    is_json_media_type,
    not_json_detail,
    problem,
)
from rejuv.web.security import CsrfRefused, NotAuthenticated, TooManyAttempts, WrongRole
from rejuv.web.strict_body import NotStrictJson, strict_json_errors, takes_json_body

log = logging.getLogger(__name__)
AUDITED_PREFIXES = ("/clinic", "/api/")  # where patient data lives; the public aid's refusals are not audited
# FastAPI's 400 when reading a JSON body fails other than by a decoding error (text that is not UTF-8,
# nesting deep enough to exhaust the decoder); it carries no field, so the handler names the body.
FASTAPI_UNREADABLE_BODY = "There was an error parsing the body"


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


def sent_other_than_json(request: Request, exc: RequestValidationError) -> bool:
    """A JSON body route refused its body because it did not come as `application/json` or `*+json`.

    FastAPI hands the raw bytes on to validation when the content type is not JSON (or missing), so the body
    fails as "not a dictionary"; an empty body with a non-JSON type fails as missing. Either way the client
    should hear 415 as from the routes that decode their own body, not a field error.
    """
    if not takes_json_body(request) or not any(tuple(e.get("loc", ()))[:1] == ("body",) for e in exc.errors()):
        return False
    content_type = request.headers.get("content-type")
    declared_other = content_type is not None and not is_json_media_type(content_type)
    return isinstance(exc.body, bytes | bytearray) or declared_other


def sent_empty_json(request: Request, exc: RequestValidationError) -> bool:
    """A JSON body route got a JSON content type and no body at all (FastAPI reports the body as missing)."""
    missing_body = any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",) for e in exc.errors())
    return missing_body and takes_json_body(request) and is_json_media_type(request.headers.get("content-type"))


def _unreadable_reason(cause: BaseException | None) -> str:
    """Why FastAPI could not read a JSON body, in the strict decoder's words where they exist."""
    if isinstance(cause, UnicodeDecodeError):
        return "the text is not UTF-8"
    if isinstance(cause, RecursionError):
        return "nested too deeply"
    return "it could not be decoded"


def install_error_handlers(app: FastAPI) -> None:
    """The handlers, and the 400 and 415 they answer for a JSON body listed in the OpenAPI document."""

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        raw = exc.errors()
        if any(e.get("type") == "json_invalid" for e in raw):  # FastAPI stops at a decoding error: it is alone
            errors = field_errors_from_fastapi(raw, exc.body)
            return error_response(request, 400, not_json_detail(errors), errors)
        if sent_other_than_json(request, exc):
            return error_response(request, 415, "Send the body as application/json.", [MUST_BE_JSON])
        if sent_empty_json(request, exc):  # nothing is not JSON: a 400 as from the routes that decode their own
            errors = strict_json_errors(b"")  # the strict decoder's own words, as the other routes give them
            return error_response(request, 400, not_json_detail(errors), errors)
        return error_response(request, 422, "The request has invalid fields.", field_errors_from_fastapi(raw))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed here."
        errors: list[FieldError] = []
        if exc.status_code == 400 and detail == FASTAPI_UNREADABLE_BODY and takes_json_body(request):
            errors = [FieldError("body", f"not valid JSON: {_unreadable_reason(exc.__cause__)}")]
            detail = not_json_detail(errors)
        return error_response(request, exc.status_code, detail, errors, headers=dict(exc.headers or {}))

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

    async def not_strict_json(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotStrictJson)
        return error_response(request, 400, not_json_detail(exc.errors), list(exc.errors))

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
    app.add_exception_handler(NotStrictJson, not_strict_json)
    app.add_exception_handler(DataError, unstorable)
    app.add_exception_handler(Exception, crash)

    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # FastAPI builds the document once and keeps it
            app.openapi_schema = document_body_problems(generate_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document


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
