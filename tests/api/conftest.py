"""Fixtures: apps on SQLite and on PostgreSQL (a private schema), with one key per role.

PostgreSQL is at 127.0.0.1:5432, database `test` (trust auth). This session creates schema
`fwdnet_api_<pid>` and drops it at the end, because other suites share the database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from fwdnet.logistics.api.db import open_api_engine
from fwdnet.logistics.api.keys import create_key
from fwdnet.logistics.api.main import create_app
from fwdnet.logistics.api.settings import Settings
from tests.pg import private_schema

ROLES = ("hq", "dispatch", "region:east", "carrier:sf")
SCENARIO = Path(__file__).resolve().parents[1] / "data" / "api_regions" / "api_regions.toml"
"""The tiny scenario with regions east and west (region keys are scoped to its sites)."""


REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_client() -> Any:
    """A client of the Redis at 127.0.0.1:6379, or skip (fail under CI, where it runs)."""
    import redis

    r = redis.Redis.from_url(REDIS_URL, socket_timeout=1)
    try:
        r.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail("Redis at 127.0.0.1:6379 is not reachable")
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable")
    return r


@pytest.fixture
def prefix() -> Iterator[str]:
    """A Redis key prefix of this test alone (other engineers' tests share the Redis); its
    keys are deleted afterwards."""
    r = redis_client()
    p = f"fwdnet-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield p
    for k in r.scan_iter(f"{p}:*"):
        r.delete(k)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a private schema in the shared test database (dropped at the end)."""
    with private_schema("fwdnet_api") as url:
        yield url


@dataclass
class Api:
    """A running app (TestClient inside its lifespan), its engine and a key per role."""

    client: TestClient
    engine: Engine
    url: str
    keys: dict[str, str]

    def h(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def post(self, path: str, role: str = "hq", headers: dict[str, str] | None = None,
             **kw: Any) -> Any:
        return self.client.post(path, headers={**self.h(role), **(headers or {})}, **kw)

    def get(self, path: str, role: str = "hq", **kw: Any) -> Any:
        return self.client.get(path, headers=self.h(role), **kw)


def settings_for(url: str, **over: Any) -> Settings:
    base: dict[str, Any] = {"db": url, "executor": "process", "job_workers": 1,
                            "solve_workers": 1, "default_time_limit_s": 0.3,
                            "rate_per_minute": 60_000, "rate_burst": 10_000, "key_cache_s": 0.0,
                            "job_sweep_s": 0.5, "job_poll_s": 0.1, "log_json": True,
                            "scenario": str(SCENARIO)}
    return Settings(**{**base, **over})


@contextmanager
def running_app(url: str, **over: Any) -> Iterator[Api]:
    """An app on `url` with fresh keys for every role, inside its lifespan."""
    engine = open_api_engine(url)
    keys = {r: create_key(engine, r)[1] for r in (*ROLES, "region:west", "carrier:zto")}
    app = create_app(settings_for(url, **over))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, engine, url, keys)
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres",
                                                              marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database URL: SQLite file, or the private PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('apidb') / 'api.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no other app uses (SQLite file or a fresh PostgreSQL schema): for tests
    whose jobs must wait for their own runner. The session's shared `api` app keeps a job
    runner on `db_url`, and it took queued jobs meant to wait for a restart."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.db'}"
        return
    with private_schema("fwdnet_own") as url:
        yield url


@pytest.fixture(scope="session")
def api(db_url: str) -> Iterator[Api]:
    """A shared app (route jobs run on threads) on SQLite and on PostgreSQL."""
    with running_app(db_url) as a:
        yield a


@pytest.fixture
def fresh_app(tmp_path: Path) -> Callable[..., Any]:
    """Factory of apps on a fresh SQLite file, with settings overrides."""
    def make(**over: Any) -> Any:
        return running_app(f"sqlite:///{tmp_path / 'fresh.db'}", **over)
    return make
