"""Alembic environment: runs on the connection handed over in `config.attributes`."""

from __future__ import annotations

from alembic import context

from fwdnet.logistics.tracking.tables import metadata


def run() -> None:
    """Online migrations only: logistics.tracking.db always passes a live connection."""
    attrs = context.config.attributes  # set by logistics.migrations.MigrationSet.upgrade
    context.configure(connection=attrs["connection"], target_metadata=metadata,
                      version_table=attrs["version_table"])
    with context.begin_transaction():
        context.run_migrations()


run()
