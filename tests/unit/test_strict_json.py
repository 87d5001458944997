"""The fast (orjson) and careful (standard library) JSON paths must give one answer for every text.

The API decodes each intake on the fast path; a repeated key, a long number or any syntax error sends it to the
careful path. If the two ever disagreed, the same document could be accepted by the API and refused by the CLI,
or a repeated `"pregnant"` key could slip through on one of them.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rejuv.domain.errors import IntakeError
from rejuv.domain.strict_json import _careful, _fast, decode_json, decode_json_noting_nulls

KEYS = st.text(alphabet=st.sampled_from(["a", "b", '"', "\\", ":", " ", "é", "\n", "\u2028", "x"]), max_size=4)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.sampled_from(['"', ":", "\\", "a", "{", "}", ",", "1", "\t", "😀"]), max_size=6),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


def _careful_outcome(text: str | bytes) -> tuple[str, Any]:
    try:
        return "ok", _careful(text)
    except IntakeError as exc:
        return "error", [(e.path, e.message) for e in exc.errors]


def _outcome(text: str | bytes) -> tuple[str, Any]:
    try:
        return "ok", decode_json_noting_nulls(text)
    except IntakeError as exc:
        return "error", [(e.path, e.message) for e in exc.errors]


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same type all the way down (1 and 1.0 and True must not be confused)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def _dump_with_repeat(value: Any, repeat_at: int) -> str:
    """Serialise by hand, writing the first key of the `repeat_at`-th object twice."""
    counter = [0]

    def dump(node: Any) -> str:
        if isinstance(node, dict):
            parts = [f"{json.dumps(k)}: {dump(v)}" for k, v in node.items()]
            if node:  # only objects with a key to repeat are counted
                if counter[0] == repeat_at:
                    first = next(iter(node))
                    parts.append(f"{json.dumps(first)} : {dump(node[first])}")
                counter[0] += 1
            return "{" + ", ".join(parts) + "}"
        if isinstance(node, list):
            return "[" + ",".join(dump(x) for x in node) + "]"
        return json.dumps(node)

    return dump(value)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans(), as_bytes=st.booleans())
def test_both_paths_agree_on_every_well_formed_document(
    value: Any, indent: int | None, ascii_only: bool, as_bytes: bool
) -> None:
    text: str | bytes = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    if as_bytes:
        text = text.encode()
    expected = _careful_outcome(text)
    got = _outcome(text)
    assert got[0] == expected[0]
    assert _same(got[1], expected[1])
    fast = _fast(text)
    if fast is not None:  # when the fast path answers, it answers exactly as the careful one would
        assert _same(fast, expected[1])


@settings(max_examples=300)
@given(value=st.dictionaries(KEYS, VALUES, min_size=1, max_size=4), repeat_at=st.integers(0, 3))
def test_a_repeated_key_is_refused_and_named_whichever_path_runs(value: dict[str, Any], repeat_at: int) -> None:
    objects = _count_objects(value)
    text = _dump_with_repeat(value, repeat_at % objects)
    assert _fast(text) is None
    with pytest.raises(IntakeError) as caught:
        decode_json(text)
    assert "appears twice in one object" in caught.value.errors[0].message


@settings(max_examples=400)
@given(text=st.one_of(st.binary(max_size=40), st.text(max_size=40)), base=VALUES)
def test_malformed_text_gets_the_careful_paths_message(text: str | bytes, base: Any) -> None:
    truncated = json.dumps(base)[: len(text) % 17]
    for candidate in (text, truncated):
        got, expected = _outcome(candidate), _careful_outcome(candidate)
        assert got[0] == expected[0]
        assert _same(got[1], expected[1]) if got[0] == "ok" else got[1] == expected[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": "x\\":", "b": 1}', {"a": 'x":', "b": 1}),  # a value that looks like a key
        ('{"a\\"": 1, "b": {"c": [1, {"a\\"": 2}]}}', {'a"': 1, "b": {"c": [1, {'a"': 2}]}}),
        ("123456789012345678901234567890", 123456789012345678901234567890),  # kept exact, not a float
        ("-0", 0),
    ],
)
def test_tricky_but_valid_documents_decode_exactly(text: str, expected: Any) -> None:
    assert _same(decode_json(text), expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a\\"": 1, "a\\"": 2}', "the key 'a\"' appears twice in one object"),
        ('{"pregnant": true, "x": {}, "pregnant": false}', "the key 'pregnant' appears twice in one object"),
        ("NaN", "not valid JSON: NaN is not a JSON number"),
        ('{"a": Infinity}', "not valid JSON: Infinity is not a JSON number"),
        (b'"\xff"', "not valid JSON: the text is not UTF-8"),
    ],
)
def test_refused_documents_say_why(text: str | bytes, message: str) -> None:
    with pytest.raises(IntakeError) as caught:
        decode_json(text)
    assert caught.value.errors[0].message == message


def test_nulls_are_noted_only_inside_objects_as_the_contract_parser_expects() -> None:
    assert decode_json_noting_nulls('{"a": [null]}')[1] is False
    assert decode_json_noting_nulls('{"a": [{"b": null}]}')[1] is True
    assert decode_json_noting_nulls('{"a": [{"b": 1}]}')[1] is False


def _count_objects(node: Any) -> int:
    """Objects with at least one key (the ones a key can be repeated in)."""
    if isinstance(node, dict):
        return (1 if node else 0) + sum(_count_objects(v) for v in node.values())
    if isinstance(node, list):
        return sum(_count_objects(v) for v in node)
    return 0


@pytest.mark.parametrize("indent", [None, 2])
def test_an_ordinary_intake_is_decoded_on_the_fast_path(indent: int | None) -> None:
    """The API's speed depends on it (bench/web_recommend.py); a colon inside some text is the usual detour."""
    intake = {
        "schema_version": "1",
        "patient": {"age": 30, "sex": "female", "fitzpatrick": "II"},
        "concerns": [{"id": "fine_lines", "zones": ["forehead"]}],
        "history": {"pregnant": False, "medications": [{"class": "nsaid", "name": "ibuprofen"}], "labs": {}},
    }
    text = json.dumps(intake, indent=indent)
    assert _fast(text) == (intake, False)
    assert _fast(text.replace("ibuprofen", "ibuprofen: 200 mg")) is None  # careful path, same answer
    assert decode_json(text.replace("ibuprofen", "ibuprofen: 200 mg"))["history"]["medications"][0]["name"] == (
        "ibuprofen: 200 mg"
    )
