"""The JSON event and waybill schema (pydantic, frozen): validated once at the boundary.

Every feed line, API request body and simulated shipment goes through these models; the
rest of `logistics.tracking` trusts what they produce. Units: kg, m³, seconds, `[lon, lat]`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class EventType(StrEnum):
    """The eleven event types of an e-waybill's life (our vocabulary; adapters map onto it)."""

    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    ARRIVED_AT_HUB = "arrived_at_hub"
    DEPARTED_HUB = "departed_hub"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    EXCEPTION = "exception"
    RETURNED = "returned"
    CANCELLED = "cancelled"


NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; refused on SQLite alike
NonEmpty = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class LocationIn(BaseModel):
    """Where an event happened: a site code and/or name and/or `[lon, lat]` in WGS84 degrees."""

    model_config = _FROZEN
    code: NonEmpty | None = None
    name: NonEmpty | None = None
    lon: Annotated[float, Field(ge=-180.0, le=180.0)] | None = None
    lat: Annotated[float, Field(ge=-90.0, le=90.0)] | None = None

    @model_validator(mode="after")
    def _lon_lat_together(self) -> LocationIn:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        return self


class CorrectsIn(BaseModel):
    """Reference to the event a correction replaces: its carrier `event_id` or our `event_key`."""

    model_config = _FROZEN
    event_id: NonEmpty | None = None
    event_key: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CorrectsIn:
        if (self.event_id is None) == (self.event_key is None):
            raise ValueError("give exactly one of event_id or event_key")
        return self


class EventIn(BaseModel):
    """One tracking event as it arrives (a JSONL feed line, an API item, a simulated scan).

    `event_time` must carry a time zone; it is stored in UTC. `details` is kept as given.
    """

    model_config = _FROZEN
    kind: Literal["event"] = "event"
    waybill_no: NonEmpty
    event_type: EventType
    event_time: AwareDatetime
    carrier: NonEmpty
    location: LocationIn | None = None
    event_id: NonEmpty | None = None
    details: dict[str, Any] | None = None
    corrects: CorrectsIn | None = None


class PartyIn(BaseModel):
    """Sender or receiver as printed on the label."""

    model_config = _FROZEN
    name: NonEmpty
    phone: NonEmpty | None = None
    address: Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)] | None = None


class ParcelsIn(BaseModel):
    """The parcels under one waybill: count, total weight (kg), total volume (m³)."""

    model_config = _FROZEN
    count: Annotated[int, Field(ge=1)]
    weight_kg: Annotated[float, Field(ge=0.0)]
    volume_m3: Annotated[float, Field(ge=0.0)]


class WaybillIn(BaseModel):
    """An e-waybill (电子面单) registration: a feed line with `"kind": "waybill"` or an API item."""

    model_config = _FROZEN
    kind: Literal["waybill"] = "waybill"
    waybill_no: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x20-\x7e]+$")]
    order_ref: NonEmpty
    sender_site: NonEmpty
    receiver_site: NonEmpty
    carrier: NonEmpty
    service_level: NonEmpty
    parcels: ParcelsIn
    promised_at: AwareDatetime
    region: NonEmpty | None = None
    sender: PartyIn | None = None
    receiver: PartyIn | None = None
    sort_code: NonEmpty | None = None
    created_at: AwareDatetime | None = None
    # the waybill whose shipment fed the stock this one carries (a store delivery names the
    # CDC → FW trunk waybill that last filled its FW), so a parcel is traced back to its source
    parent_waybill_no: Annotated[str, Field(min_length=1, max_length=64,
                                            pattern=r"^[\x20-\x7e]+$")] | None = None
