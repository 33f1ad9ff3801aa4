"""Two searches on two cores: PyVRP here, and HGS-CVRP (capacity routes) or PyVRP with the
next seed in a forked child process; the better plan wins.

Each search stops on its own rule, so with an iteration-based stop (`Converged`) the answer
depends only on the seed. With a time-only stop the searches hand their best across: HGS
searches for `HGS_TIME_SHARE` of the time, then both cores continue with PyVRP from the
better plans (the child from HGS's, this process from the better of HGS's and its own), with
different seeds. The child is killed at the hard time limit, so the wall time never grows
past it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any

from fwdnet.logistics.kernel.lifetime import die_with_parent
from fwdnet.logistics.routing.hgs_backend import cpu_share, hgs_child_runs, preload
from fwdnet.logistics.routing.model import PlannedRoute, RoutingProblem
from fwdnet.logistics.routing.ortools_backend import BackendOutput
from fwdnet.logistics.routing.pyvrp_backend import solve_pyvrp
from fwdnet.logistics.routing.result import planned_routes
from fwdnet.logistics.routing.scaling import route_cost_rmb
from fwdnet.logistics.routing.stop import (
    Check,
    StopCriterion,
    is_time_only,
    patience,
    start_for,
)

KILL_MARGIN_S = 0.03
"""Seconds before the hard limit at which a child still searching is killed."""
SEND_MARGIN_S = 0.15
"""Seconds before the kill by which a child's last search stops, to send its plan in time."""
HGS_TIME_SHARE = 0.7
"""Share of a time-only race HGS searches before both cores polish its plan with PyVRP: on
CVRPLIB X (n 100-400, 10 s, one core) HGS for 5-7 s then PyVRP from its plan beat HGS for
the whole 10 s (0.40 % vs 0.47 % mean gap, same seed)."""


def can_fork() -> bool:
    """False inside a daemonic process (e.g. a multiprocessing.Pool worker): no children."""
    return not mp.current_process().daemon


def allow_search_children() -> None:
    """Let this daemonic process (an API solver worker, one request at a time) race two
    searches like any other caller: its search children die with it (PR_SET_PDEATHSIG),
    are killed at the solve's hard limit, and multiprocessing only refuses them because a
    daemon's children could outlive it, which this rules out."""
    mp.current_process()._config["daemon"] = False  # type: ignore[attr-defined]


def plan_rank(problem: RoutingProblem, out: BackendOutput) -> tuple[int, int, float]:
    """Sort key: complete plans first, then fewer required stops left out, then RMB cost."""
    missing = sum(problem.clients[c].required for c in out.unserved)
    cost = sum(route_cost_rmb(problem, r.vehicle_type, r.distance_m, r.duration_s, r.travel_s)
               for r in out.routes)
    cost += sum(problem.clients[c].penalty for c in out.unserved
                if not problem.clients[c].required)
    return (0 if out.found else 1, missing, round(cost, 6))


def _run(conn: Connection, parent: int, fn: Callable[..., Iterable[BackendOutput]],
         args: tuple[Any, ...]) -> None:
    die_with_parent(parent)
    try:
        for out in fn(*args):
            conn.send(out)
    except Exception:  # the parent treats a silent child as "no plan"
        pass
    conn.close()


class Child:
    """A search in a forked process that sends each plan it finishes; the parent keeps the
    best one received (`best()`), and `wait()` kills the child at a deadline."""

    def __init__(self, problem: RoutingProblem, fn: Callable[..., Iterable[BackendOutput]],
                 *args: Any) -> None:
        ctx = mp.get_context("fork")
        self._problem = problem
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run, args=(child, os.getpid(), fn, args), daemon=True)
        self._proc.start()
        child.close()
        self._best: BackendOutput | None = None
        self.received = 0
        self._closed = False

    def _take(self, timeout: float) -> bool:
        """Receive one plan if one arrives within `timeout` s; False when none or closed."""
        if self._closed or not self._conn.poll(max(0.0, timeout)):
            return False
        try:
            out: BackendOutput = self._conn.recv()
        except (EOFError, OSError):
            self._closed = True
            return False
        self.received += 1
        if self._best is None or plan_rank(self._problem, out) < plan_rank(self._problem,
                                                                          self._best):
            self._best = out
        return True

    def drain(self) -> BackendOutput | None:
        """Every plan already sent; the best so far."""
        while self._take(0.0):
            pass
        return self._best

    def wait(self, deadline: float, plans: int = 1) -> BackendOutput | None:
        """Wait until `plans` plans have arrived or `deadline` (perf_counter); then kill."""
        while self.received < plans and self._take(deadline - time.perf_counter()):
            pass
        self.drain()
        self.kill()
        return self._best

    def kill(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join(timeout=1.0)
        self._conn.close()
        self._closed = True


def _pyvrp_child(problem: RoutingProblem, stop: StopCriterion, limit: float, seed: int,
                 initial: tuple[PlannedRoute, ...]) -> Iterable[BackendOutput]:
    yield solve_pyvrp(problem, start_for(stop, "pyvrp"), limit, seed, initial)


def _hgs_then_polish(problem: RoutingProblem, deadline: float, seed: int, cpu: float
                     ) -> Iterable[BackendOutput]:
    """HGS for `HGS_TIME_SHARE` of the time to `deadline` (at CPU share `cpu`); then PyVRP
    from HGS's plan with the next seed until just before the parent kills this process."""
    out: BackendOutput | None = None
    for out in hgs_child_runs(problem, None, deadline, seed, HGS_TIME_SHARE, cpu):
        yield out
    left = deadline - time.perf_counter() - KILL_MARGIN_S - SEND_MARGIN_S
    if out is not None and out.found and left > 0.1:
        yield solve_pyvrp(problem, lambda _best: False, left, seed + 1, planned_routes(out.routes))


def hgs_patience(stop: StopCriterion) -> int | None:
    """HGS's converged-run patience for `stop`; None: search until the time limit."""
    return None if is_time_only(stop) else patience(stop, "hgs")


def race(problem: RoutingProblem, stop: StopCriterion, deadline: float, seed: int,
         initial: tuple[PlannedRoute, ...], use_hgs: bool) -> tuple[BackendOutput, str]:
    """Best plan of two searches run at once until `deadline` (perf_counter) at the latest.

    Returns the plan and the engine that found it ("hgs", "pyvrp", or "hgs+pyvrp" when PyVRP
    improved HGS's plan)."""
    time_only = is_time_only(stop)
    if use_hgs:
        preload()  # before the fork: the child would spend its time importing
    if use_hgs and time_only:
        return _hand_across(problem, stop, deadline, seed, initial)
    if use_hgs and patience(stop, "hgs") is not None:
        child = Child(problem, hgs_child_runs, problem, hgs_patience(stop), deadline, seed)
        other = "hgs"
    else:
        left = deadline - time.perf_counter()
        child = Child(problem, _pyvrp_child, problem, stop, left - KILL_MARGIN_S, seed + 1,
                      initial)
        other = "pyvrp"
    check = start_for(stop, "pyvrp")
    mine = solve_pyvrp(problem, check, deadline - time.perf_counter(), seed, initial)
    theirs = child.wait(deadline - KILL_MARGIN_S, 1)
    best, name = _better(problem, mine, "pyvrp", theirs, other)
    left = deadline - time.perf_counter()
    if name == "hgs" and left > 0.05:
        # HGS's converged plan, polished by PyVRP until it converges again: still a function
        # of the seed alone, as both steps stop on iteration counts
        polished = _polish(problem, best, start_for(stop, "pyvrp"), left, seed)
        if polished is not None:
            return polished, "hgs+pyvrp"
    return best, name


def _hand_across(problem: RoutingProblem, stop: StopCriterion, deadline: float, seed: int,
                 initial: tuple[PlannedRoute, ...]) -> tuple[BackendOutput, str]:
    """Time-only race: PyVRP here until HGS reports, then PyVRP from the better plan here
    while the child polishes HGS's plan; the best of all plans received by the deadline."""
    child = Child(problem, _hgs_then_polish, problem, deadline, seed, cpu_share(siblings=1))
    check = start_for(stop, "pyvrp")
    mine = solve_pyvrp(problem, lambda best: check(best) or child.drain() is not None,
                       deadline - time.perf_counter(), seed, initial)
    hgs_plan = child.drain()
    best, name = _better(problem, mine, "pyvrp", hgs_plan, "hgs")
    left = deadline - time.perf_counter() - KILL_MARGIN_S
    polished = _polish(problem, best, check, left, seed) if left > 0.05 and best.found else None
    if polished is not None:
        best, name = polished, ("hgs+pyvrp" if name == "hgs" else "pyvrp")
    theirs = child.wait(deadline - KILL_MARGIN_S, 2)
    polished_there = (theirs is not None and hgs_plan is not None
                      and plan_rank(problem, theirs) < plan_rank(problem, hgs_plan))
    return _better(problem, best, name, theirs, "hgs+pyvrp" if polished_there else "hgs")


def _polish(problem: RoutingProblem, plan: BackendOutput, check: Check, limit: float,
            seed: int) -> BackendOutput | None:
    """PyVRP started from `plan` for at most `limit` s: its plan when strictly better."""
    polished = solve_pyvrp(problem, check, limit, seed, planned_routes(plan.routes))
    return polished if plan_rank(problem, polished) < plan_rank(problem, plan) else None


def _better(problem: RoutingProblem, mine: BackendOutput, my_name: str,
            theirs: BackendOutput | None, their_name: str) -> tuple[BackendOutput, str]:
    """The better-ranked plan; on a tie, `mine` (so the choice is deterministic)."""
    if theirs is None or plan_rank(problem, theirs) >= plan_rank(problem, mine):
        return mine, my_name
    return theirs, their_name
