"""Plain records of a stored treatment plan and its recorded sessions (no ORM state, like `records.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChartSpot:
    """A point as the clinician kept it: where it is and which zone area holds it. Depth and volume come from
    the chart's technique when it is drawn, so they cannot drift from the cited values point by point."""

    zone: str
    side: str
    x_mm: float
    y_mm: float

    def as_dict(self) -> dict[str, Any]:
        return {"zone": self.zone, "side": self.side, "x_mm": self.x_mm, "y_mm": self.y_mm}


@dataclass(frozen=True)
class TreatmentPlan:
    consultation_id: int
    treatment: str
    start: dt.date
    sessions: int
    interval_days: int
    technique: str
    zones: tuple[str, ...]
    spacing_mm: float
    points: tuple[ChartSpot, ...]
    updated_by: str
    updated_at: dt.datetime
    waived: tuple[str, ...] = ()  # danger-zone exclusions the clinician waived (only waivable ones are accepted)
    id: int = 0  # 0 until stored


@dataclass(frozen=True)
class RecordedSession:
    id: int
    plan_id: int
    number: int
    session_date: dt.date
    treatment: str
    details: dict[str, Any]  # PRP: {"protocol", "assessment"}; mesotherapy: {"cocktail"}
    clinician: str
    created_at: dt.datetime
