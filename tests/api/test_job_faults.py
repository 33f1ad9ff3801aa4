"""Route jobs under faults and load: dead worker processes, retried POSTs, full queues, fairness.

Findings of issue 19: after `kill -9` of a job process about half of the POSTs answered 500
(BrokenProcessPool) and clients that retried stored duplicates; one key could queue 150 jobs
ahead of everyone; `fwdnet_route_jobs_total` never moved.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from sqlalchemy import func, select

from fwdnet.logistics.api.tables import route_jobs
from tests.api.conftest import Api
from tests.api.helpers import tiny_route
from tests.api.test_jobs import _wait


def _ctx(a: Api) -> Any:
    return a.client.app.state.ctx  # type: ignore[attr-defined]


def _running_pid(a: Api, timeout: float = 20) -> int:
    """The pid of the job worker process that runs a job (waits until one does)."""
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        busy = _ctx(a).jobs.pool.busy()
        if busy:
            return int(busy[0].proc.pid)
        time.sleep(0.02)
    raise AssertionError("no job worker became busy")


def test_killed_job_process_is_replaced_and_its_job_requeued(fresh_app: Any) -> None:
    """kill -9 of the process running a job: the job runs again (attempts 2) and finishes;
    POSTs made right after the kill are all 202 (never 500); /ready shows the pool whole."""
    with fresh_app(job_workers=1) as a:
        job = a.post("/v1/route-jobs", json=tiny_route(time_limit=3)).json()["id"]
        os.kill(_running_pid(a), signal.SIGKILL)
        codes = [a.post("/v1/route-jobs", json=tiny_route(time_limit=0.3)).status_code
                 for _ in range(6)]
        assert codes == [202] * 6
        out = _wait(a, job, ("done", "failed"), timeout=60)
        assert out["status"] == "done", out
        assert out["attempts"] == 2
        assert out["result"]["summary"]["cost"] == 300.0
        t_end = time.monotonic() + 30
        while a.client.get("/ready").json()["job_pool"]["alive"] != 1:
            assert time.monotonic() < t_end
            time.sleep(0.1)
        text = a.client.get("/metrics").text
        assert 'fwdnet_route_jobs_total{state="requeued"}' in text
        assert 'fwdnet_route_jobs_total{state="done"}' in text


def test_job_fails_with_the_reason_after_max_attempts(fresh_app: Any) -> None:
    """A job whose worker dies on every attempt ends `failed`, naming the attempts and how
    the process died, instead of looping forever."""
    with fresh_app(job_workers=1, job_max_attempts=2) as a:
        job = a.post("/v1/route-jobs", json=tiny_route(time_limit=5)).json()["id"]
        for _ in range(2):
            os.kill(_running_pid(a), signal.SIGKILL)
            time.sleep(0.3)
        out = _wait(a, job, ("failed", "done"), timeout=60)
        assert out["status"] == "failed"
        assert out["error"] == "failed after 2 attempts: worker process killed by SIGKILL"
        assert out["attempts"] == 2


def test_idempotency_key_makes_retries_safe(api: Api) -> None:
    """The same Idempotency-Key twice stores one job (the retry gets it back with 200);
    reusing the key for another body is 409; without a key each POST is a new job."""
    key = f"retry-{time.time_ns()}"
    r1 = api.post("/v1/route-jobs", json=tiny_route(0.3), headers={"Idempotency-Key": key})
    r2 = api.post("/v1/route-jobs", json=tiny_route(0.3), headers={"Idempotency-Key": key})
    assert (r1.status_code, r2.status_code) == (202, 200)
    assert r1.json()["id"] == r2.json()["id"]
    assert r2.headers["idempotent-replayed"] == "true"
    with api.engine.connect() as c:
        n = c.execute(select(func.count()).select_from(route_jobs)
                      .where(route_jobs.c.idem_key == key)).scalar_one()
    assert n == 1
    r3 = api.post("/v1/route-jobs", json=tiny_route(0.4), headers={"Idempotency-Key": key})
    assert r3.status_code == 409
    # another key may use the same Idempotency-Key value for its own job
    r4 = api.post("/v1/route-jobs", "dispatch", json=tiny_route(0.3),
                  headers={"Idempotency-Key": key})
    assert r4.status_code == 202
    assert r4.json()["id"] != r1.json()["id"]


def test_job_queues_are_bounded_per_key_and_in_total(fresh_app: Any) -> None:
    """2 per key, 3 in all: hq's 3rd job is 429 (its queue); dispatch's 1st fits; then the
    service is full for everyone (429), and a cancelled job frees a place."""
    with fresh_app(start_jobs=False, max_jobs_per_key=2, max_jobs_total=3) as a:
        ids = [a.post("/v1/route-jobs", json=tiny_route(1)).json()["id"] for _ in range(2)]
        r = a.post("/v1/route-jobs", json=tiny_route(1))
        assert r.status_code == 429
        assert "this key already has 2 queued or running jobs" in r.json()["error"]
        assert int(r.headers["retry-after"]) >= 1
        assert a.post("/v1/route-jobs", "dispatch", json=tiny_route(1)).status_code == 202
        r = a.post("/v1/route-jobs", "dispatch", json=tiny_route(1))
        assert r.status_code == 429
        assert "this service already has 3" in r.json()["error"]
        assert a.client.delete(f"/v1/route-jobs/{ids[0]}", headers=a.h("hq")).status_code == 200
        assert a.post("/v1/route-jobs", json=tiny_route(1)).status_code == 202
        text = a.client.get("/metrics").text
        assert 'fwdnet_rejected_requests_total{reason="job_queue_key"}' in text
        assert 'fwdnet_rejected_requests_total{reason="job_queue_total"}' in text
        assert "fwdnet_route_job_queue_depth 3" in text


def test_keys_are_served_fairly(fresh_app: Any) -> None:
    """One worker; hq queues 4 one-second jobs, then dispatch queues one: dispatch's job runs
    second, not fifth (the old queue was first come, first served)."""
    with fresh_app(start_jobs=False) as a:
        hq = [a.post("/v1/route-jobs", json=tiny_route(1)).json()["id"] for _ in range(4)]
        time.sleep(0.05)
        other = a.post("/v1/route-jobs", "dispatch", json=tiny_route(1)).json()["id"]
        url = a.url
    from tests.api.conftest import running_app

    with running_app(url, job_workers=1) as b:
        _wait(b, other, ("done",), timeout=60)
        with b.engine.connect() as c:
            started = dict(c.execute(select(route_jobs.c.job_id, route_jobs.c.started_at)
                                     .where(route_jobs.c.job_id.in_([*hq, other]))).all())
        order = sorted((t, j) for j, t in started.items() if t is not None)
        assert [j for _, j in order][:2] == [hq[0], other]
