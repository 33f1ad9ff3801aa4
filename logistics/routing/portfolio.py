"""Two searches on two cores: PyVRP here, and HGS-CVRP (capacity routes) or PyVRP with the
next seed in a forked child process; the better plan wins.

Each search stops on its own rule, so with an iteration-based stop (`Converged`) the answer
depends only on the seed. With a time-only stop, HGS gets most of the time and PyVRP then
continues from the better of the two plans ("hand the best across"). The child is killed at
the hard time limit, so the wall time never grows past it.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from fwdnet.logistics.routing.hgs_backend import HgsRun, solve_hgs
from fwdnet.logistics.routing.model import PlannedRoute, RoutingProblem
from fwdnet.logistics.routing.ortools_backend import BackendOutput
from fwdnet.logistics.routing.pyvrp_backend import solve_pyvrp
from fwdnet.logistics.routing.scaling import route_cost_rmb
from fwdnet.logistics.routing.stop import StopCriterion, is_time_only, patience, start_for

KILL_MARGIN_S = 0.03
"""Seconds before the hard limit at which a child still searching is killed."""
HGS_TIME_SHARE = 0.85
"""Share of the remaining time HGS gets in a time-only race (its clock is CPU time)."""


def plan_rank(problem: RoutingProblem, out: BackendOutput) -> tuple[int, int, float]:
    """Sort key: complete plans first, then fewer required stops left out, then RMB cost."""
    missing = sum(problem.clients[c].required for c in out.unserved)
    cost = sum(route_cost_rmb(problem, r.vehicle_type, r.distance_m, r.duration_s, r.travel_s)
               for r in out.routes)
    cost += sum(problem.clients[c].penalty for c in out.unserved
                if not problem.clients[c].required)
    return (0 if out.found else 1, missing, round(cost, 6))


def _run(conn: Connection, fn: Callable[..., BackendOutput], args: tuple[Any, ...]) -> None:
    try:
        conn.send(fn(*args))
    except Exception:  # the parent treats a silent child as "no plan"
        conn.send(None)
    conn.close()


class Child:
    """A search in a forked process; `wait()` returns its plan, or None if it was killed."""

    def __init__(self, fn: Callable[..., BackendOutput], *args: Any) -> None:
        ctx = mp.get_context("fork")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run, args=(child, fn, args), daemon=True)
        self._proc.start()
        child.close()
        self._out: BackendOutput | None = None
        self._done = False

    def ready(self) -> bool:
        if not self._done and self._conn.poll():
            self._receive()
        return self._done

    def _receive(self) -> None:
        try:
            self._out = self._conn.recv()
        except (EOFError, OSError):
            self._out = None
        self._done = True
        self._proc.join(timeout=1.0)

    def wait(self, deadline: float) -> BackendOutput | None:
        """The child's plan if it arrives before `deadline` (perf_counter), else kill it."""
        if not self._done:
            if self._conn.poll(max(0.0, deadline - time.perf_counter())):
                self._receive()
            else:
                self.kill()
        return self._out

    def kill(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join(timeout=1.0)
        self._done = True


def _pyvrp_child(problem: RoutingProblem, stop: StopCriterion, limit: float, seed: int,
                 initial: tuple[PlannedRoute, ...]) -> BackendOutput:
    return solve_pyvrp(problem, start_for(stop, "pyvrp"), limit, seed, initial,
                       not is_time_only(stop))


def race(problem: RoutingProblem, stop: StopCriterion, deadline: float, seed: int,
         initial: tuple[PlannedRoute, ...], use_hgs: bool) -> tuple[BackendOutput, str]:
    """Best plan of two searches run at once until `deadline` (perf_counter) at the latest.

    Returns the plan and the engine that found it ("hgs", "pyvrp", or "hgs+pyvrp" when PyVRP
    improved HGS's plan)."""
    left = deadline - time.perf_counter()
    time_only = is_time_only(stop)
    hgs_patience = patience(stop, "hgs")
    if use_hgs and (time_only or hgs_patience is not None):
        run = HgsRun(None if time_only else hgs_patience,
                     max(0.05, HGS_TIME_SHARE * left - 0.1), seed)
        child = Child(solve_hgs, problem, run)
        other = "hgs"
    else:
        child = Child(_pyvrp_child, problem, stop, left - KILL_MARGIN_S, seed + 1, initial)
        other = "pyvrp"
    check = start_for(stop, "pyvrp")
    if time_only and other == "hgs":
        # time race: PyVRP searches until HGS reports, then continues from the better plan
        first = solve_pyvrp(problem, lambda best: check(best) or child.ready(),
                            deadline - time.perf_counter(), seed, initial)
        theirs = child.wait(deadline - KILL_MARGIN_S)
        best, name = _better(problem, first, "pyvrp", theirs, "hgs")
        left = deadline - time.perf_counter()
        if left > 0.1 and best.found:
            start = tuple(PlannedRoute(r.vehicle, r.stops) for r in best.routes)
            polished = solve_pyvrp(problem, check, left, seed, start)
            better, _ = _better(problem, best, name, polished, "polish")
            if better is polished and plan_rank(problem, polished) < plan_rank(problem, best):
                return polished, "hgs+pyvrp" if name == "hgs" else "pyvrp"
        return best, name
    mine = solve_pyvrp(problem, check, deadline - time.perf_counter(), seed, initial,
                       not time_only)
    theirs = child.wait(deadline - KILL_MARGIN_S)
    return _better(problem, mine, "pyvrp", theirs, other)


def _better(problem: RoutingProblem, mine: BackendOutput, my_name: str,
            theirs: BackendOutput | None, their_name: str) -> tuple[BackendOutput, str]:
    """The better-ranked plan; on a tie, `mine` (so the choice is deterministic)."""
    if theirs is None or plan_rank(problem, theirs) >= plan_rank(problem, mine):
        return mine, my_name
    return theirs, their_name
