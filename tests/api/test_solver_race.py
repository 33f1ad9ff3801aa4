"""A solver worker of the API races two searches, as the CLI does: the same request gets the
same plan over HTTP as in `solve()`, and a killed worker takes its search child with it."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

import numpy as np
import pytest

from fwdnet.logistics.api import service, worker
from fwdnet.logistics.api.pool import WorkerPool
from fwdnet.logistics.api.schemas import RouteRequest
from fwdnet.logistics.routing.solve import default_workers
from tests.api.procs import alive, children

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="races need two cores")


def capacity_request(jobs: int, seed: int, **options: Any) -> dict[str, Any]:
    """`jobs` stops around one depot, demands 1-9, vans of 40: capacity routes (HGS's kind)."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 20_000, size=(jobs + 1, 2))
    d = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
    return {"vehicles": [{"id": v, "start_index": 0, "end_index": 0, "capacity": [40]}
                         for v in range(jobs // 3)],
            "jobs": [{"id": i, "location_index": i, "delivery": [int(rng.integers(1, 10))]}
                     for i in range(1, jobs + 1)],
            "matrices": {"car": {"distances": d.astype(int).tolist(),
                                 "durations": (d // 10).astype(int).tolist()}},
            "options": options}


@pytest.fixture
def pool() -> Any:
    p = WorkerPool(1, "race-test")
    p.start()
    yield p
    p.shutdown()


def _steps(resp: dict[str, Any]) -> list[list[int]]:
    return sorted([s["id"] for s in r["steps"] if s["type"] == "job"] for r in resp["routes"])


def test_a_solver_worker_races_and_answers_what_solve_answers(pool: WorkerPool) -> None:
    """Pool workers are daemonic, and multiprocessing forbids a daemon children: the API
    used to search alone (one core, seed 0 only) and answered worse than the CLI."""
    assert pool.run(default_workers, (), time.monotonic() + 30) == 2
    body = capacity_request(60, 4)
    over_pool = json.loads(pool.run(worker.solve_route, (json.dumps(body), 30.0, 1.3, 40.0),
                                    time.monotonic() + 40))
    here, result = service.route(RouteRequest.model_validate(body), time_limit_s=29.0,
                                 road_factor=1.3, speed_kmh=40.0)
    assert result is not None
    assert result.runtime_s < 20
    assert over_pool["summary"]["cost"] == here.summary.cost  # type: ignore[union-attr]
    assert _steps(over_pool) == _steps(here.model_dump())
    assert over_pool["backend"] == result.backend


def test_a_killed_worker_takes_its_search_child_with_it(pool: WorkerPool) -> None:
    body = capacity_request(60, 5, time_limit=20, full_time=True)
    w = pool.acquire(time.monotonic() + 30)
    assert w.proc.pid is not None
    pool.send(w, worker.solve_route, json.dumps(body), 20.0, 1.3, 40.0)
    t_end = time.monotonic() + 10
    while not (kids := children().get(w.proc.pid, [])):
        assert time.monotonic() < t_end, "the worker started no search child"
        time.sleep(0.05)
    os.kill(w.proc.pid, signal.SIGKILL)
    t_end = time.monotonic() + 5
    while any(alive(k) for k in kids):
        assert time.monotonic() < t_end, "a search child outlived its worker"
        time.sleep(0.05)
    pool.discard(w, "killed by the test")
