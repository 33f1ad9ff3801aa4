"""PostgreSQL writer: COPY straight into the log while batches are all new, the staged
INSERT … ON CONFLICT once a batch meets a stored key, and never a lost or doubled event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from fwdnet.logistics.tracking import count_events, events_of, ingest_lines, list_waybills
from fwdnet.logistics.tracking import store as store_mod
from fwdnet.logistics.tracking.store import lock_order

from .conftest import clear
from .helpers import ev, waybill

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_engine: Engine) -> Iterator[Engine]:
    clear(pg_engine)
    yield pg_engine
    clear(pg_engine)


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each direct COPY attempt returned (True: the batch went straight in)."""
    seen: list[bool] = []
    real = store_mod._copy_all_new

    def spy(*args: Any) -> bool:
        ok = real(*args)
        seen.append(ok)
        return ok

    monkeypatch.setattr(store_mod, "_copy_all_new", spy)
    return seen


def feed(first: int, last: int, **extra: Any) -> list[str]:
    return [json.dumps(ev(f"W{i // 3}", "in_transit", f"2026-11-19T{i % 24:02d}:00:00Z",
                          event_id=f"e{i}", **extra)) for i in range(first, last)]


def test_fresh_feed_with_repeats_goes_straight_in(pg: Engine, copies: list[bool]) -> None:
    """Repeats of lines from earlier batches are dropped before the database: every batch
    stays all new, so every batch takes the direct COPY."""
    lines = feed(0, 30)
    lines += lines[5:12] + feed(30, 40) + lines[0:3]  # re-sends, one and two batches late
    c = ingest_lines(pg, lines, batch_size=10)
    assert (c.read, c.stored, c.duplicates) == (50, 40, 10)
    assert copies == [True] * 5
    assert count_events(pg) == 40


def test_batch_meeting_a_stored_key_falls_back_then_recovers(
        pg: Engine, copies: list[bool]) -> None:
    ingest_lines(pg, feed(0, 10))
    copies.clear()
    # batch 1 repeats stored e8, e9 (COPY refused, staged insert); batch 2 shows a stored key
    # no more, so the writer stays on the staged path once and then returns to COPY.
    c = ingest_lines(pg, feed(8, 14) + feed(14, 20) + feed(20, 26), batch_size=6)
    assert (c.read, c.stored, c.duplicates) == (18, 16, 2)
    assert copies == [False, True]
    assert count_events(pg) == 26
    assert [e.event.event_id for e in events_of(pg, "W3")] == ["e9", "e10", "e11"]


def test_fallback_keeps_the_waybills_written_before_it(pg: Engine,
                                                       copies: list[bool]) -> None:
    """The refused COPY is rolled back to its savepoint only: the batch's waybills stay."""
    ingest_lines(pg, feed(0, 3))
    batch = [json.dumps(waybill("W0", "2026-11-20T00:00:00Z")), *feed(0, 6)]
    c = ingest_lines(pg, batch, strict=True)
    assert (c.read, c.stored, c.duplicates, c.rejected) == (7, 1, 3, 3)  # W1 unknown: strict
    assert copies == [True, False]
    assert [w.waybill.waybill_no for w in list_waybills(pg)] == ["W0"]


def test_lock_order_is_the_order_of_the_staged_insert(pg: Engine) -> None:
    """Both paths insert in one order (no deadlock between them): Python's sort by
    `lock_order` equals PostgreSQL's `ORDER BY (waybill_no || event_key) COLLATE "C"`."""
    waybills = ["W1", "W10", "W2", "w1", "单号", "單號", "W1 ", "Ω", "W\u00e91", "We1", "😀"]
    keys = [f"{i:x}" * 32 for i in (0, 10, 15)]
    rows = [(k, w) for w in waybills for k in keys]
    with pg.begin() as c:
        c.exec_driver_sql("CREATE TEMPORARY TABLE lock_order_check "
                          "(event_key text, waybill_no varchar(200))")
        c.exec_driver_sql("INSERT INTO lock_order_check VALUES (%s, %s)", rows)
        got = c.exec_driver_sql('SELECT event_key, waybill_no FROM lock_order_check '
                                'ORDER BY (waybill_no || event_key) COLLATE "C"').all()
    assert [tuple(r) for r in got] == sorted(rows, key=lock_order)


def test_staged_path_after_a_rolled_back_transaction(pg: Engine) -> None:
    """A rolled-back transaction takes its CREATE of the staging table with it: the next
    staged batch on the same connection must still find (or make) the table."""
    ingest_lines(pg, feed(0, 3))
    with pg.connect() as c:
        tx = c.begin()
        ingest_lines(c, feed(0, 6))  # meets stored keys: staged, then thrown away
        tx.rollback()
        with c.begin():
            got = ingest_lines(c, feed(0, 6))
    assert (got.stored, got.duplicates) == (3, 3)
    assert count_events(pg) == 6
