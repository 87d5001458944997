"""SQL for submissions sent from the decision aid: add, read (by id, code or send key), list by status, mark
imported, wipe one, and wipe every one older than the retention period in a single UPDATE."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rejuv.services.ports import DuplicateSendKey
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
        send_key: str | None = None,
    ) -> Submission:
        """Insert and flush. A send key another submission already holds raises DuplicateSendKey: the unique
        index, not a read beforehand, is what keeps two concurrent sends of one form from both being stored."""
        row = SubmissionRow(
            code=code,
            name=name,
            contact=contact,
            intake=intake,
            recommendation=recommendation,
            knowledge_version=knowledge_version,
            created_at=now,
            status="new",
            send_key=send_key,
        )
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:
            # Both databases name the violated column or index ("submissions.send_key",
            # "ix_submissions_send_key"); any other violation is not a replay and is raised as it is.
            if send_key is not None and "send_key" in str(exc.orig):
                raise DuplicateSendKey(send_key) from None
            raise
        return _submission(row)

    def get(self, submission_id: int) -> Submission | None:
        row = self.session.get(SubmissionRow, submission_id)
        return _submission(row) if row else None

    def get_by_code(self, code: str) -> Submission | None:
        row = self.session.scalar(select(SubmissionRow).where(SubmissionRow.code == code))
        return _submission(row) if row else None

    def get_by_send_key(self, send_key: str) -> Submission | None:
        row = self.session.scalar(select(SubmissionRow).where(SubmissionRow.send_key == send_key))
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

    def wipe_sent_before(self, cutoff: dt.datetime) -> int:
        """Wipe every submission sent before `cutoff` that still holds personal data, exactly as `wipe` does;
        returns how many. One UPDATE narrowed by the status index, so running it on every inbox read is cheap.

        The send key stays: it is a digest, not personal data, and it is what stops a resend of the same form
        from storing the answers again after they were wiped."""
        query = (
            update(SubmissionRow)
            .where(SubmissionRow.status.in_(("new", "imported")), SubmissionRow.created_at < cutoff)
            .values(status="deleted", name="", contact="", intake={}, recommendation={})
            .execution_options(synchronize_session=False)
        )
        return int(self.session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


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
