"""Route jobs get attempts, start time and idempotency keys; region overrides; audit log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the job columns and indexes; create api_region_overrides and api_audit."""
    with op.batch_alter_table("api_route_jobs") as t:
        t.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        t.add_column(sa.Column("started_at", _TZ))
        t.add_column(sa.Column("idem_key", sa.String(200)))
    op.create_index("ix_api_route_jobs_key_status", "api_route_jobs", ["key_id", "status"])
    op.create_index("ux_api_route_jobs_idem", "api_route_jobs", ["key_id", "idem_key"],
                    unique=True)
    op.create_table(
        "api_region_overrides",
        sa.Column("override_id", sa.String(32), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("sku", sa.String(200)),
        sa.Column("category", sa.String(200)),
        sa.Column("lift", sa.Float),
        sa.Column("start_date", sa.Date),
        sa.Column("end_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("withdrawn_at", _TZ),
        sa.Column("withdrawn_by", sa.String(32)),
    )
    op.create_index("ix_api_region_overrides_region", "api_region_overrides",
                    ["region", "status"])
    op.create_table(
        "api_audit",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("region", sa.String(64)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
    )
    op.create_index("ix_api_audit_region_at", "api_audit", ["region", "at"])


def downgrade() -> None:
    """Drop the new tables, indexes and columns."""
    op.drop_table("api_audit")
    op.drop_table("api_region_overrides")
    op.drop_index("ux_api_route_jobs_idem", "api_route_jobs")
    op.drop_index("ix_api_route_jobs_key_status", "api_route_jobs")
    with op.batch_alter_table("api_route_jobs") as t:
        t.drop_column("idem_key")
        t.drop_column("started_at")
        t.drop_column("attempts")
