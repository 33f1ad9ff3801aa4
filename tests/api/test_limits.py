"""Hard limits and back-pressure: solves run in a bounded pool of worker processes.

Each test is one finding of issue 19: a 1 s limit answered after 6.4 s (building and the first
solution were outside the limit), /health starved behind solves, and nothing refused work when
the service was full.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from tests.api.helpers import tiny_route


def big_route(jobs: int, vehicles: int, time_limit: float, seed: int = 1) -> dict[str, Any]:
    """`jobs` stops with time windows scattered over ~60 km around Chengdu, `vehicles` vans."""
    rng = np.random.default_rng(seed)
    pts = np.c_[104.0 + rng.uniform(-0.3, 0.3, jobs), 30.6 + rng.uniform(-0.3, 0.3, jobs)]
    return {
        "vehicles": [{"id": k, "start": [104.06, 30.57], "end": [104.06, 30.57],
                      "capacity": [40], "time_window": [0, 36_000]} for k in range(vehicles)],
        "jobs": [{"id": i, "location": [round(x, 5), round(y, 5)], "delivery": [1],
                  "service": 300, "time_windows": [[0, 36_000]]}
                 for i, (x, y) in enumerate(pts)],
        "options": {"time_limit": time_limit},
    }


def test_time_limit_covers_building_and_the_first_solution(fresh_app: Any) -> None:
    """1,200 stops × 60 vans with a 0.5 s limit: the old service answered only after the
    model was built and a first solution found (seconds); now the answer comes by the limit
    (+ 200 ms in the benchmark; loosely here, the machine is shared) as code 3 (no plan yet)
    or a plan, and the late worker is replaced."""
    with fresh_app(solve_workers=1, max_sync_size=10**7) as a:
        body = big_route(1200, 60, 0.5)
        t0 = time.monotonic()
        r = a.post("/v1/routes", json=body)
        took = time.monotonic() - t0
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["code"] in (0, 3)
        if out["code"] == 3:
            assert "no plan within the time limit of 0.5 s" in out["error"]
            assert "1200 tasks × 60 vehicles" in out["error"]
        assert took < 0.5 + 1.5
        # the pool is whole again: the next small solve is answered
        t_end = time.monotonic() + 30
        while a.post("/v1/routes", json=tiny_route(0.2)).status_code != 200:
            assert time.monotonic() < t_end
            time.sleep(0.2)


def test_size_ceiling_is_413_naming_it(fresh_app: Any) -> None:
    """tasks × vehicles above FWDNET_MAX_SYNC_SIZE / FWDNET_MAX_JOB_SIZE is refused up front."""
    with fresh_app(max_sync_size=2, max_job_size=2, start_jobs=False) as a:
        r = a.post("/v1/routes", json=tiny_route())
        assert r.status_code == 413
        assert "3 tasks × 1 vehicles = 3 exceeds this server's ceiling of 2" in r.json()["error"]
        assert "FWDNET_MAX_SYNC_SIZE" in r.json()["error"]
        r = a.post("/v1/route-jobs", json=tiny_route())
        assert r.status_code == 413
        assert "FWDNET_MAX_JOB_SIZE" in r.json()["error"]
        assert 'fwdnet_rejected_requests_total{reason="too_large"}' in a.client.get(
            "/metrics").text


def test_full_pool_is_503_with_retry_after_and_health_still_answers(fresh_app: Any) -> None:
    """One solver worker busy with a 3 s solve: the next solve is refused at once (503,
    Retry-After ≤ the time left), /health answers meanwhile, and the busy solve finishes."""
    with fresh_app(solve_workers=1) as a:
        got: dict[str, Any] = {}

        def long_solve() -> None:
            got["r"] = a.post("/v1/routes", json=tiny_route(3.0))

        t = threading.Thread(target=long_solve)
        t.start()
        t_end = time.monotonic() + 10
        while a.client.get("/ready").json()["solve_pool"]["busy"] != 1:
            assert time.monotonic() < t_end
            time.sleep(0.02)
        t0 = time.monotonic()
        r = a.post("/v1/routes", json=tiny_route(0.2))
        refused_in = time.monotonic() - t0
        assert r.status_code == 503, r.text
        assert 1 <= int(r.headers["retry-after"]) <= 4
        assert refused_in < 1.0  # refused, not queued behind the 3 s solve
        health = [time.monotonic()]
        assert a.client.get("/health").json() == {"status": "ok"}
        health.append(time.monotonic())
        assert health[1] - health[0] < 1.0
        t.join(20)
        assert got["r"].status_code == 200
        assert got["r"].json()["summary"]["cost"] == 300.0
        text = a.client.get("/metrics").text
        assert 'fwdnet_rejected_requests_total{reason="pool_busy"}' in text


def test_killed_solver_worker_is_503_then_replaced(fresh_app: Any) -> None:
    """kill -9 of the worker in the middle of a solve: that request gets 503 (never 500), the
    worker is replaced, the next solve succeeds, and /ready reports the pool."""
    import os
    import signal

    with fresh_app(solve_workers=1) as a:
        ctx = a.client.app.state.ctx  # type: ignore[attr-defined]
        got: dict[str, Any] = {}

        def long_solve() -> None:
            got["r"] = a.post("/v1/routes", json=tiny_route(5.0))

        t = threading.Thread(target=long_solve)
        t.start()
        t_end = time.monotonic() + 10
        while not ctx.solver.busy():
            assert time.monotonic() < t_end
            time.sleep(0.02)
        os.kill(ctx.solver.busy()[0].proc.pid, signal.SIGKILL)
        t.join(20)
        assert got["r"].status_code == 503
        assert got["r"].headers["retry-after"] == "1"
        t_end = time.monotonic() + 30
        while (ready := a.client.get("/ready").json())["solve_pool"]["alive"] != 1:
            assert time.monotonic() < t_end
            time.sleep(0.1)
        assert ready["status"] == "ready"
        assert a.post("/v1/routes", json=tiny_route(0.2)).json()["summary"]["cost"] == 300.0


def test_idle_workers_killed_from_outside_are_replaced_and_ready_says_so(fresh_app: Any) -> None:
    """/ready is 503 while no solver worker lives, and 200 again once the keeper replaced them."""
    import os
    import signal

    with fresh_app(solve_workers=2) as a:
        ctx = a.client.app.state.ctx  # type: ignore[attr-defined]
        old = ctx.solver.pids()
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        seen = set()
        t_end = time.monotonic() + 30
        while True:
            r = a.client.get("/ready")
            seen.add(r.status_code)
            if r.status_code == 200 and r.json()["solve_pool"]["alive"] == 2:
                break
            assert time.monotonic() < t_end, r.json()
            time.sleep(0.05)
        assert not set(ctx.solver.pids()) & set(old)
        assert a.post("/v1/routes", json=tiny_route(0.2)).status_code == 200
