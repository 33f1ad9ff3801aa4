"""Where the event log lives: resolve the database URL, open an engine, migrate on first use.

SQLite file `fwdnet.db` in the working directory by default; `FWDNET_DB` or an explicit URL
(`postgresql+psycopg://user@host/db`) otherwise. Migrations (Alembic, no alembic.ini) run
under a lock so concurrent first users do not race.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

from fwdnet.logistics.migrations import MigrationSet

DEFAULT_URL = "sqlite:///fwdnet.db"
HEAD_REVISION = "0003"
VERSION_TABLE = "tracking_alembic_version"
# pg_advisory_xact_lock key 0x66776474 ("fwdt") for tracking migrations
MIGRATIONS = MigrationSet(Path(__file__).resolve().parent / "migrations", VERSION_TABLE,
                          HEAD_REVISION, 0x6677_6474)


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the argument, else `FWDNET_DB`, else SQLite `fwdnet.db` here.

    A bare `postgresql://` URL is given the installed psycopg (v3) driver.
    """
    chosen = url or os.environ.get("FWDNET_DB") or DEFAULT_URL
    for bare in ("postgresql://", "postgres://"):
        if chosen.startswith(bare):
            chosen = "postgresql+psycopg://" + chosen[len(bare):]
    return chosen


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets readers run beside one writer; busy_timeout makes concurrent writers wait."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def open_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the tracking database, migrated to the current schema unless told not to."""
    from sqlalchemy.exc import ArgumentError

    resolved = resolve_url(url)
    try:
        engine = create_engine(resolved, pool_pre_ping=resolved.startswith("postgresql"))
    except (ArgumentError, ImportError, ValueError) as exc:
        from fwdnet.logistics.errors import InputError

        raise InputError(f"database URL {resolved!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        migrate_engine(engine)
    return engine


def current_revision(conn: Connection) -> str | None:
    """The schema revision recorded in the database (None for an empty database)."""
    return MIGRATIONS.current_revision(conn)


def migrate_engine(engine: Engine) -> None:
    """Bring the tracking schema to HEAD_REVISION; cheap when it is already there."""
    MIGRATIONS.migrate(engine)


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Run the Alembic migrations on `conn` inside its transaction."""
    MIGRATIONS.upgrade(conn, revision)
