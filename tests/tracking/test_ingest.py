"""Ingest on SQLite and PostgreSQL: exactly once, rejects with reasons, strict mode,
corrections, caller-owned transactions, and the shuffle/duplication property."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fwdnet.logistics.tracking import (
    EventIn,
    EventType,
    TrackingEvent,
    WaybillIn,
    count_events,
    derive_status,
    events_of,
    get_trace,
    ingest_events,
    ingest_lines,
    iter_events,
    late_waybills,
    list_waybills,
)
from fwdnet.logistics.tracking.tables import events as ev_t

from .conftest import DATA, clear
from .helpers import ev, lines, waybill

Db = tuple[str, Engine]


def stored_keys(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as c:
        return {(r[0], r[1].replace("-", "")) for r in
                c.execute(select(ev_t.c.waybill_no, ev_t.c.event_key))}


def test_duplicates_by_id_and_by_content_are_stored_once(db: Db) -> None:
    _, engine = db
    feed = lines(
        ev("W1", "picked_up", "2026-11-19T09:00:00+08:00", event_id="e1"),
        ev("W1", "picked_up", "2026-11-19T09:00:00+08:00", event_id="e1", details={"x": 1}),
        ev("W1", "in_transit", "2026-11-19T10:00:00+08:00"),
        ev("W1", "in_transit", "2026-11-19T02:00:00Z"),          # same instant, other zone
        ev("W1", "in_transit", "2026-11-19T02:00:00Z", "zto"),   # carrier is not hashed
        ev("W1", "in_transit", "2026-11-19T02:00:01Z"),
    )
    c = ingest_lines(engine, feed)
    assert (c.read, c.stored, c.duplicates, c.rejected) == (6, 3, 3, 0)
    again = ingest_lines(engine, feed, batch_size=2)
    assert (again.read, again.stored, again.duplicates) == (6, 0, 6)
    assert count_events(engine) == 3


def test_malformed_corpus_rejects_each_line_with_its_reason(db: Db) -> None:
    """Good lines go in; every bad line is rejected with its number and the expected reason."""
    _, engine = db
    expected = {int(k): v for k, v in json.loads(
        (DATA / "malformed_expected.json").read_text()).items() if not k.startswith("_")}
    with (DATA / "malformed.jsonl").open("rb") as f:
        c = ingest_lines(engine, f, strict=True, batch_size=5)
    got = {r.line: r.reason for r in c.rejects}
    assert sorted(got) == sorted(expected)
    for line, prefix in expected.items():
        assert got[line].startswith(prefix), (line, got[line])
    assert (c.read, c.stored, c.rejected) == (19, 3, 16)  # waybill + 2 events; blank skipped
    assert [e.event.event_type for e in events_of(engine, "GOOD1")] == [
        EventType.PICKED_UP, EventType.ARRIVED_AT_HUB]


def test_lenient_mode_stores_events_of_unknown_waybills(db: Db) -> None:
    _, engine = db
    c = ingest_lines(engine, lines(ev("NOSUCH", "picked_up", "2026-11-19T09:00:00Z")))
    assert c.stored == 1


def test_strict_accepts_a_waybill_registered_earlier_in_the_batch(db: Db) -> None:
    _, engine = db
    c = ingest_lines(engine, lines(waybill("W9", "2026-11-20T18:00:00+08:00"),
                                   ev("W9", "picked_up", "2026-11-19T09:00:00Z")), strict=True)
    assert (c.stored, c.rejected) == (2, 0)


def test_correction_is_a_new_event_and_status_follows_it(db: Db) -> None:
    _, engine = db
    ingest_lines(engine, lines(
        waybill("W1", "2026-11-20T18:00:00+08:00"),
        ev("W1", "picked_up", "2026-11-19T09:00:00+08:00", event_id="a1"),
        ev("W1", "delivered", "2026-11-19T12:00:00+08:00", event_id="a2"),
        ev("W1", "out_for_delivery", "2026-11-19T12:00:00+08:00", event_id="a3",
           corrects={"event_id": "a2"}),
    ))
    trace = get_trace(engine, "W1")
    assert trace is not None
    assert len(trace.events) == 3  # append-only: the corrected event is still there
    assert trace.status.status is EventType.OUT_FOR_DELIVERY
    assert trace.waybill is not None
    assert trace.waybill.parcel_count == 2


def test_late_waybills_by_promise_region_and_delivery(db: Db) -> None:
    _, engine = db
    ingest_lines(engine, lines(
        waybill("LATE-OPEN", "2026-11-20T10:00:00Z", region="east"),
        waybill("LATE-DELIVERED", "2026-11-20T10:00:00Z", region="west"),
        waybill("ON-TIME", "2026-11-20T10:00:00Z", region="east"),
        waybill("NOT-YET-DUE", "2026-11-22T10:00:00Z", region="east"),
        waybill("CANCELLED", "2026-11-20T10:00:00Z", region="east"),
        ev("LATE-OPEN", "picked_up", "2026-11-19T10:00:00Z"),
        ev("LATE-DELIVERED", "picked_up", "2026-11-19T10:00:00Z"),
        ev("LATE-DELIVERED", "delivered", "2026-11-20T12:00:00Z"),
        ev("ON-TIME", "picked_up", "2026-11-19T10:00:00Z"),
        ev("ON-TIME", "delivered", "2026-11-20T09:00:00Z"),
        ev("CANCELLED", "cancelled", "2026-11-19T10:00:00Z"),
    ))
    as_of = datetime(2026, 11, 21, tzinfo=UTC)
    late = {s.waybill.waybill_no: s.lateness_s for s in late_waybills(engine, as_of=as_of)}
    assert late == {"LATE-OPEN": 14 * 3600.0, "LATE-DELIVERED": 2 * 3600.0}
    east = [s.waybill.waybill_no for s in late_waybills(engine, region="east", as_of=as_of)]
    assert east == ["LATE-OPEN"]
    on_time = list_waybills(engine, late=False, as_of=as_of)
    assert {s.waybill.waybill_no for s in on_time} == {"ON-TIME", "NOT-YET-DUE", "CANCELLED"}
    assert len(list_waybills(engine, limit=2, offset=1, as_of=as_of)) == 2


def test_ingest_events_in_a_session_is_the_callers_transaction(db: Db) -> None:
    """With a Session nothing is committed by us: rollback leaves nothing, commit keeps all."""
    _, engine = db
    items: list[EventIn | WaybillIn] = [
        EventIn.model_validate(ev("S1", "picked_up", "2026-11-19T09:00:00Z")),
        WaybillIn.model_validate(waybill("S1", "2026-11-20T10:00:00Z"))]
    with Session(engine) as s:
        c = ingest_events(s, items)
        assert c.stored == 2
        s.rollback()
    assert count_events(engine) == 0
    with Session(engine) as s:
        ingest_events(s, items, strict=True)
        s.commit()
    assert count_events(engine) == 1


def test_ingest_events_strict_reports_item_positions(db: Db) -> None:
    _, engine = db
    evs = [TrackingEvent.create(waybill_no=n, event_type="picked_up", carrier="sf",
                                event_time=datetime(2026, 11, 19, tzinfo=UTC))
           for n in ("A", "B")]
    c = ingest_events(engine, evs, strict=True)
    assert [(r.line, r.reason) for r in c.rejects] == [
        (1, "waybill_no: unknown waybill 'A' (strict)"),
        (2, "waybill_no: unknown waybill 'B' (strict)")]
    assert (c.read, c.stored, c.duplicates, c.rejected) == (2, 0, 0, 2)


def test_export_order_and_round_trip(db: Db) -> None:
    _, engine = db
    feed = lines(ev("W2", "picked_up", "2026-11-19T09:00:00Z"),
                 ev("W1", "delivered", "2026-11-19T12:00:00Z", details={"by": "店长"}),
                 ev("W1", "picked_up", "2026-11-19T09:00:00Z", location={"code": "A"}))
    ingest_lines(engine, feed)
    out = list(iter_events(engine))
    assert [(s.event.waybill_no, s.event.event_type.value) for s in out] == [
        ("W1", "picked_up"), ("W1", "delivered"), ("W2", "picked_up")]
    # the exported JSON is a valid feed line giving the same key
    for s in out:
        d = s.to_json_dict()
        assert d.pop("event_key") == s.event.key
        d.pop("recorded_at")
        assert TrackingEvent.from_input(EventIn.model_validate(d)) == s.event


T0 = datetime(2026, 11, 19, tzinfo=UTC)
feed_events = st.lists(
    st.tuples(st.sampled_from(["W1", "W2"]), st.sampled_from(list(EventType)),
              st.integers(0, 5), st.booleans()),
    min_size=1, max_size=10,
).map(lambda xs: [
    # carrier ids are unique per event (one id with two contents would be a correction)
    ev(no, t.value, (T0 + timedelta(hours=h)).isoformat(), **({"event_id": f"id{i}"} if has_id
                                                             else {}))
    for i, (no, t, h, has_id) in enumerate(xs)])


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=feed_events, data=st.data())
def test_any_shuffle_and_duplication_gives_the_same_log_and_status(
    db: Db, base: list[dict[str, object]], data: st.DataObject
) -> None:
    """Property: a feed, shuffled and with repeats, stores the same set and derives the same
    status as the feed ingested once in order (SQLite and PostgreSQL)."""
    _, engine = db
    clear(engine)
    ingest_lines(engine, lines(*base))
    want = stored_keys(engine)
    want_status = {no: derive_status(e.event for e in events_of(engine, no)) for no in ("W1", "W2")}
    clear(engine)
    extra = data.draw(st.lists(st.sampled_from(base), max_size=8))
    mixed = data.draw(st.permutations(base + extra))
    batch = data.draw(st.integers(1, 4))
    c = ingest_lines(engine, lines(*mixed), batch_size=batch)
    assert stored_keys(engine) == want
    assert c.stored == len(want)
    assert c.duplicates == len(mixed) - len(want)
    got_status = {no: derive_status(e.event for e in events_of(engine, no)) for no in ("W1", "W2")}
    assert got_status == want_status


def test_sqlite_default_file_is_fwdnet_db_in_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fwdnet.logistics.tracking import open_engine, resolve_url

    monkeypatch.delenv("FWDNET_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_url() == "sqlite:///fwdnet.db"
    open_engine().dispose()
    assert (tmp_path / "fwdnet.db").is_file()
    monkeypatch.setenv("FWDNET_DB", "postgresql://u@h/db")
    assert resolve_url() == "postgresql+psycopg://u@h/db"


def test_ingest_events_rejects_items_that_cannot_be_stored(db: Db) -> None:
    """A NaN in details (valid for pydantic, not JSON) is a reject with its position."""
    _, engine = db
    items = [EventIn.model_validate(ev("N1", "exception", "2026-11-19T09:00:00Z",
                                       details={"t": float("nan")})),
             EventIn.model_validate(ev("N1", "picked_up", "2026-11-19T08:00:00Z"))]
    c = ingest_events(engine, items)
    assert (c.read, c.stored, c.rejected) == (2, 1, 1)
    assert [(r.line, r.reason) for r in c.rejects] == [
        (1, "details: NaN or Infinity is not valid JSON")]
