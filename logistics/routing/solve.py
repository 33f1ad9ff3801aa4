"""`solve()`: one entry point; picks the engine, attaches status and unassigned reasons.

Dispatch rule: PyVRP (iterated local search, ~0.5% from best-known on CVRP in 10 s) answers
every problem it can model (`pyvrp_backend.supports`); OR-Tools answers the rest (several
time windows per stop, breaks, skills, locked routes, pickup & delivery pairs, open routes).
"""

from __future__ import annotations

import time
from typing import Literal

from logistics.routing.model import PlannedRoute, RoutingProblem
from logistics.routing.ortools_backend import BackendOutput, solve_ortools
from logistics.routing.pyvrp_backend import solve_pyvrp, supports
from logistics.routing.reasons import unassigned_reason
from logistics.routing.result import Route, RoutingResult, Status, Unassigned
from logistics.routing.scaling import route_cost_rmb
from logistics.routing.stop import MaxRuntime, StopCriterion, hard_limit

Backend = Literal["auto", "pyvrp", "ortools", "ortools-plain"]


def choose_backend(problem: RoutingProblem) -> str:
    """'pyvrp' when PyVRP can model every feature of the problem, else 'ortools'."""
    return "pyvrp" if not supports(problem) else "ortools"


def solve(problem: RoutingProblem, stop: StopCriterion | None = None, seed: int = 0, *,
          initial: tuple[PlannedRoute, ...] = (), backend: Backend = "auto") -> RoutingResult:
    """Plan routes for `problem` until `stop` (default MaxRuntime(10)); the time limit is hard."""
    t0 = time.perf_counter()
    stop = stop if stop is not None else MaxRuntime(10.0)
    limit = hard_limit(stop)
    check = stop.start()
    name = choose_backend(problem) if backend == "auto" else backend
    if name == "pyvrp":
        missing = supports(problem)
        if missing:
            raise ValueError(f"pyvrp backend cannot model: {', '.join(missing)}")
        out = solve_pyvrp(problem, check, limit, seed, initial)
    else:
        out = solve_ortools(problem, check, limit - (time.perf_counter() - t0), seed, initial,
                            plain=name == "ortools-plain")
    return _result(problem, out, name, time.perf_counter() - t0, limit)


def _result(problem: RoutingProblem, out: BackendOutput, backend: str, runtime: float,
            limit: float) -> RoutingResult:
    routes: tuple[Route, ...] = out.routes
    unassigned = tuple(Unassigned(c, unassigned_reason(problem, c)) for c in out.unserved)
    missing_required = any(problem.clients[u.client].required for u in unassigned)
    cost = sum(route_cost_rmb(problem, r.vehicle_type, r.distance_m, r.duration_s)
               for r in routes)
    cost += sum(problem.clients[u.client].penalty for u in unassigned
                if not problem.clients[u.client].required)
    if out.found and not missing_required:
        status = Status.OPTIMAL if out.proved_optimal else Status.FEASIBLE
        message = ""
    elif out.proved_infeasible or (missing_required and runtime < limit * 0.98):
        status = Status.INFEASIBLE
        message = "required stops cannot all be served (see unassigned reasons)"
    else:
        status = Status.TIMED_OUT
        message = "no plan serving every required stop was found within the time limit"
    return RoutingResult(status=status, cost=round(cost, 6), routes=routes,
                         unassigned=unassigned, runtime_s=round(runtime, 3), backend=backend,
                         distance_m=sum(r.distance_m for r in routes), message=message)
