"""Fixtures: every database test runs on SQLite and on PostgreSQL (a private schema).

PostgreSQL is at 127.0.0.1:5432, database `test` (trust auth, user postgres or root). This
session creates schema `fwdnet_tracking_<pid>` and drops it at the end, because other
test suites share the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from logistics.tracking.db import open_engine

PG_HOST = "127.0.0.1:5432/test"
SCHEMA = f"fwdnet_tracking_{os.getpid()}"
DATA = Path(__file__).resolve().parent / "data"


def _pg_admin_url() -> str | None:
    """The first user that can connect, or None if PostgreSQL is not reachable."""
    from sqlalchemy.exc import OperationalError

    for user in ("postgres", "root"):
        url = f"postgresql+psycopg://{user}@{PG_HOST}"
        try:
            eng = open_engine(url, migrate=False)
            with eng.connect() as c:
                c.execute(text("SELECT 1"))
            eng.dispose()
            return url
        except OperationalError:
            continue
    return None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a private, migrated schema in the shared test database (dropped at the end)."""
    admin_url = _pg_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL at 127.0.0.1:5432/test is not reachable")
    admin = open_engine(admin_url, migrate=False)
    with admin.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        c.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    try:
        yield f"{admin_url}?options=-csearch_path%3D{SCHEMA}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = open_engine(pg_url)
    yield eng
    eng.dispose()


def clear(engine: Engine) -> None:
    """Empty the tracking tables between tests (test isolation, not an app operation)."""
    with engine.begin() as c:
        c.execute(text("DELETE FROM tracking_events"))
        c.execute(text("DELETE FROM tracking_waybills"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of an empty, migrated tracking database: SQLite file or PG schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'track.db'}"
        eng = open_engine(url)
        yield url, eng
        eng.dispose()
    else:
        url = request.getfixturevalue("pg_url")
        eng = request.getfixturevalue("pg_engine")
        clear(eng)
        yield url, eng
        clear(eng)
