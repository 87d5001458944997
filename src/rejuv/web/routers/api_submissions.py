"""The JSON API for answers a person sends to the clinic (filled in by the send-to-clinic work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["sent answers"])
