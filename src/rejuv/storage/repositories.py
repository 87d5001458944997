"""SQL repositories: the only place that writes queries. Each maps rows to the plain records of services."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from rejuv.services.records import (
    AuditEntry,
    ClinicianDecision,
    Consultation,
    NewConsultation,
    Patient,
    Role,
    User,
)
from rejuv.storage.tables import AuditRow, ConsultationRow, PatientRow, UserRow


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, username: str, password_hash: str, role: Role, now: dt.datetime) -> User:
        row = UserRow(username=username, password_hash=password_hash, role=role, created_at=now)
        self.session.add(row)
        self.session.flush()
        return _user(row)

    def get_by_username(self, username: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.username == username))
        return _user(row) if row else None

    def get(self, user_id: int) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _user(row) if row else None

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(UserRow)) or 0)

    def all(self) -> list[User]:
        return [_user(row) for row in self.session.scalars(select(UserRow).order_by(UserRow.username))]

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        row = self.session.get(UserRow, user_id)
        if row is not None:
            row.password_hash = password_hash

    def end_sessions(self, user_id: int) -> None:
        row = self.session.get(UserRow, user_id)
        if row is not None:
            row.session_version += 1


class SqlPatientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, reference: str, full_name: str, birth_year: int | None, now: dt.datetime) -> Patient:
        row = PatientRow(reference=reference, full_name=full_name, birth_year=birth_year, created_at=now)
        self.session.add(row)
        self.session.flush()
        return _patient(row)

    def get(self, patient_id: int) -> Patient | None:
        row = self.session.get(PatientRow, patient_id)
        return _patient(row) if row else None

    def get_by_reference(self, reference: str) -> Patient | None:
        row = self.session.scalar(select(PatientRow).where(PatientRow.reference == reference))
        return _patient(row) if row else None

    def search(self, text: str, limit: int) -> list[Patient]:
        query = select(PatientRow).order_by(PatientRow.full_name, PatientRow.id).limit(limit)
        if text:
            # Escape LIKE wildcards so "50%" finds "50%" and "_" is not "any character".
            escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            query = query.where(
                or_(
                    func.lower(PatientRow.full_name).like(pattern, escape="\\"),
                    func.lower(PatientRow.reference).like(pattern, escape="\\"),
                )
            )
        return [_patient(row) for row in self.session.scalars(query)]


class SqlConsultationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, new: NewConsultation, now: dt.datetime) -> Consultation:
        row = ConsultationRow(
            patient_id=new.patient_id,
            clinician=new.clinician,
            intake=new.intake,
            recommendation=new.recommendation,
            recommended_decision=str(new.recommendation.get("decision", "")),
            clinician_decision=new.clinician_decision,
            final_decision=new.final_decision,
            override_reason=new.override_reason,
            notes=new.notes,
            knowledge_version=new.knowledge_version,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return _consultation(row)

    def get(self, consultation_id: int) -> Consultation | None:
        row = self.session.get(ConsultationRow, consultation_id)
        return _consultation(row) if row else None

    def for_patient(self, patient_id: int) -> list[Consultation]:
        query = (
            select(ConsultationRow)
            .where(ConsultationRow.patient_id == patient_id)
            .order_by(ConsultationRow.created_at.desc(), ConsultationRow.id.desc())
        )
        return [_consultation(row) for row in self.session.scalars(query)]


class SqlAuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, actor: str, action: str, entity: str, entity_id: str | None, detail: str, now: dt.datetime) -> None:
        self.session.add(
            AuditRow(at=now, actor=actor, action=action, entity=entity, entity_id=entity_id, detail=detail)
        )

    def latest(self, limit: int, offset: int) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        return [
            AuditEntry(r.id, r.at, r.actor, r.action, r.entity, r.entity_id, r.detail)
            for r in self.session.scalars(query)
        ]


def _user(row: UserRow) -> User:
    role: Role = "admin" if row.role == "admin" else "clinician"
    return User(row.id, row.username, role, row.password_hash, row.created_at, row.session_version)


def _patient(row: PatientRow) -> Patient:
    return Patient(row.id, row.reference, row.full_name, row.birth_year, row.created_at)


def _consultation(row: ConsultationRow) -> Consultation:
    decision: ClinicianDecision = "override" if row.clinician_decision == "override" else "accept"
    return Consultation(
        id=row.id,
        patient_id=row.patient_id,
        clinician=row.clinician,
        intake=dict(row.intake),
        recommendation=dict(row.recommendation),
        recommended_decision=row.recommended_decision,
        clinician_decision=decision,
        final_decision=row.final_decision,
        override_reason=row.override_reason,
        notes=row.notes,
        knowledge_version=row.knowledge_version,
        created_at=row.created_at,
    )
