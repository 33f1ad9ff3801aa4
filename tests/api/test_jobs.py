"""Route jobs: 202 + id, best answer so far, cancel, and survival across app restarts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from fwdnet.logistics.api.tables import route_jobs
from tests.api.conftest import Api, running_app
from tests.api.helpers import tiny_route


def _wait(a: Api, job: str, states: tuple[str, ...], timeout: float = 20.0) -> dict[str, Any]:
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        out: dict[str, Any] = a.get(f"/v1/route-jobs/{job}").json()
        if out["status"] in states:
            return out
        time.sleep(0.1)
    raise AssertionError(f"job {job} never reached {states}: {out}")


def test_job_runs_to_done_with_the_optimum(api: Api) -> None:
    """The line instance as a job: 202 with Location, then done with the 300 s optimum."""
    r = api.post("/v1/route-jobs", json=tiny_route(time_limit=1.0))
    assert r.status_code == 202
    job = r.json()["id"]
    assert r.headers["location"] == f"/v1/route-jobs/{job}"
    assert r.json()["status"] in ("queued", "running")
    out = _wait(api, job, ("done",))
    assert out["result"]["code"] == 0
    assert out["result"]["summary"]["cost"] == 300.0
    assert api.client.delete(f"/v1/route-jobs/{job}", headers=api.h("hq")).status_code == 409


def test_best_so_far_is_visible_while_running_and_cancel_keeps_it(api: Api) -> None:
    """A 30 s job has a plan after its first stage; DELETE cancels and keeps that plan."""
    job = api.post("/v1/route-jobs", json=tiny_route(time_limit=30, full_time=True)).json()["id"]
    t_end = time.monotonic() + 15
    out = _wait(api, job, ("running",))
    while out.get("result") is None and time.monotonic() < t_end:
        time.sleep(0.1)
        out = api.get(f"/v1/route-jobs/{job}").json()
    assert out["status"] == "running"
    assert out["result"]["code"] == 0
    r = api.client.delete(f"/v1/route-jobs/{job}", headers=api.h("dispatch"))
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    time.sleep(1.5)  # the worker notices at its next write and stops
    final = api.get(f"/v1/route-jobs/{job}").json()
    assert final["status"] == "cancelled"
    assert final["result"]["summary"]["cost"] == 300.0


def test_unknown_and_malformed_job_ids(api: Api) -> None:
    assert api.get("/v1/route-jobs/" + "0" * 32).status_code == 404
    assert api.get("/v1/route-jobs/not-an-id").status_code == 422


def test_bad_job_request_is_refused_at_once(api: Api) -> None:
    body = tiny_route()
    body["jobs"][0]["location_index"] = 99
    r = api.post("/v1/route-jobs", json=body)
    assert r.status_code == 422
    assert "jobs.0.location_index" in r.json()["error"]


def test_queued_job_survives_a_restart(own_db_url: str) -> None:
    """Queued while no executor runs; the next app on the same database finishes it (a 5 s
    cap: the tiny job converges in milliseconds, and a loaded machine must not fail it)."""
    with running_app(own_db_url, start_jobs=False) as a:
        job = a.post("/v1/route-jobs", json=tiny_route(time_limit=5)).json()["id"]
        assert a.get(f"/v1/route-jobs/{job}").json()["status"] == "queued"
    with running_app(own_db_url) as b:
        out = _wait(b, job, ("done",))
        assert out["result"]["summary"]["cost"] == 300.0


def test_stale_running_job_is_taken_over(own_db_url: str) -> None:
    """A job left 'running' by a dead process (old heartbeat) is queued again and finished."""
    with running_app(own_db_url, start_jobs=False) as a:
        job = a.post("/v1/route-jobs", json=tiny_route(time_limit=5)).json()["id"]
        old = datetime.now(UTC) - timedelta(hours=1)
        with a.engine.begin() as c:
            c.execute(update(route_jobs).where(route_jobs.c.job_id == job)
                      .values(status="running", worker="dead:1:1", heartbeat_at=old))
    with running_app(own_db_url, job_stale_s=60) as b:
        out = _wait(b, job, ("done",))
        assert out["result"]["code"] == 0


def test_process_pool_executor_runs_jobs(fresh_app: Any) -> None:
    """The default executor (spawned worker processes) solves a job end to end."""
    with fresh_app(executor="process", job_workers=1) as a:
        job = a.post("/v1/route-jobs", json=tiny_route(time_limit=5)).json()["id"]
        out = _wait(a, job, ("done", "failed"), timeout=60)
        assert out["status"] == "done"
        assert out["result"]["summary"]["cost"] == 300.0


def test_dask_cluster_executor_runs_jobs(tmp_path: Any) -> None:
    """With a scheduler address, jobs run on `Client(addr).get_executor()` (here a local
    in-process cluster) and write their answer to the shared database."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, running_app(
            f"sqlite:///{tmp_path / 'dask.db'}", executor="dask",
            dask_scheduler=cluster.scheduler_address) as a:
        job = a.post("/v1/route-jobs", json=tiny_route(time_limit=5)).json()["id"]
        out = _wait(a, job, ("done", "failed"), timeout=60)
        assert out["status"] == "done"
        assert out["result"]["summary"]["cost"] == 300.0
