"""`solve()`: one entry point; picks the engine, attaches status and unassigned reasons.

Dispatch rule (`choose_backend`): HGS-CVRP answers capacity routes it models (one depot, one
capacity dimension, one kind of vehicle, optional duration limit), raced against PyVRP on the
second core; PyVRP answers every other problem it can model whose required stops fit the
fleet (two seeds on two cores); OR-Tools answers the rest (several time windows per stop,
breaks, skills, locked routes, pickup & delivery pairs, open routes, fleets too small for
the demand, where it may drop stops). A backend asked for by name that cannot model the
problem hands it to one that can, and `RoutingResult.note` says so. Required stops that no
vehicle could serve even alone are taken out first and reported as unassigned with their
reason; the rest is still planned. Without a stop, a solve ends when its search has
converged (`stop.Converged`), at the latest after `DEFAULT_HARD_LIMIT_S`.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import replace
from typing import Literal

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.routing import hgs_backend, pyvrp_backend
from fwdnet.logistics.routing.model import PlannedRoute, RoutingProblem
from fwdnet.logistics.routing.ortools_backend import BackendOutput, solve_ortools
from fwdnet.logistics.routing.portfolio import (
    KILL_MARGIN_S,
    Child,
    can_fork,
    hgs_patience,
    race,
)
from fwdnet.logistics.routing.pyvrp_backend import solve_pyvrp
from fwdnet.logistics.routing.reasons import unassigned_reason
from fwdnet.logistics.routing.result import Route, RoutingResult, Status, Unassigned
from fwdnet.logistics.routing.scaling import route_cost_rmb
from fwdnet.logistics.routing.stop import (
    DEFAULT_HARD_LIMIT_S,
    StopCriterion,
    default_stop,
    hard_limit,
    start_for,
)

RACE_MIN_CLIENTS = 40
"""Below this many stops one search settles within a fraction of a second on the plan a
second search would find: starting another process only adds latency."""

Backend = Literal["auto", "hgs", "pyvrp", "ortools", "ortools-plain"]
BACKENDS: tuple[str, ...] = ("auto", "hgs", "pyvrp", "ortools", "ortools-plain")


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
    """'hgs' for capacity routes HGS models, 'pyvrp' for the rest PyVRP models when the fleet
    can carry the demand, else 'ortools'."""
    if _fleet_too_small(problem) or pyvrp_backend.supports(problem):
        return "ortools"
    return "hgs" if not hgs_backend.supports(problem) else "pyvrp"


def _route_to(problem: RoutingProblem, asked: str) -> tuple[str, str]:
    """The engine that will answer `asked`, and a note when it differs (and why)."""
    if asked == "auto" or asked.startswith("ortools"):
        return (choose_backend(problem) if asked == "auto" else asked), ""
    missing = (hgs_backend.supports(problem) if asked == "hgs"
               else pyvrp_backend.supports(problem))
    if asked == "hgs" and not missing:
        return "hgs", ""
    if asked == "pyvrp" and not missing and not _fleet_too_small(problem):
        return "pyvrp", ""
    why = ", ".join(missing) or "required stops above the fleet's capacity"
    engine = "pyvrp" if asked == "hgs" and not pyvrp_backend.supports(problem) \
        and not _fleet_too_small(problem) else "ortools"
    return engine, f"{asked} cannot model this problem ({why}); solved by {engine}"


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


def default_workers() -> int:
    """Searches run at once: two when the machine has a second core and this process may
    start one (daemonic pool workers may not have children)."""
    return 2 if (os.cpu_count() or 1) >= 2 and can_fork() else 1


def solve(problem: RoutingProblem, stop: StopCriterion | None = None, seed: int = 0, *,
          initial: tuple[PlannedRoute, ...] = (), backend: Backend = "auto",
          workers: int | None = None) -> RoutingResult:
    """Plan routes for `problem` until `stop` says so; its time limit is hard.

    The default stop is `default_stop(len(problem.clients))`: converged, or 30 s. `workers`
    (default: 2 on a multi-core machine) is how many searches run at once (HGS and PyVRP, or
    PyVRP with seeds seed and seed+1); the better plan wins. `backend="hgs"` or `"pyvrp"`
    runs that engine alone.
    """
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError("workers >= 1 expected")
    if backend not in BACKENDS:
        raise ValueError(f"backend: one of {', '.join(BACKENDS)} expected, got {backend!r}")
    _check_initial(problem, initial)
    t0 = time.perf_counter()
    stop = stop if stop is not None else default_stop(len(problem.clients),
                                                      DEFAULT_HARD_LIMIT_S)
    limit = hard_limit(stop)
    dropped = _unservable(problem) if backend != "ortools-plain" else []
    sub = problem
    keep = list(range(len(problem.clients)))
    if dropped:
        keep = [i for i in keep if i not in set(dropped)]
        sub = _restrict(problem, keep)
        new = {old: k for k, old in enumerate(keep)}
        initial = tuple(PlannedRoute(r.vehicle, tuple(new[c] for c in r.stops if c in new))
                        for r in initial)
    name, note = _route_to(sub, backend) if sub.clients else ("none", "")
    alone = backend in ("hgs", "pyvrp") and not note
    deadline = t0 + limit
    workers = workers if can_fork() else 1
    if not sub.clients:
        out = BackendOutput((), (), True, True, False)
    elif name == "hgs" and alone and not can_fork():
        out = next(iter(hgs_backend.hgs_child_runs(sub, hgs_patience(stop), deadline, seed)))
    elif name == "hgs" and alone:
        out = _hgs_alone(sub, stop, deadline, seed)
    elif name in ("hgs", "pyvrp"):
        out, name = _solve_pyvrp_then_fallback(sub, stop, deadline, seed, initial,
                                               1 if alone else workers, name == "hgs")
    else:
        check = start_for(stop, "ortools")
        out = solve_ortools(sub, check, deadline - time.perf_counter(), seed, initial,
                            plain=name == "ortools-plain")
    proven = bool(dropped) or _fleet_too_small(sub) or out.proved_infeasible
    if dropped:
        out = _lift(out, keep, dropped)
    return _result(problem, out, name, time.perf_counter() - t0, proven, note)


def _hgs_alone(problem: RoutingProblem, stop: StopCriterion, deadline: float, seed: int
               ) -> BackendOutput:
    """HGS-CVRP by itself in a child process (one converged run, or one run bounded by the
    time limit), killed at the hard limit."""
    hgs_backend.preload()  # before the fork: the child would spend its time importing
    child = Child(problem, hgs_backend.hgs_child_runs, problem, hgs_patience(stop), deadline,
                  seed)
    out = child.wait(deadline - KILL_MARGIN_S, 1)
    return out or BackendOutput((), tuple(range(len(problem.clients))), False, False, False)


def _solve_pyvrp_then_fallback(problem: RoutingProblem, stop: StopCriterion, deadline: float,
                               seed: int, initial: tuple[PlannedRoute, ...], workers: int,
                               use_hgs: bool) -> tuple[BackendOutput, str]:
    """PyVRP (raced against HGS or a second PyVRP when `workers` > 1); if no feasible plan
    is known at half the time, OR-Tools (which may leave stops out, with reasons) gets the
    rest, so the caller still gets a partial plan."""
    half = time.perf_counter() + (deadline - time.perf_counter()) / 2
    if workers > 1 and len(problem.clients) >= RACE_MIN_CLIENTS:
        out, name = race(problem, stop, deadline, seed, initial, use_hgs)
    else:
        check = start_for(stop, "pyvrp")

        def pv_check(best: float) -> bool:
            return check(best) or (best == math.inf and time.perf_counter() >= half)

        out = solve_pyvrp(problem, pv_check, deadline - time.perf_counter(), seed, initial)
        name = "pyvrp"
    remaining = deadline - time.perf_counter()
    if out.found or remaining < 0.05:
        return out, name
    check = start_for(stop, "ortools")
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
            proven_infeasible: bool, note: str = "") -> RoutingResult:
    """Status: feasible when every required stop is served; infeasible when that is proven
    (a stop no vehicle can serve alone, demand above the fleet's capacity, or the engine's
    proof); otherwise timed_out with the best partial plan."""
    routes: tuple[Route, ...] = out.routes
    unassigned = tuple(Unassigned(c, unassigned_reason(problem, c)) for c in out.unserved)
    missing_required = any(problem.clients[u.client].required for u in unassigned)
    cost = sum(route_cost_rmb(problem, r.vehicle_type, r.distance_m, r.duration_s, r.travel_s)
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
                         distance_m=sum(r.distance_m for r in routes), message=message,
                         note=note)
