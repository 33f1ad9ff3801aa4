"""Waybill parents: a store waybill names the trunk waybill that fed its FW's stock.

Nullable, so waybills stored before (and those with no parent, e.g. trunk drops) stay valid;
indexed for "which store deliveries did this trunk drop feed".

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add tracking_waybills.parent_waybill_no and its index."""
    op.add_column("tracking_waybills", sa.Column("parent_waybill_no", sa.String(64)))
    op.create_index("ix_tracking_waybills_parent", "tracking_waybills", ["parent_waybill_no"])


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index("ix_tracking_waybills_parent", "tracking_waybills")
    op.drop_column("tracking_waybills", "parent_waybill_no")
