"""A real `fwdnet serve` (uvicorn) on a free port against PostgreSQL: keys from the CLI,
routes, ingest, two servers on one database, graceful shutdown, jobs across restarts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.helpers import event, tiny_route, waybill
from tests.api.procs import alive, children, tree

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `fwdnet serve` child process."""

    def __init__(self, url: str, workers: int = 1, executor: str = "thread",
                 env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "FWDNET_EXECUTOR": executor, "FWDNET_JOB_SWEEP_S": "0.5",
               "FWDNET_KEY_CACHE_S": "0", **(env or {})}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.proc = subprocess.Popen(
            [str(BIN / "fwdnet"), "serve", "--port", str(self.port), "--db", url,
             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        t_end = time.monotonic() + 120  # worker pools start first; slow on a loaded machine
        while time.monotonic() < t_end:
            try:
                if httpx.get(self.base + "/ready", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("server did not become ready")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


def _key(url: str, role: str) -> str:
    out = subprocess.run([str(BIN / "fwdnet"), "keys", "create", "--role", role, "--db", url],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def hq(pg_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_key(pg_url, 'hq')}"}


@pytest.fixture(scope="module")
def server(pg_url: str) -> Iterator[Server]:
    s = Server(pg_url, workers=2)
    yield s
    assert s.stop() == 0


def test_routes_and_tracking_over_http(server: Server, hq: dict[str, str]) -> None:
    with httpx.Client(base_url=server.base, headers=hq, timeout=10) as c:
        r = c.post("/v1/routes", json=tiny_route(0.3))
        assert r.status_code == 200
        assert r.json()["summary"]["cost"] == 300.0
        assert r.headers["x-request-id"]
        batch = [waybill("SRV-1"), event("SRV-1", "picked_up", "2026-11-19T09:00:00Z")]
        assert c.post("/v1/waybills/events", json=batch).json()["stored"] == 2
        assert c.post("/v1/waybills/events", json=batch).json()["duplicates"] == 2
        assert c.get("/v1/waybills/SRV-1").json()["status"]["status"] == "picked_up"
        assert c.get("/v1/routes").status_code == 405
        assert httpx.get(server.base + "/v1/waybills").status_code == 401
        assert "fwdnet_http_requests_total" in c.get("/metrics").text


def test_two_servers_share_one_database(server: Server, pg_url: str,
                                        hq: dict[str, str]) -> None:
    """A job created through one server is read and cancelled through another."""
    other = Server(pg_url)
    try:
        body = tiny_route(time_limit=30, full_time=True)
        job = httpx.post(server.base + "/v1/route-jobs", json=body, headers=hq).json()["id"]
        r = httpx.get(f"{other.base}/v1/route-jobs/{job}", headers=hq)
        assert r.status_code == 200
        assert r.json()["status"] in ("queued", "running")
        r = httpx.delete(f"{other.base}/v1/route-jobs/{job}", headers=hq)
        assert r.json()["status"] == "cancelled"
    finally:
        assert other.stop() == 0


@pytest.fixture
def own_pg(pg_url: str) -> Iterator[str]:
    """A second private schema, so no other server takes this test's jobs."""
    from sqlalchemy import create_engine, text

    schema = f"fwdnet_api_{os.getpid()}_b"
    admin = create_engine(pg_url.split("?")[0])
    with admin.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{pg_url.split('?')[0]}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_graceful_shutdown_and_jobs_across_restarts(own_pg: str) -> None:
    """SIGTERM during a 2 s solve and a running job (in the process pool): the solve still
    answers 200, the server exits 0, the job goes back to the queue, and the next server
    finishes it."""
    from sqlalchemy import create_engine, select

    from fwdnet.logistics.api.tables import route_jobs

    key = {"Authorization": f"Bearer {_key(own_pg, 'hq')}"}
    s = Server(own_pg, executor="process")  # the default: jobs in a spawned worker process
    job = httpx.post(s.base + "/v1/route-jobs", json=tiny_route(time_limit=3, full_time=True),
                     headers=key).json()["id"]
    t_end = time.monotonic() + 10
    while httpx.get(f"{s.base}/v1/route-jobs/{job}", headers=key).json()["status"] != "running":
        assert time.monotonic() < t_end
        time.sleep(0.1)
    got: dict[str, Any] = {}

    def call() -> None:
        got["r"] = httpx.post(s.base + "/v1/routes", json=tiny_route(2.0, full_time=True),
                              headers=key,
                              timeout=30)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.7)
    s.proc.send_signal(signal.SIGTERM)
    t.join(30)
    assert got["r"].status_code == 200
    assert got["r"].json()["code"] == 0
    assert s.stop() == 0
    eng = create_engine(own_pg)
    with eng.connect() as c:
        status = c.execute(select(route_jobs.c.status)
                           .where(route_jobs.c.job_id == job)).scalar_one()
    eng.dispose()
    assert status == "queued"
    s2 = Server(own_pg)
    try:
        t_end = time.monotonic() + 30
        while (out := httpx.get(f"{s2.base}/v1/route-jobs/{job}", headers=key).json()
               )["status"] != "done":
            assert time.monotonic() < t_end, out
            time.sleep(0.2)
        assert out["result"]["summary"]["cost"] == 300.0
    finally:
        assert s2.stop() == 0


def test_two_workers_share_limits_and_a_killed_worker_leaves_no_orphans(
        own_pg: str, prefix: str) -> None:
    """`fwdnet serve --workers 2` with FWDNET_REDIS_URL: a key with burst 5 gets 5 answers in
    all (not 5 per worker). kill -9 of one server worker takes its solver and job processes
    with it (no orphans), and the service keeps answering."""
    from tests.api.conftest import REDIS_URL

    key = {"Authorization": f"Bearer {_key(own_pg, 'hq')}"}
    s = Server(own_pg, workers=2, executor="process", env={
        "FWDNET_REDIS_URL": REDIS_URL, "FWDNET_REDIS_PREFIX": prefix,
        "FWDNET_RATE_BURST": "5", "FWDNET_RATE_PER_MINUTE": "1"})
    try:
        codes = [httpx.get(s.base + "/v1/waybills", headers=key).status_code
                 for _ in range(12)]  # a new connection each: both workers answer
        assert codes.count(200) == 5, codes
        assert codes.count(429) == 7
        workers = children().get(s.proc.pid, [])
        trees = {w: tree(w) for w in workers}
        victim = max(trees, key=lambda w: len(trees[w]))
        assert len(trees[victim]) >= 4  # forkserver, 2 solver workers, 1 job worker
        os.kill(victim, signal.SIGKILL)
        t_end = time.monotonic() + 20
        while any(alive(p) for p in trees[victim]):
            assert time.monotonic() < t_end, [p for p in trees[victim] if alive(p)]
            time.sleep(0.1)
        t_end = time.monotonic() + 60
        while True:
            try:
                if httpx.get(s.base + "/ready", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < t_end
            time.sleep(0.2)
    finally:
        assert s.stop() == 0
