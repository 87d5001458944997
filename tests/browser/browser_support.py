"""Shared constants for the browser tests (kept out of conftest.py so tests can import them by name)."""

from __future__ import annotations

CLINICIAN_LOGIN = ("dr.browser", "browser test password")
