"""The public JSON contracts, loaded from the package for the OpenAPI document (not at import time)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def contract_schema(name: str) -> dict[str, Any]:
    """The contract's JSON Schema without `$schema`/`$id`, which OpenAPI 3.1 embeds as a plain schema."""
    path = Path(__file__).resolve().parent.parent / "contracts" / f"{name}.schema.json"
    text = path.read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return {k: v for k, v in schema.items() if k not in {"$schema", "$id"}}
