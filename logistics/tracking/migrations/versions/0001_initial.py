"""Initial tracking schema: append-only events (unique event_key) and waybills.

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
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("event_key", sa.String(32), nullable=False),
        sa.Column("waybill_no", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(20), nullable=False),
        sa.Column("event_time", _TZ, nullable=False),
        sa.Column("carrier", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(200)),
        sa.Column("loc_code", sa.String(200)),
        sa.Column("loc_name", sa.String(200)),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("details", sa.Text),
        sa.Column("corrects", sa.String(32)),
        sa.Column("recorded_at", _TZ, nullable=False),
        sa.UniqueConstraint("event_key", name="uq_tracking_events_event_key"),
    )
    op.create_index("ix_tracking_events_waybill_time", "tracking_events",
                    ["waybill_no", "event_time"])
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
