"""Waybill owners: the carrier a waybill belongs to (first poster, or HQ's registration).

Backfilled from registrations, then from the earliest recorded event of unregistered waybills.

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


def upgrade() -> None:
    """Create tracking_owners and fill it from the data already stored."""
    op.create_table(
        "tracking_owners",
        sa.Column("waybill_no", sa.String(200), primary_key=True),
        sa.Column("carrier", sa.String(200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute("INSERT INTO tracking_owners (waybill_no, carrier, claimed_at) "
               "SELECT waybill_no, carrier, recorded_at FROM tracking_waybills")
    op.execute(
        "INSERT INTO tracking_owners (waybill_no, carrier, claimed_at) "
        "SELECT e.waybill_no, MIN(e.carrier), MIN(e.recorded_at) FROM tracking_events e "
        "WHERE e.waybill_no NOT IN (SELECT waybill_no FROM tracking_owners) "
        "AND e.recorded_at = (SELECT MIN(x.recorded_at) FROM tracking_events x "
        "WHERE x.waybill_no = e.waybill_no) GROUP BY e.waybill_no")


def downgrade() -> None:
    """Drop tracking_owners."""
    op.drop_table("tracking_owners")
