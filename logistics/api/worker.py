"""The solver worker process: its loop and the tasks the server sends it (module-level, so
they pickle by name). Imported once by the forkserver, so the solver is loaded before a fork.

A worker dies with the server: PR_SET_PDEATHSIG ties it to the forkserver, which exits when the
server process does; an idle worker also exits when its pipe closes.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

import sqlalchemy.dialects.sqlite.pysqlite  # preloaded: the job workers' database driver

from fwdnet.logistics.api import jobs, service
from fwdnet.logistics.api.schemas import RouteRequest
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.lifetime import die_with_parent
from fwdnet.logistics.routing.portfolio import allow_search_children
from fwdnet.logistics.tracking import db as tracking_db

with contextlib.suppress(ImportError):  # the PostgreSQL driver too, when installed
    import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401

ANSWER_RESERVE_S = 0.05
ANSWER_RESERVE_SHARE = 0.05
"""Part of a time limit kept for writing the answer: 50 ms + 5 %."""


def _name(name: str) -> None:
    """The process name `ps -o comm` shows (`fwdnet-solve`, `fwdnet-job`): the runbook finds
    workers by it."""
    if sys.platform.startswith("linux"):
        pr_set_name = 15
        ctypes.CDLL(None).prctl(pr_set_name, name.encode()[:15], 0, 0, 0)


def main(conn: Connection, parent: int | None, nice: int, name: str = "fwdnet-worker") -> None:
    """Serve tasks `(fn, args)` from the pipe until it closes; answer (kind, payload)."""
    die_with_parent(parent)
    allow_search_children()
    _name(name)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if nice:
        os.nice(nice)
    _warm_up()
    try:
        conn.send(("ready", os.getpid()))
    except (EOFError, OSError):
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        fn, args = msg
        out: tuple[str, Any]
        try:
            out = ("ok", fn(*args))
        except InputError as exc:
            out = ("input", str(exc))
        except Exception as exc:  # reported to the server, which logs it; the worker goes on
            out = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(out)
        except (EOFError, OSError):
            return


_WARM_UP = ('{"vehicles": [{"id": 0, "start_index": 0}], "jobs": [{"id": 1, "location_index": 1}],'
            ' "matrices": {"car": {"durations": [[0, 1], [1, 0]]}}}')


def _warm_up() -> None:
    """Solve a 1-stop problem once, so the first real request does not pay for first-call
    costs (lazy imports, first touches of copied memory): about 0.3 s measured."""
    with contextlib.suppress(Exception):  # never fatal: a real request reports what is wrong
        solve_route(_WARM_UP, 0.05, 1.3, 40.0)


def budget(time_limit_s: float) -> float:
    """Seconds the solver itself may use of `time_limit_s` (the rest writes the answer)."""
    return max(0.01, time_limit_s - ANSWER_RESERVE_S - ANSWER_RESERVE_SHARE * time_limit_s)


def solve_route(request_json: str, time_limit_s: float, road_factor: float,
                speed_kmh: float) -> str:
    """A `/v1/routes` answer (JSON) for a request, within `time_limit_s` of the call."""
    t0 = time.perf_counter()
    req = RouteRequest.model_validate_json(request_json)
    left = budget(time_limit_s) - (time.perf_counter() - t0)
    resp, _ = service.route(req, time_limit_s=max(0.01, left), road_factor=road_factor,
                            speed_kmh=speed_kmh)
    return resp.model_dump_json(exclude_none=True)


def check_route(request_json: str, road_factor: float, speed_kmh: float) -> None:
    """Build the problem only: input errors of a route job surface before it is queued."""
    service.build_only(RouteRequest.model_validate_json(request_json), road_factor, speed_kmh)


def run_job(url: str, job_id: str, worker_id: str, road_factor: float,
            speed_kmh: float) -> str:
    """Solve a claimed route job in stages, storing the best plan after each (final state)."""
    return jobs.solve_claimed(_engine(url), job_id, worker_id, road_factor, speed_kmh)


_ENGINES: dict[str, Any] = {}


def _engine(url: str) -> Any:
    """One engine per database for the life of this worker (the schema is already migrated)."""
    if url not in _ENGINES:
        _ENGINES[url] = tracking_db.open_engine(url, migrate=False)
    return _ENGINES[url]


def sleep(seconds: float) -> str:
    """A task that only waits (tests and the load benchmark's fault drills)."""
    time.sleep(seconds)
    return "slept"
