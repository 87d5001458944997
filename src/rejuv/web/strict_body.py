"""Hold every JSON body to the strict decoding /api/recommend uses, on the routes whose body FastAPI decodes.

FastAPI decodes with the standard library, which keeps the last of two equal keys and reads NaN and Infinity.
In a consultation's intake, `"pregnant": true, ..., "pregnant": false` would then be stored and screened as not
pregnant, which is why /api/recommend and /api/submissions decode strictly (domain/strict_json.py). The
dependency here holds the other JSON routes to the same rule by decoding the same bytes strictly once more
(Starlette keeps the body it read, so nothing is read twice from the network); a route that reads and decodes
its own body is left alone, so no body is decoded strictly twice. A body that fails is a 400 naming `body`.
"""

from __future__ import annotations

from fastapi import Request, params
from fastapi.routing import APIRoute

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.domain.strict_json import decode_json
from rejuv.web.problems import is_json_media_type

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class NotStrictJson(Exception):
    """A JSON body that decodes only loosely: a repeated key, NaN or Infinity."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def strict_json_errors(body: bytes) -> list[FieldError]:
    """What the strict decoder says of `body` (empty: nothing wrong), in the words every endpoint uses."""
    try:
        decode_json(body)
    except IntakeError as exc:
        return list(exc.errors)
    return []


def takes_json_body(request: Request) -> bool:
    """Whether the matched route has a body FastAPI parses as JSON (not a form, not read by the route itself)."""
    route = request.scope.get("route")
    return (
        isinstance(route, APIRoute)
        and route.body_field is not None
        and not isinstance(route.body_field.field_info, params.Form)
    )


async def refuse_repeated_keys(request: Request) -> None:
    if request.method not in _WITH_BODY or not is_json_media_type(request.headers.get("content-type")):
        return
    if not takes_json_body(request):  # the route reads its own body (and decodes it strictly itself)
        return
    body = await request.body()
    errors = strict_json_errors(body) if body else []
    if errors:
        raise NotStrictJson(errors)
