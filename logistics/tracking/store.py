"""Idempotent bulk writes into the event log, one implementation per database dialect.

Both insert a batch so that a key already stored (by an earlier batch, an earlier run killed
mid-way, or a concurrent process) is skipped. SQLite: `INSERT OR IGNORE` via executemany.
PostgreSQL: first a binary `COPY` straight into the log inside a savepoint (the fast path
when the batch is all new); if a key is already there, roll back to the savepoint and `COPY`
into a temporary staging table, then `INSERT … SELECT … ON CONFLICT DO NOTHING`. Every
writer inserts in one order (waybill_no joined with event_key, bytewise), so concurrent
writers never wait on each other in a cycle (no deadlocks): `lock_order`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from fwdnet.logistics.tracking.tables import EVENT_COLUMNS, WAYBILL_COLUMNS

Row = tuple[Any, ...]
_EV = ", ".join(EVENT_COLUMNS)
_WB = ", ".join(WAYBILL_COLUMNS)
_STAGE = "tracking_events_stage"
_STAGE_TYPES = ["text", "text", "text", "timestamptz", "text", "text", "text", "text",
                "float8", "float8", "text", "text"]
_EV_CAST = _EV.replace("event_key", "event_key::uuid").replace("corrects", "corrects::uuid")
# Straight into the log: uuid columns travel as their 16 raw bytes, which is exactly what
# psycopg's binary bytea dumper writes (binary COPY carries no type per field).
_DIRECT_TYPES = ["bytea", *_STAGE_TYPES[1:-1], "bytea", "timestamptz"]


class Store(Protocol):
    """Writes batches of prepared rows; returns how many were new."""

    def time(self, t: datetime) -> Any:
        """The bind value of a UTC time for this dialect."""

    def begin_write(self, conn: Connection) -> None:
        """Prepare `conn`'s transaction for a batch of writes."""

    def insert_events(self, conn: Connection, rows: Sequence[Row], recorded_at: datetime) -> int:
        """Insert event rows (columns EVENT_COLUMNS, unique keys), skipping stored keys."""

    def insert_waybills(
        self, conn: Connection, rows: Sequence[Row], recorded_at: datetime
    ) -> int:
        """Insert waybill rows (columns WAYBILL_COLUMNS), skipping stored numbers."""


class SqliteStore:
    """SQLite: executemany of INSERT OR IGNORE inside the caller's transaction."""

    def begin_write(self, conn: Connection) -> None:
        """Take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that reads
        first (strict mode) and then writes can fail with "database is locked" at once when
        another process holds the lock, instead of waiting for it (busy_timeout)."""
        raw = conn.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")

    def time(self, t: datetime) -> Any:
        # SQLAlchemy's SQLite DateTime text format, so Core selects read it back.
        return t.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def insert_events(self, conn: Connection, rows: Sequence[Row], recorded_at: datetime) -> int:
        rec = self.time(recorded_at)
        marks = ", ".join("?" * (len(EVENT_COLUMNS) + 1))
        sql = f"INSERT OR IGNORE INTO tracking_events ({_EV}, recorded_at) VALUES ({marks})"
        return _executemany(conn, sql, [(*r, rec) for r in rows])

    def insert_waybills(
        self, conn: Connection, rows: Sequence[Row], recorded_at: datetime
    ) -> int:
        rec = self.time(recorded_at)
        marks = ", ".join("?" * (len(WAYBILL_COLUMNS) + 1))
        sql = f"INSERT OR IGNORE INTO tracking_waybills ({_WB}, recorded_at) VALUES ({marks})"
        return _executemany(conn, sql, [(*r, rec) for r in rows])


class PostgresStore:
    """PostgreSQL: COPY straight into the log while batches come all new; COPY into a
    session-temporary staging table then INSERT … ON CONFLICT once a batch held a stored key.

    One instance serves one ingest: it remembers whether the last batch was all new.
    """

    def __init__(self) -> None:
        self._all_new = True

    def begin_write(self, conn: Connection) -> None:
        """Nothing to prepare: row locks are taken in key order by the insert itself."""

    def time(self, t: datetime) -> Any:
        return t

    def insert_events(self, conn: Connection, rows: Sequence[Row], recorded_at: datetime) -> int:
        if not rows:
            return 0
        ordered = sorted(rows, key=lock_order)
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:  # type: ignore[union-attr]
            if self._all_new and _copy_all_new(cur, ordered, recorded_at):
                return len(ordered)
            stored = _insert_staged(cur, ordered, recorded_at)
        self._all_new = stored == len(ordered)
        return stored

    def insert_waybills(
        self, conn: Connection, rows: Sequence[Row], recorded_at: datetime
    ) -> int:
        marks = ", ".join(["%s"] * (len(WAYBILL_COLUMNS) + 1))
        sql = (f"INSERT INTO tracking_waybills ({_WB}, recorded_at) VALUES ({marks}) "
               "ON CONFLICT (waybill_no) DO NOTHING")
        return _executemany(conn, sql, [(*r, recorded_at) for r in sorted(rows)])


def lock_order(row: Row) -> str:
    """The one order all PostgreSQL writers insert in: waybill_no and event_key joined (the
    key has a fixed length, so the join is unique), compared bytewise as `COLLATE "C"` does.
    Grouped by waybill as the index is, up to prefixes ("W1" + "f…" sorts after "W10…")."""
    return str(row[1] + row[0])


def _copy_all_new(cur: Any, rows: Sequence[Row], recorded_at: datetime) -> bool:
    """COPY rows straight into the log; False (and nothing written) if a key is stored."""
    # psycopg only where PostgreSQL is used: a core or [forecast] install has no driver
    from psycopg.errors import UniqueViolation
    from psycopg.types.string import BytesBinaryDumper

    fromhex = bytes.fromhex
    # psycopg maps the bytea oid to its DB-API `Binary` wrapper dumper (Python, ~0.3 us a
    # row); registering plain bytes again selects its C dumper for this cursor.
    cur.adapters.register_dumper(bytes, BytesBinaryDumper)
    cur.execute("SAVEPOINT fwdnet_copy")
    try:
        with cur.copy(f"COPY tracking_events ({_EV}, recorded_at) FROM STDIN "
                      "(FORMAT BINARY)") as copy:
            copy.set_types(_DIRECT_TYPES)
            write = copy.write_row
            for r in rows:
                write((fromhex(r[0]), *r[1:11], None if r[11] is None else fromhex(r[11]),
                       recorded_at))
    except UniqueViolation:
        cur.execute("ROLLBACK TO SAVEPOINT fwdnet_copy")
        return False
    cur.execute("RELEASE SAVEPOINT fwdnet_copy")
    return True


def _insert_staged(cur: Any, rows: Sequence[Row], recorded_at: datetime) -> int:
    """COPY rows into the staging table, then insert the ones not stored yet; how many.

    The staging table is created in this transaction if missing (not remembered across
    transactions: a rolled-back one takes its CREATE with it)."""
    cur.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ("
        "event_key text, waybill_no text, event_type text, event_time timestamptz, "
        "carrier text, event_id text, loc_code text, loc_name text, "
        "lon double precision, lat double precision, details text, corrects text)"
    )
    # Binary COPY: psycopg formats typed binary fields ~2x faster than text rows.
    with cur.copy(f"COPY {_STAGE} ({_EV}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_STAGE_TYPES)
        for r in rows:
            copy.write_row(r)
    cur.execute(
        f"INSERT INTO tracking_events ({_EV}, recorded_at) "
        f"SELECT {_EV_CAST}, %s FROM {_STAGE} "
        'ORDER BY (waybill_no || event_key) COLLATE "C" '
        "ON CONFLICT (waybill_no, event_key) DO NOTHING",
        (recorded_at,),
    )
    stored = cur.rowcount
    cur.execute(f"TRUNCATE {_STAGE}")
    return int(stored)


def _executemany(conn: Connection, sql: str, rows: list[Row]) -> int:
    """executemany on the driver cursor; both drivers sum rowcount over the rows."""
    if not rows:
        return 0
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.executemany(sql, rows)
        return int(cur.rowcount)
    finally:
        cur.close()


def store_for(conn: Connection) -> Store:
    """The writer for this connection's dialect."""
    return store_for_dialect(conn.dialect.name)


def store_for_dialect(name: str) -> Store:
    """The writer for a SQLAlchemy dialect name."""
    if name == "sqlite":
        return SqliteStore()
    if name == "postgresql":
        return PostgresStore()
    raise ValueError(f"tracking supports sqlite and postgresql, not {name}")
