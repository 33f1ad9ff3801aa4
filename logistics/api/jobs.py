"""Asynchronous route jobs: rows in `api_route_jobs`, solved in stages on an Executor.

A worker claims a queued job (`UPDATE … WHERE status='queued'`: one claimant wins across
processes), solves in growing stages (each seeded with the best plan so far), writes the best
answer after every stage and stops when a write finds the job no longer running on it
(cancelled, or handed back at shutdown). Stale running jobs (no heartbeat for `job_stale_s`)
are queued again, so jobs survive a restart or a dead process.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from fwdnet.logistics.api.tables import route_jobs

ACTIVE = ("queued", "running")
MAX_STAGE_S = 10.0


@dataclass(frozen=True)
class JobRow:
    """A route job as stored."""

    job_id: str
    status: str
    scope: str
    key_id: str
    time_limit_s: float
    created_at: datetime
    updated_at: datetime
    result: dict[str, Any] | None
    error: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def create_job(engine: Engine, request_json: str, scope: str, key_id: str,
               time_limit_s: float) -> str:
    """Store a queued job; returns its id."""
    job_id = uuid.uuid4().hex
    now = _now()
    with engine.begin() as c:
        c.execute(insert(route_jobs).values(job_id=job_id, status="queued", scope=scope,
                                            key_id=key_id, request=request_json,
                                            time_limit_s=time_limit_s, created_at=now,
                                            updated_at=now))
    return job_id


def get_job(engine: Engine, job_id: str) -> JobRow | None:
    with engine.connect() as c:
        r = c.execute(select(route_jobs).where(route_jobs.c.job_id == job_id)).mappings().first()
    if r is None:
        return None
    return JobRow(r["job_id"], r["status"], r["scope"], r["key_id"], r["time_limit_s"],
                  _aware(r["created_at"]), _aware(r["updated_at"]),
                  json.loads(r["result"]) if r["result"] else None, r["error"])


def cancel_job(engine: Engine, job_id: str) -> bool:
    """Cancel a queued or running job; False when it had already finished."""
    with engine.begin() as c:
        res = c.execute(update(route_jobs).where(route_jobs.c.job_id == job_id,
                                                 route_jobs.c.status.in_(ACTIVE))
                        .values(status="cancelled", updated_at=_now()))
    return res.rowcount == 1


def requeue_stale(engine: Engine, stale_s: float) -> int:
    """Queue again running jobs whose worker stopped beating; returns how many."""
    limit = _now() - timedelta(seconds=stale_s)
    with engine.begin() as c:
        res = c.execute(update(route_jobs).where(route_jobs.c.status == "running",
                                                 route_jobs.c.heartbeat_at < limit)
                        .values(status="queued", worker=None, updated_at=_now()))
    return int(res.rowcount)


def queued_jobs(engine: Engine) -> list[str]:
    with engine.connect() as c:
        return [r[0] for r in c.execute(select(route_jobs.c.job_id)
                                        .where(route_jobs.c.status == "queued")
                                        .order_by(route_jobs.c.created_at))]


def hand_back(engine: Engine, job_ids: list[str]) -> None:
    """Queue again running jobs of this process (shutdown): another process takes them up."""
    if not job_ids:
        return
    with engine.begin() as c:
        c.execute(update(route_jobs).where(route_jobs.c.job_id.in_(job_ids),
                                           route_jobs.c.status == "running")
                  .values(status="queued", worker=None, updated_at=_now()))


# ------------------------------------------------------------------ worker side

def run_job(url: str, job_id: str, road_factor: float, speed_kmh: float) -> str:
    """Executor entry point (top-level, picklable): claim, solve in stages, store. Final state."""
    from fwdnet.logistics.api.db import open_api_engine

    engine = open_api_engine(url)
    try:
        return _run(engine, job_id, road_factor, speed_kmh)
    finally:
        engine.dispose()


def _run(engine: Engine, job_id: str, road_factor: float, speed_kmh: float) -> str:
    from fwdnet.logistics.api import service
    from fwdnet.logistics.api.schemas import RouteRequest
    from fwdnet.logistics.errors import InputError
    from fwdnet.logistics.routing import MaxRuntime, PlannedRoute, RoutingResult, solve

    worker = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    with engine.begin() as c:
        claimed = c.execute(update(route_jobs).where(route_jobs.c.job_id == job_id,
                                                     route_jobs.c.status == "queued")
                            .values(status="running", worker=worker, heartbeat_at=_now(),
                                    updated_at=_now())).rowcount
        row = c.execute(select(route_jobs.c.request, route_jobs.c.time_limit_s)
                        .where(route_jobs.c.job_id == job_id)).first()
    if claimed != 1 or row is None:
        return "skipped"
    t0 = time.perf_counter()
    deadline = t0 + float(row[1])

    def write(status: str, result: str | None = None, error: str | None = None) -> bool:
        values: dict[str, Any] = {"status": status, "heartbeat_at": _now(), "updated_at": _now()}
        if result is not None:
            values["result"] = result
        if error is not None:
            values["error"] = error
        with engine.begin() as c:
            return bool(c.execute(update(route_jobs).where(
                route_jobs.c.job_id == job_id, route_jobs.c.status == "running",
                route_jobs.c.worker == worker).values(**values)).rowcount == 1)

    try:
        req = RouteRequest.model_validate_json(row[0])
        if req.options.plan:
            resp, _ = service.route(req, time_limit_s=1.0, road_factor=road_factor,
                                    speed_kmh=speed_kmh)
            return "done" if write("done", resp.model_dump_json(exclude_none=True)) else "lost"
        built = service.build_only(req, road_factor, speed_kmh)
        load_ms = int((time.perf_counter() - t0) * 1000)
        best: RoutingResult | None = None
        stage = 1.0
        while (left := deadline - time.perf_counter()) > 0.05:
            initial = (tuple(PlannedRoute(r.vehicle, r.stops) for r in best.routes)
                       if best is not None else ())
            try:
                res = solve(built.problem, stop=MaxRuntime(min(stage, left)),
                            seed=req.options.seed, initial=initial)
            except InputError:  # a start the solver refuses: search from scratch instead
                res = solve(built.problem, stop=MaxRuntime(min(stage, left)),
                            seed=req.options.seed)
            if best is None or _better(res, best):
                best = res
                resp = service.answer_from_result(req, built, best, load_ms)
                if not write("running", resp.model_dump_json(exclude_none=True)):
                    return "stopped"
            elif not write("running"):
                return "stopped"
            stage = min(stage * 2, MAX_STAGE_S)
        if best is None:
            best = solve(built.problem, stop=MaxRuntime(0.05), seed=req.options.seed)
            resp = service.answer_from_result(req, built, best, load_ms)
            write("running", resp.model_dump_json(exclude_none=True))
        return "done" if write("done") else "stopped"
    except InputError as exc:
        write("failed", error=str(exc))
        return "failed"
    except Exception as exc:  # a job must end in a state, never hang in 'running'
        write("failed", error=f"internal error: {type(exc).__name__}")
        raise


def _better(a: Any, b: Any) -> bool:
    """Fewer required stops left out first, then lower cost."""
    return (len(a.unassigned), a.cost) < (len(b.unassigned), b.cost)


# ------------------------------------------------------------------ app side

def make_executor(kind: str, workers: int, dask_scheduler: str | None) -> Executor:
    """Process pool (spawn) by default, threads for tests, or a Dask cluster's executor."""
    if kind == "dask" or dask_scheduler:
        from distributed import Client

        if not dask_scheduler:
            raise ValueError("FWDNET_DASK_SCHEDULER is required for the dask executor")
        ex: Executor = Client(dask_scheduler).get_executor()  # type: ignore[no-untyped-call]
        return ex
    if kind == "thread":
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="route-job")
    import multiprocessing

    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))


class JobRunner:
    """Submits queued jobs of the database to the executor and hands them back at shutdown."""

    def __init__(self, engine: Engine, url: str, executor: Executor | None,
                 road_factor: float, speed_kmh: float, stale_s: float) -> None:
        self.engine = engine
        self.url = url
        self.executor = executor
        self._args = (road_factor, speed_kmh)
        self._stale_s = stale_s
        self._futures: dict[str, Future[str]] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: str) -> None:
        if self.executor is None:
            return
        with self._lock:
            f = self._futures.get(job_id)
            if f is not None and not f.done():
                return
            self._futures[job_id] = self.executor.submit(run_job, self.url, job_id,
                                                         *self._args)

    def cancel(self, job_id: str) -> None:
        with self._lock:
            f = self._futures.get(job_id)
        if f is not None:
            f.cancel()

    def sweep(self) -> None:
        """Requeue stale jobs and submit every queued one (claiming makes this safe)."""
        requeue_stale(self.engine, self._stale_s)
        with self._lock:
            self._futures = {k: f for k, f in self._futures.items() if not f.done()}
        for job_id in queued_jobs(self.engine):
            self.submit(job_id)

    def shutdown(self) -> None:
        """Stop taking work, hand running jobs back to the queue, stop the workers."""
        if self.executor is None:
            return
        with self._lock:
            mine = [k for k, f in self._futures.items() if not f.done()]
        for f in self._futures.values():
            f.cancel()
        hand_back(self.engine, mine)
        procs = getattr(self.executor, "_processes", None) or {}
        if isinstance(self.executor, ProcessPoolExecutor | ThreadPoolExecutor):
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:  # a Dask ClientExecutor: stop it and close its client
            self.executor.shutdown(wait=False)
            client = getattr(self.executor, "_client", None)
            if client is not None:
                client.close()
        for p in list(procs.values()):
            p.terminate()
