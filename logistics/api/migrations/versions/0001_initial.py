"""Initial API schema: hashed API keys and asynchronous route jobs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create api_keys and api_route_jobs."""
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ),
    )
    op.create_table(
        "api_route_jobs",
        sa.Column("job_id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("time_limit_s", sa.Float, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("heartbeat_at", _TZ),
        sa.Column("worker", sa.String(200)),
    )
    op.create_index("ix_api_route_jobs_status", "api_route_jobs", ["status"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("api_route_jobs")
    op.drop_table("api_keys")
