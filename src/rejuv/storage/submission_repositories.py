"""SQL for submissions sent from the decision aid: add, read, list by status, mark imported, wipe."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rejuv.services.records import Submission, SubmissionStatus
from rejuv.storage.tables import SubmissionRow

STATUSES: tuple[SubmissionStatus, ...] = ("new", "imported", "deleted")


class SqlSubmissionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        code: str,
        name: str,
        contact: str,
        intake: dict[str, Any],
        recommendation: dict[str, Any],
        knowledge_version: str,
        now: dt.datetime,
    ) -> Submission:
        row = SubmissionRow(
            code=code,
            name=name,
            contact=contact,
            intake=intake,
            recommendation=recommendation,
            knowledge_version=knowledge_version,
            created_at=now,
            status="new",
        )
        self.session.add(row)
        self.session.flush()
        return _submission(row)

    def get(self, submission_id: int) -> Submission | None:
        row = self.session.get(SubmissionRow, submission_id)
        return _submission(row) if row else None

    def code_exists(self, code: str) -> bool:
        return self.session.scalar(select(SubmissionRow.id).where(SubmissionRow.code == code)) is not None

    def with_status(self, status: SubmissionStatus, limit: int) -> list[Submission]:
        """Oldest first, so the clinic answers people in the order they wrote."""
        query = (
            select(SubmissionRow)
            .where(SubmissionRow.status == status)
            .order_by(SubmissionRow.created_at, SubmissionRow.id)
            .limit(limit)
        )
        return [_submission(row) for row in self.session.scalars(query)]

    def mark_imported(self, submission_id: int) -> None:
        row = self.session.get(SubmissionRow, submission_id)
        if row is not None:
            row.status = "imported"

    def wipe(self, submission_id: int) -> None:
        """Status deleted; the name, contact and health answers are overwritten, not just hidden."""
        row = self.session.get(SubmissionRow, submission_id)
        if row is not None:
            row.status = "deleted"
            row.name = ""
            row.contact = ""
            row.intake = {}
            row.recommendation = {}


def _submission(row: SubmissionRow) -> Submission:
    status: SubmissionStatus = next((s for s in STATUSES if s == row.status), "new")
    return Submission(
        id=row.id,
        code=row.code,
        name=row.name,
        contact=row.contact,
        intake=dict(row.intake),
        recommendation=dict(row.recommendation),
        knowledge_version=row.knowledge_version,
        created_at=row.created_at,
        status=status,
    )
