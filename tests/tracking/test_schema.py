"""The JSON contract: what EventIn accepts, and the event key that makes ingest idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from fwdnet.logistics.tracking import EventIn, Location, TrackingEvent, key_for_event_id, parse_line
from fwdnet.logistics.tracking.ingest import event_row, event_row_from_input
from fwdnet.logistics.tracking.store import PostgresStore, SqliteStore

from .helpers import ev


def test_same_instant_in_two_time_zones_is_the_same_event() -> None:
    """Content keys hash the UTC instant, so +08:00 and Z spellings of it collide."""
    a = TrackingEvent.from_input(EventIn.model_validate(ev("W1", "picked_up",
                                                            "2026-11-19T09:00:00+08:00")))
    b = TrackingEvent.from_input(EventIn.model_validate(ev("W1", "picked_up",
                                                            "2026-11-19T01:00:00Z")))
    assert a.key == b.key
    assert a.event_time == datetime(2026, 11, 19, 1, tzinfo=UTC)


@pytest.mark.parametrize("change", [
    {"waybill_no": "W2"}, {"event_type": "in_transit"}, {"event_time": "2026-11-19T01:00:01Z"},
    {"location": {"code": "HUB-2"}},
])
def test_content_key_changes_with_each_hashed_field(change: dict[str, object]) -> None:
    base = ev("W1", "picked_up", "2026-11-19T01:00:00Z", location={"code": "HUB-1"})
    k1 = TrackingEvent.from_input(EventIn.model_validate(base)).key
    k2 = TrackingEvent.from_input(EventIn.model_validate({**base, **change})).key
    assert k1 != k2


def test_carrier_id_key_ignores_content_and_details() -> None:
    """Same carrier event_id on the same waybill = same event, whatever else changed."""
    a = EventIn.model_validate(ev("W1", "picked_up", "2026-11-19T01:00:00Z", event_id="e1"))
    b = EventIn.model_validate(ev("W1", "in_transit", "2026-11-19T05:00:00Z", event_id="e1",
                                  details={"x": 1}))
    assert TrackingEvent.from_input(a).key == TrackingEvent.from_input(b).key
    assert TrackingEvent.from_input(a).key == key_for_event_id("W1", "sf", "e1")
    other = EventIn.model_validate(ev("W1", "picked_up", "2026-11-19T01:00:00Z", "zto",
                                      event_id="e1"))
    assert TrackingEvent.from_input(other).key != TrackingEvent.from_input(a).key


def test_correction_by_event_id_points_at_the_corrected_key() -> None:
    orig = TrackingEvent.from_input(EventIn.model_validate(
        ev("W1", "arrived_at_hub", "2026-11-19T04:00:00Z", event_id="a2")))
    fix = TrackingEvent.from_input(EventIn.model_validate(
        ev("W1", "arrived_at_hub", "2026-11-19T04:00:00Z", event_id="a3",
           corrects={"event_id": "a2"})))
    assert fix.corrects == orig.key


@pytest.mark.parametrize(("obj", "field"), [
    (ev("W1", "picked_up", "2026-11-19T09:00:00"), "event_time"),          # no zone
    (ev("W1", "teleported", "2026-11-19T09:00:00Z"), "event_type"),
    (ev("W1", "picked_up", "2026-11-19T09:00:00Z", location={"lon": 1.0}), "location"),
    (ev("W1", "picked_up", "2026-11-19T09:00:00Z", location={"lon": 200.0, "lat": 1.0}),
     "location.lon"),
    (ev("W1", "picked_up", "2026-11-19T09:00:00Z", corrects={}), "corrects"),
    (ev("", "picked_up", "2026-11-19T09:00:00Z"), "waybill_no"),
    ({**ev("W1", "picked_up", "2026-11-19T09:00:00Z"), "evnet_id": "x"}, "evnet_id"),
    (ev("W1", "picked_up", "2026-11-19T09:00:00Z", details=[1, 2]), "details"),
])
def test_event_in_rejects(obj: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        EventIn.model_validate(obj)
    locs = {".".join(str(p) for p in e["loc"]) for e in info.value.errors()}
    assert any(loc == field or loc.startswith(field) for loc in locs)


def test_round_trip_through_json_keeps_the_key() -> None:
    cn = timezone(timedelta(hours=8))
    e = TrackingEvent.create(waybill_no="W1", event_type="delivered",
                             event_time=datetime(2026, 11, 19, 9, tzinfo=cn),
                             carrier="own-fleet", location=Location("ST-1", "店", 121.5, 31.2),
                             details={"signed_by": "店长"})
    back = TrackingEvent.from_input(EventIn.model_validate(e.to_json_dict()))
    assert back == e


def test_create_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="time zone"):
        TrackingEvent.create(waybill_no="W1", event_type="created",
                             event_time=datetime(2026, 1, 1), carrier="sf")


@pytest.mark.parametrize("store", [SqliteStore(), PostgresStore()], ids=["sqlite", "pg"])
def test_fast_row_equals_row_of_the_normalised_event(store: SqliteStore | PostgresStore) -> None:
    """The ingest hot path builds rows without TrackingEvent; both paths must agree."""
    objs = [
        ev("W1", "picked_up", "2026-11-19T09:00:00+08:00", location={"code": "A", "lon": 1.5,
                                                                     "lat": -2.25}),
        ev("W1", "delivered", "2026-11-19T09:00:00.123456-05:00", event_id="x",
           details={"k": [1, "二"]}),
        ev("W2", "exception", "2026-11-19T09:00:00Z", corrects={"event_id": "x"}),
        ev("W2", "exception", "2026-11-19T09:00:00Z",
           corrects={"event_key": "0" * 32}, location={"name": "n"}),
    ]
    for o in objs:
        item = EventIn.model_validate(o)
        assert event_row_from_input(item, store.time) == event_row(
            TrackingEvent.from_input(item), store.time)


def test_parse_line_reads_a_waybill_line() -> None:
    wb = parse_line('{"kind": "waybill", "waybill_no": "W1", "order_ref": "O", '
                    '"sender_site": "A", "receiver_site": "B", "carrier": "sf", '
                    '"service_level": "std", "parcels": {"count": 1, "weight_kg": 1, '
                    '"volume_m3": 0.1}, "promised_at": "2026-11-20T18:00:00+08:00"}')
    assert not isinstance(wb, TrackingEvent)
    assert wb.promised_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
