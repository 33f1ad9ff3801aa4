"""The fast path for a common feed line: msgspec decodes it in C, the stored row is built here.

The pydantic schema stays the only definition of a valid line: this path takes a line only
when it can build exactly the row the schema would (tests/tracking/test_fastline.py checks
that on generated lines); anything unusual returns None and goes through `schema.EventIn`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

from fwdnet.logistics.tracking.model import (
    content_key_of_parts,
    finite_details_text,
    key_for_event_id,
    location_part,
    utc_text,
)
from fwdnet.logistics.tracking.schema import EventType
from fwdnet.logistics.tracking.store import Row

_Str = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_Lon = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
_Lat = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
_EVENT_TYPES = frozenset(t.value for t in EventType)  # the one vocabulary: schema.EventType


class _Location(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: _Str | None = None
    name: _Str | None = None
    lon: _Lon | None = None
    lat: _Lat | None = None


class _Event(msgspec.Struct, forbid_unknown_fields=True):
    """The common line: no `kind`, no `corrects` (both go the schema's way)."""

    waybill_no: _Str
    event_type: _Str  # checked against _EVENT_TYPES below
    event_time: msgspec.Raw  # decoded below, after a look at its digits
    carrier: _Str
    location: _Location | None = None
    event_id: _Str | None = None
    details: dict[str, Any] | None = None


_decode_event = msgspec.json.Decoder(_Event).decode
_decode_time = msgspec.json.Decoder(Annotated[datetime, msgspec.Meta(tz=True)]).decode
_DecodeErrors = (msgspec.DecodeError, msgspec.ValidationError)
# A location's part of the content hash, by location: hubs repeat, repr(float) is not free.
_loc_parts: dict[_Location, str] = {}
_LOC_CACHE_MAX = 65_536
_NO_LOCATION = location_part(None, None, None, None)


def fast_event_row(line: str | bytes, fmt: Callable[[datetime], Any]) -> Row | None:
    """The stored row of an event line (as `ingest.event_row_from_input` builds it), or
    None when the line needs the full schema: a bad line, `kind`, `corrects`, surrounding
    whitespace to strip, a NUL, more than 6 fraction digits."""
    try:
        e = _decode_event(line)
    except _DecodeErrors:
        return None
    raw_t = e.event_time
    # Beyond microseconds msgspec rounds where the schema truncates: leave those to it.
    if len(raw_t) > 28 and bytes(memoryview(raw_t)[21:28]).isdigit():
        return None
    try:
        t = _decode_time(raw_t)
        if t.tzinfo is not UTC:
            t = t.astimezone(UTC)
    except (*_DecodeErrors, OverflowError):
        return None
    wb, carrier, eid = e.waybill_no, e.carrier, e.event_id
    if e.event_type not in _EVENT_TYPES:
        return None  # the schema names the allowed types in its error
    # The schema strips surrounding whitespace (str.strip() returns the very object if there
    # is none) and refuses NUL, which PostgreSQL cannot store.
    if wb.strip() is not wb or carrier.strip() is not carrier or "\x00" in wb \
            or "\x00" in carrier or (eid is not None and (eid.strip() is not eid or "\x00" in eid)):
        return None
    loc = e.location
    code = name = lon = lat = None
    part = _NO_LOCATION
    if loc is not None:
        code, name, lon, lat = loc.code, loc.name, loc.lon, loc.lat
        if (lon is None) != (lat is None) \
                or (code is not None and (code.strip() is not code or "\x00" in code)) \
                or (name is not None and (name.strip() is not name or "\x00" in name)):
            return None
        if eid is None:
            part = _loc_parts.get(loc) or _loc_part(loc)
    details = e.details
    dtext = None
    if details is not None:
        for k in details:  # the schema strips these keys too
            if k.strip() is not k:
                return None
        dtext = finite_details_text(details)  # JSON numbers are finite
    if eid is not None:
        key = key_for_event_id(wb, carrier, eid)
    else:
        key = content_key_of_parts(wb, e.event_type, utc_text(t), part, None)
    return (key, wb, e.event_type, fmt(t), carrier, eid, code, name, lon, lat, dtext, None)


def _loc_part(loc: _Location) -> str:
    """`model.location_part` of a location, remembered (bounded) unless a coordinate is
    zero: 0.0 == -0.0 would share a cache entry, yet their reprs (and keys) differ."""
    part = location_part(loc.code, loc.name, loc.lon, loc.lat)
    if loc.lon != 0.0 and loc.lat != 0.0:
        if len(_loc_parts) >= _LOC_CACHE_MAX:
            _loc_parts.clear()
        _loc_parts[loc] = part
    return part
