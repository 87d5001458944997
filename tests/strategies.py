"""Hypothesis strategies that generate documents straight from a JSON schema.

hypothesis-jsonschema no longer works with current Hypothesis, and the intake contract uses only a small
part of JSON Schema (objects, enums, const, bounded numbers, booleans, strings, arrays), so this reads the
schema itself. Generating from the schema, not from our pydantic model, keeps the test independent: it
checks that the parser accepts what the contract accepts.

Numbers are drawn near the thresholds the rules use, so the property tests cross every boundary often.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Values around the knowledge base's thresholds (platelets, haemoglobin, HbA1c, days, cigarettes, age).
INTERESTING_NUMBERS = [0, 1, 2, 8, 8.1, 9, 9.9, 10, 13, 14, 17, 18, 29, 30, 179, 180, 49_999, 50_000, 99_999, 100_000]


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema)
    if kind == "array":
        items = from_schema(schema["items"])
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=max(schema.get("minItems", 0), 4))
    if kind == "integer":
        low, high = schema.get("minimum", 0), schema.get("maximum", 400_000)
        near = [n for n in INTERESTING_NUMBERS if isinstance(n, int) and low <= n <= high]
        return st.one_of(st.sampled_from(near), st.integers(low, high))
    if kind == "number":
        low = schema.get("minimum", 0)
        near = [n for n in INTERESTING_NUMBERS if n >= low]
        return st.one_of(st.sampled_from(near), st.floats(low, 500_000, allow_nan=False))
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return st.text(max_size=schema.get("maxLength", 50))
    raise ValueError(f"schema construct not supported by this generator: {schema}")


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = {name: from_schema(properties[name]) for name in schema.get("required", [])}
    optional = {name: from_schema(sub) for name, sub in properties.items() if name not in required}
    return st.fixed_dictionaries(required, optional=optional)
