"""Checks on free text that ends up in patient records, pages and exports.

Control characters (NUL, escapes, bell, ...) are refused: PostgreSQL cannot store a NUL at all, SQLite would
store it silently, and a record that shows or prints differently on each database is not a record. Line
breaks and tabs are allowed only in text meant to run over several lines (notes, reasons).
"""

from __future__ import annotations

import unicodedata

NO_CONTROL = "must not contain control characters (such as NUL or escape codes)"
_LAYOUT = frozenset("\n\r\t")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    return any(unicodedata.category(ch) == "Cc" and not (multiline and ch in _LAYOUT) for ch in value)
