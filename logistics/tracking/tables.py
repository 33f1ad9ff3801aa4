"""The tables of the event log (SQLAlchemy Core); the Alembic migrations create them.

Append-only: code in this package only ever INSERTs into them. Times are stored in UTC.
`tracking_owners` maps each waybill to the carrier it belongs to.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

metadata = MetaData()

EVENT_COLUMNS = (
    "event_key", "waybill_no", "event_type", "event_time", "carrier", "event_id",
    "loc_code", "loc_name", "lon", "lat", "details", "corrects",
)
WAYBILL_COLUMNS = (
    "waybill_no", "order_ref", "sender_site", "receiver_site", "carrier", "service_level",
    "parcel_count", "weight_kg", "volume_m3", "promised_at", "region", "label", "created_at",
    "parent_waybill_no",
)

events = Table(
    "tracking_events",
    metadata,
    Column("waybill_no", String(200), primary_key=True),
    Column("event_key", Uuid(as_uuid=False), primary_key=True),
    Column("event_type", String(20), nullable=False),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("carrier", String(200), nullable=False),
    Column("event_id", String(200)),
    Column("loc_code", String(200)),
    Column("loc_name", String(200)),
    Column("lon", Float),
    Column("lat", Float),
    Column("details", Text),
    Column("corrects", Uuid(as_uuid=False)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    sqlite_with_rowid=False,
)

waybills = Table(
    "tracking_waybills",
    metadata,
    Column("waybill_no", String(64), primary_key=True),
    Column("order_ref", String(200), nullable=False),
    Column("sender_site", String(200), nullable=False),
    Column("receiver_site", String(200), nullable=False),
    Column("carrier", String(200), nullable=False),
    Column("service_level", String(200), nullable=False),
    Column("parcel_count", Integer, nullable=False),
    Column("weight_kg", Float, nullable=False),
    Column("volume_m3", Float, nullable=False),
    Column("promised_at", DateTime(timezone=True), nullable=False),
    Column("region", String(200)),
    Column("label", Text),
    Column("created_at", DateTime(timezone=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("parent_waybill_no", String(64)),  # migration 0003
    Index("ix_tracking_waybills_promised", "promised_at"),
    Index("ix_tracking_waybills_parent", "parent_waybill_no"),
)

owners = Table(
    "tracking_owners",
    metadata,
    Column("waybill_no", String(200), primary_key=True),
    Column("carrier", String(200), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
)
"""Who a waybill belongs to (see `tracking.owners`); the one table written other than by ingest."""
