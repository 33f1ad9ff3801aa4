"""`fwdnet track …` end to end: SIGKILL mid-ingest then re-run, 4 concurrent ingests into
PostgreSQL, and the show / late / export / label commands."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.tracking import TrackingEvent, count_events, parse_line
from fwdnet.scenarios.cli import app

from .helpers import ev, lines, parse_counts, waybill
from .test_ingest import stored_keys

ROOT = Path(__file__).resolve().parents[2]
Db = tuple[str, Engine]
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def pool(n: int) -> list[str]:
    """n distinct event lines (half with carrier ids), 5 per waybill."""
    types = ["created", "picked_up", "in_transit", "out_for_delivery", "delivered"]
    return lines(*(
        ev(f"K{i // 5:06d}", types[i % 5], (T0 + timedelta(minutes=i)).isoformat(),
           **({"event_id": f"x{i}"} if i % 2 else {}), location={"code": f"H{i % 7}"})
        for i in range(n)))


def keys_of(feed: list[str]) -> set[tuple[str, str]]:
    out = set()
    for line in feed:
        e = parse_line(line)
        assert isinstance(e, TrackingEvent)
        out.add((e.waybill_no, e.key))
    return out


def fwdnet(*args: str) -> list[str]:
    return [sys.executable, "-m", "fwdnet", *args]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_mid_ingest_then_rerun_stores_every_event_exactly_once(
    db: Db, tmp_path: Path, workers: str
) -> None:
    """With workers, the kill stops them too (they die with their parent)."""
    url, engine = db
    unique = pool(20_000)
    rng = random.Random(5)
    feed = unique + rng.sample(unique, 1_000)
    rng.shuffle(feed)
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(feed) + "\n")
    cmd = fwdnet("track", "ingest", str(path), "--db", url, "--batch-size", "250",
                 "--workers", workers)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    stored_at_kill = 0
    while time.monotonic() < deadline and proc.poll() is None:
        stored_at_kill = count_events(engine)
        if stored_at_kill > 0:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    after_kill = count_events(engine)
    for _ in range(20):  # until nothing writes any more
        time.sleep(0.1)
        after_kill, before = count_events(engine), after_kill
        if after_kill == before:
            break
    assert 0 < after_kill < len(unique), "the kill must land mid-ingest"

    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    counts = parse_counts(rerun.stdout)
    assert counts["read"] == len(feed)
    assert counts["stored"] == len(unique) - after_kill
    assert counts["duplicates"] == len(feed) - counts["stored"]
    assert stored_keys(engine) == keys_of(unique)


@pytest.mark.postgres
def test_four_concurrent_ingests_with_overlapping_feeds_store_each_event_once(
    pg_url: str, pg_engine: Engine, tmp_path: Path
) -> None:
    from .conftest import clear

    clear(pg_engine)
    everything = pool(5_000)
    rng = random.Random(9)
    paths = []
    for i in range(4):
        part = rng.sample(everything, 3_000)
        part += rng.sample(part, 200)  # duplicates inside each feed too
        rng.shuffle(part)
        paths.append(tmp_path / f"feed{i}.jsonl")
        paths[-1].write_text("\n".join(part) + "\n")
    union: set[tuple[str, str]] = set()
    for p in paths:
        union |= keys_of(p.read_text().splitlines())
    procs = [subprocess.Popen(fwdnet("track", "ingest", str(p), "--db", pg_url,
                                     "--batch-size", "400"),
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for p in paths]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e for _, e in outs]
    counts = [parse_counts(o) for o, _ in outs]
    assert sum(c["stored"] for c in counts) == len(union)  # each event stored by one process
    assert all(c["read"] == c["stored"] + c["duplicates"] for c in counts)
    assert stored_keys(pg_engine) == union
    clear(pg_engine)


def feed_file(tmp_path: Path) -> Path:
    p = tmp_path / "f.jsonl"
    p.write_text("\n".join(lines(
        waybill("SF1", "2026-11-20T18:00:00+08:00", sort_code="021-A3"),
        ev("SF1", "picked_up", "2026-11-19T09:00:00+08:00", event_id="a1"),
        ev("SF1", "delivered", "2026-11-19T12:00:00+08:00", event_id="a2"),
        ev("SF1", "out_for_delivery", "2026-11-19T12:00:00+08:00", event_id="a3",
           corrects={"event_id": "a2"}),
        ev("SF1", "picked_up", "2026-11-19T09:00:00"),
    )) + "\n")
    return p


def test_cli_ingest_show_late_export_label(db: Db, tmp_path: Path) -> None:
    url, _ = db
    run = CliRunner()
    feed = feed_file(tmp_path)
    r = run.invoke(app, ["track", "ingest", str(feed), "--db", url])
    assert r.exit_code == 0, r.output
    assert parse_counts(r.output) == {"read": 5, "stored": 4, "duplicates": 0, "rejected": 1}
    rejects = [json.loads(x) for x in
               (tmp_path / "f.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [(x["line"], x["reason"][:28]) for x in rejects] == [
        (5, "event_time: time zone missin")]

    r = run.invoke(app, ["track", "show", "SF1", "--db", url, "--json"])
    shown = json.loads(r.output)
    assert shown["status"] == "out_for_delivery"
    assert {e["event_type"]: e["corrected"] for e in shown["events"]} == {
        "picked_up": False, "delivered": True, "out_for_delivery": False}

    r = run.invoke(app, ["track", "late", "--db", url, "--as-of", "2026-11-21T00:00:00Z",
                         "--json"])
    late = json.loads(r.output)
    assert [x["waybill"]["waybill_no"] for x in late] == ["SF1"]
    assert late[0]["status"] == "out_for_delivery"
    assert late[0]["lateness_s"] == 14 * 3600.0  # promised 10:00Z, as of 24:00Z
    r = run.invoke(app, ["track", "late", "--db", url, "--as-of", "2026-11-20T00:00:00Z",
                         "--json"])
    assert json.loads(r.output) == []

    out = tmp_path / "all.jsonl"
    r = run.invoke(app, ["track", "export", "--db", url, "--out", str(out)])
    assert r.exit_code == 0
    assert len(out.read_text().splitlines()) == 3
    epcis = tmp_path / "all.epcis.json"
    run.invoke(app, ["track", "export", "--db", url, "--format", "epcis", "--out", str(epcis)])
    assert len(json.loads(epcis.read_text())["epcisBody"]["eventList"]) == 4  # + declaration

    svg = tmp_path / "label.svg"
    r = run.invoke(app, ["track", "label", "SF1", "--db", url, "--out", str(svg)])
    assert r.exit_code == 0
    assert svg.read_text().startswith("<svg")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_gzip_feed_ingests_like_the_plain_one(db: Db, tmp_path: Path, workers: str) -> None:
    """`track ingest feed.jsonl.gz` reads the gzip as it is (unpacked to a temp file for
    several workers): same counts, same rejects (line numbers of the plain lines, in
    feed.jsonl.rejects.jsonl), same stored events as the plain feed."""
    import gzip

    from .test_ingest import stored_keys

    url, engine = db
    plain = feed_file(tmp_path)
    packed = tmp_path / "g.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    r = CliRunner().invoke(app, ["track", "ingest", str(packed), "--db", url,
                                 "--workers", workers])
    assert r.exit_code == 0, r.output
    assert parse_counts(r.output) == {"read": 5, "stored": 4, "duplicates": 0, "rejected": 1}
    rejects = [json.loads(x) for x in
               (tmp_path / "g.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [x["line"] for x in rejects] == [5]
    assert len(stored_keys(engine)) == 3  # and one waybill
    r = CliRunner().invoke(app, ["track", "ingest", str(plain), "--db", url])
    assert parse_counts(r.output) == {"read": 5, "stored": 0, "duplicates": 4, "rejected": 1}


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    r = subprocess.run(fwdnet("track", "show", "NOPE", "--db", url), cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: waybill 'NOPE': no such waybill and no events for it"
    run = CliRunner()
    res = run.invoke(app, ["track", "ingest", str(tmp_path / "missing.jsonl"), "--db", url])
    assert isinstance(res.exception, InputError)
    res = run.invoke(app, ["track", "late", "--db", url, "--as-of", "2026-11-21T00:00:00"])
    assert isinstance(res.exception, InputError)
    res = run.invoke(app, ["track", "export", "--db", url, "--format", "xml"])
    assert isinstance(res.exception, InputError)
    res = run.invoke(app, ["track", "label", "NOPE", "--db", url])
    assert isinstance(res.exception, InputError)


def test_unreachable_database_is_bad_input(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["track", "late", "--db",
                                   "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert isinstance(res.exception, InputError)
    assert "cannot open" in str(res.exception)
