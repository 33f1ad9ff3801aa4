"""The API's database: the tracking engine (same URL, same migrations style) plus our tables.

Migrations run through `logistics.migrations` like the tracking ones: Alembic in the package,
own version table, under a PostgreSQL advisory lock so several `fwdnet serve` processes can
start at once.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from fwdnet.logistics.migrations import MigrationSet

HEAD_REVISION = "0002"
VERSION_TABLE = "api_alembic_version"
# pg_advisory_xact_lock key 0x66776461 ("fwda") for API migrations
MIGRATIONS = MigrationSet(Path(__file__).resolve().parent / "migrations", VERSION_TABLE,
                          HEAD_REVISION, 0x6677_6461)


def open_api_engine(url: str | None = None) -> Engine:
    """An engine with both the tracking and the API schema at their head revisions."""
    from fwdnet.logistics.tracking import open_engine

    engine = open_engine(url)
    migrate_api(engine)
    return engine


def current_revision(conn: Connection) -> str | None:
    """The API schema revision recorded in the database (None when never migrated)."""
    return MIGRATIONS.current_revision(conn)


def migrate_api(engine: Engine) -> None:
    """Bring the API tables to HEAD_REVISION; cheap when already there."""
    MIGRATIONS.migrate(engine)


def check_database(engine: Engine) -> None:
    """Raise when the database cannot answer a trivial query (readiness probe)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def write_lock(conn: Connection, key: int) -> None:
    """Serialise writers of one kind inside this transaction: a PostgreSQL advisory lock on
    `key`; on SQLite the database write lock itself, taken up front (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        return
    raw = conn.connection.driver_connection
    if raw is not None and not getattr(raw, "in_transaction", True):
        raw.execute("BEGIN IMMEDIATE")
