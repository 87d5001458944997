"""Alembic environment: the engine comes from `config.attributes` (see storage.database), never a URL on disk."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from rejuv.storage.tables import Base

config = context.config
engine: Engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
