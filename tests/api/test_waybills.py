"""Tracking endpoints: idempotent batch ingest, traces, late lists, item paths in errors."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import Api
from tests.api.helpers import event, waybill


def _no() -> str:
    return f"WB-{uuid.uuid4().hex[:10]}"


def test_batch_is_idempotent(api: Api) -> None:
    """The same batch twice stores everything once; the second answer counts duplicates."""
    no = _no()
    batch = [waybill(no), event(no, "picked_up", "2026-11-19T09:00:00+08:00", event_id="e1"),
             event(no, "delivered", "2026-11-20T10:00:00+08:00")]
    first = api.post("/v1/waybills/events", "carrier:sf", json=batch).json()
    again = api.post("/v1/waybills/events", "carrier:sf", json=batch).json()
    assert (first["read"], first["stored"], first["duplicates"]) == (3, 3, 0)
    assert (again["read"], again["stored"], again["duplicates"]) == (3, 0, 3)
    trace = api.get(f"/v1/waybills/{no}").json()
    assert [e["event_type"] for e in trace["events"]] == ["picked_up", "delivered"]
    assert trace["status"]["status"] == "delivered"
    assert trace["status"]["delivered_at"].startswith("2026-11-20T02:00:00")
    assert trace["waybill"]["region"] == "east"


def test_out_of_order_events_give_the_same_status(api: Api) -> None:
    """Status follows event time, not arrival order: delivered sent before picked_up."""
    no = _no()
    api.post("/v1/waybills/events", json=[waybill(no),
                                           event(no, "delivered", "2026-11-20T10:00:00Z")])
    api.post("/v1/waybills/events", json=[event(no, "picked_up", "2026-11-19T10:00:00Z")])
    st = api.get(f"/v1/waybills/{no}").json()["status"]
    assert st["status"] == "delivered"
    assert st["anomalies"] == []


def test_invalid_item_is_422_with_its_position(api: Api) -> None:
    """A whole batch is refused when one item is bad; the error names item and field."""
    no = _no()
    bad = [event(no, "picked_up", "2026-11-19T09:00:00+08:00"),
           event(no, "teleported", "2026-11-19T09:00:00+08:00")]
    r = api.post("/v1/waybills/events", json=bad)
    assert r.status_code == 422
    assert r.json()["code"] == 2
    assert r.json()["error"].startswith("1.event.event_type")
    naive = [event(no, "picked_up", "2026-11-19T09:00:00")]
    r = api.post("/v1/waybills/events", json=naive)
    assert r.status_code == 422
    assert "0.event.event_time" in r.json()["error"]
    assert api.get(f"/v1/waybills/{no}").status_code == 404  # nothing stored


def test_strict_rejects_events_of_unregistered_waybills(api: Api) -> None:
    no = _no()
    r = api.post("/v1/waybills/events?strict=true",
                 json=[event(no, "picked_up", "2026-11-19T09:00:00Z")]).json()
    assert (r["read"], r["stored"], r["rejected"]) == (1, 0, 1)
    assert r["rejects"][0]["item"] == 1
    assert "unknown waybill" in r["rejects"][0]["reason"]


def test_late_list_by_region(api: Api) -> None:
    """Promised 20 Nov 18:00 (+08:00): late as of 21 Nov unless delivered in time."""
    late, on_time, west = _no(), _no(), _no()
    api.post("/v1/waybills/events", json=[
        waybill(late), event(late, "picked_up", "2026-11-19T09:00:00+08:00"),
        waybill(on_time), event(on_time, "delivered", "2026-11-20T12:00:00+08:00"),
        waybill(west, region="west")])
    as_of = "2026-11-21T00:00:00%2B08:00"
    rows = api.get(f"/v1/waybills?late=true&as_of={as_of}", "region:east").json()
    nos = {r["waybill"]["waybill_no"] for r in rows}
    assert late in nos
    assert on_time not in nos
    assert west not in nos
    row = next(r for r in rows if r["waybill"]["waybill_no"] == late)
    assert row["late"] is True
    assert row["lateness_s"] == 6 * 3600
    west_rows = api.get(f"/v1/waybills?late=true&region=west&as_of={as_of}").json()
    assert west in {r["waybill"]["waybill_no"] for r in west_rows}


def test_unknown_waybill_is_404(api: Api) -> None:
    r = api.get("/v1/waybills/NOPE-404")
    assert r.status_code == 404
    assert r.json()["code"] == 2


def test_carrier_cannot_post_for_another_carriers_waybill(api: Api) -> None:
    """zto registers a waybill; sf's event for it (as carrier sf) is refused with 403."""
    no = _no()
    assert api.post("/v1/waybills/events", "carrier:zto",
                    json=[waybill(no, carrier="zto")]).status_code == 200
    r = api.post("/v1/waybills/events", "carrier:sf",
                 json=[event(no, "picked_up", "2026-11-19T09:00:00Z")])
    assert r.status_code == 403
    assert "another carrier" in r.json()["error"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59",
                                  "1900-01-01T00:00:00Z"])
def test_times_outside_any_real_shipment_are_422(api: Api, when: str) -> None:
    """Found by schemathesis: such times overflowed in UTC (500); now refused with the path."""
    no = _no()
    r = api.post("/v1/waybills/events", json=[waybill(no), event(no, "picked_up", when)])
    assert r.status_code == 422
    assert r.json()["error"].startswith("1.event.event_time: ")
    r = api.post("/v1/waybills/events", json=[waybill(no, promised=when)])
    assert r.json()["error"].startswith("0.waybill.promised_at: ")
    assert api.get(f"/v1/waybills?as_of={when.replace('+', '%2B')}").status_code == 422


def test_chain_returns_the_trunk_then_the_store_waybill(api: Api) -> None:
    """HQ sees the whole chain, source first, the same as `track show --chain --json`."""
    trunk, store = _no(), _no()
    assert api.post("/v1/waybills/events", json=list(_items(trunk, store))).status_code == 200
    doc = api.get(f"/v1/waybills/{store}/chain").json()
    assert [c["waybill_no"] for c in doc["chain"]] == [trunk, store]
    assert doc["chain"][0]["waybill"]["receiver_site"] == "FW-B"
    assert doc["chain"][0]["status"]["status"] == "delivered"
    assert doc["chain"][1]["waybill"]["parent_waybill_no"] == trunk
    assert (doc["missing_parent"], doc["withheld"]) == (None, 0)
    from fwdnet.logistics.tracking import get_chain

    chain = get_chain(api.engine, store)
    assert chain is not None
    assert [t.waybill_no for t in chain.links] == [c["waybill_no"] for c in doc["chain"]]


def test_chain_honours_region_and_carrier_scopes(api: Api) -> None:
    """A region key reads the chain of its own store waybill but not the other region's trunk
    link (withheld); another region's key gets 404, another carrier's 403."""
    trunk, store = _no(), _no()
    assert api.post("/v1/waybills/events", json=list(_items(trunk, store, "zto"))
                    ).status_code == 200
    east = api.get(f"/v1/waybills/{store}/chain", "region:east").json()
    assert [c["waybill_no"] for c in east["chain"]] == [store]
    assert east["withheld"] == 1
    assert api.get(f"/v1/waybills/{store}/chain", "region:west").status_code == 404
    assert api.get(f"/v1/waybills/{trunk}/chain", "region:west").json()["withheld"] == 0
    sf = api.get(f"/v1/waybills/{store}/chain", "carrier:sf")
    assert sf.status_code == 200
    assert sf.json()["withheld"] == 1  # the trunk drop is zto's
    assert api.get(f"/v1/waybills/{store}/chain", "carrier:zto").status_code == 403
    assert api.get(f"/v1/waybills/{_no()}/chain").status_code == 404


def _items(trunk: str, store: str, carrier_trunk: str = "sf") -> tuple[dict[str, object], ...]:
    """A west trunk drop (CDC → FW-B), the east store waybill it fed, and its delivery."""
    tr = {**waybill(trunk, carrier=carrier_trunk, region="west"), "sender_site": "CDC",
          "receiver_site": "FW-B"}
    st = {**waybill(store, region="east"), "sender_site": "FW-B", "receiver_site": "S1",
          "parent_waybill_no": trunk}
    return tr, st, event(trunk, "delivered", "2026-11-19T02:00:00Z", carrier=carrier_trunk)
