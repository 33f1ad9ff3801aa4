"""Initial tracking schema: append-only events and waybills.

One index per table: events are keyed by (waybill_no, event_key), which both deduplicates
(the key hashes the waybill or the carrier's event id) and serves per-waybill queries.

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
    """Create tracking_events and tracking_waybills with their indexes."""
    op.create_table(
        "tracking_events",
        sa.Column("waybill_no", sa.String(200), primary_key=True),
        sa.Column("event_key", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("event_type", sa.String(20), nullable=False),
        sa.Column("event_time", _TZ, nullable=False),
        sa.Column("carrier", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(200)),
        sa.Column("loc_code", sa.String(200)),
        sa.Column("loc_name", sa.String(200)),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("details", sa.Text),
        sa.Column("corrects", sa.Uuid(as_uuid=False)),
        sa.Column("recorded_at", _TZ, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tracking_waybills",
        sa.Column("waybill_no", sa.String(64), primary_key=True),
        sa.Column("order_ref", sa.String(200), nullable=False),
        sa.Column("sender_site", sa.String(200), nullable=False),
        sa.Column("receiver_site", sa.String(200), nullable=False),
        sa.Column("carrier", sa.String(200), nullable=False),
        sa.Column("service_level", sa.String(200), nullable=False),
        sa.Column("parcel_count", sa.Integer, nullable=False),
        sa.Column("weight_kg", sa.Float, nullable=False),
        sa.Column("volume_m3", sa.Float, nullable=False),
        sa.Column("promised_at", _TZ, nullable=False),
        sa.Column("region", sa.String(200)),
        sa.Column("label", sa.Text),
        sa.Column("created_at", _TZ),
        sa.Column("recorded_at", _TZ, nullable=False),
    )
    op.create_index("ix_tracking_waybills_promised", "tracking_waybills", ["promised_at"])


def downgrade() -> None:
    """Drop both tables (only for development: production logs are append-only)."""
    op.drop_table("tracking_waybills")
    op.drop_table("tracking_events")
