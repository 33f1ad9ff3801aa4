"""Schemathesis against our own OpenAPI spec (in-process ASGI), on SQLite and PostgreSQL:
generated requests, valid and invalid, with a valid hq key, must never produce a 5xx and must
match the documented responses. Bounded: a few examples per operation, solves ≤ 0.2 s."""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine, text

from fwdnet.logistics.api.db import open_api_engine
from fwdnet.logistics.api.keys import create_key
from fwdnet.logistics.api.main import create_app
from tests.api.conftest import settings_for
from tests.pg import PG_HOST

pytestmark = pytest.mark.slow

# examples + fuzzing (bounded by max_examples); the exhaustive coverage phase runs only with
# FWDNET_ST_COVERAGE=1, it alone would exceed this suite's time budget
_COVERAGE = os.environ.get("FWDNET_ST_COVERAGE") == "1"
_CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": _COVERAGE},
                                                   "stateful": {"enabled": False}}})
_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
           response_schema_conformance]


def _app(url: str) -> tuple[Any, str]:
    key = create_key(open_api_engine(url), "hq")[1]
    app = create_app(settings_for(url, default_time_limit_s=0.1, max_sync_time_limit_s=0.2,
                                  max_job_time_limit_s=0.5, start_jobs=False))
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=_CONFIG), key


def _pg_url() -> str | None:
    """A private schema (dropped at exit: the app's lifespan lives until then)."""
    admin = f"postgresql+psycopg://postgres@{PG_HOST}"
    schema = f"fwdnet_api_st_{os.getpid()}"
    try:
        eng = create_engine(admin)
        with eng.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            c.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception:
        return None

    def drop() -> None:
        with eng.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        eng.dispose()

    atexit.register(drop)
    return f"{admin}?options=-csearch_path%3D{schema}"


_SQLITE = f"sqlite:///{Path(tempfile.mkdtemp(prefix='fwdnet-st-')) / 'st.db'}"
sqlite_schema, _SQLITE_KEY = _app(_SQLITE)


@sqlite_schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_sqlite_no_server_errors_and_documented_answers(case: Any) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {_SQLITE_KEY}"}, checks=_CHECKS)


_PG = _pg_url()
if _PG is not None:
    pg_schema, _PG_KEY = _app(_PG)

    @pytest.mark.postgres
    @pg_schema.parametrize()
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    def test_postgres_no_server_errors_and_documented_answers(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {_PG_KEY}"},
                               checks=_CHECKS)
