"""Treatment plans remember which danger-zone exclusions the clinician waived (today only the glabella, for
superficial mesotherapy), so the chart is drawn again with the same waiver when the plan is reopened.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("treatment_plans") as batch:
        batch.add_column(sa.Column("waived", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("treatment_plans") as batch:
        batch.drop_column("waived")
