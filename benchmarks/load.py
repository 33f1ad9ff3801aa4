"""Load and fault drill: `fwdnet serve --workers 2` on PostgreSQL under mixed, rising traffic.

Clients (threads, one HTTP client each) mix small solves (20 stops, limit 0.5 s), route jobs
(limit 1 s, each with an Idempotency-Key and retried with it), event posts (20 new events,
retried until acknowledged) and trace reads, for `--duration` seconds at rising concurrency;
a probe times `/health` every 0.2 s. Mid-run it kills (SIGKILL) one server worker and later a
job worker process. Afterwards it waits for every job and counts lost or duplicated jobs and
events (both must be 0).

Reports per concurrency level p50/p95/p99 latency by kind, errors by status code, the first
level whose p95 (solves excluded: their time is their limit) passes 1 s, /health percentiles,
and the drill's counts, to benchmarks/results/load.json (atomically). Traffic goes to
127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

RESULT = Path(__file__).resolve().parent / "results" / "load.json"
BIN = Path(sys.executable).parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("solve", "job", "events", "trace")
WEIGHTS = (0.25, 0.15, 0.35, 0.25)


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def pct(xs: list[float], q: float) -> float | None:
    return round(float(np.percentile(np.array(xs), q)) * 1000, 1) if xs else None


def solve_body(rng: random.Random, stops: int, limit: float) -> dict[str, Any]:
    depot = [104.066, 30.657]
    return {
        "vehicles": [{"id": v, "start": depot, "end": depot, "capacity": [60]} for v in (1, 2)],
        "jobs": [{"id": i + 1, "location": [round(depot[0] + rng.uniform(-0.15, 0.15), 5),
                                            round(depot[1] + rng.uniform(-0.15, 0.15), 5)],
                  "delivery": [rng.randint(1, 5)], "service": 300} for i in range(stops)],
        "options": {"time_limit": limit},
    }


class Ledger:
    """What the service acknowledged, to check against the database afterwards."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[int, str, float, int]] = []  # level, kind, seconds, status
        self.jobs: dict[str, str] = {}  # idempotency key -> job id
        self.events: dict[str, int] = {}  # waybill -> events acknowledged
        self.waybills: list[str] = []
        self.health: list[tuple[float, float, int]] = []  # t, seconds, status

    def add(self, level: int, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.samples.append((level, kind, seconds, status))


class Client(threading.Thread):
    """One client: loops over the mix until `stop`, at the level current when it started."""

    def __init__(self, n: int, base: str, keys: dict[str, str], ledger: Ledger,
                 level: list[int], stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True)
        self.n, self.base, self.keys, self.ledger = n, base, keys, ledger
        self.level, self.stop = level, stop
        self.rng = random.Random(seed)
        self.batch = 0

    def _post(self, c: httpx.Client, kind: str, path: str, body: Any, key: str,
              headers: dict[str, str] | None = None, retry: bool = False) -> httpx.Response | None:
        """POST, recording each attempt; with `retry`, again on 5xx / 429 / network errors
        (safe: event posts are idempotent, job posts carry an Idempotency-Key)."""
        for _ in range(20 if retry else 1):
            t0 = time.monotonic()
            try:
                r = c.post(path, json=body, headers={"Authorization": f"Bearer {key}",
                                                     **(headers or {})})
                status = r.status_code
            except httpx.HTTPError:
                r, status = None, 0
            self.ledger.add(self.level[0], kind, time.monotonic() - t0, status)
            if r is not None and status < 500 and status != 429:
                return r
            if not retry or self.stop.is_set():
                return r
            wait = float(r.headers.get("retry-after", "1")) if r is not None else 0.5
            time.sleep(min(wait, 2.0) * self.rng.uniform(0.5, 1.0))
        return None

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as c:
            while not self.stop.is_set():
                kind = self.rng.choices(KINDS, WEIGHTS)[0]
                if kind == "solve":
                    self._post(c, kind, "/v1/routes", solve_body(self.rng, 20, 0.5),
                               self.keys["dispatch"])
                elif kind == "job":
                    idem = uuid.uuid4().hex
                    r = self._post(c, kind, "/v1/route-jobs", solve_body(self.rng, 20, 1.0),
                                   self.keys[f"job{self.n % 3}"],
                                   {"Idempotency-Key": idem}, retry=True)
                    if r is not None and r.status_code in (200, 202):
                        with self.ledger.lock:
                            self.ledger.jobs[idem] = r.json()["id"]
                elif kind == "events":
                    self.batch += 1
                    wb = f"LD{self.n:03d}{self.batch:05d}"
                    t0 = datetime(2026, 11, 1, tzinfo=UTC)
                    body = [{"waybill_no": wb, "event_type": "in_transit", "carrier": "sf",
                             "event_time": (t0 + timedelta(minutes=i)).isoformat(),
                             "event_id": f"{wb}-{i}"} for i in range(20)]
                    r = self._post(c, kind, "/v1/waybills/events", body, self.keys["carrier"],
                                   retry=True)
                    if r is not None and r.status_code == 200:
                        with self.ledger.lock:
                            self.ledger.events[wb] = 20
                            self.ledger.waybills.append(wb)
                else:
                    with self.ledger.lock:
                        known = list(self.ledger.waybills[-200:])
                    if not known:
                        continue
                    t0s = time.monotonic()
                    try:
                        status = c.get(f"/v1/waybills/{self.rng.choice(known)}", headers={
                            "Authorization": f"Bearer {self.keys['hq']}"}).status_code
                    except httpx.HTTPError:
                        status = 0
                    self.ledger.add(self.level[0], kind, time.monotonic() - t0s, status)


def probe(base: str, ledger: Ledger, stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=10) as c:
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                status = c.get("/health").status_code
            except httpx.HTTPError:
                status = 0
            ledger.health.append((t0, time.monotonic() - t0, status))
            time.sleep(0.2)


# ---------------------------------------------------------------- processes


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = defaultdict(list)
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            kids[int(stat.rsplit(")", 1)[1].split()[1])].append(int(d.name))
    return kids


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_key(url: str, role: str) -> str:
    out = subprocess.run([str(BIN / "fwdnet"), "keys", "create", "--role", role, "--db", url],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (a private schema is "
                    "created in it and dropped afterwards)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of traffic")
    ap.add_argument("--levels", default="2,4,8,16,32", help="concurrency levels, rising")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0",
                    help="FWDNET_REDIS_URL for the server ('' = limits in process)")
    ap.add_argument("--no-faults", action="store_true", help="skip the kill -9 drill")
    ap.add_argument("--quick", action="store_true", help="20 s, levels 2,8")
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    if args.quick:
        args.duration, args.levels = 20.0, "2,8"
    levels = [int(x) for x in args.levels.split(",")]

    from sqlalchemy import create_engine, text

    schema = f"fwdnet_load_{os.getpid()}"
    admin = create_engine(args.pg)
    with admin.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{args.pg}?options=-csearch_path%3D{schema}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FWDNET_EXECUTOR": "process", "FWDNET_LOG_JSON": "true",
           "FWDNET_MAX_JOBS_PER_KEY": "50", "FWDNET_MAX_JOBS_TOTAL": "150",
           "FWDNET_RATE_PER_MINUTE": "100000", "FWDNET_RATE_BURST": "10000",
           "FWDNET_REDIS_URL": args.redis, "FWDNET_REDIS_PREFIX": f"fwdnet-load-{os.getpid()}"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server: subprocess.Popen[bytes] | None = None
    fd, log_path = tempfile.mkstemp(prefix="fwdnet-load-", suffix=".log")
    logf = os.fdopen(fd, "wb")
    try:
        keys = {"hq": make_key(url, "hq"), "dispatch": make_key(url, "dispatch"),
                "carrier": make_key(url, "carrier:sf"),
                **{f"job{i}": make_key(url, "dispatch") for i in range(3)}}
        server = subprocess.Popen([str(BIN / "fwdnet"), "serve", "--port", str(port),
                                   "--db", url, "--workers", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=logf)
        t_end = time.monotonic() + 180
        while True:
            try:
                if httpx.get(base + "/ready", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > t_end or server.poll() is not None:
                raise SystemExit("server did not become ready; log: " + log_path)
            time.sleep(0.3)
        log(f"server ready on {base} (schema {schema}); {args.duration:g} s at levels {levels}")
        ledger, stop, level = Ledger(), threading.Event(), [levels[0]]
        health_stop = threading.Event()
        threading.Thread(target=probe, args=(base, ledger, health_stop), daemon=True).start()
        clients: list[Client] = []
        faults: list[dict[str, Any]] = []
        per = args.duration / len(levels)
        t_start = time.monotonic()
        for n in levels:
            level[0] = n
            while len(clients) < n:
                cl = Client(len(clients), base, keys, ledger, level, stop, seed=len(clients))
                cl.start()
                clients.append(cl)
            log(f"level {n}: {len(clients)} clients")
            t_level = time.monotonic()
            while time.monotonic() - t_level < per:
                time.sleep(0.1)
                elapsed = time.monotonic() - t_start
                if args.no_faults:
                    continue
                if not faults and elapsed > 0.4 * args.duration:
                    workers = _children().get(server.pid, [])
                    victim = max(workers, key=lambda w: len(descendants(w)))
                    gone = [victim, *descendants(victim)]
                    os.kill(victim, signal.SIGKILL)
                    faults.append({"at_s": round(elapsed, 1), "killed": "server worker",
                                   "pid": victim, "with_children": len(gone) - 1})
                    log(f"fault: kill -9 server worker {victim} ({len(gone) - 1} children)")
                if len(faults) == 1 and elapsed > 0.6 * args.duration:
                    jobs = [p for p in descendants(server.pid) if _comm(p) == "fwdnet-job"]
                    if jobs:
                        os.kill(jobs[0], signal.SIGKILL)
                        faults.append({"at_s": round(elapsed, 1), "killed": "job worker",
                                       "pid": jobs[0]})
                        log(f"fault: kill -9 job worker {jobs[0]}")
        stop.set()
        for cl in clients:
            cl.join(60)
        log(f"traffic stopped after {time.monotonic() - t_start:.0f} s; waiting for jobs")
        orphans = [f["pid"] for f in faults if Path(f"/proc/{f['pid']}").exists()]
        eng = create_engine(url)
        t_end = time.monotonic() + 300
        while True:
            with eng.connect() as c:
                active = c.execute(text("SELECT count(*) FROM api_route_jobs WHERE status IN "
                                        "('queued', 'running')")).scalar_one()
            if active == 0 or time.monotonic() > t_end:
                break
            time.sleep(1)
        health_stop.set()
        with eng.connect() as c:
            rows = c.execute(text("SELECT idem_key, job_id, status, attempts, error FROM "
                                  "api_route_jobs")).all()
            stored: dict[str, int] = dict(c.execute(text(
                "SELECT waybill_no, count(*) FROM tracking_events WHERE waybill_no LIKE 'LD%' "
                "GROUP BY waybill_no")).all())
        eng.dispose()
        by_key: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            by_key[r[0]].append(r)
        lost_jobs = [k for k, jid in ledger.jobs.items()
                     if not any(r[1] == jid for r in by_key.get(k, []))]
        dup_jobs = [k for k in ledger.jobs if len(by_key.get(k, [])) > 1]
        states = Counter(r[2] for r in rows)
        lost_events = sum(max(0, n - stored.get(wb, 0)) for wb, n in ledger.events.items())
        dup_events = sum(max(0, stored.get(wb, 0) - n) for wb, n in ledger.events.items())
        report = summarise(ledger, levels)
        report.update({
            "faults": faults, "processes_left_after_kill": orphans,
            "jobs": {"acknowledged": len(ledger.jobs), "lost": len(lost_jobs),
                     "duplicated": len(dup_jobs), "states": dict(states),
                     "still_active_after_wait": active,
                     "attempts_above_1": sum(1 for r in rows if (r[3] or 0) > 1),
                     "failed_reasons": dict(Counter(r[4] for r in rows if r[2] == "failed"))},
            "events": {"acknowledged": sum(ledger.events.values()), "lost": lost_events,
                       "duplicated": dup_events},
        })
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
        logf.close()
    load = os.getloadavg()
    report = {"benchmark": "load", "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_after": [round(x, 2) for x in load]},
              "settings": {"duration_s": args.duration, "levels": levels, "workers": 2,
                           "database": "postgresql", "redis": bool(args.redis),
                           "mix": dict(zip(KINDS, WEIGHTS, strict=True)),
                           "solve": "20 stops, time_limit 0.5 s", "job": "20 stops, 1 s",
                           "events": "20 new events per post"},
              "server_log": log_path, **report}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(args.out)
    log(f"wrote {args.out}")
    print(json.dumps({k: report[k] for k in ("p95_passes_1s_at", "errors_by_code", "jobs",
                                             "events", "faults", "health_ms")}, indent=2))


def summarise(ledger: Ledger, levels: list[int]) -> dict[str, Any]:
    """Percentiles per level and kind, errors by code, where p95 passes 1 s, /health."""
    out: dict[str, Any] = {"levels": []}
    first_over: int | None = None
    codes: Counter[str] = Counter()
    for n in levels:
        rows = [s for s in ledger.samples if s[0] == n]
        entry: dict[str, Any] = {"concurrency": n, "requests": len(rows), "kinds": {}}
        for kind in KINDS:
            xs = [s[2] for s in rows if s[1] == kind and 200 <= s[3] < 300]
            entry["kinds"][kind] = {"ok": len(xs), "p50_ms": pct(xs, 50), "p95_ms": pct(xs, 95),
                                    "p99_ms": pct(xs, 99)}
        others = [s[2] for s in rows if s[1] != "solve" and 200 <= s[3] < 300]
        entry["p95_ms_without_solves"] = pct(others, 95)
        entry["errors_by_code"] = dict(Counter(str(s[3]) for s in rows if not 200 <= s[3] < 300))
        entry["errors_by_kind"] = dict(Counter(f"{s[1]} {s[3]}" for s in rows
                                               if not 200 <= s[3] < 300))
        codes.update(entry["errors_by_code"])
        if first_over is None and others and np.percentile(others, 95) > 1.0:
            first_over = n
        out["levels"].append(entry)
    hs = [h[1] for h in ledger.health]
    out["health_ms"] = {"probes": len(hs), "p50": pct(hs, 50), "p95": pct(hs, 95),
                        "p99": pct(hs, 99), "max": round(max(hs) * 1000, 1) if hs else None,
                        "failed": sum(1 for h in ledger.health if h[2] != 200)}
    out["errors_by_code"] = dict(codes)
    out["p95_passes_1s_at"] = first_over
    return out


if __name__ == "__main__":
    main()
