"""The tables, as SQLAlchemy 2 declarative rows. Migrations in `migrations/versions/` must match this module.

JSON documents (the intake and the recommendation) are kept whole, exactly as the contracts define them, so a
consultation can be re-read years later with the knowledge_version it was made with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Stores aware UTC datetimes; SQLite returns naive ones, which are read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware UTC time")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The metadata every table belongs to (Alembic compares migrations against it)."""


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    # Raised at logout; a session cookie carrying an older number is no longer accepted.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)


class ConsultationRow(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    clinician: Mapped[str] = mapped_column(String(64), nullable=False)
    intake: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    recommendation: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    recommended_decision: Mapped[str] = mapped_column(String(32), nullable=False)
    clinician_decision: Mapped[str] = mapped_column(String(16), nullable=False)
    final_decision: Mapped[str] = mapped_column(String(32), nullable=False)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    knowledge_version: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    entity: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")


class TreatmentPlanRow(Base):
    """One plan per consultation: the session-plan parameters and the face chart as the clinician edited it.

    The chart keeps its request (zones, technique, spacing) beside the edited points, so the drawing can be
    rebuilt from the template and the points re-checked against it; dates are recomputed from the parameters
    by the planning core rather than stored, so they always follow the knowledge base's course.
    """

    __tablename__ = "treatment_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), nullable=False, unique=True)
    treatment: Mapped[str] = mapped_column(String(32), nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    sessions: Mapped[int] = mapped_column(Integer, nullable=False)
    interval_days: Mapped[int] = mapped_column(Integer, nullable=False)
    technique: Mapped[str] = mapped_column(String(32), nullable=False)
    zones: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    spacing_mm: Mapped[float] = mapped_column(Float, nullable=False)
    points: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    # Danger-zone exclusions the clinician waived (migration 0007); the chart is redrawn with them.
    waived: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list, server_default=text("'[]'"))


class TreatmentSessionRow(Base):
    """A session as done: its date and, as JSON, the PRP protocol and assessment or the cocktail with lots."""

    __tablename__ = "treatment_sessions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_treatment_sessions_plan_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("treatment_plans.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    session_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    treatment: Mapped[str] = mapped_column(String(32), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    clinician: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)


class SubmissionRow(Base):
    """What a person sent from the decision aid with consent. Deleting wipes the personal columns and keeps
    the code, status and date, so the clinic can still answer "was my request carried out?"."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    contact: Mapped[str] = mapped_column(String(200), nullable=False)
    intake: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    recommendation: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    knowledge_version: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    # The form's (or API caller's) token: the same key twice is the same send, not a second submission.
    send_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, index=True)


class RateLimitEventRow(Base):
    """One counted attempt (a login, a send) in a named bucket such as "login-ip:203.0.113.9"; kept in the
    database so every server process enforces one shared limit."""

    __tablename__ = "rate_limit_events"
    __table_args__ = (Index("ix_rate_limit_events_bucket_at", "bucket", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(160), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), nullable=False)
