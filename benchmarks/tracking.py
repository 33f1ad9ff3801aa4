"""Tracking ingest throughput: durable events/s into PostgreSQL and SQLite vs. plain COPY.

Builds a JSONL feed (default 1,000,000 lines, 5 % exact duplicates, shuffled), ingests it
as `fwdnet track ingest` does (parse + validate + dedup + committed batches, as many
processes as the CLI picks) into fresh PostgreSQL schemas, alternating with PostgreSQL's own
COPY of the same rows into a plain table (no indexes), and reports medians; then one
single-process PostgreSQL run and SQLite. Writes benchmarks/results/tracking.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from fwdnet.logistics.tracking import count_events, ingest_lines, open_engine, parse_line
from fwdnet.logistics.tracking.ingest import event_row
from fwdnet.logistics.tracking.model import TrackingEvent
from fwdnet.logistics.tracking.parallel import default_workers, ingest_file
from fwdnet.logistics.tracking.schema import EventType

RESULT = Path(__file__).resolve().parent / "results" / "tracking.json"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TYPES = [t.value for t in EventType if t.value not in ("cancelled", "returned")]


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def make_feed(path: Path, n: int, dup_share: float, seed: int) -> int:
    """Write n lines like a carrier feed: (1 - dup_share)·n unique events in roughly
    chronological order (each line displaced by up to 2,000 lines), plus exact duplicates
    re-sent up to 20,000 lines after the original."""
    rng = random.Random(seed)
    unique = round(n * (1 - dup_share))
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    evs: list[tuple[float, str]] = []
    for i in range(unique):
        wb = i // 8
        secs = wb * 3 + (i % 8) * 3600
        ev: dict[str, Any] = {
            "waybill_no": f"SF{wb:010d}",
            "event_type": TYPES[i % 8],
            "event_time": (t0 + timedelta(seconds=secs)).isoformat(),
            "carrier": rng.choice(("sf", "zto", "yto", "own-fleet")),
            "location": {"code": f"HUB{rng.randrange(200):03d}", "lon": 121.47, "lat": 31.23},
        }
        if i % 2:
            ev["event_id"] = f"e{i:09d}"
        if i % 5 == 0:
            ev["details"] = {"scan": "auto", "operator": f"op{i % 97}"}
        evs.append((secs, json.dumps(ev, separators=(",", ":"))))
    evs.sort()
    keyed = [(i + rng.uniform(0, 2000), line) for i, (_, line) in enumerate(evs)]
    for _ in range(n - unique):
        j = rng.randrange(unique)
        keyed.append((j + rng.uniform(0, 20000), evs[j][1]))
    keyed.sort()
    path.write_text("\n".join(line for _, line in keyed) + "\n", encoding="utf-8")
    return unique


def _proc_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of a local process, from /proc; None if not readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pid(conn: Any) -> int | None:
    try:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())
    except Exception:
        return None


def ingest_feed(url: str, feed: Path, batch: int, workers: int) -> dict[str, Any]:
    """Time a complete ingest (parse, validate, dedup, committed batches) of the feed.

    Single-process runs also report CPU per event of this process and, for a local
    PostgreSQL, of its server backend: figures that do not depend on the machine's load.
    """
    engine = open_engine(url)
    pid = None
    if workers == 1 and engine.dialect.name == "postgresql":
        with engine.connect() as c:  # the pool's only connection: the writer will reuse it
            pid = _backend_pid(c)
    server0 = None if pid is None else _proc_cpu_s(pid)
    ru0 = _cpu_s()
    t = time.perf_counter()
    if workers > 1:
        engine.dispose()
        counts = ingest_file(url, feed, workers=workers, batch_size=batch)
    else:
        with feed.open("rb") as f:
            counts = ingest_lines(engine, f, batch_size=batch)
    secs = time.perf_counter() - t
    cpu = _cpu_s() - ru0
    out: dict[str, Any] = {"workers": workers, "seconds": round(secs, 3),
                           "events_per_s": round(counts.read / secs), "read": counts.read,
                           "stored": counts.stored, "duplicates": counts.duplicates,
                           "rejected": counts.rejected}
    out["client_cpu_us_per_event"] = round(cpu / counts.read * 1e6, 2)
    if workers == 1:
        server1 = None if pid is None else _proc_cpu_s(pid)
        with engine.connect() as c:
            same = pid is not None and _backend_pid(c) == pid
        if server0 is not None and server1 is not None and same:
            out["server_cpu_us_per_event"] = round((server1 - server0) / counts.read * 1e6, 2)
    out["rows_in_table"] = count_events(engine)
    engine.dispose()
    return out


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (the ingest workers)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def copy_rows(feed: Path) -> bytes:
    """The feed's rows as ingest would write them (duplicates included), in COPY text form."""
    from fwdnet.logistics.tracking.store import PostgresStore

    fmt = PostgresStore().time
    buf = io.StringIO()
    with feed.open("rb") as f:
        for line in f:
            ev = parse_line(line)
            assert isinstance(ev, TrackingEvent)
            buf.write("\t".join(_copy_text(v) for v in event_row(ev, fmt)) + "\n")
    return buf.getvalue().encode()


def copy_baseline(url: str, data: bytes) -> dict[str, Any]:
    """PostgreSQL's own COPY of `data` into a plain table (no indexes), one transaction."""
    import psycopg

    n = data.count(b"\n")
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    table = f"bench_copy_{os.getpid()}"
    with psycopg.connect(dsn) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(
            f"CREATE TABLE {table} (event_key text, waybill_no text, event_type text, "
            "event_time timestamptz, carrier text, event_id text, loc_code text, loc_name text, "
            "lon double precision, lat double precision, details text, corrects text)")
        conn.commit()
        pid = conn.info.backend_pid
        server0 = _proc_cpu_s(pid)
        t = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as cp:
            for i in range(0, len(data), 1 << 20):
                cp.write(data[i:i + (1 << 20)])
        conn.commit()
        secs = time.perf_counter() - t
        server1 = _proc_cpu_s(pid)
        conn.execute(f"DROP TABLE {table}")
        conn.commit()
    out: dict[str, Any] = {"seconds": round(secs, 3), "rows_per_s": round(n / secs), "rows": n}
    if server0 is not None and server1 is not None:
        out["server_cpu_us_per_row"] = round((server1 - server0) / n * 1e6, 2)
    return out


def _copy_text(v: Any) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, datetime):
        return v.isoformat()
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000, help="feed lines (default 1e6)")
    ap.add_argument("--quick", action="store_true", help="100,000 lines instead")
    ap.add_argument("--duplicates", type=float, default=0.05, help="duplicate share")
    ap.add_argument("--batch-size", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=None,
                    help="ingest processes of the headline runs (default: what "
                         "`fwdnet track ingest` picks for this feed)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="headline ingests and COPYs, interleaved; medians are reported "
                         "(default 3)")
    ap.add_argument("--also-workers", type=int, default=1,
                    help="one more PostgreSQL run with this many processes (0 = none; "
                         "default 1; single-process runs also report CPU/event)")
    ap.add_argument("--pg", default=os.environ.get("FWDNET_BENCH_PG", DEFAULT_PG),
                    help="PostgreSQL URL (scratch schemas are created and dropped)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    n = 100_000 if args.quick else args.events
    admin = open_engine(args.pg, migrate=False)
    runs = 0

    def pg_ingest(feed: Path, workers: int) -> dict[str, Any]:
        nonlocal runs
        runs += 1
        schema = f"fwdnet_bench_{os.getpid()}_{runs}"
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{args.pg}{'&' if '?' in args.pg else '?'}options=-csearch_path%3D{schema}"
        try:
            log(f"PostgreSQL ingest, {workers} process(es)")
            out = ingest_feed(url, feed, args.batch_size, workers)
            log(f"  {out['events_per_s']:,} events/s")
            return out
        finally:
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))

    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.jsonl"
        log(f"building feed of {n:,} lines ({args.duplicates:.0%} duplicates)")
        unique = make_feed(feed, n, args.duplicates, seed=7)
        workers = args.workers or default_workers(feed.stat().st_size, strict=False)
        copy_data = copy_rows(feed)
        headline, copies = [], []
        for _ in range(max(1, args.repeat)):  # interleaved: load drifts hit both alike
            log("PostgreSQL COPY of the same rows into a plain table")
            copies.append(copy_baseline(args.pg, copy_data))
            log(f"  {copies[-1]['rows_per_s']:,} rows/s")
            headline.append(pg_ingest(feed, workers))
        others = [pg_ingest(feed, args.also_workers)] \
            if args.also_workers and args.also_workers != workers else []
        admin.dispose()
        sq_runs = []
        if not args.no_sqlite:
            for i, w in enumerate(sorted({1, workers})):
                log(f"SQLite ingest, {w} process(es)")
                sq_runs.append(ingest_feed(f"sqlite:///{tmp}/bench{i}.db", feed,
                                           args.batch_size, w))
                log(f"  {sq_runs[-1]['events_per_s']:,} events/s")
    pg = _median_run(headline, "events_per_s")
    cp = _median_run(copies, "rows_per_s")
    share = round(pg["events_per_s"] / cp["rows_per_s"], 3)
    result = {
        "command": "python benchmarks/tracking.py" + (" --quick" if args.quick else "")
        + ("" if args.workers is None else f" --workers {args.workers}"),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
                    "python": platform.python_version()},
        "feed": {"lines": n, "unique_events": unique, "duplicate_lines": n - unique,
                 "order": "chronological, lines displaced up to 2,000; re-sends up to "
                          "20,000 lines late", "batch_size": args.batch_size},
        "postgresql": pg,
        "postgresql_copy_plain_table": cp,
        "postgresql_share_of_copy": share,
        "how": f"median of {len(headline)} ingests with {workers} process(es) (what "
               "`fwdnet track ingest` uses for this feed here) over the median of as many "
               "COPYs, run alternately",
        "postgresql_headline_runs": headline,
        "postgresql_copy_runs": copies,
        "postgresql_share_of_copy_per_pair": [
            round(h["events_per_s"] / c["rows_per_s"], 3)
            for h, c in zip(headline, copies, strict=True)],
        "postgresql_other_runs": others,
        "sqlite": next((r for r in sq_runs if r["workers"] == 1), None),
        "sqlite_other_runs": [r for r in sq_runs if r["workers"] != 1],
        "targets": {"postgresql_events_per_s": 50_000, "share_of_copy": 0.30,
                    "sqlite_events_per_s": 20_000},
    }
    sq = result["sqlite"]
    result["meets_targets"] = {
        "postgresql": pg["events_per_s"] >= 50_000,
        "share_of_copy": share >= 0.30,
        "sqlite": None if sq is None else sq["events_per_s"] >= 20_000,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp_out.replace(args.out)
    log(f"wrote {args.out}")
    print(json.dumps({k: result[k] for k in ("postgresql", "postgresql_copy_plain_table",
                                              "postgresql_share_of_copy", "sqlite",
                                              "meets_targets")}, indent=2))


def _median_run(runs: list[dict[str, Any]], field: str) -> dict[str, Any]:
    """The run with the median `field` (the lower middle one for an even count)."""
    return sorted(runs, key=lambda r: r[field])[(len(runs) - 1) // 2]


if __name__ == "__main__":
    main()
