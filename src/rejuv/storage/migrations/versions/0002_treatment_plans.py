"""Treatment plans (session parameters and the edited face chart) and the sessions recorded against them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rejuv.storage.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "treatment_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("consultation_id", sa.Integer(), sa.ForeignKey("consultations.id"), nullable=False, unique=True),
        sa.Column("treatment", sa.String(32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("technique", sa.String(32), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("spacing_mm", sa.Float(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "treatment_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("treatment_plans.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("treatment", sa.String(32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("clinician", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("plan_id", "number", name="uq_treatment_sessions_plan_number"),
    )
    with op.batch_alter_table("treatment_sessions") as batch:
        batch.create_index("ix_treatment_sessions_plan_id", ["plan_id"])


def downgrade() -> None:
    with op.batch_alter_table("treatment_sessions") as batch:
        batch.drop_index("ix_treatment_sessions_plan_id")
    op.drop_table("treatment_sessions")
    op.drop_table("treatment_plans")
