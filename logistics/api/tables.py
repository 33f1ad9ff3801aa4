"""The API's own tables (SQLAlchemy Core): hashed API keys, asynchronous route jobs, region
overrides of the assortment and promotions, and the audit log of every change.

Created by this package's Alembic migrations (version table `api_alembic_version`).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

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
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("started_at", DateTime(timezone=True)),
    Column("idem_key", String(200)),
    Index("ix_api_route_jobs_status", "status"),
    Index("ix_api_route_jobs_key_status", "key_id", "status"),
    Index("ux_api_route_jobs_idem", "key_id", "idem_key", unique=True),
)

overrides = Table(
    "api_region_overrides",
    metadata,
    Column("override_id", String(32), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("kind", String(20), nullable=False),  # assortment | promotion
    Column("action", String(20), nullable=False),  # add | remove | promote
    Column("sku", String(200)),
    Column("category", String(200)),
    Column("lift", Float),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("status", String(20), nullable=False),  # active | withdrawn
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawn_by", String(32)),
    Index("ix_api_region_overrides_region", "region", "status"),
)

audit = Table(
    "api_audit",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("role", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("region", String(64)),
    Column("outcome", String(20), nullable=False),  # applied | refused
    Column("detail", Text, nullable=False),  # JSON: the change asked for, or why refused
    Column("before", Text),  # JSON
    Column("after", Text),  # JSON
    Index("ix_api_audit_region_at", "region", "at"),
)
