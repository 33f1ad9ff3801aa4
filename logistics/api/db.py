"""The API's database: the tracking engine (same URL, same migrations style) plus our tables.

Migrations mirror `logistics.tracking.db`: Alembic in the package, own version table, run under
a PostgreSQL advisory lock so several `fwdnet serve` processes can start at once.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

HEAD_REVISION = "0001"
VERSION_TABLE = "api_alembic_version"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 0x6677_6461  # pg_advisory_xact_lock key for API migrations ("fwda")


def open_api_engine(url: str | None = None) -> Engine:
    """An engine with both the tracking and the API schema at their head revisions."""
    from logistics.tracking import open_engine

    engine = open_engine(url)
    migrate_api(engine)
    return engine


def current_revision(conn: Connection) -> str | None:
    """The API schema revision recorded in the database (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return ctx.get_current_revision()


def migrate_api(engine: Engine) -> None:
    """Bring the API tables to HEAD_REVISION; cheap when already there."""
    from sqlalchemy.exc import OperationalError

    with engine.connect() as conn:
        if current_revision(conn) == HEAD_REVISION:
            return
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
            if current_revision(conn) != HEAD_REVISION:
                _upgrade(conn)
    except OperationalError:
        with engine.connect() as conn:
            if current_revision(conn) != HEAD_REVISION:
                raise


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def check_database(engine: Engine) -> None:
    """Raise when the database cannot answer a trivial query (readiness probe)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
