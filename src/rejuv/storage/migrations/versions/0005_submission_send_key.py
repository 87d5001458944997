"""Submissions get a send key: the random token of the form (or the API's Idempotency-Key) a send came from,
so a page refresh or a retried request finds the first submission instead of storing a second one.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("send_key", sa.String(64), nullable=True))
        batch.create_index("ix_submissions_send_key", ["send_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_send_key")
        batch.drop_column("send_key")
