"""Solver processes beside the request threads: a bounded pool with hard deadlines.

Workers are forked by a forkserver that imported the solver once, so a replacement starts in
milliseconds. `acquire()` hands out an idle worker or raises `PoolBusy` (the caller answers
503 + Retry-After instead of queueing); `run()` waits for the answer until a deadline and kills
the worker when it is late (`Overdue`), so no solve outlives its limit. A dead worker is
replaced, never left to break the pool (unlike `ProcessPoolExecutor`'s BrokenProcessPool).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from fwdnet.logistics.api.metrics import POOL_BUSY, POOL_REPLACED, POOL_SIZE
from fwdnet.logistics.errors import InputError

START_TIMEOUT_S = 60.0
PRELOAD = ["fwdnet.logistics.api.worker"]
"""Imported once by the forkserver: every worker starts with the solver already loaded."""


class PoolBusy(Exception):
    """Every worker is busy; `retry_after` (s) is when the first one is due to be free."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"all solver workers are busy; retry in {retry_after} s")
        self.retry_after = retry_after


class Overdue(Exception):
    """The worker did not answer by the deadline; it was killed and is being replaced."""


class WorkerDied(Exception):
    """The worker process ended while working (killed, out of memory); it is being replaced."""


class Cancelled(Exception):
    """The caller gave up (client disconnected); the worker was stopped."""


class WorkerError(Exception):
    """The task raised something other than an InputError (its type and message)."""


@dataclass
class Worker:
    """One worker process and our end of its pipe; `until` is the current task's deadline."""

    slot: int
    proc: BaseProcess
    conn: Connection
    since: float = 0.0
    until: float = 0.0
    tag: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def _context() -> Any:
    """The forkserver context, preloading the solver and the main script once: a worker then
    skips re-running the main script (multiprocessing does so when it was not preloaded)."""
    import sys

    main = getattr(sys.modules.get("__main__"), "__file__", None)
    preload = (["__main__"] if main and os.path.isfile(main) else []) + PRELOAD
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(preload)
    return ctx


def forkserver_pid() -> int | None:
    """The running forkserver's pid (None before the first worker starts)."""
    from multiprocessing import forkserver

    pid: int | None = getattr(forkserver._forkserver, "_forkserver_pid", None)
    return pid


class WorkerPool:
    """`size` worker processes named `name`; thread-safe. See the module docstring."""

    def __init__(self, size: int, name: str, nice: int = 0) -> None:
        if size < 1:
            raise ValueError("size >= 1 expected")
        self.size = size
        self.name = name
        self._nice = nice
        self._idle: list[Worker] = []
        self._busy: dict[int, Worker] = {}
        self._starting = 0
        self._lock = threading.Lock()
        self._closed = False
        self.replaced = 0  # workers replaced since start (killed when late, died, cancelled)
        self.last_error: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start every worker (the first pool of a process also starts the forkserver); the
        workers warm up in parallel."""
        launched = [self._launch(slot) for slot in range(self.size)]
        for w in launched:
            self._ready(w)
            with self._lock:
                self._idle.append(w)
        POOL_SIZE.labels(self.name).set(self.size)
        POOL_BUSY.labels(self.name).set(0)

    def _launch(self, slot: int) -> Worker:
        from multiprocessing import forkserver

        from fwdnet.logistics.api import worker

        ctx = _context()
        ours, theirs = ctx.Pipe()
        forkserver.ensure_running()  # the worker's parent, named to it for PR_SET_PDEATHSIG
        p = ctx.Process(target=worker.main,
                        args=(theirs, forkserver_pid(), self._nice, f"fwdnet-{self.name}"),
                        name=f"fwdnet-{self.name}-{slot}", daemon=True)
        p.start()
        theirs.close()
        return Worker(slot, p, ours)

    @staticmethod
    def _ready(w: Worker) -> None:
        """Wait for the worker's warm-up: a worker is idle only once warmed up, so a request
        never waits for a start."""
        if not w.conn.poll(START_TIMEOUT_S):
            _kill(w)
            raise WorkerDied(f"worker {w.slot} did not start within {START_TIMEOUT_S:g} s")
        try:
            w.conn.recv()
        except (EOFError, OSError) as exc:
            _kill(w)
            raise WorkerDied(_death(w)) from exc

    def _spawn(self, slot: int) -> Worker:
        w = self._launch(slot)
        self._ready(w)
        return w

    def shutdown(self) -> None:
        """Stop every worker (busy ones are killed)."""
        with self._lock:
            self._closed = True
            workers = [*self._idle, *self._busy.values()]
            self._idle, self._busy = [], {}
        for w in workers:
            _kill(w)

    # ------------------------------------------------------------------ state

    def stats(self) -> dict[str, int]:
        """size, idle, busy, starting (being replaced), alive."""
        with self._lock:
            ws = [*self._idle, *self._busy.values()]
            out = {"size": self.size, "idle": len(self._idle), "busy": len(self._busy),
                   "starting": self._starting}
        out["alive"] = sum(1 for w in ws if w.proc.is_alive())
        return out

    def heal(self) -> int:
        """Replace idle workers that died (killed from outside); returns how many."""
        with self._lock:
            dead = [w for w in self._idle if not w.proc.is_alive()]
            self._idle = [w for w in self._idle if w not in dead]
            for w in dead:
                self._replace_locked(w, _death(w) + " while idle")
        return len(dead)

    def pids(self) -> list[int]:
        """Process ids of the current workers (idle and busy)."""
        with self._lock:
            return [w.proc.pid for w in (*self._idle, *self._busy.values())
                    if w.proc.pid is not None]

    def busy(self) -> list[Worker]:
        with self._lock:
            return list(self._busy.values())

    # ------------------------------------------------------------------ using a worker

    def acquire(self, until: float, tag: str = "") -> Worker:
        """An idle worker now, marked busy until `until` (monotonic), or PoolBusy."""
        now = time.monotonic()
        with self._lock:
            while self._idle and not self._closed:
                w = self._idle.pop()
                if not w.proc.is_alive():  # died while idle: replace it, try the next
                    self._replace_locked(w, "died while idle")
                    continue
                w.since, w.until, w.tag = now, until, tag
                self._busy[w.slot] = w
                POOL_BUSY.labels(self.name).set(len(self._busy))
                return w
            due = min((w.until for w in self._busy.values()), default=now + 1.0)
        raise PoolBusy(max(1, math.ceil(due - now)))

    def release(self, w: Worker) -> None:
        with self._lock:
            if self._busy.pop(w.slot, None) is not None and not self._closed:
                w.tag, w.info = "", {}
                self._idle.append(w)
            POOL_BUSY.labels(self.name).set(len(self._busy))

    def discard(self, w: Worker, why: str) -> None:
        """Kill a busy worker and start its replacement in the background."""
        with self._lock:
            if self._busy.pop(w.slot, None) is None:
                return
            POOL_BUSY.labels(self.name).set(len(self._busy))
            self._replace_locked(w, why)

    def _replace_locked(self, w: Worker, why: str) -> None:
        self.replaced += 1
        self.last_error = why
        POOL_REPLACED.labels(self.name).inc()
        if self._closed:
            _kill(w)
            return
        self._starting += 1
        threading.Thread(target=self._replace, args=(w,), daemon=True,
                         name=f"replace-{self.name}-{w.slot}").start()

    def _replace(self, old: Worker) -> None:
        _kill(old)
        new: Worker | None = None
        for attempt in range(50):
            try:
                new = self._spawn(old.slot)
                break
            except Exception as exc:  # forkserver restarting, fork failure: try again shortly
                self.last_error = f"cannot start a worker: {type(exc).__name__}: {exc}"
                time.sleep(min(0.1 * (attempt + 1), 2.0))
        with self._lock:
            self._starting -= 1
            if new is not None and not self._closed:
                self._idle.append(new)
            elif new is not None:
                _kill(new)

    def send(self, w: Worker, fn: Callable[..., Any], *args: Any) -> None:
        """Start `fn(*args)` on a busy worker (WorkerDied when it is already gone)."""
        try:
            w.conn.send((fn, args))
        except (OSError, EOFError, ValueError) as exc:
            self.discard(w, f"send failed: {type(exc).__name__}")
            raise WorkerDied(f"worker {w.slot} is gone") from exc

    def poll(self, w: Worker, timeout: float = 0.0) -> tuple[str, Any] | None:
        """The finished task's (kind, payload), or None while it runs; WorkerDied if it died.

        kind is `ok`, `input` (an InputError's message) or `error`. The worker is released.
        """
        ready = wait([w.conn, w.proc.sentinel], timeout=max(0.0, timeout))
        if w.conn in ready:
            try:
                kind, payload = w.conn.recv()
            except (EOFError, OSError) as exc:
                self.discard(w, f"worker died (exit code {w.proc.exitcode})")
                raise WorkerDied(_death(w)) from exc
            self.release(w)
            return kind, payload
        if ready:  # the sentinel: the process ended without answering
            w.proc.join(0.1)
            self.discard(w, _death(w))
            raise WorkerDied(_death(w))
        return None

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...], deadline: float,
            cancelled: Callable[[], bool] | None = None, tag: str = "") -> Any:
        """Run `fn(*args)` on an idle worker and return its result by `deadline` (monotonic).

        PoolBusy (no idle worker), Overdue (killed at the deadline), Cancelled, WorkerDied,
        InputError (the task's own), WorkerError.
        """
        w = self.acquire(deadline, tag)
        self.send(w, fn, *args)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.discard(w, "killed at its deadline")
                raise Overdue(f"no answer within the deadline ({tag})")
            got = self.poll(w, min(left, 0.05))
            if got is not None:
                kind, payload = got
                if kind == "ok":
                    return payload
                if kind == "input":
                    raise InputError(payload)
                raise WorkerError(payload)
            if cancelled is not None and cancelled():
                self.discard(w, "cancelled by its caller")
                raise Cancelled(tag)


def _death(w: Worker) -> str:
    code = w.proc.exitcode
    if code is not None and code < 0:
        try:
            return f"worker process killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"worker process killed by signal {-code}"
    return f"worker process exited with code {code}"


def _kill(w: Worker) -> None:
    try:
        if w.proc.is_alive() and w.proc.pid is not None:
            os.kill(w.proc.pid, signal.SIGKILL)
        w.proc.join(2.0)
    except (OSError, ValueError, AssertionError):
        pass
    w.conn.close()
