"""The SQL unit of work: one session, one transaction; rolled back unless `commit()` was called."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from rejuv.services.ports import (
    AuditRepository,
    ConsultationRepository,
    PatientRepository,
    SubmissionRepository,
    TreatmentPlanRepository,
    UserRepository,
)
from rejuv.storage.plan_repositories import SqlTreatmentPlanRepository
from rejuv.storage.repositories import (
    SqlAuditRepository,
    SqlConsultationRepository,
    SqlPatientRepository,
    SqlUserRepository,
)
from rejuv.storage.submission_repositories import SqlSubmissionRepository


class SqlUnitOfWork:
    users: UserRepository
    patients: PatientRepository
    consultations: ConsultationRepository
    audit: AuditRepository
    plans: TreatmentPlanRepository
    submissions: SubmissionRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.users = SqlUserRepository(self._session)
        self.patients = SqlPatientRepository(self._session)
        self.consultations = SqlConsultationRepository(self._session)
        self.audit = SqlAuditRepository(self._session)
        self.plans = SqlTreatmentPlanRepository(self._session)
        self.submissions = SqlSubmissionRepository(self._session)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        session = self._require()
        try:
            session.rollback()  # a no-op after commit(); undoes everything otherwise
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        self._require().commit()

    def rollback(self) -> None:
        self._require().rollback()

    def _require(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session
