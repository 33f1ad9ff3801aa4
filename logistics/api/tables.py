"""The API's own tables (SQLAlchemy Core): hashed API keys and asynchronous route jobs.

Created by this package's Alembic migration (version table `api_alembic_version`).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, MetaData, String, Table, Text

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("key_hash", String(64), nullable=False),
    Column("role", String(200), nullable=False),
    Column("label", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

route_jobs = Table(
    "api_route_jobs",
    metadata,
    Column("job_id", String(32), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("request", Text, nullable=False),
    Column("result", Text),
    Column("error", Text),
    Column("time_limit_s", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("worker", String(200)),
    Index("ix_api_route_jobs_status", "status"),
)
