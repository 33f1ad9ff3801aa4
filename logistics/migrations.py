"""Alembic migrations shipped inside a package: run on first use, safe for concurrent starters.

Each package (tracking, api) keeps its own migration folder and version table; this one runner
brings either to its head revision under a PostgreSQL advisory lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class MigrationSet:
    """One package's migrations: folder, version table, head revision and advisory-lock key."""

    script_location: Path
    version_table: str
    head: str
    lock_id: int

    def current_revision(self, conn: Connection) -> str | None:
        """The revision recorded in the database (None when never migrated)."""
        from alembic.runtime.migration import MigrationContext

        ctx = MigrationContext.configure(conn, opts={"version_table": self.version_table})
        return ctx.get_current_revision()

    def migrate(self, engine: Engine) -> None:
        """Bring the schema to `head`; cheap when it is already there.

        PostgreSQL: an advisory lock serialises concurrent first users. SQLite has no such
        lock, so a loser of the race (table already exists) re-checks the revision instead.
        """
        from sqlalchemy.exc import OperationalError

        with engine.connect() as conn:
            if self.current_revision(conn) == self.head:
                return
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.lock_id})
                if self.current_revision(conn) != self.head:
                    self.upgrade(conn)
        except OperationalError:
            with engine.connect() as conn:
                if self.current_revision(conn) != self.head:
                    raise

    def upgrade(self, conn: Connection, revision: str = "head") -> None:
        """Run the migrations on `conn` inside its transaction (env.py reads the attributes)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(self.script_location))
        cfg.attributes["connection"] = conn
        cfg.attributes["version_table"] = self.version_table
        command.upgrade(cfg, revision)
