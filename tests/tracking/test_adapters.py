"""Carrier vocabularies → our event types (Kuaidi100 numeric states, AfterShip tags)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fwdnet.logistics.tracking import EventType
from fwdnet.logistics.tracking.adapters import aftership_events, kuaidi100_events

E = EventType


def test_kuaidi100_push_maps_states_and_beijing_time() -> None:
    payload = {
        "nu": "YT123", "com": "yuantong", "state": "3",
        "data": [  # newest first, as Kuaidi100 sends them
            {"time": "2026-11-20 10:05:00", "context": "已签收", "statusCode": "3"},
            {"time": "2026-11-20 08:00:00", "context": "派件中", "statusCode": "5",
             "areaCode": "310104", "areaName": "上海,徐汇区", "areaCenter": "121.43,31.18"},
            {"time": "2026-11-19 20:00:00", "context": "运输中"},
            {"time": "2026-11-19 09:00:00", "context": "已揽收", "statusCode": "1"},
        ],
    }
    evs = kuaidi100_events(payload)
    assert [e.event_type for e in evs] == [E.DELIVERED, E.OUT_FOR_DELIVERY, E.IN_TRANSIT,
                                           E.PICKED_UP]
    assert evs[0].event_time.astimezone(UTC) == datetime(2026, 11, 20, 2, 5, tzinfo=UTC)
    loc = evs[1].location
    assert loc is not None
    assert (loc.code, loc.lon, loc.lat) == ("310104", 121.43, 31.18)
    assert all(e.carrier == "yuantong" and e.waybill_no == "YT123" for e in evs)
    assert evs[0].details == {"source": "kuaidi100", "state": "3", "context": "已签收"}


def test_kuaidi100_first_item_without_code_takes_the_top_state() -> None:
    evs = kuaidi100_events({"nu": "X", "com": "sf", "state": "14",
                            "data": [{"time": "2026-11-20 10:00:00"}]})
    assert evs[0].event_type is E.DELIVERY_FAILED


def test_kuaidi100_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown state '99'"):
        kuaidi100_events({"nu": "X", "com": "sf", "data": [{"time": "2026-11-20 10:00:00",
                                                             "statusCode": "99"}]})


def test_aftership_tags_subtags_and_coordinates() -> None:
    payload = {
        "tracking_number": "1Z999", "slug": "ups",
        "checkpoints": [
            {"tag": "Pending", "checkpoint_time": "2026-11-18T08:00:00+08:00"},
            {"tag": "InfoReceived", "checkpoint_time": "2026-11-18T09:00:00+08:00"},
            {"tag": "InTransit", "subtag": "InTransit_002",
             "checkpoint_time": "2026-11-19T09:00:00+08:00", "id": "cp-1"},
            {"tag": "InTransit", "subtag": "InTransit_003",
             "checkpoint_time": "2026-11-19T15:00:00+08:00", "location": "Shanghai Hub",
             "coordinates": [31.2, 121.5]},
            {"tag": "InTransit", "subtag": "InTransit_007",
             "checkpoint_time": "2026-11-19T18:00:00+08:00"},
            {"tag": "AttemptFail", "checkpoint_time": "2026-11-20T10:00:00+08:00"},
            {"tag": "Exception", "subtag": "Exception_011",
             "checkpoint_time": "2026-11-22T10:00:00+08:00"},
        ],
    }
    evs = aftership_events(payload)
    assert [e.event_type for e in evs] == [E.CREATED, E.PICKED_UP, E.ARRIVED_AT_HUB,
                                           E.DEPARTED_HUB, E.DELIVERY_FAILED, E.RETURNED]
    assert evs[1].event_id == "cp-1"
    loc = evs[2].location
    assert loc is not None
    assert (loc.name, loc.lon, loc.lat) == ("Shanghai Hub", 121.5, 31.2)  # [lat, lon] swapped


def test_aftership_time_without_zone_and_unknown_tag_are_refused() -> None:
    base = {"tracking_number": "1", "slug": "ups"}
    with pytest.raises(ValueError, match="no time zone"):
        aftership_events({**base, "checkpoints": [
            {"tag": "Delivered", "checkpoint_time": "2026-11-19T09:00:00"}]})
    with pytest.raises(ValueError, match="unknown tag 'Teleported'"):
        aftership_events({**base, "checkpoints": [
            {"tag": "Teleported", "checkpoint_time": "2026-11-19T09:00:00Z"}]})
