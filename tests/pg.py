"""A private schema in the shared PostgreSQL test database, for one pytest session.

PostgreSQL runs at 127.0.0.1:5432, database `test` (trust auth, user postgres or root). Each
suite gets its own schema, dropped at the end, because several suites share the database.
Unreachable PostgreSQL skips on a developer machine but fails under CI, where it always runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

PG_HOST = "127.0.0.1:5432/test"


def admin_url() -> str | None:
    """The URL of the first user that can connect, or None if PostgreSQL is not reachable."""
    for user in ("postgres", "root"):
        url = f"postgresql+psycopg://{user}@{PG_HOST}"
        eng = create_engine(url)
        try:
            with eng.connect() as c:
                c.execute(text("SELECT 1"))
            return url
        except OperationalError:
            continue
        finally:
            eng.dispose()
    return None


@contextmanager
def private_schema(prefix: str) -> Iterator[str]:
    """Yield a URL whose search_path is a fresh schema `<prefix>_<pid>`; drop it afterwards."""
    url = admin_url()
    if url is None:
        message = f"PostgreSQL at {PG_HOST} is not reachable"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI always has it: a skip there would hide every PG test
        pytest.skip(message)
    schema = f"{prefix}_{os.getpid()}"
    admin = create_engine(url)
    with admin.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
