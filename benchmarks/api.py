"""HTTP API latency and throughput: `fwdnet serve --workers 2` on loopback, asyncio + httpx.

Two measurements in one run, bounded request counts, zero errors expected:
- solves: a 20-stop request (seeded random stores around Chengdu, no matrices) with
  `options.time_limit` 1 s, `--concurrency` requests in flight (default 2 = workers);
  target p95 ≤ limit + 200 ms;
- ingest: batches of 500 new events, `--ingest-concurrency` in flight; target ≥ 10,000
  durable events/s.
Writes benchmarks/results/api.json (atomically). The machine is shared: load is recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

RESULT = Path(__file__).resolve().parent / "results" / "api.json"
BIN = Path(sys.executable).parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def solve_body(rng: np.random.Generator, stops: int, limit: float) -> dict[str, Any]:
    """`stops` stores within ~15 km of a Chengdu FW, 2 vans of capacity 60, demands 1–5."""
    depot = [104.066, 30.657]
    pts = np.array(depot) + rng.uniform(-0.15, 0.15, size=(stops, 2))
    return {
        "vehicles": [{"id": v, "start": depot, "end": depot, "capacity": [60]}
                     for v in (1, 2)],
        "jobs": [{"id": i + 1, "location": [round(float(x), 5), round(float(y), 5)],
                  "delivery": [int(rng.integers(1, 6))], "service": 300}
                 for i, (x, y) in enumerate(pts)],
        "options": {"time_limit": limit},
    }


def event_batch(k: int, size: int) -> list[dict[str, Any]]:
    """`size` new events (batch k): 100 waybills × 5 scans, half with carrier event ids."""
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    types = ("picked_up", "in_transit", "arrived_at_hub", "out_for_delivery", "delivered")
    out = []
    for i in range(size):
        wb, step = divmod(i, len(types))
        ev: dict[str, Any] = {
            "waybill_no": f"BM{k:05d}{wb:04d}", "event_type": types[step],
            "event_time": (t0 + timedelta(hours=step, seconds=wb)).isoformat(),
            "carrier": "sf", "location": {"code": f"HUB{wb % 50:03d}"}}
        if i % 2:
            ev["event_id"] = f"sf-{k}-{i}"
        out.append(ev)
    return out


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) if xs else float("nan")


async def run_load(client: httpx.AsyncClient, path: str, bodies: list[Any], concurrency: int,
                   ok: Any) -> dict[str, Any]:
    """POST every body with `concurrency` in flight; latencies (s), errors, wall time."""
    lat: list[float] = []
    errors: list[str] = []
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)

    async def worker() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            t = time.perf_counter()
            try:
                r = await client.post(path, json=body)
                good = ok(r)
            except httpx.HTTPError as exc:
                good, r = False, None
                errors.append(type(exc).__name__)
            lat.append(time.perf_counter() - t)
            if not good and r is not None:
                errors.append(f"{r.status_code}: {r.text[:120]}")

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    return {"requests": len(bodies), "concurrency": concurrency, "wall_s": round(wall, 3),
            "p50_ms": round(pct(lat, 50) * 1000, 1), "p95_ms": round(pct(lat, 95) * 1000, 1),
            "max_ms": round(max(lat) * 1000, 1), "mean_ms": round(statistics.mean(lat) * 1000, 1),
            "throughput_rps": round(len(bodies) / wall, 2), "errors": len(errors),
            "error_samples": errors[:3]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "FWDNET_RATE_PER_MINUTE": "10000000", "FWDNET_RATE_BURST": "100000",
           "FWDNET_START_JOBS": "false"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([str(BIN / "fwdnet"), "serve", "--port", str(port), "--db", db,
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    t_end = time.monotonic() + 60
    while time.monotonic() < t_end:
        try:
            if httpx.get(base + "/ready", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start")


def prepare_db(db: str | None, tmp: Path) -> tuple[str, str]:
    """(url, label): a fresh PostgreSQL schema, or a fresh SQLite file."""
    if db == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", "sqlite"
    from sqlalchemy import create_engine, text

    base = db or DEFAULT_PG
    schema = f"fwdnet_apibench_{os.getpid()}"
    eng = create_engine(base)
    with eng.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        c.execute(text(f"CREATE SCHEMA {schema}"))
    eng.dispose()
    return f"{base}?options=-csearch_path%3D{schema}", "postgresql"


def drop_db(url: str) -> None:
    if "search_path" not in url:
        return
    from sqlalchemy import create_engine, text

    schema = url.rsplit("%3D", 1)[1]
    eng = create_engine(url.split("?")[0])
    with eng.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    eng.dispose()


async def measure(base: str, key: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng(args.seed)
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60,
                                 limits=limits) as client:
        warm = [solve_body(rng, args.stops, 0.2) for _ in range(2)]
        await run_load(client, "/v1/routes", warm, 2, lambda r: r.status_code == 200)
        await run_load(client, "/v1/waybills/events", [event_batch(99_999, 50)], 1,
                       lambda r: r.status_code == 200)
        log(f"solves: {args.solves} × {args.stops} stops, limit {args.limit} s")
        bodies = [solve_body(rng, args.stops, args.limit) for _ in range(args.solves)]
        solves = await run_load(client, "/v1/routes", bodies, args.concurrency,
                                lambda r: r.status_code == 200 and r.json()["code"] == 0
                                and r.json()["summary"]["unassigned"] == 0)
        solves["limit_ms"] = args.limit * 1000
        solves["target_p95_ms"] = args.limit * 1000 + 200
        solves["meets_target"] = solves["p95_ms"] <= solves["target_p95_ms"]
        log(f"  p50 {solves['p50_ms']} ms  p95 {solves['p95_ms']} ms  errors {solves['errors']}")
        log(f"ingest: {args.batches} batches × {args.batch_size} events")
        batches = [event_batch(k, args.batch_size) for k in range(args.batches)]
        ingest = await run_load(client, "/v1/waybills/events", batches,
                                args.ingest_concurrency,
                                lambda r: r.status_code == 200
                                and r.json()["stored"] == args.batch_size)
        ingest["batch_size"] = args.batch_size
        ingest["events_per_s"] = round(args.batches * args.batch_size / ingest["wall_s"])
        ingest["target_events_per_s"] = 10_000
        ingest["meets_target"] = ingest["events_per_s"] >= 10_000 and ingest["errors"] == 0
        log(f"  {ingest['events_per_s']} events/s  p95 {ingest['p95_ms']} ms  "
            f"errors {ingest['errors']}")
    return {"solve_20_stops": solves, "ingest_500": ingest}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", action="append",
                    help="'sqlite' or a PostgreSQL URL (repeatable; default: both)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stops", type=int, default=20)
    ap.add_argument("--limit", type=float, default=1.0, help="time_limit of each solve (s)")
    ap.add_argument("--solves", type=int, default=40)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--ingest-concurrency", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="10 solves, 20 batches")
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    if args.quick:
        args.solves, args.batches = 10, 20
    dbs = args.db or [DEFAULT_PG, "sqlite"]
    runs: dict[str, Any] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        for db in dbs:
            url, label = prepare_db(db, Path(tmp))
            from fwdnet.logistics.api.db import open_api_engine
            from fwdnet.logistics.api.keys import create_key

            eng = open_api_engine(url)
            key = create_key(eng, "hq", "benchmark")[1]
            eng.dispose()
            log(f"{label}: fwdnet serve --workers {args.workers}")
            proc, base = start_server(url, args.workers)
            try:
                runs[label] = asyncio.run(measure(base, key, args))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)
                drop_db(url)
    out = {
        "benchmark": "api", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/api.py" + (" --quick" if args.quick else ""),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                    "note": "shared 2-core machine, other agents running; loopback only"},
        "settings": {"workers": args.workers, "stops": args.stops, "time_limit_s": args.limit,
                     "solves": args.solves, "solve_concurrency": args.concurrency,
                     "batches": args.batches, "batch_size": args.batch_size,
                     "ingest_concurrency": args.ingest_concurrency, "seed": args.seed},
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_name(f".{args.out.name}.tmp")
    tmp_out.write_text(json.dumps(out, indent=2) + "\n")
    tmp_out.replace(args.out)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
