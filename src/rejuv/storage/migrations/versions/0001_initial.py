"""Users, patients, consultations and the audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rejuv.storage.tables import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    with op.batch_alter_table("patients") as batch:
        batch.create_index("ix_patients_full_name", ["full_name"])
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("clinician", sa.String(64), nullable=False),
        sa.Column("intake", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.JSON(), nullable=False),
        sa.Column("recommended_decision", sa.String(32), nullable=False),
        sa.Column("clinician_decision", sa.String(16), nullable=False),
        sa.Column("final_decision", sa.String(32), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("knowledge_version", sa.String(128), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    with op.batch_alter_table("consultations") as batch:
        batch.create_index("ix_consultations_patient_id", ["patient_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.create_index("ix_audit_log_at", ["at"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_at")
    op.drop_table("audit_log")
    with op.batch_alter_table("consultations") as batch:
        batch.drop_index("ix_consultations_patient_id")
    op.drop_table("consultations")
    with op.batch_alter_table("patients") as batch:
        batch.drop_index("ix_patients_full_name")
    op.drop_table("patients")
    op.drop_table("users")
