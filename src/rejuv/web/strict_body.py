"""Refuse a JSON body that repeats a key, on the API routes whose body FastAPI decodes.

FastAPI decodes with the standard library, which keeps the last of two equal keys. In a consultation's intake,
`"pregnant": true, ..., "pregnant": false` would then be stored and screened as not pregnant, which is why
/api/recommend and /api/submissions decode strictly (domain/strict_json.py). This dependency holds the other
JSON routes to the same rule by decoding the same bytes strictly once more (Starlette keeps the body it read,
so nothing is read twice from the network); these routes are not hot, so the second decoding costs nothing
that matters. A body that fails is a 400 naming `body`, as from the routes that decode their own.
"""

from __future__ import annotations

from fastapi import Request

from rejuv.domain.errors import IntakeError
from rejuv.domain.strict_json import decode_json
from rejuv.web.problems import is_json_media_type

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class RepeatedKey(Exception):
    """A JSON body that decodes only by dropping a repeated key (or is otherwise not strict JSON)."""

    def __init__(self, cause: IntakeError) -> None:
        super().__init__(str(cause))
        self.errors = cause.errors


async def refuse_repeated_keys(request: Request) -> None:
    if request.method not in _WITH_BODY or not is_json_media_type(request.headers.get("content-type")):
        return
    body = await request.body()
    if not body:
        return
    try:
        decode_json(body)
    except IntakeError as exc:
        raise RepeatedKey(exc) from None
