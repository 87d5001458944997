"""SQL for treatment plans and recorded sessions, mapping rows to the plain records of `plan_records`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rejuv.services.plan_records import ChartSpot, RecordedSession, TreatmentPlan
from rejuv.storage.tables import TreatmentPlanRow, TreatmentSessionRow


class SqlTreatmentPlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_consultation(self, consultation_id: int) -> TreatmentPlan | None:
        row = self.session.scalar(select(TreatmentPlanRow).where(TreatmentPlanRow.consultation_id == consultation_id))
        return _plan(row) if row else None

    def save(self, plan: TreatmentPlan) -> TreatmentPlan:
        """Insert the consultation's plan, or replace the one it has (one plan per consultation)."""
        row = self.session.scalar(
            select(TreatmentPlanRow).where(TreatmentPlanRow.consultation_id == plan.consultation_id)
        )
        if row is None:
            row = TreatmentPlanRow(consultation_id=plan.consultation_id)
            self.session.add(row)
        row.treatment = plan.treatment
        row.start_date = plan.start
        row.sessions = plan.sessions
        row.interval_days = plan.interval_days
        row.technique = plan.technique
        row.zones = list(plan.zones)
        row.waived = list(plan.waived)
        row.spacing_mm = plan.spacing_mm
        row.points = [p.as_dict() for p in plan.points]
        row.updated_by = plan.updated_by
        row.updated_at = plan.updated_at
        self.session.flush()
        return _plan(row)

    def add_session(
        self,
        plan_id: int,
        number: int,
        session_date: dt.date,
        treatment: str,
        details: dict[str, Any],
        clinician: str,
        now: dt.datetime,
    ) -> RecordedSession:
        row = TreatmentSessionRow(
            plan_id=plan_id,
            number=number,
            session_date=session_date,
            treatment=treatment,
            details=details,
            clinician=clinician,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return _session(row)

    def sessions(self, plan_id: int) -> list[RecordedSession]:
        query = (
            select(TreatmentSessionRow)
            .where(TreatmentSessionRow.plan_id == plan_id)
            .order_by(TreatmentSessionRow.number, TreatmentSessionRow.id)
        )
        return [_session(row) for row in self.session.scalars(query)]


def _plan(row: TreatmentPlanRow) -> TreatmentPlan:
    return TreatmentPlan(
        id=row.id,
        consultation_id=row.consultation_id,
        treatment=row.treatment,
        start=row.start_date,
        sessions=row.sessions,
        interval_days=row.interval_days,
        technique=row.technique,
        zones=tuple(row.zones),
        waived=tuple(row.waived or ()),
        spacing_mm=row.spacing_mm,
        points=tuple(ChartSpot(str(p["zone"]), str(p["side"]), float(p["x_mm"]), float(p["y_mm"])) for p in row.points),
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def _session(row: TreatmentSessionRow) -> RecordedSession:
    return RecordedSession(
        id=row.id,
        plan_id=row.plan_id,
        number=row.number,
        session_date=row.session_date,
        treatment=row.treatment,
        details=dict(row.details),
        clinician=row.clinician,
        created_at=row.created_at,
    )
