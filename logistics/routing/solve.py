"""`solve()`: one entry point; picks the engine, attaches status and unassigned reasons.

Dispatch rule: PyVRP (iterated local search, ~0.5% from best-known on CVRP in 10 s) answers
every problem it can model (`pyvrp_backend.supports`) whose required stops fit the fleet's
total capacity; OR-Tools answers the rest (several time windows per stop, breaks, skills,
locked routes, pickup & delivery pairs, open routes, fleets too small for the demand, where
it may drop stops). Required stops that no vehicle could serve even alone are taken out
first and reported as unassigned with their reason; the rest is still planned.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Literal

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.routing.model import PlannedRoute, RoutingProblem
from fwdnet.logistics.routing.ortools_backend import BackendOutput, solve_ortools
from fwdnet.logistics.routing.portfolio import solve_pyvrp_portfolio
from fwdnet.logistics.routing.pyvrp_backend import solve_pyvrp, supports
from fwdnet.logistics.routing.reasons import unassigned_reason
from fwdnet.logistics.routing.result import Route, RoutingResult, Status, Unassigned
from fwdnet.logistics.routing.scaling import route_cost_rmb
from fwdnet.logistics.routing.stop import Check, MaxRuntime, StopCriterion, hard_limit

Backend = Literal["auto", "pyvrp", "ortools", "ortools-plain"]


def _fleet_too_small(problem: RoutingProblem) -> bool:
    """True when required deliveries exceed what the whole fleet can carry in all its trips."""
    for d in range(problem.num_dimensions):
        need = sum(c.delivery[d] for c in problem.clients if c.required)
        have = sum(vt.capacity[d] * vt.num_available * vt.max_trips
                   for vt in problem.vehicle_types)
        if need > have:
            return True
    return False


def choose_backend(problem: RoutingProblem) -> str:
    """'pyvrp' when PyVRP can model every feature and the fleet can carry the demand."""
    return "pyvrp" if not supports(problem) and not _fleet_too_small(problem) else "ortools"


def _restrict(problem: RoutingProblem, keep: list[int]) -> RoutingProblem:
    """The problem with only the clients in `keep` (renumbered in that order)."""
    new = {old: k for k, old in enumerate(keep)}
    shipments = tuple(replace(s, pickup=new[s.pickup], delivery=new[s.delivery])
                      for s in problem.shipments if s.pickup in new and s.delivery in new)
    locked = tuple(PlannedRoute(r.vehicle, tuple(new[c] for c in r.stops if c in new))
                   for r in problem.locked)
    return problem.replace(clients=tuple(problem.clients[c] for c in keep),
                           shipments=shipments, locked=locked)


def _unservable(problem: RoutingProblem) -> list[int]:
    """Required stops that no vehicle type can serve even on a route of their own."""
    from fwdnet.logistics.routing.reasons import serves_alone

    out = [i for i, c in enumerate(problem.clients) if c.required
           and not serves_alone(problem, i)]
    partner = {s.pickup: s.delivery for s in problem.shipments}
    partner.update({s.delivery: s.pickup for s in problem.shipments})
    return sorted(set(out) | {partner[i] for i in out if i in partner})


def solve(problem: RoutingProblem, stop: StopCriterion | None = None, seed: int = 0, *,
          initial: tuple[PlannedRoute, ...] = (), backend: Backend = "auto",
          workers: int = 1) -> RoutingResult:
    """Plan routes for `problem` until `stop` (default MaxRuntime(10)); the time limit is hard.

    `workers > 1` runs that many PyVRP searches (seeds seed, seed+1, …) on as many cores.
    """
    if workers < 1:
        raise ValueError("workers >= 1 expected")
    _check_initial(problem, initial)
    t0 = time.perf_counter()
    stop = stop if stop is not None else MaxRuntime(10.0)
    limit = hard_limit(stop)
    check = stop.start()
    dropped = _unservable(problem) if backend != "ortools-plain" else []
    sub = problem
    keep = list(range(len(problem.clients)))
    if dropped:
        keep = [i for i in keep if i not in set(dropped)]
        sub = _restrict(problem, keep)
        new = {old: k for k, old in enumerate(keep)}
        initial = tuple(PlannedRoute(r.vehicle, tuple(new[c] for c in r.stops if c in new))
                        for r in initial)
    name = choose_backend(sub) if backend == "auto" else backend
    if not sub.clients:
        out = BackendOutput((), (), True, True, False)
    elif name == "pyvrp":
        missing = supports(sub)
        if missing:
            raise ValueError(f"pyvrp backend cannot model: {', '.join(missing)}")
        out, name = _solve_pyvrp_then_fallback(sub, check, limit, t0, seed, initial, workers)
    else:
        out = solve_ortools(sub, check, limit - (time.perf_counter() - t0), seed, initial,
                            plain=name == "ortools-plain")
    proven = bool(dropped) or _fleet_too_small(sub) or out.proved_infeasible
    if dropped:
        out = _lift(out, keep, dropped)
    return _result(problem, out, name, time.perf_counter() - t0, proven)


def _solve_pyvrp_then_fallback(problem: RoutingProblem, check: Check, limit: float, t0: float,
                               seed: int, initial: tuple[PlannedRoute, ...], workers: int
                               ) -> tuple[BackendOutput, str]:
    """PyVRP; if it has no feasible plan at half the time, OR-Tools (which may leave stops
    out, with reasons) gets the other half, so the caller still gets a partial plan."""
    half = t0 + limit / 2

    def pv_check(best: float) -> bool:
        return check(best) or (best == math.inf and time.perf_counter() >= half)

    remaining = limit - (time.perf_counter() - t0)
    out = (solve_pyvrp(problem, pv_check, remaining, seed, initial) if workers == 1 else
           solve_pyvrp_portfolio(problem, pv_check, remaining, seed, initial, workers))
    remaining = limit - (time.perf_counter() - t0)
    if out.found or remaining < 0.05:
        return out, "pyvrp"
    return solve_ortools(problem, check, remaining, seed, initial), "pyvrp+ortools"


def _check_initial(problem: RoutingProblem, initial: tuple[PlannedRoute, ...]) -> None:
    """An initial solution names known vehicles once each and known stops once each."""
    vehicles: set[int] = set()
    stops: set[int] = set()
    for r in initial:
        if not 0 <= r.vehicle < problem.num_vehicles or r.vehicle in vehicles:
            raise InputError(f"initial solution: unknown or repeated vehicle {r.vehicle}")
        vehicles.add(r.vehicle)
        for c in r.stops:
            if not 0 <= c < len(problem.clients) or c in stops:
                raise InputError(f"initial solution: unknown or repeated stop {c}")
            stops.add(c)


def _lift(out: BackendOutput, keep: list[int], dropped: list[int]) -> BackendOutput:
    """Map a sub-problem answer back to the original client numbering."""
    routes = tuple(replace(r, trips=tuple(tuple(keep[c] for c in t) for t in r.trips))
                   for r in out.routes)
    unserved = tuple(sorted([keep[c] for c in out.unserved] + dropped))
    return replace(out, routes=routes, unserved=unserved)


def _result(problem: RoutingProblem, out: BackendOutput, backend: str, runtime: float,
            proven_infeasible: bool) -> RoutingResult:
    """Status: feasible when every required stop is served; infeasible when that is proven
    (a stop no vehicle can serve alone, demand above the fleet's capacity, or the engine's
    proof); otherwise timed_out with the best partial plan."""
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
    elif proven_infeasible:
        status = Status.INFEASIBLE
        message = "required stops cannot all be served (see unassigned reasons)"
    else:
        status = Status.TIMED_OUT
        message = "no plan serving every required stop was found within the time limit"
    return RoutingResult(status=status, cost=round(cost, 6), routes=routes,
                         unassigned=unassigned, runtime_s=round(runtime, 3), backend=backend,
                         distance_m=sum(r.distance_m for r in routes), message=message)
