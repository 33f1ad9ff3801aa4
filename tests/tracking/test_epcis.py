"""EPCIS 2.0 export: document shape, one ObjectEvent per event, error declarations."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime

from fwdnet.logistics.tracking import Location, StoredEvent, TrackingEvent
from fwdnet.logistics.tracking.epcis import EPCIS_CONTEXT, write_epcis

T = datetime(2026, 11, 19, 1, tzinfo=UTC)
REC = datetime(2026, 11, 25, tzinfo=UTC)


def test_document_shape_and_event_fields() -> None:
    a = TrackingEvent.create(waybill_no="W1", event_type="picked_up", event_time=T,
                             carrier="sf", location=Location("CDC1", None, 121.0, 31.0),
                             event_id="a1", details={"k": "v"})
    b = TrackingEvent.create(waybill_no="W1", event_type="cancelled", event_time=T,
                             carrier="sf")
    buf = io.StringIO()
    n = write_epcis([StoredEvent(a, REC), StoredEvent(b, REC)], buf, created=REC)
    doc = json.loads(buf.getvalue())
    assert n == 2
    assert doc["type"] == "EPCISDocument"
    assert doc["schemaVersion"] == "2.0"
    assert doc["@context"][0] == EPCIS_CONTEXT
    first, second = doc["epcisBody"]["eventList"]
    assert first["type"] == "ObjectEvent"
    assert uuid.UUID(first["eventID"].removeprefix("urn:uuid:")).hex == a.key
    assert first["eventTime"] == "2026-11-19T01:00:00.000000Z"
    assert first["recordTime"] == "2026-11-25T00:00:00.000000Z"
    assert first["epcList"] == ["urn:fwdnet:waybill:W1"]
    assert (first["action"], first["bizStep"], first["disposition"]) == (
        "OBSERVE", "accepting", "in_transit")
    assert first["readPoint"] == {"id": "urn:fwdnet:site:CDC1"}
    assert first["fwdnet:details"] == {"k": "v"}
    assert (second["action"], second["bizStep"]) == ("DELETE", "void_shipping")


def test_a_correction_adds_an_error_declaration_on_the_corrected_event() -> None:
    wrong = TrackingEvent.create(waybill_no="W1", event_type="delivered", event_time=T,
                                 carrier="sf", event_id="x1")
    fix = TrackingEvent.create(waybill_no="W1", event_type="out_for_delivery", event_time=T,
                               carrier="sf", event_id="x2", corrects=wrong.key)
    buf = io.StringIO()
    n = write_epcis([StoredEvent(wrong, REC), StoredEvent(fix, REC)], buf, created=REC)
    events = json.loads(buf.getvalue())["epcisBody"]["eventList"]
    assert n == 3
    declared = events[2]
    assert declared["eventID"] == events[0]["eventID"]
    assert declared["errorDeclaration"]["correctiveEventIDs"] == [events[1]["eventID"]]
    assert declared["errorDeclaration"]["reason"] == "incorrect_data"
