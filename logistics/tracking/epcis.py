"""Export the event log as an EPCIS 2.0 JSON-LD document (GS1 interchange format).

Each event becomes an ObjectEvent on the waybill's URI with CBV business step and
disposition; `eventID` is our 128-bit event key as a UUID URN. A correction is exported as
EPCIS does it: an error declaration on the corrected event, naming the corrective event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import groupby
from typing import IO, Any

from fwdnet.logistics.tracking.model import StoredEvent, utc_iso
from fwdnet.logistics.tracking.schema import EventType

E = EventType
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
FWDNET_NS = "https://fwdnet.example/ns/tracking#"
INCORRECT_DATA = "incorrect_data"

# our type → (EPCIS action, CBV bizStep, CBV disposition)
CBV: dict[EventType, tuple[str, str, str]] = {
    E.CREATED: ("ADD", "commissioning", "active"),
    E.PICKED_UP: ("OBSERVE", "accepting", "in_transit"),
    E.IN_TRANSIT: ("OBSERVE", "transporting", "in_transit"),
    E.ARRIVED_AT_HUB: ("OBSERVE", "arriving", "in_progress"),
    E.DEPARTED_HUB: ("OBSERVE", "departing", "in_transit"),
    E.OUT_FOR_DELIVERY: ("OBSERVE", "departing", "in_transit"),
    E.DELIVERED: ("OBSERVE", "receiving", "in_progress"),
    E.DELIVERY_FAILED: ("OBSERVE", "holding", "unavailable"),
    E.EXCEPTION: ("OBSERVE", "inspecting", "unknown"),
    E.RETURNED: ("OBSERVE", "receiving", "returned"),
    E.CANCELLED: ("DELETE", "void_shipping", "inactive"),
}


def event_uri(key: str) -> str:
    """The EPCIS eventID of an event key (a 128-bit digest, written as a UUID URN)."""
    return uuid.UUID(hex=key).urn


def waybill_uri(waybill_no: str) -> str:
    """The EPC-list URI of a waybill (a private URN: waybills are not GS1 SSCCs)."""
    return "urn:fwdnet:waybill:" + waybill_no


def _z(t: datetime) -> str:
    return utc_iso(t).replace("+00:00", "Z")


def epcis_event(stored: StoredEvent) -> dict[str, Any]:
    """One stored event as an EPCIS 2.0 ObjectEvent (JSON-LD, compacted with the GS1 context)."""
    ev = stored.event
    action, step, disp = CBV[ev.event_type]
    out: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": event_uri(ev.key),
        "eventTime": _z(ev.event_time),
        "eventTimeZoneOffset": "+00:00",
        "recordTime": _z(stored.recorded_at),
        "epcList": [waybill_uri(ev.waybill_no)],
        "action": action,
        "bizStep": step,
        "disposition": disp,
        "fwdnet:eventType": ev.event_type.value,
        "fwdnet:carrier": ev.carrier,
    }
    if ev.location is not None:
        if ev.location.code is not None:
            out["readPoint"] = {"id": "urn:fwdnet:site:" + ev.location.code}
        out["fwdnet:location"] = ev.location.as_dict()
    if ev.event_id is not None:
        out["fwdnet:carrierEventID"] = ev.event_id
    if ev.details_json is not None:
        out["fwdnet:details"] = json.loads(ev.details_json)
    if ev.corrects is not None:
        out["fwdnet:corrects"] = event_uri(ev.corrects)
    return out


def epcis_events(events: Iterable[StoredEvent]) -> Iterator[dict[str, Any]]:
    """ObjectEvents in input order; after a correction, the error declaration it implies.

    The declaration repeats the corrected event with an `errorDeclaration` naming the
    corrective event (EPCIS 2.0 error declarations). Events are buffered one waybill at a
    time, so give them grouped by waybill (as `iter_events` yields them).
    """
    for _no, group in groupby(events, key=lambda s: s.event.waybill_no):
        evs = list(group)
        by_key = {s.event.key: s for s in evs}
        for s in evs:
            yield epcis_event(s)
            target = s.event.corrects
            if target is not None and target in by_key:
                declared = epcis_event(by_key[target])
                declared["errorDeclaration"] = {
                    "declarationTime": _z(s.recorded_at),
                    "reason": INCORRECT_DATA,
                    "correctiveEventIDs": [event_uri(s.event.key)],
                }
                yield declared


def write_epcis(
    events: Iterable[StoredEvent], out: IO[str], *, created: datetime | None = None
) -> int:
    """Stream an EPCISDocument to `out`; returns the number of EPCIS events written."""
    head = {
        "@context": [EPCIS_CONTEXT, {"fwdnet": FWDNET_NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _z(created or datetime.now(UTC)),
    }
    text = json.dumps(head, ensure_ascii=False)
    out.write(text[:-1] + ', "epcisBody": {"eventList": [\n')
    n = 0
    for obj in epcis_events(events):
        out.write((",\n" if n else "") + json.dumps(obj, ensure_ascii=False))
        n += 1
    out.write("\n]}}\n")
    return n
