"""HTTP API latency and throughput: `fwdnet serve --workers 2` on loopback, asyncio + httpx.

Two measurements in one run, bounded request counts, zero errors expected:
- solves: a 20-stop request (seeded random stores around Chengdu, no matrices) with
  `options.time_limit` 1 s, `--concurrency` requests in flight (default 2 = workers);
  target p95 ≤ limit + 200 ms;
- ingest: batches of 500 new events, `--ingest-concurrency` in flight; target ≥ 10,000
  durable events/s.
Writes benchmarks/results/api.json (atomically). The machine is shared: load is recorded.

`--routing` instead measures route latency and cost at 20/100/200 jobs (time windows, 2 or
more vans, matrices): median of 5 requests, one at a time over HTTP, without a time limit
(the search stops when converged) and with `time_limit` 5; next to each, the cost of a solve
that searches the full 5 s (in process). Written under `routing_latency` in api.json.
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


def vrp_body(rng: np.random.Generator, jobs: int, limit: float | None) -> dict[str, Any]:
    """`jobs` stores within ~15 km of a Chengdu FW, 2-hour windows between 8:00 and 18:00,
    5 min service, demands 1-10, one van of capacity 60 per 5 jobs, road matrices."""
    from fwdnet.logistics.geo import road_matrices

    depot = np.array([104.066, 30.657])
    pts = np.vstack([depot, depot + rng.uniform(-0.15, 0.15, size=(jobs, 2))])
    dist, dur = road_matrices(pts, 1.3, 30.0)
    opens = rng.integers(8 * 3600, 16 * 3600, size=jobs)
    body: dict[str, Any] = {
        "vehicles": [{"id": v + 1, "start_index": 0, "end_index": 0, "capacity": [60],
                      "time_window": [7 * 3600, 20 * 3600]} for v in range(max(2, jobs // 5))],
        "jobs": [{"id": i + 1, "location_index": i + 1, "service": 300,
                  "delivery": [int(rng.integers(1, 11))], "time_windows": [[int(o), int(o) + 7200]]}
                 for i, o in enumerate(opens)],
        "matrices": {"car": {"durations": dur.tolist(), "distances": dist.tolist()}}}
    if limit is not None:
        body["options"] = {"time_limit": limit}
    return body


def full_time_cost(body: dict[str, Any], seconds: float) -> int:
    """VROOM cost of the plan found by searching the full `seconds` (in this process)."""
    from fwdnet.logistics.api import service
    from fwdnet.logistics.api.schemas import RouteRequest

    resp, _ = service.route(RouteRequest.model_validate(body), time_limit_s=seconds,
                            road_factor=1.3, speed_kmh=40.0, full_time=True)
    assert resp.summary is not None
    return resp.summary.cost


async def measure_routing(base: str, key: str, sizes: list[int], repeats: int, seed: int
                          ) -> dict[str, Any]:
    """Per size: latency and cost with no limit and with a 5 s limit, and the full-5-s cost."""
    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        await client.post("/v1/routes", json=vrp_body(np.random.default_rng(0), 10, None))
        for n in sizes:
            rng = np.random.default_rng(seed + n)
            bodies = [vrp_body(rng, n, None) for _ in range(repeats)]
            row: dict[str, Any] = {}
            for label, limit in (("no_limit", None), ("limit_5s", 5.0)):
                lat, costs = [], []
                for b in bodies:
                    body = {**b, **({"options": {"time_limit": limit}} if limit else {})}
                    t = time.perf_counter()
                    r = await client.post("/v1/routes", json=body)
                    lat.append(time.perf_counter() - t)
                    js = r.json()
                    if r.status_code != 200 or js["code"] != 0:
                        raise SystemExit(f"{n} jobs: {r.status_code} {r.text[:200]}")
                    costs.append(js["summary"]["cost"])
                row[label] = {"median_s": round(statistics.median(lat), 3),
                              "max_s": round(max(lat), 3), "costs": costs}
                log(f"  {n} jobs {label}: median {row[label]['median_s']} s")
            ref = [full_time_cost(b, 5.0) for b in bodies]
            gaps = [100 * (c - r) / r for c, r in zip(row["no_limit"]["costs"], ref, strict=True)]
            row["full_5s_costs"] = ref
            row["gap_vs_full_5s_pct"] = {"median": round(statistics.median(gaps), 3),
                                         "max": round(max(gaps), 3)}
            target = {20: 0.2, 100: 2.0, 200: 5.0}.get(n)
            row["target_median_s"] = target
            row["meets_target"] = (target is not None and row["no_limit"]["median_s"] <= target
                                   and max(gaps) <= 0.5)
            out[f"{n}_jobs"] = row
    return out


def main_routing(args: argparse.Namespace) -> None:
    """`--routing`: latency and cost at 20/100/200 jobs, merged into api.json."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = prepare_db("sqlite", Path(tmp))
        from fwdnet.logistics.api.db import open_api_engine
        from fwdnet.logistics.api.keys import create_key

        eng = open_api_engine(url)
        key = create_key(eng, "hq", "benchmark")[1]
        eng.dispose()
        proc, base = start_server(url, 1)
        try:
            sizes = [20, 100] if args.quick else [20, 100, 200]
            res = asyncio.run(measure_routing(base, key, sizes, 3 if args.quick else 5,
                                              args.seed))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    doc: dict[str, Any] = (json.loads(args.out.read_text()) if args.out.exists() else {})
    doc["routing_latency"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/api.py --routing" + (" --quick" if args.quick else ""),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "note": "fwdnet serve --workers 1 on SQLite, one request at a time; shared 2-core "
                "machine", "sizes": res}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_name(f".{args.out.name}.tmp")
    tmp_out.write_text(json.dumps(doc, indent=2) + "\n")
    tmp_out.replace(args.out)
    log(f"wrote {args.out}")


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
    ap.add_argument("--routing", action="store_true",
                    help="only route latency/cost at 20/100/200 jobs (see above)")
    args = ap.parse_args()
    if args.routing:
        main_routing(args)
        return
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
