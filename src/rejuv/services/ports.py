"""The small Protocols through which services reach storage. Tests satisfy them with ten-line fakes."""

from __future__ import annotations

import datetime as dt
from types import TracebackType
from typing import Any, Protocol, Self

from rejuv.services.plan_records import RecordedSession, TreatmentPlan
from rejuv.services.records import (
    AuditEntry,
    Consultation,
    NewConsultation,
    Patient,
    Role,
    Submission,
    SubmissionStatus,
    User,
)


class UserRepository(Protocol):
    def add(self, username: str, password_hash: str, role: Role, now: dt.datetime) -> User: ...
    def get_by_username(self, username: str) -> User | None: ...
    def get(self, user_id: int) -> User | None: ...
    def count(self) -> int: ...
    def all(self) -> list[User]: ...
    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...
    def end_sessions(self, user_id: int) -> None: ...


class PatientRepository(Protocol):
    def add(self, reference: str, full_name: str, birth_year: int | None, now: dt.datetime) -> Patient: ...
    def get(self, patient_id: int) -> Patient | None: ...
    def get_by_reference(self, reference: str) -> Patient | None: ...
    def search(self, text: str, limit: int) -> list[Patient]: ...


class ConsultationRepository(Protocol):
    def add(self, new: NewConsultation, now: dt.datetime) -> Consultation: ...
    def get(self, consultation_id: int) -> Consultation | None: ...
    def for_patient(self, patient_id: int) -> list[Consultation]: ...


class AuditRepository(Protocol):
    def add(
        self, actor: str, action: str, entity: str, entity_id: str | None, detail: str, now: dt.datetime
    ) -> None: ...
    def latest(self, limit: int, offset: int) -> list[AuditEntry]: ...


class TreatmentPlanRepository(Protocol):
    def for_consultation(self, consultation_id: int) -> TreatmentPlan | None: ...
    def save(self, plan: TreatmentPlan) -> TreatmentPlan: ...
    def add_session(
        self,
        plan_id: int,
        number: int,
        session_date: dt.date,
        treatment: str,
        details: dict[str, Any],
        clinician: str,
        now: dt.datetime,
    ) -> RecordedSession: ...
    def sessions(self, plan_id: int) -> list[RecordedSession]: ...


class DuplicateSendKey(Exception):
    """Another submission already holds this send key (a concurrent send of the same form won the race).

    Raised by `SubmissionRepository.add` so the use case can read the winner back without knowing which
    database raised what. The transaction it was raised in is unusable and must be rolled back.
    """


class SubmissionRepository(Protocol):
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
    ) -> Submission: ...
    def get(self, submission_id: int) -> Submission | None: ...
    def get_by_code(self, code: str) -> Submission | None: ...
    def get_by_send_key(self, send_key: str) -> Submission | None: ...
    def code_exists(self, code: str) -> bool: ...
    def with_status(self, status: SubmissionStatus, limit: int) -> list[Submission]: ...
    def mark_imported(self, submission_id: int) -> None: ...
    def wipe(self, submission_id: int) -> None: ...
    def wipe_sent_before(self, cutoff: dt.datetime) -> int: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the `with` block without `commit()` rolls everything back."""

    users: UserRepository
    patients: PatientRepository
    consultations: ConsultationRepository
    audit: AuditRepository
    plans: TreatmentPlanRepository
    submissions: SubmissionRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
