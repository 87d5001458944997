"""Strict JSON decoding for intake documents, with a fast path.

The contract refuses a key given twice in one object (a later `"pregnant": false` must never hide an earlier
`true`), NaN and Infinity, and text that is not UTF-8. The standard library can be told to refuse all of
these, but its per-object hook makes decoding several times slower than orjson, and the API decodes an
intake for every request.

So decoding takes two paths that must agree:
- the fast path parses with orjson (which already refuses NaN, Infinity, bad UTF-8, lone surrogates and a
  byte order mark) and then proves there was no repeated key by counting. Every key in the text is followed
  by a colon, and a colon outside a string is always a key's, so the text holds at least as many colons as
  keys, and the decoded objects hold at most as many keys as the text (fewer only when a key was repeated).
  When the colons in the text equal the keys decoded, both gaps are zero: no key was repeated. When they
  differ (a repeated key, or just a colon inside some text), the fast path steps aside;
- the careful path is the standard library with hooks. It runs whenever the fast path steps aside or
  refuses (any parse error, or a number too large for orjson to keep exact), and it alone words the error,
  so a person sees one message for one mistake whichever path ran.
`tests/unit/test_strict_json.py` checks that both paths give the same answer for generated documents.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from rejuv.domain.errors import FieldError, IntakeError

# orjson reads an integer beyond 64 bits as a float, losing digits the standard library keeps.
_FLOAT_MAY_BE_BIG_INTEGER = 9.2e18


def decode_json(text: str | bytes) -> Any:
    """Decode JSON strictly: a key given twice in one object, NaN and Infinity are refused (IntakeError)."""
    return decode_json_noting_nulls(text)[0]


def decode_json_noting_nulls(text: str | bytes) -> tuple[Any, bool]:
    """The document, and whether any object in it holds a null (found while checking it, so no extra pass)."""
    fast = _fast(text)
    return fast if fast is not None else _careful(text)


def _fast(text: str | bytes) -> tuple[Any, bool] | None:
    """orjson plus a count of keys; None when only the careful path can answer (or word the error)."""
    try:
        raw = text.encode() if isinstance(text, str) else text
        document = orjson.loads(raw)
    except (UnicodeEncodeError, orjson.JSONDecodeError):  # a lone surrogate in a str, or not JSON
        return None
    if type(document) is not dict and type(document) is not list:
        return None if type(document) is float and abs(document) >= _FLOAT_MAY_BE_BIG_INTEGER else (document, False)
    found = _count_keys(document)
    if found is None or found[0] != raw.count(b":"):
        return None
    return document, found[1]


def _count_keys(document: Any) -> tuple[int, bool] | None:
    """Keys in every object, and whether an object holds a null (as the careful path reports it: a null
    inside an array is left to the contract's item types); None for a float that may be a rounded big
    integer. Plain loops: this runs for every API request."""
    keys, saw_null = 0, False
    stack = [document]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        values = node.values() if type(node) is dict else node
        if type(node) is dict:
            keys += len(node)
        for value in values:
            kind = type(value)
            if kind is dict or kind is list:
                push(value)
            elif value is None:
                saw_null = saw_null or type(node) is dict
            elif kind is float and abs(value) >= _FLOAT_MAY_BE_BIG_INTEGER:
                return None
    return keys, saw_null


class _DuplicateKey(ValueError):
    pass


class _NotJson(ValueError):
    pass


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        keys = [key for key, _value in pairs]
        raise _DuplicateKey(next(key for key in keys if keys.count(key) > 1))
    return mapping


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def _careful(text: str | bytes) -> tuple[Any, bool]:
    saw_null = False

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal saw_null
        mapping = _refuse_duplicate_keys(pairs)
        if not saw_null and None in mapping.values():
            saw_null = True
        return mapping

    try:
        document = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_refuse_constant)
    except RecursionError:
        raise IntakeError([FieldError("", "not valid JSON for an intake: nested too deeply")]) from None
    except json.JSONDecodeError as exc:
        raise IntakeError(
            [FieldError("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
        ) from None
    except UnicodeDecodeError:
        raise IntakeError([FieldError("", "not valid JSON: the text is not UTF-8")]) from None
    except _DuplicateKey as exc:
        raise IntakeError([FieldError("", f"the key '{exc}' appears twice in one object")]) from None
    except _NotJson as exc:
        raise IntakeError([FieldError("", f"not valid JSON: {exc}")]) from None
    except ValueError:  # an integer of thousands of digits: Python refuses to read it
        raise IntakeError([FieldError("", "not valid JSON for an intake: a number is far too large")]) from None
    # Nulls inside arrays are refused by the contract's item types, so objects are the only place to look.
    return document, saw_null
