"""End-to-end traceability: a store waybill names its parent trunk waybill; the chain from the
CDC to the store is stored, migrated, queried and printed (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from typer.testing import CliRunner

from fwdnet.logistics.tracking import (
    Waybill,
    WaybillIn,
    get_chain,
    ingest_lines,
    parse_line,
)
from fwdnet.logistics.tracking.db import HEAD_REVISION, open_engine, upgrade
from fwdnet.scenarios.cli import app

from .helpers import ev, lines, waybill

Db = tuple[str, Engine]


def trunk_and_store() -> list[str]:
    """CDC → FW-A trunk drop TR1, then FW-A → S1 delivery ST1 fed by it."""
    return lines(
        waybill("TR1", "2026-11-19T10:00:00Z", sender_site="CDC", receiver_site="FW-A",
                carrier="own-fleet"),
        ev("TR1", "picked_up", "2026-11-18T22:00:00Z", carrier="own-fleet"),
        ev("TR1", "delivered", "2026-11-19T02:00:00Z", carrier="own-fleet"),
        waybill("ST1", "2026-11-20T10:00:00Z", sender_site="FW-A", receiver_site="S1",
                carrier="own-fleet", parent_waybill_no="TR1"),
        ev("ST1", "picked_up", "2026-11-19T23:00:00Z", carrier="own-fleet"),
        ev("ST1", "delivered", "2026-11-20T03:00:00Z", carrier="own-fleet"),
    )


def test_parent_round_trips_through_the_feed_form() -> None:
    """parent_waybill_no survives WaybillIn → Waybill → JSON → WaybillIn; absent stays absent."""
    wb = parse_line(trunk_and_store()[3])
    assert isinstance(wb, Waybill)
    assert wb.parent_waybill_no == "TR1"
    again = WaybillIn.model_validate(wb.to_json_dict())
    assert again.parent_waybill_no == "TR1"
    trunk = parse_line(trunk_and_store()[0])
    assert isinstance(trunk, Waybill)
    assert "parent_waybill_no" not in trunk.to_json_dict()


def test_chain_runs_from_the_trunk_drop_to_the_store(db: Db) -> None:
    _, engine = db
    counts = ingest_lines(engine, trunk_and_store())
    assert counts.stored == 6
    chain = get_chain(engine, "ST1")
    assert chain is not None
    assert [t.waybill_no for t in chain.links] == ["TR1", "ST1"]
    assert [(t.waybill.sender_site, t.waybill.receiver_site) for t in chain.links
            if t.waybill is not None] == [("CDC", "FW-A"), ("FW-A", "S1")]
    assert chain.missing_parent is None
    assert [t.status.status.value for t in chain.links if t.status.status] == [
        "delivered", "delivered"]
    # the trunk drop is its own (one-link) chain
    top = get_chain(engine, "TR1")
    assert top is not None
    assert [t.waybill_no for t in top.links] == ["TR1"]
    assert get_chain(engine, "NOPE") is None
    doc = chain.to_json_dict()
    assert [c["waybill_no"] for c in doc["chain"]] == ["TR1", "ST1"]
    assert doc["chain"][1]["waybill"]["parent_waybill_no"] == "TR1"


def test_missing_parent_and_a_loop_of_parents_end_the_chain(db: Db) -> None:
    """A parent not in the log is named; parents pointing at each other stop at once."""
    _, engine = db
    ingest_lines(engine, lines(
        waybill("ST9", "2026-11-20T10:00:00Z", parent_waybill_no="TR-GONE"),
        waybill("LA", "2026-11-20T10:00:00Z", parent_waybill_no="LB"),
        waybill("LB", "2026-11-20T10:00:00Z", parent_waybill_no="LA")))
    chain = get_chain(engine, "ST9")
    assert chain is not None
    assert [t.waybill_no for t in chain.links] == ["ST9"]
    assert chain.missing_parent == "TR-GONE"
    loop = get_chain(engine, "LA")
    assert loop is not None
    assert [t.waybill_no for t in loop.links] == ["LB", "LA"]


def test_cli_show_chain_prints_every_link(db: Db) -> None:
    url, engine = db
    ingest_lines(engine, trunk_and_store())
    run = CliRunner()
    r = run.invoke(app, ["track", "show", "ST1", "--chain", "--db", url])
    assert r.exit_code == 0, r.output
    out = r.output
    assert "chain of 2 waybill(s)" in out
    rows = [line.split("│")[1:-1] for line in out.splitlines()
            if line.startswith(("│ 1 ", "│ 2 "))]
    assert [[c.strip() for c in r[:4]] for r in rows] == [["1", "TR1", "CDC", "FW-A"],
                                                          ["2", "ST1", "FW-A", "S1"]]
    assert rows[1][-1].strip() == "TR1"  # the store waybill's parent
    r = run.invoke(app, ["track", "show", "ST1", "--chain", "--json", "--db", url])
    doc = json.loads(r.output)
    assert [c["waybill_no"] for c in doc["chain"]] == ["TR1", "ST1"]
    assert doc["withheld"] == 0


def test_migration_0003_adds_the_parent_to_a_stored_log(tmp_path: Path) -> None:
    """A database at 0002 with a waybill in it migrates to 0003: the row keeps its data and
    has no parent; new rows store theirs."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    eng = open_engine(url, migrate=False)
    with eng.begin() as c:
        upgrade(c, "0002")
    with eng.begin() as c:
        cols = [x["name"] for x in inspect(c).get_columns("tracking_waybills")]
        assert "parent_waybill_no" not in cols
        c.execute(text(
            "INSERT INTO tracking_waybills (waybill_no, order_ref, sender_site, receiver_site, "
            "carrier, service_level, parcel_count, weight_kg, volume_m3, promised_at, region, "
            "recorded_at) VALUES ('OLD1', 'PO', 'CDC', 'S1', 'sf', 'x', 1, 1.0, 0.1, "
            "'2026-11-20 10:00:00.000000', 'east', '2026-11-19 10:00:00.000000')"))
    eng.dispose()
    eng = open_engine(url)
    with eng.connect() as c:
        version = c.execute(text("SELECT version_num FROM tracking_alembic_version"))
        assert version.scalar_one() == HEAD_REVISION == "0003"
    old = get_chain(eng, "OLD1")
    assert old is not None
    assert old.links[0].waybill is not None
    assert old.links[0].waybill.parent_waybill_no is None
    ingest_lines(eng, trunk_and_store())
    chain = get_chain(eng, "ST1")
    assert chain is not None
    assert len(chain.links) == 2
    eng.dispose()
