"""Rate-limit events in the database, so every server process (and a restart) sees the same counts of login
attempts and sends to the clinic.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rejuv.storage.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.String(160), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    with op.batch_alter_table("rate_limit_events") as batch:
        batch.create_index("ix_rate_limit_events_bucket_at", ["bucket", "at"])


def downgrade() -> None:
    with op.batch_alter_table("rate_limit_events") as batch:
        batch.drop_index("ix_rate_limit_events_bucket_at")
    op.drop_table("rate_limit_events")
