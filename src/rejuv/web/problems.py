"""RFC 9457 problem details. Every API error is `application/problem+json`, naming each bad field's path.

Field paths use the same dotted form as the core's FieldError (`patient.age`, `concerns.0.id`), so a client
can put the message beside the field with one parser. A body field is named by its own path, whether FastAPI
or a use case refused it (the use cases cannot know where their input came from); query, path and header
parameters keep their location first (`query.ids`), because one may share a name with a body field. An
error about the whole body (not JSON, not an object) is `body`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse

from rejuv.domain.errors import FieldError, IntakeError

PROBLEM_TYPE_BASE = "https://rejuv.example/problems/"


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: Iterable[FieldError] = (),
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (kind or title.lower().replace(" ", "-").replace("'", "")),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    # The core names an error about the whole document with an empty path; over HTTP that document is the body.
    listed = [{"path": e.path or "body", "message": e.message} for e in errors]
    if listed:
        body["errors"] = listed
    return ProblemResponse(body, status_code=status, headers=headers)


def is_json_media_type(content_type: str | None) -> bool:
    """`application/json` or any `*+json` type, parameters (`; charset=utf-8`) ignored."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


# A 415's one error, whichever endpoint refused the media type.
MUST_BE_JSON = FieldError("body", "must be JSON")


def not_json_detail(errors: Sequence[FieldError]) -> str:
    """A not-JSON body's problem detail, its reason said once ("The body is not valid JSON: Expecting value
    at line 1, column 1."): the decoders' own messages also start with "not valid JSON"."""
    reason = errors[0].message if errors else "it could not be read"
    for prefix in ("not valid JSON for an intake: ", "not valid JSON: "):
        reason = reason.removeprefix(prefix)
    return f"The body is not valid JSON: {reason}."


def not_json(exc: IntakeError) -> ProblemResponse:
    """400 for a body that is not strict JSON (the endpoints that decode their body themselves)."""
    return problem(400, not_json_detail(exc.errors), errors=exc.errors)


def field_errors_from_fastapi(errors: Sequence[Any], body: Any = None) -> list[FieldError]:
    """FastAPI's request-validation errors in the one path shape (`full_name`, `query.ids`, `body`).

    A JSON decoding error's location ends in a character position, not a field, so it names the whole body
    and says where it broke in the words the strict decoder uses ("not valid JSON: Expecting value at line 1,
    column 12"), the line and column counted in `body`, the text FastAPI failed to decode.
    """
    found: list[FieldError] = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        message = str(err.get("msg", "is invalid")).lower()
        if err.get("type") == "json_invalid":
            reason = str((err.get("ctx") or {}).get("error") or "it could not be decoded")
            found.append(FieldError("body", f"not valid JSON: {reason}{_where(body, err.get('loc', ()))}"))
        elif loc[:1] == ["body"]:
            found.append(FieldError(".".join(loc[1:]) or "body", message))
        else:
            found.append(FieldError(".".join(loc), message))
    return found


def _where(text: Any, loc: Sequence[Any]) -> str:
    """Where a character position in `text` is (" at line 1, column 12"), counted as json.JSONDecodeError
    counts it."""
    position = loc[-1] if len(loc) > 1 else None
    if not isinstance(position, int):
        return ""
    if isinstance(text, str) and 0 <= position <= len(text):
        line = text.count("\n", 0, position) + 1
        column = position - text.rfind("\n", 0, position)
        return f" at line {line}, column {column}"
    return f" (at character {position})"


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the listed error statuses, all problem+json."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


def document_body_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add 400 (not JSON), 413 (over the size limit) and 415 (not `application/json`) to every operation that takes
    a JSON body, in place.

    The validation handler answers them for any route whose body FastAPI parses, so they are listed here once
    rather than on each route; an operation that already lists them (one that decodes its own body) is kept.
    """
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            if "application/json" in content:
                responses = operation.setdefault("responses", {})
                for status, response in problem_responses(400, 413, 415).items():
                    responses.setdefault(str(status), response)
    return openapi
