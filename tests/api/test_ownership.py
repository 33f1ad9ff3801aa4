"""Waybill ownership: the first poster (or the carrier HQ names) owns a waybill for good.

Finding of issue 19: while a waybill was unregistered, carrier Y could register it after X
had posted events, then read X's events while X was locked out. And region reads answered
403 for "exists elsewhere" but 404 for "absent", telling whether a waybill exists.
"""

from __future__ import annotations

import uuid

from tests.api.conftest import Api
from tests.api.helpers import event, waybill


def _no() -> str:
    return f"OWN-{uuid.uuid4().hex[:10]}"


def test_first_poster_owns_an_unregistered_waybill(api: Api) -> None:
    """sf posts an event first; zto can then neither register the waybill nor post to it nor
    read it (403), and sf keeps posting and reading."""
    no = _no()
    r = api.post("/v1/waybills/events", "carrier:sf",
                 json=[event(no, "picked_up", "2026-11-19T09:00:00Z")])
    assert r.status_code == 200, r.text
    grab = [waybill(no, carrier="zto")]
    r = api.post("/v1/waybills/events", "carrier:zto", json=grab)
    assert r.status_code == 403
    assert "belongs to another carrier" in r.json()["error"]
    r = api.post("/v1/waybills/events", "carrier:zto",
                 json=[event(no, "in_transit", "2026-11-19T10:00:00Z", carrier="zto")])
    assert r.status_code == 403
    assert api.get(f"/v1/waybills/{no}", "carrier:zto").status_code == 403
    r = api.post("/v1/waybills/events", "carrier:sf",
                 json=[event(no, "in_transit", "2026-11-19T10:00:00Z")])
    assert r.json()["stored"] == 1
    trace = api.get(f"/v1/waybills/{no}", "carrier:sf").json()
    assert [e["event_type"] for e in trace["events"]] == ["picked_up", "in_transit"]
    assert trace["waybill"] is None  # zto's registration was not stored


def test_hq_registration_names_the_owner(api: Api) -> None:
    """HQ registers a waybill for sf: zto cannot post to it; HQ cannot post zto's events on
    it either (409), nor re-register it to zto."""
    no = _no()
    assert api.post("/v1/waybills/events", json=[waybill(no, carrier="sf")]).status_code == 200
    zto = [event(no, "picked_up", "2026-11-19T09:00:00Z", carrier="zto")]
    assert api.post("/v1/waybills/events", "carrier:zto", json=zto).status_code == 403
    r = api.post("/v1/waybills/events", json=zto)
    assert r.status_code == 409
    assert "belongs to carrier 'sf', not 'zto'" in r.json()["error"]
    assert api.post("/v1/waybills/events", json=[waybill(no, carrier="zto")]).status_code == 409
    ok = [event(no, "picked_up", "2026-11-19T09:00:00Z")]
    assert api.post("/v1/waybills/events", "carrier:sf", json=ok).json()["stored"] == 1


def test_a_refused_batch_claims_nothing(api: Api) -> None:
    """A carrier batch refused for one item (a waybill of another carrier) is rolled back
    whole: its other, new waybills stay unclaimed and unstored."""
    taken, fresh = _no(), _no()
    api.post("/v1/waybills/events", "carrier:sf",
             json=[event(taken, "picked_up", "2026-11-19T09:00:00Z")])
    batch = [event(fresh, "picked_up", "2026-11-19T09:00:00Z", carrier="zto"),
             event(taken, "in_transit", "2026-11-19T10:00:00Z", carrier="zto")]
    assert api.post("/v1/waybills/events", "carrier:zto", json=batch).status_code == 403
    assert api.get(f"/v1/waybills/{fresh}").status_code == 404
    # so sf may still claim the fresh one
    r = api.post("/v1/waybills/events", "carrier:sf",
                 json=[event(fresh, "picked_up", "2026-11-19T09:00:00Z")])
    assert r.status_code == 200


def test_waybills_loaded_by_the_cli_belong_to_their_first_carrier(api: Api) -> None:
    """Events stored without the API (no owner row, e.g. `fwdnet track ingest`) belong to the
    carrier of the earliest one; another carrier cannot claim them through the API."""
    from fwdnet.logistics.tracking import EventIn, ingest_events

    no = _no()
    ingest_events(api.engine, [EventIn.model_validate(
        event(no, "picked_up", "2026-11-19T09:00:00Z"))])
    r = api.post("/v1/waybills/events", "carrier:zto", json=[waybill(no, carrier="zto")])
    assert r.status_code == 403
    assert api.get(f"/v1/waybills/{no}", "carrier:sf").status_code == 200


def test_region_reads_do_not_tell_whether_a_waybill_exists(api: Api) -> None:
    """For region:west an east waybill and a waybill that does not exist look the same: 404
    with the same message shape."""
    no = _no()
    api.post("/v1/waybills/events", json=[waybill(no, region="east")])
    mine = api.get(f"/v1/waybills/{no}", "region:east")
    assert mine.status_code == 200
    other = api.get(f"/v1/waybills/{no}", "region:west")
    absent = api.get(f"/v1/waybills/{_no()}", "region:west")
    assert other.status_code == absent.status_code == 404
    assert other.json()["error"].startswith("unknown waybill")
    assert absent.json()["error"].startswith("unknown waybill")
