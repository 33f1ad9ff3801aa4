"""Asynchronous route jobs: rows in `api_route_jobs`, solved in stages by worker processes.

The queue is the table. A server's dispatcher claims the next job fairly (the key with the
fewest running jobs, then the one served longest ago; `UPDATE … WHERE status='queued'`: one
claimant wins across servers), hands it to a worker, heartbeats it, and notices when the
worker dies (the job is queued again, at most `max_attempts` times, then `failed` with the
reason), overruns its time limit (killed; best plan kept) or is cancelled (killed). Queues are
bounded per key and in total; an `Idempotency-Key` makes a retried POST return the same job.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from fwdnet.logistics.api.db import write_lock
from fwdnet.logistics.api.logs import log
from fwdnet.logistics.api.metrics import JOBS
from fwdnet.logistics.api.pool import PoolBusy, Worker, WorkerDied, WorkerPool
from fwdnet.logistics.api.tables import route_jobs

ACTIVE = ("queued", "running")
STATES = ("queued", "running", "done", "failed", "cancelled")
MAX_STAGE_S = 10.0
DEADLINE_GRACE_S = 0.5
"""A job still running this long after its time limit is killed (its best plan is kept)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JOB_LOCK = 0x6677_6A62  # pg_advisory_xact_lock key ("fwjb") serialising job creation


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
    attempts: int = 0


class QueueFull(Exception):
    """The key's queue (`which` = 'key') or the whole queue ('total') holds `limit` jobs."""

    def __init__(self, which: str, limit: int) -> None:
        where = "this key" if which == "key" else "this service"
        super().__init__(f"route job queue full: {where} already has {limit} queued or running "
                         "jobs; retry when one has finished")
        self.which = which
        self.limit = limit


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request body."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


# ------------------------------------------------------------------ rows

def create_job(engine: Engine, request_json: str, scope: str, key_id: str,
               time_limit_s: float, *, idem_key: str | None = None,
               max_per_key: int = 10**9, max_total: int = 10**9) -> tuple[str, bool]:
    """Store a queued job; (job id, True), or (the earlier job's id, False) for a repeated
    Idempotency-Key. QueueFull when the key's or the service's queue is full."""
    job_id = uuid.uuid4().hex
    now = _now()
    try:
        with engine.begin() as c:
            write_lock(c, _JOB_LOCK)
            if idem_key is not None:
                old = c.execute(select(route_jobs.c.job_id, route_jobs.c.request).where(
                    route_jobs.c.key_id == key_id, route_jobs.c.idem_key == idem_key)).first()
                if old is not None:
                    if old[1] != request_json:
                        raise IdempotencyConflict(f"Idempotency-Key {idem_key!r} was used for "
                                                  "another request body")
                    return str(old[0]), False
            mine = c.execute(select(func.count()).select_from(route_jobs).where(
                route_jobs.c.key_id == key_id, route_jobs.c.status.in_(ACTIVE))).scalar_one()
            if mine >= max_per_key:
                raise QueueFull("key", max_per_key)
            total = c.execute(select(func.count()).select_from(route_jobs).where(
                route_jobs.c.status.in_(ACTIVE))).scalar_one()
            if total >= max_total:
                raise QueueFull("total", max_total)
            c.execute(insert(route_jobs).values(
                job_id=job_id, status="queued", scope=scope, key_id=key_id,
                request=request_json, time_limit_s=time_limit_s, created_at=now,
                updated_at=now, attempts=0, idem_key=idem_key))
    except IntegrityError:  # the same Idempotency-Key raced in from another server
        if idem_key is None:
            raise
        with engine.connect() as c:
            old = c.execute(select(route_jobs.c.job_id).where(
                route_jobs.c.key_id == key_id, route_jobs.c.idem_key == idem_key)).first()
        if old is None:
            raise
        return str(old[0]), False
    JOBS.labels("queued").inc()
    return job_id, True


def get_job(engine: Engine, job_id: str) -> JobRow | None:
    with engine.connect() as c:
        r = c.execute(select(route_jobs).where(route_jobs.c.job_id == job_id)).mappings().first()
    if r is None:
        return None
    return JobRow(r["job_id"], r["status"], r["scope"], r["key_id"], r["time_limit_s"],
                  _aware(r["created_at"]), _aware(r["updated_at"]),
                  json.loads(r["result"]) if r["result"] else None, r["error"],
                  int(r["attempts"] or 0))


def cancel_job(engine: Engine, job_id: str) -> bool:
    """Cancel a queued or running job; False when it had already finished."""
    with engine.begin() as c:
        res = c.execute(update(route_jobs).where(route_jobs.c.job_id == job_id,
                                                 route_jobs.c.status.in_(ACTIVE))
                        .values(status="cancelled", updated_at=_now()))
    if res.rowcount == 1:
        JOBS.labels("cancelled").inc()
    return res.rowcount == 1


def count_by_state(engine: Engine) -> dict[str, int]:
    """Jobs per state in the whole database (every state present, zeros included)."""
    with engine.connect() as c:
        rows = c.execute(select(route_jobs.c.status, func.count())
                         .group_by(route_jobs.c.status)).all()
    out = dict.fromkeys(STATES, 0)
    out.update({str(s): int(n) for s, n in rows})
    return out


def requeue_stale(engine: Engine, stale_s: float, max_attempts: int) -> int:
    """Running jobs whose server stopped heartbeating: queued again, or failed after
    `max_attempts` attempts. Returns how many were queued again."""
    limit = _now() - timedelta(seconds=stale_s)
    stale = and_(route_jobs.c.status == "running", route_jobs.c.heartbeat_at < limit)
    with engine.begin() as c:
        failed = c.execute(update(route_jobs).where(stale, route_jobs.c.attempts >= max_attempts)
                           .values(status="failed", updated_at=_now(),
                                   error=f"failed after {max_attempts} attempts: its server "
                                         "stopped (no heartbeat)")).rowcount
        res = c.execute(update(route_jobs).where(stale)
                        .values(status="queued", worker=None, updated_at=_now()))
    if failed:
        JOBS.labels("failed").inc(failed)
    if res.rowcount:
        JOBS.labels("requeued").inc(res.rowcount)
    return int(res.rowcount)


def hand_back(engine: Engine, owned: dict[str, str]) -> None:
    """Queue again the running jobs of this server (shutdown); the attempt does not count."""
    with engine.begin() as c:
        for job_id, worker in owned.items():
            c.execute(update(route_jobs).where(route_jobs.c.job_id == job_id,
                                               route_jobs.c.status == "running",
                                               route_jobs.c.worker == worker)
                      .values(status="queued", worker=None, updated_at=_now(),
                              attempts=route_jobs.c.attempts - 1))


def claim_next(engine: Engine, worker: str) -> tuple[str, float] | None:
    """Claim the next job fairly: (job id, time limit s), or None when nothing is queued.

    Keys are served by (running jobs, last start, oldest queued job), so one key's long queue
    never holds back another key's job for more than one turn.
    """
    with engine.connect() as c:
        queued = c.execute(select(route_jobs.c.key_id, func.min(route_jobs.c.created_at))
                           .where(route_jobs.c.status == "queued")
                           .group_by(route_jobs.c.key_id)).all()
        if not queued:
            return None
        keys = [k for k, _ in queued]
        jc = route_jobs.c
        running: dict[str, int] = dict(c.execute(
            select(jc.key_id, func.count()).where(jc.status == "running", jc.key_id.in_(keys))
            .group_by(jc.key_id)).all())
        last: dict[str, datetime] = dict(c.execute(
            select(jc.key_id, func.max(jc.started_at)).where(jc.key_id.in_(keys))
            .group_by(jc.key_id)).all())

    def rank(kq: Any) -> tuple[int, datetime, datetime]:
        k, oldest = kq
        started = last.get(k)
        return (int(running.get(k, 0)), _aware(started) if started else _EPOCH, _aware(oldest))

    for key, _ in sorted(queued, key=rank):
        with engine.begin() as c:
            row = c.execute(select(route_jobs.c.job_id, route_jobs.c.time_limit_s)
                            .where(route_jobs.c.key_id == key, route_jobs.c.status == "queued")
                            .order_by(route_jobs.c.created_at).limit(1)).first()
            if row is None:
                continue
            now = _now()
            n = c.execute(update(route_jobs).where(route_jobs.c.job_id == row[0],
                                                   route_jobs.c.status == "queued")
                          .values(status="running", worker=worker, started_at=now,
                                  heartbeat_at=now, updated_at=now,
                                  attempts=route_jobs.c.attempts + 1)).rowcount
            if n == 1:
                return str(row[0]), float(row[1])
    return None


def _end_attempt(engine: Engine, job_id: str, worker: str, reason: str,
                 max_attempts: int) -> str:
    """A claimed job whose worker died: queued again or failed. Returns the new state."""
    mine = and_(route_jobs.c.job_id == job_id, route_jobs.c.status == "running",
                route_jobs.c.worker == worker)
    with engine.begin() as c:
        attempts = c.execute(select(route_jobs.c.attempts).where(mine)).scalar()
        if attempts is None:
            return "gone"
        if attempts >= max_attempts:
            c.execute(update(route_jobs).where(mine).values(
                status="failed", updated_at=_now(),
                error=f"failed after {attempts} attempts: {reason}"))
            return "failed"
        c.execute(update(route_jobs).where(mine).values(status="queued", worker=None,
                                                        updated_at=_now()))
    return "requeued"


def _end_overdue(engine: Engine, job_id: str, worker: str, limit_s: float) -> str:
    """A job killed past its time limit: done with its best plan, else failed."""
    mine = and_(route_jobs.c.job_id == job_id, route_jobs.c.status == "running",
                route_jobs.c.worker == worker)
    with engine.begin() as c:
        row = c.execute(select(route_jobs.c.result).where(mine)).first()
        if row is None:
            return "gone"
        if row[0]:
            c.execute(update(route_jobs).where(mine).values(status="done", updated_at=_now()))
            return "done"
        c.execute(update(route_jobs).where(mine).values(
            status="failed", updated_at=_now(),
            error=f"no plan within the time limit of {limit_s:g} s"))
    return "failed"


def _beat(engine: Engine, owned: dict[str, str]) -> set[str]:
    """Heartbeat our running jobs; returns those no longer ours (cancelled, taken over)."""
    lost: set[str] = set()
    with engine.begin() as c:
        for job_id, worker in owned.items():
            n = c.execute(update(route_jobs).where(route_jobs.c.job_id == job_id,
                                                   route_jobs.c.status == "running",
                                                   route_jobs.c.worker == worker)
                          .values(heartbeat_at=_now())).rowcount
            if n != 1:
                lost.add(job_id)
    return lost


# ------------------------------------------------------------------ worker side

def solve_claimed(engine: Engine, job_id: str, worker: str, road_factor: float,
                  speed_kmh: float) -> str:
    """Solve a job claimed for `worker` in growing stages (each seeded with the best plan so
    far), storing the best answer after each; stop when a stage started from the best plan
    converges without improving it, at the job's limit, or when the job is no longer ours."""
    from fwdnet.logistics.api import service
    from fwdnet.logistics.api.schemas import RouteRequest
    from fwdnet.logistics.api.worker import budget
    from fwdnet.logistics.errors import InputError
    from fwdnet.logistics.routing import (
        MaxRuntime,
        RoutingResult,
        default_stop,
        solve,
    )
    from fwdnet.logistics.routing.result import planned_routes

    t0 = time.perf_counter()
    with engine.connect() as c:
        row = c.execute(select(route_jobs.c.request, route_jobs.c.time_limit_s)
                        .where(route_jobs.c.job_id == job_id, route_jobs.c.worker == worker,
                               route_jobs.c.status == "running")).first()
    if row is None:
        return "skipped"
    deadline = t0 + budget(float(row[1]))

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
            resp, _ = service.route(req, time_limit_s=max(0.01, deadline - time.perf_counter()),
                                    road_factor=road_factor, speed_kmh=speed_kmh)
            return "done" if write("done", resp.model_dump_json(exclude_none=True)) else "lost"
        built = service.build_only(req, road_factor, speed_kmh)
        load_ms = int((time.perf_counter() - t0) * 1000)
        best: RoutingResult | None = None
        stage = 1.0
        n = len(built.problem.clients)
        while (left := deadline - time.perf_counter()) > 0.05:
            initial = planned_routes(best.routes) if best is not None else ()
            cap = min(stage, left)
            stop = MaxRuntime(cap) if req.options.full_time else default_stop(n, cap)
            try:
                res = solve(built.problem, stop=stop, seed=req.options.seed, initial=initial)
            except InputError:  # a start the solver refuses: search from scratch instead
                res = solve(built.problem, stop=stop, seed=req.options.seed)
            # A stage that converged before its cap, started from the best plan, and found
            # nothing better means the search has settled: the job is done, not its limit.
            if (res.runtime_s < 0.9 * cap and best is not None and not _better(res, best)
                    and not req.options.full_time):
                break
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

def make_executor(kind: str, workers: int, dask_scheduler: str | None) -> Executor | None:
    """None for our own worker processes (the default), else threads (tests) or a Dask
    cluster's executor."""
    if kind == "dask" or dask_scheduler:
        from distributed import Client

        if not dask_scheduler:
            raise ValueError("FWDNET_DASK_SCHEDULER is required for the dask executor")
        ex: Executor = Client(dask_scheduler).get_executor()  # type: ignore[no-untyped-call]
        return ex
    if kind == "thread":
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="route-job")
    return None


@dataclass
class _Running:
    worker: str  # the id written in the row
    limit_s: float
    started: float  # monotonic
    handle: Worker | Future[str]


class JobRunner:
    """This server's dispatcher: claims jobs into free slots and watches them (docstring above).

    Slots are worker processes of `pool` (killable), or an Executor's threads / Dask workers
    (not killable: a cancelled one stops at its next write).
    """

    def __init__(self, engine: Engine, url: str, *, slots: int, pool: WorkerPool | None,
                 executor: Executor | None, road_factor: float, speed_kmh: float,
                 stale_s: float, sweep_s: float, poll_s: float = 0.2, beat_s: float = 2.0,
                 max_attempts: int = 3) -> None:
        self.engine = engine
        self.url = url
        self.pool = pool
        self.executor = executor
        self.slots = slots
        self._args = (road_factor, speed_kmh)
        self._stale_s, self._sweep_s, self._poll_s, self._beat_s = stale_s, sweep_s, poll_s, beat_s
        self.max_attempts = max_attempts
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._host = f"{socket.gethostname()}:{os.getpid()}"
        self.last_tick: float | None = None
        self.last_error: str | None = None

    # -------------------------------------------------------------- control

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="route-job-dispatcher",
                                        daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        """A job was queued here: look for a free slot now rather than at the next poll."""
        del job_id
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        """Stop a job this server runs (its row is already `cancelled`)."""
        with self._lock:
            r = self._running.pop(job_id, None)
        if r is not None:
            self._stop_handle(r, "cancelled")

    def stats(self) -> dict[str, Any]:
        with self._lock:
            running = len(self._running)
        out: dict[str, Any] = {"slots": self.slots, "running": running}
        if self.pool is not None:
            out.update(self.pool.stats())
        if self.last_tick is not None:
            out["last_tick_s_ago"] = round(time.monotonic() - self.last_tick, 3)
        return out

    def shutdown(self) -> None:
        """Stop claiming, hand running jobs back to the queue, stop the workers."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        with self._lock:
            owned = {k: r.worker for k, r in self._running.items()}
            self._running.clear()
        try:
            if owned:
                hand_back(self.engine, owned)
        finally:
            if self.pool is not None:
                self.pool.shutdown()
            if self.executor is not None:
                _stop_executor(self.executor)

    # -------------------------------------------------------------- the loop

    def _loop(self) -> None:
        last_beat = last_sweep = 0.0
        while not self._stop.is_set():
            self._wake.wait(self._poll_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                now = time.monotonic()
                self._reap()
                if now - last_beat >= self._beat_s:
                    last_beat = now
                    self._heartbeat()
                self._enforce_deadlines()
                if now - last_sweep >= self._sweep_s:
                    last_sweep = now
                    requeue_stale(self.engine, self._stale_s, self.max_attempts)
                self._fill()
                self.last_tick = time.monotonic()
                self.last_error = None
            except Exception as exc:  # a database hiccup: log, keep going
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("job dispatcher: %s", self.last_error)

    def _free(self) -> int:
        with self._lock:
            n = self.slots - len(self._running)
        if self.pool is not None:
            n = min(n, self.pool.stats()["idle"])
        return n

    def _fill(self) -> None:
        from fwdnet.logistics.api import worker as task

        while self._free() > 0:
            wid = f"{self._host}:{uuid.uuid4().hex[:12]}"
            got = claim_next(self.engine, wid)
            if got is None:
                return
            job_id, limit = got
            args = (self.url, job_id, wid, *self._args)
            handle: Worker | Future[str]
            if self.pool is not None:
                try:
                    handle = self.pool.acquire(time.monotonic() + limit + DEADLINE_GRACE_S,
                                               job_id)
                    self.pool.send(handle, task.run_job, *args)
                except (PoolBusy, WorkerDied) as exc:
                    hand_back(self.engine, {job_id: wid})
                    log.warning("job %s handed back: %s", job_id, exc)
                    return
            else:
                assert self.executor is not None
                handle = self.executor.submit(task.run_job, *args)
            with self._lock:
                self._running[job_id] = _Running(wid, limit, time.monotonic(), handle)
            log.info("job started", extra={"fields": {"job_id": job_id, "worker": wid}})

    def _reap(self) -> None:
        with self._lock:
            items = list(self._running.items())
        for job_id, r in items:
            outcome: str | None = None
            died: str | None = None
            if isinstance(r.handle, Worker):
                assert self.pool is not None
                try:
                    got = self.pool.poll(r.handle, 0)
                except WorkerDied as exc:
                    died = str(exc)
                else:
                    if got is not None:
                        kind, payload = got
                        outcome = str(payload) if kind == "ok" else None
                        died = None if kind == "ok" else f"{kind}: {payload}"
            elif r.handle.done():
                exc2 = r.handle.exception()
                if exc2 is None:
                    outcome = r.handle.result()
                else:
                    died = f"{type(exc2).__name__}: {exc2}"
            if outcome is None and died is None:
                continue
            with self._lock:
                self._running.pop(job_id, None)
            if died is not None:
                state = _end_attempt(self.engine, job_id, r.worker, died, self.max_attempts)
                log.warning("job worker died", extra={"fields": {
                    "job_id": job_id, "reason": died, "now": state}})
                if state != "gone":
                    JOBS.labels(state).inc()
            elif outcome in ("done", "failed"):
                JOBS.labels(outcome).inc()
                log.info("job finished", extra={"fields": {"job_id": job_id, "state": outcome}})

    def _heartbeat(self) -> None:
        with self._lock:
            owned = {k: r.worker for k, r in self._running.items()}
        if not owned:
            return
        for job_id in _beat(self.engine, owned):
            with self._lock:
                r = self._running.pop(job_id, None)
            if r is not None:
                log.info("job no longer ours (cancelled or taken over); stopping its worker",
                         extra={"fields": {"job_id": job_id}})
                self._stop_handle(r, "cancelled")

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        with self._lock:
            late = [(k, r) for k, r in self._running.items()
                    if isinstance(r.handle, Worker)
                    and now > r.started + r.limit_s + DEADLINE_GRACE_S]
            for k, _ in late:
                self._running.pop(k, None)
        for job_id, r in late:
            self._stop_handle(r, "killed past its time limit")
            state = _end_overdue(self.engine, job_id, r.worker, r.limit_s)
            if state != "gone":
                JOBS.labels(state).inc()
            log.warning("job overran its time limit", extra={"fields": {
                "job_id": job_id, "limit_s": r.limit_s, "now": state}})

    def _stop_handle(self, r: _Running, why: str) -> None:
        if isinstance(r.handle, Worker):
            assert self.pool is not None
            self.pool.discard(r.handle, why)
        else:
            r.handle.cancel()


def _stop_executor(ex: Executor) -> None:
    if isinstance(ex, ProcessPoolExecutor | ThreadPoolExecutor):
        ex.shutdown(wait=False, cancel_futures=True)
        return
    ex.shutdown(wait=False)  # a Dask ClientExecutor: stop it and close its client
    client = getattr(ex, "_client", None)
    if client is not None:
        client.close()


def retry_after_s(limit_s: float) -> int:
    """A Retry-After for a full job queue: about one short job's time."""
    return max(1, min(60, math.ceil(limit_s)))

