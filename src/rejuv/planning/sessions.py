"""A dated treatment course: sessions, maintenance visits, aftercare day by day and the expected recovery.

The course's shape (how many sessions, how far apart, when to top up) comes from the knowledge base, so the
plan and the decision aid can never disagree. The clinician may choose another count or interval: that is
kept, with a warning that quotes the cited range, because the range describes studies, not a rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

from rejuv.knowledge.schema import Course, Quantity, Statement
from rejuv.planning.advice import PlanWarning, format_number, format_range, outside, warn
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.schema import DayRange, TreatmentAftercare

TREATMENT_NAMES = {"mesotherapy": "Mesotherapy", "prp": "PRP"}
DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12}
# Plausibility limits for typing errors (1000 for 10), not clinical ranges: the same caps as the public
# calculator (POST /api/plan/sessions), so a saved plan cannot hold what the calculator would refuse. A count or
# interval inside them but outside the knowledge base's course is kept with a warning quoting the cited range.
MAX_SESSIONS = 60
MAX_INTERVAL_DAYS = 3650


@dataclass(frozen=True, slots=True)
class Visit:
    kind: str  # "session" or "maintenance"
    index: int  # 1-based within its kind
    date: dt.date
    label: str

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "index": self.index, "date": self.date.isoformat(), "label": self.label}


@dataclass(frozen=True, slots=True)
class AftercareDay:
    day: int  # 0 is the day of the session
    instructions: tuple[DayRange, ...]

    def as_dict(self) -> dict[str, object]:
        return {"day": self.day, "instructions": [_statement_dict(i) for i in self.instructions]}


@dataclass(frozen=True, slots=True)
class Milestone:
    after: str  # "each_session" or "last_session"
    from_day: int
    to_day: int
    text: str
    citations: tuple[str, ...]
    unverified: bool
    dates: tuple[tuple[dt.date, dt.date], ...]  # one span per session, or one after the last session

    def as_dict(self) -> dict[str, object]:
        return {
            "after": self.after,
            "from_day": self.from_day,
            "to_day": self.to_day,
            "text": self.text,
            "citations": list(self.citations),
            "unverified": self.unverified,
            "dates": [[start.isoformat(), end.isoformat()] for start, end in self.dates],
        }


@dataclass(frozen=True)
class SessionPlan:
    treatment: str
    start: dt.date
    sessions: int
    interval_days: int
    maintenance_interval_months: float | None
    course_text: Statement
    visits: tuple[Visit, ...]
    aftercare: tuple[AftercareDay, ...]
    recovery: tuple[Milestone, ...]
    warning_signs: tuple[Statement, ...]
    warnings: tuple[PlanWarning, ...]

    @property
    def session_dates(self) -> tuple[dt.date, ...]:
        return tuple(v.date for v in self.visits if v.kind == "session")

    def as_dict(self) -> dict[str, object]:
        return {
            "treatment": self.treatment,
            "start": self.start.isoformat(),
            "sessions": self.sessions,
            "interval_days": self.interval_days,
            "maintenance_interval_months": self.maintenance_interval_months,
            "course": _statement_dict(self.course_text),
            "visits": [v.as_dict() for v in self.visits],
            "aftercare": [d.as_dict() for d in self.aftercare],
            "recovery": [m.as_dict() for m in self.recovery],
            "warning_signs": [_statement_dict(s) for s in self.warning_signs],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _statement_dict(item: Statement | DayRange) -> dict[str, object]:
    return {"text": item.text, "citations": list(item.citations), "unverified": item.unverified}


def _default(quantity: Quantity) -> float:
    """The value a plan uses when the clinician sets none: the typical one, else the lower bound."""
    for value in (quantity.typical, quantity.min, quantity.max):
        if value is not None:
            return value
    raise AssertionError("a Quantity always has a value")  # pragma: no cover - the schema forbids it


def _in_days(value: float, unit: str) -> float:
    if unit not in DAYS_PER_UNIT:
        raise PlanningInputError("interval_days", f"the knowledge base gives the interval in {unit!r}, not a time")
    return value * DAYS_PER_UNIT[unit]


def add_months(day: dt.date, months: float) -> dt.date:
    """Calendar months for whole numbers (the 31st clamps to the month's end); days for fractions."""
    if not float(months).is_integer():
        return day + dt.timedelta(days=round(months * DAYS_PER_UNIT["months"]))
    total = day.month - 1 + int(months)
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_sessions(
    treatment: str,
    course: Course,
    aftercare: TreatmentAftercare,
    start: dt.date,
    *,
    sessions: int | None = None,
    interval_days: int | None = None,
    maintenance_horizon_months: int = 12,
) -> SessionPlan:
    """Date every visit from `start`; warn (with the cited range) when count or interval leave the course's."""
    count = sessions if sessions is not None else round(_default(course.sessions))
    interval_quantity = course.interval_days
    gap = (
        interval_days
        if interval_days is not None
        else round(_in_days(_default(interval_quantity), interval_quantity.unit))
    )
    if count < 1:
        raise PlanningInputError("sessions", f"must be at least 1, got {count}")
    if count > MAX_SESSIONS:
        raise PlanningInputError(
            "sessions", f"must be between 1 and {MAX_SESSIONS}, got {count} (a check for typing errors)"
        )
    if gap < 1:
        raise PlanningInputError("interval_days", f"must be at least 1 day, got {gap}")
    if gap > MAX_INTERVAL_DAYS:
        raise PlanningInputError(
            "interval_days", f"must be between 1 and {MAX_INTERVAL_DAYS} days, got {gap} (a check for typing errors)"
        )
    if maintenance_horizon_months < 0:
        raise PlanningInputError("maintenance_horizon_months", "must be zero or more")

    warnings: list[PlanWarning] = []
    if outside(count, course.sessions):
        warnings.append(
            warn(
                "sessions_outside_range",
                f"{count} {'session is' if count == 1 else 'sessions are'} outside the knowledge base's "
                f"{format_range(course.sessions)} for "
                f"{treatment}; a qualified professional should confirm the reason.",
                course.sessions,
            )
        )
    interval_range = _days_range(interval_quantity)
    if count > 1 and outside(gap, interval_range):
        warnings.append(
            warn(
                "interval_outside_range",
                f"An interval of {gap} days is outside the knowledge base's {format_range(interval_range)} for "
                f"{treatment}; a qualified professional should confirm the reason.",
                interval_range,
            )
        )

    name = TREATMENT_NAMES.get(treatment, treatment)
    visits = [
        Visit("session", n, start + dt.timedelta(days=gap * (n - 1)), f"{name} session {n} of {count}")
        for n in range(1, count + 1)
    ]
    last = visits[-1].date
    maintenance_months = None
    if course.maintenance_interval_months is not None:
        months_quantity = course.maintenance_interval_months
        maintenance_months = _in_days(_default(months_quantity), months_quantity.unit) / DAYS_PER_UNIT["months"]
        maintenance_months = round(maintenance_months, 2)
        horizon = add_months(last, maintenance_horizon_months)
        k = 1
        while maintenance_months > 0 and (due := add_months(last, maintenance_months * k)) <= horizon:
            visits.append(Visit("maintenance", k, due, f"{name} maintenance visit {k}"))
            k += 1

    session_dates = [v.date for v in visits if v.kind == "session"]
    return SessionPlan(
        treatment=treatment,
        start=start,
        sessions=count,
        interval_days=gap,
        maintenance_interval_months=maintenance_months,
        course_text=course.text,
        visits=tuple(visits),
        aftercare=_aftercare_days(aftercare),
        recovery=tuple(_milestones(aftercare, session_dates)),
        warning_signs=tuple(aftercare.warning_signs),
        warnings=tuple(warnings),
    )


def _days_range(quantity: Quantity) -> Quantity:
    """The interval range in days, whatever unit the knowledge base wrote it in."""
    if quantity.unit == "days":
        return quantity

    def convert(value: float | None) -> float | None:
        return None if value is None else math.floor(_in_days(value, quantity.unit) + 0.5)

    return quantity.model_copy(
        update={
            "unit": "days",
            "min": convert(quantity.min),
            "max": convert(quantity.max),
            "typical": convert(quantity.typical),
        }
    )


def _aftercare_days(aftercare: TreatmentAftercare) -> tuple[AftercareDay, ...]:
    last_day = max(item.to_day for item in aftercare.instructions)
    return tuple(
        AftercareDay(day, tuple(i for i in aftercare.instructions if i.from_day <= day <= i.to_day))
        for day in range(last_day + 1)
    )


def _milestones(aftercare: TreatmentAftercare, session_dates: list[dt.date]) -> list[Milestone]:
    milestones: list[Milestone] = []
    for item in aftercare.recovery:
        anchors = session_dates if item.after == "each_session" else session_dates[-1:]
        spans = tuple(
            (anchor + dt.timedelta(days=item.from_day), anchor + dt.timedelta(days=item.to_day)) for anchor in anchors
        )
        milestones.append(
            Milestone(
                item.after,
                item.from_day,
                item.to_day,
                item.text,
                tuple(item.citations),
                item.unverified,
                spans,
            )
        )
    return milestones


def describe_interval(plan: SessionPlan) -> str:
    """ "4 sessions, 14 days apart" - the one-line summary the CLI and the calendar use."""
    if plan.sessions == 1:
        return "1 session"
    return f"{plan.sessions} sessions, {format_number(plan.interval_days)} days apart"
