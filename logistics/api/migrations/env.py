"""Alembic environment: runs on the connection handed over in `config.attributes`."""

from __future__ import annotations

from alembic import context

from logistics.api.db import VERSION_TABLE
from logistics.api.tables import metadata


def run() -> None:
    """Online migrations only: logistics.api.db always passes a live connection."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


run()
