"""Fixtures: every database test runs on SQLite and on PostgreSQL (a private schema).

PostgreSQL is at 127.0.0.1:5432, database `test` (trust auth, user postgres or root). This
session creates schema `fwdnet_tracking_<pid>` and drops it at the end, because other
test suites share the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from fwdnet.logistics.tracking.db import open_engine
from tests.pg import private_schema

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a private schema in the shared test database (dropped at the end)."""
    with private_schema("fwdnet_tracking") as url:
        yield url


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
