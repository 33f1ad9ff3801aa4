"""Operations data that does not mislead: 499 for clients that left, 503 for a database
outage (and /ready 503), limits shared through Redis, and the pool and queue metrics.

Findings of issue 19: disconnects were logged and counted as 500; a database outage gave 500;
the rate limit doubled with two workers; every request with a bad key cost a database lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any

import pytest

from fwdnet.logistics.api.keys import create_key
from tests.api.conftest import REDIS_URL, Api, redis_client, running_app
from tests.api.helpers import tiny_route

# ---------------------------------------------------------------- 499


def test_client_that_leaves_mid_solve_is_499_and_frees_the_worker(fresh_app: Any) -> None:
    """The ASGI app is driven directly: the client disconnects 0.3 s into a 5 s solve. The
    request is logged and counted as 499 (not 500), and the worker is stopped at once."""
    with fresh_app(solve_workers=1) as a:
        app = a.client.app
        body = __import__("json").dumps(tiny_route(5.0)).encode()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/v1/routes", "raw_path":
                 b"/v1/routes", "query_string": b"", "root_path": "",
                 "headers": [(b"authorization", f"Bearer {a.keys['hq']}".encode()),
                             (b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode())],
                 "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
        sent: list[dict[str, Any]] = []

        async def drive() -> float:
            calls = {"n": 0}

            async def receive() -> dict[str, Any]:
                calls["n"] += 1
                if calls["n"] == 1:
                    return {"type": "http.request", "body": body, "more_body": False}
                await asyncio.sleep(0.3)
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            t0 = time.monotonic()
            await app(scope, receive, send)
            return time.monotonic() - t0

        took = a.client.portal.call(drive)  # type: ignore[union-attr]
        assert took < 3.0  # the 5 s solve was stopped, not waited for
        text = a.client.get("/metrics").text
        assert 'fwdnet_http_requests_total{method="POST",route="/v1/routes",status="499"}' in text
        assert 'fwdnet_solve_seconds_count{mode="sync",outcome="cancelled"}' in text
        t_end = time.monotonic() + 20
        while a.client.get("/ready").json()["solve_pool"]["idle"] != 1:
            assert time.monotonic() < t_end
            time.sleep(0.05)


# ---------------------------------------------------------------- database outage


class Proxy:
    """A TCP forwarder to PostgreSQL that the test can cut (a database outage) and restore."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.sock.listen(64)
        self.up = True
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if not self.up:
                c.close()
                continue
            try:
                s = socket.create_connection(self.target)
            except OSError:
                c.close()
                continue
            self.conns += [c, s]
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for x in (a, b):
                with contextlib.suppress(OSError):
                    x.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
        self.conns = []

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.sock.close()


@pytest.mark.postgres
def test_database_outage_is_503_and_ready_503_then_recovers(pg_url: str) -> None:
    """PostgreSQL behind a proxy that the test cuts: keyed calls answer 503 + Retry-After
    (not 500), /ready is 503 and /health 200; after the restore both are 200 again."""
    proxy = Proxy(("127.0.0.1", 5432))
    url = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    try:
        with running_app(url, start_jobs=False) as a:
            assert a.get("/v1/waybills").status_code == 200
            proxy.cut()
            r = a.get("/v1/waybills")
            assert r.status_code == 503, r.text
            assert r.json()["error"] == "database unavailable; retry shortly"
            assert r.headers["retry-after"] == "5"
            assert a.client.get("/ready").status_code == 503
            assert a.client.get("/ready").json()["database"] == "unreachable"
            assert a.client.get("/health").status_code == 200
            assert "fwdnet_database_up 0" in a.client.get("/metrics").text
            proxy.restore()
            assert a.client.get("/ready").status_code == 200
            assert a.get("/v1/waybills").status_code == 200
    finally:
        proxy.close()


# ---------------------------------------------------------------- shared limits


def test_rate_limit_is_shared_through_redis(tmp_path: Any, prefix: str) -> None:
    """Two apps (two server processes' worth of limiters) on one Redis: a key with burst 3
    gets 3 requests in all, not 3 per app; without Redis each app would allow 3."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    over = {"redis_url": REDIS_URL, "redis_prefix": prefix, "rate_per_minute": 60,
            "rate_burst": 3, "start_jobs": False}
    with running_app(url, **over) as a, running_app(url, **over) as b:
        key = {"Authorization": f"Bearer {a.keys['hq']}"}
        codes = [c.client.get("/v1/waybills", headers=key).status_code
                 for c in (a, b, a, b, a)]
        assert codes == [200, 200, 200, 429, 429]
        assert a.client.get("/ready").json()["limits"] == "redis"


def test_failed_keys_are_cached_in_redis_and_addresses_throttled(tmp_path: Any,
                                                                 prefix: str) -> None:
    """An unknown key id is looked up once, then refused from Redis (no database lookup);
    after 5 failed keys in a minute an address waits (429) before its next unknown key is
    even looked up; a known good key still works."""
    r = redis_client()
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with running_app(url, redis_url=REDIS_URL, redis_prefix=prefix, key_cache_s=60,
                     auth_failures_per_minute=5, start_jobs=False) as a:
        ctx = a.client.app.state.ctx  # type: ignore[attr-defined]
        assert a.get("/v1/waybills", "hq").status_code == 200  # hq's key is now cached
        lookups = {"n": 0}
        real = ctx.keys._row

        def counting(key_id: str) -> Any:
            lookups["n"] += 1
            return real(key_id)

        ctx.keys._row = counting
        bad_id = "0123456789abcdef"
        bad = {"Authorization": f"Bearer fwd_{bad_id}_{'A' * 43}"}
        assert a.client.get("/v1/waybills", headers=bad).status_code == 401
        assert r.exists(f"{prefix}:badkey:{bad_id}")
        for _ in range(3):
            assert a.client.get("/v1/waybills", headers=bad).status_code == 401
        assert lookups["n"] == 1
        other = {"Authorization": f"Bearer fwd_{'f' * 16}_{'A' * 43}"}
        assert a.client.get("/v1/waybills", headers=other).status_code == 401
        throttled = a.client.get("/v1/waybills",
                                 headers={"Authorization": f"Bearer fwd_{'e' * 16}_{'A' * 43}"})
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) >= 1
        assert lookups["n"] == 2
        assert a.get("/v1/waybills", "hq").status_code == 200  # a cached good key still works
        fresh = create_key(a.engine, "dispatch")[1]  # not cached: waits like any unknown key
        r = a.client.get("/v1/waybills", headers={"Authorization": f"Bearer {fresh}"})
        assert r.status_code == 429


def test_without_redis_the_limits_stay_in_process(api: Api) -> None:
    assert api.client.get("/ready").json()["limits"] == "local"


# ---------------------------------------------------------------- metrics


def test_pool_and_queue_metrics(fresh_app: Any) -> None:
    """Pool size and busy gauges, queue depth and jobs by state are exported."""
    with fresh_app(start_jobs=False, solve_workers=2) as a:
        a.post("/v1/route-jobs", json=tiny_route(1))
        text = a.client.get("/metrics").text
        assert 'fwdnet_pool_workers{pool="solve"} 2.0' in text
        assert 'fwdnet_pool_busy{pool="solve"} 0.0' in text
        assert "fwdnet_route_job_queue_depth 1" in text
        assert 'fwdnet_route_jobs{state="queued"} 1' in text
        assert 'fwdnet_route_jobs{state="done"} 0' in text
        assert 'fwdnet_route_jobs_total{state="queued"}' in text
