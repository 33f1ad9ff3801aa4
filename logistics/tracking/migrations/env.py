"""Alembic environment: runs on the connection handed over in `config.attributes`."""

from __future__ import annotations

from alembic import context

from logistics.tracking.db import VERSION_TABLE
from logistics.tracking.tables import metadata


def run() -> None:
    """Online migrations only: logistics.tracking.db always passes a live connection."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


run()
