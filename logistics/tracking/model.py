"""Frozen domain objects of the event log and the event key that makes ingest idempotent.

An event's key is a 128-bit BLAKE2b digest: of (waybill, carrier, event_id) when the carrier
gave an id, else of the content (waybill, type, event time in UTC, location, corrected key).
Equal keys mean the same event, so a unique (waybill, key) stores every event exactly once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any

import msgspec

from fwdnet.logistics.tracking.schema import EventIn, EventType, LocationIn, WaybillIn

_SEP = "\x1f"
_BLAKE2B_128 = blake2b(digest_size=16)


def _digest(data: bytes) -> str:
    """BLAKE2b-128 of `data` in hex (copying a fresh hasher beats the keyword constructor)."""
    h = _BLAKE2B_128.copy()
    h.update(data)
    return h.hexdigest()


def key_for_event_id(waybill_no: str, carrier: str, event_id: str) -> str:
    """The key of an event the carrier identified by its own `event_id` (on this waybill)."""
    raw = f"i{_SEP}{waybill_no}{_SEP}{carrier}{_SEP}{event_id}"
    return _digest(raw.encode())


def utc_iso(t: datetime) -> str:
    """The canonical text of an aware time: UTC, microseconds, `+00:00` (used in hashes)."""
    return t.astimezone(UTC).isoformat(timespec="microseconds")


_TWO_DIGITS = tuple(f"{i:02d}" for i in range(60))
_day_texts: dict[int, str] = {}


def utc_text(t: datetime) -> str:
    """`utc_iso` of a time already in UTC, about 3x faster (the day's text is remembered):
    the ingest hot path builds one per content-keyed event."""
    day = _day_texts.get(t.toordinal())
    if day is None:
        if len(_day_texts) > 100_000:
            _day_texts.clear()
        day = _day_texts[t.toordinal()] = f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"
    us = t.microsecond
    return "".join((day, _TWO_DIGITS[t.hour], ":", _TWO_DIGITS[t.minute], ":",
                    _TWO_DIGITS[t.second], f".{us:06d}" if us else ".000000",
                    "+00:00"))


@dataclass(frozen=True, slots=True)
class Location:
    """Where an event happened: site code, name and `[lon, lat]` (WGS84 degrees), all optional."""

    code: str | None = None
    name: str | None = None
    lon: float | None = None
    lat: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form, without absent fields."""
        return {k: v for k, v in (("code", self.code), ("name", self.name),
                                  ("lon", self.lon), ("lat", self.lat)) if v is not None}


_encode_json = msgspec.json.Encoder().encode  # compact, key order kept, ~10x json.dumps


def details_text(details: dict[str, Any] | None) -> str | None:
    """The stored text of a details object (key order kept). NaN/Infinity are refused:
    they would make the stored and exported JSON invalid."""
    if details is None:
        return None
    if not _finite(details):
        raise ValueError("details: NaN or Infinity is not valid JSON")
    return finite_details_text(details)


def finite_details_text(details: dict[str, Any]) -> str:
    """`details_text` of details known to hold no NaN/Infinity (e.g. decoded from JSON)."""
    try:
        return _encode_json(details).decode()
    except (TypeError, ValueError, OverflowError):  # e.g. integers beyond 64 bits
        return json.dumps(details, ensure_ascii=False, separators=(",", ":"))


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def key_for_content(
    waybill_no: str,
    event_type: str,
    event_time: datetime,
    location: Location | None,
    corrects: str | None = None,
) -> str:
    """The key of an event without a carrier id: a hash of what it says."""
    loc = location or Location()
    return content_key(waybill_no, event_type, utc_iso(event_time), loc.code, loc.name,
                       loc.lon, loc.lat, corrects)


def content_key(
    waybill_no: str, event_type: str, utc_time: str, code: str | None, name: str | None,
    lon: float | None, lat: float | None, corrects: str | None,
) -> str:
    """`key_for_content` on primitives (`utc_time` from `utc_iso`): the ingest fast path."""
    return content_key_of_parts(waybill_no, event_type, utc_time,
                                location_part(code, name, lon, lat), corrects)


def location_part(code: str | None, name: str | None, lon: float | None,
                  lat: float | None) -> str:
    """The location's share of the hashed content (worth caching: hubs repeat)."""
    return _SEP.join((code or "", name or "", "" if lon is None else repr(lon),
                      "" if lat is None else repr(lat)))


def content_key_of_parts(
    waybill_no: str, event_type: str, utc_time: str, loc_part: str, corrects: str | None
) -> str:
    """`content_key` with the location already joined by `location_part`."""
    raw = _SEP.join(("c", waybill_no, event_type, utc_time, loc_part, corrects or ""))
    return _digest(raw.encode())


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One event of a waybill, normalised: `event_time` in UTC, `details` kept as JSON text.

    `corrects` is the key of the event this one replaces (append-only corrections).
    """

    key: str
    waybill_no: str
    event_type: EventType
    event_time: datetime
    carrier: str
    location: Location | None = None
    event_id: str | None = None
    details_json: str | None = None
    corrects: str | None = None

    @property
    def details(self) -> dict[str, Any] | None:
        """A fresh copy of the carrier's details object (the stored text is the truth)."""
        return None if self.details_json is None else dict(json.loads(self.details_json))

    @classmethod
    def create(
        cls,
        *,
        waybill_no: str,
        event_type: EventType | str,
        event_time: datetime,
        carrier: str,
        location: Location | None = None,
        event_id: str | None = None,
        details: dict[str, Any] | None = None,
        corrects: str | None = None,
    ) -> TrackingEvent:
        """Build an event from trusted values (e.g. a simulation); the key is computed here."""
        if event_time.tzinfo is None:
            raise ValueError("event_time must carry a time zone")
        etype = EventType(event_type)
        t = event_time.astimezone(UTC)
        key = (key_for_event_id(waybill_no, carrier, event_id) if event_id is not None
               else key_for_content(waybill_no, etype.value, t, location, corrects))
        dj = details_text(details)
        return cls(key, waybill_no, etype, t, carrier, location, event_id, dj, corrects)

    @classmethod
    def from_input(cls, item: EventIn) -> TrackingEvent:
        """Normalise a validated `EventIn`."""
        corrects = None
        if item.corrects is not None:
            corrects = (item.corrects.event_key if item.corrects.event_key is not None
                        else key_for_event_id(item.waybill_no, item.carrier,
                                         str(item.corrects.event_id)))
        return cls.create(
            waybill_no=item.waybill_no, event_type=item.event_type, event_time=item.event_time,
            carrier=item.carrier, location=_location(item.location), event_id=item.event_id,
            details=item.details, corrects=corrects,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The feed/JSONL form of this event (round-trips through `EventIn`)."""
        out: dict[str, Any] = {
            "waybill_no": self.waybill_no,
            "event_type": self.event_type.value,
            "event_time": utc_iso(self.event_time).replace("+00:00", "Z"),
            "carrier": self.carrier,
        }
        if self.location is not None:
            out["location"] = self.location.as_dict()
        if self.event_id is not None:
            out["event_id"] = self.event_id
        if self.details_json is not None:
            out["details"] = json.loads(self.details_json)
        if self.corrects is not None:
            out["corrects"] = {"event_key": self.corrects}
        return out


def _location(loc: LocationIn | None) -> Location | None:
    if loc is None:
        return None
    return Location(loc.code, loc.name, loc.lon, loc.lat)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the log holds it: the event plus when we learnt it (`recorded_at`, UTC)."""

    event: TrackingEvent
    recorded_at: datetime

    def to_json_dict(self) -> dict[str, Any]:
        """Export form: the feed fields plus `event_key` and `recorded_at`."""
        out = self.event.to_json_dict()
        out["event_key"] = self.event.key
        out["recorded_at"] = utc_iso(self.recorded_at).replace("+00:00", "Z")
        return out


@dataclass(frozen=True, slots=True)
class Party:
    """Sender or receiver as printed on the label."""

    name: str
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Waybill:
    """An e-waybill: who ships what to whom, with the promise and the printed label fields.

    Weight in kg, volume in m³, times in UTC.
    """

    waybill_no: str
    order_ref: str
    sender_site: str
    receiver_site: str
    carrier: str
    service_level: str
    parcel_count: int
    weight_kg: float
    volume_m3: float
    promised_at: datetime
    region: str | None = None
    sender: Party | None = None
    receiver: Party | None = None
    sort_code: str | None = None
    created_at: datetime | None = None
    parent_waybill_no: str | None = None  # the trunk waybill that fed the stock shipped

    @classmethod
    def from_input(cls, item: WaybillIn) -> Waybill:
        """Normalise a validated `WaybillIn` (times to UTC)."""
        def party(p: Any) -> Party | None:
            return None if p is None else Party(p.name, p.phone, p.address)

        return cls(
            waybill_no=item.waybill_no, order_ref=item.order_ref,
            sender_site=item.sender_site, receiver_site=item.receiver_site,
            carrier=item.carrier, service_level=item.service_level,
            parcel_count=item.parcels.count, weight_kg=item.parcels.weight_kg,
            volume_m3=item.parcels.volume_m3, promised_at=item.promised_at.astimezone(UTC),
            region=item.region, sender=party(item.sender), receiver=party(item.receiver),
            sort_code=item.sort_code,
            created_at=None if item.created_at is None else item.created_at.astimezone(UTC),
            parent_waybill_no=item.parent_waybill_no,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The feed form (`"kind": "waybill"`), round-trips through `WaybillIn`."""
        out: dict[str, Any] = {
            "kind": "waybill", "waybill_no": self.waybill_no, "order_ref": self.order_ref,
            "sender_site": self.sender_site, "receiver_site": self.receiver_site,
            "carrier": self.carrier, "service_level": self.service_level,
            "parcels": {"count": self.parcel_count, "weight_kg": self.weight_kg,
                        "volume_m3": self.volume_m3},
            "promised_at": utc_iso(self.promised_at).replace("+00:00", "Z"),
        }
        for name in ("region", "sort_code", "parent_waybill_no"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for name in ("sender", "receiver"):
            p = getattr(self, name)
            if p is not None:
                out[name] = {k: v for k, v in (("name", p.name), ("phone", p.phone),
                                               ("address", p.address)) if v is not None}
        if self.created_at is not None:
            out["created_at"] = utc_iso(self.created_at).replace("+00:00", "Z")
        return out


@dataclass(frozen=True, slots=True)
class Reject:
    """A feed line that was not stored: 1-based line number, reason, and the raw text."""

    line: int
    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class IngestCounts:
    """What an ingest did. `read == stored + duplicates + rejected` always holds."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects: tuple[Reject, ...] = field(default=(), repr=False)

    def __add__(self, other: IngestCounts) -> IngestCounts:
        return IngestCounts(
            self.read + other.read, self.stored + other.stored,
            self.duplicates + other.duplicates, self.rejected + other.rejected,
            self.rejects + other.rejects,
        )
