"""PyVRP 0.14 backend (iterated local search): CVRP, VRPTW (one window per stop), multi-depot,
heterogeneous fleets, shifts, max duration/distance, multiple trips, pickups at stops,
optional stops with penalties (prizes) and initial solutions."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pyvrp
from pyvrp import Client, Depot, Location, ProblemData, VehicleType

from fwdnet.logistics.routing.model import HORIZON_S, PlannedRoute, RoutingProblem
from fwdnet.logistics.routing.ortools_backend import BackendOutput
from fwdnet.logistics.routing.result import Route
from fwdnet.logistics.routing.scaling import integer_costs
from fwdnet.logistics.routing.stop import Check

_INT_MAX = int(np.iinfo(np.int64).max)
SHORT_HISTORY = 30
"""Late-acceptance history of our searches (PyVRP's default 300 suits runs of hours): at 10 s
on 2 shared cores it gave 0.33% instead of 0.42% mean gap on Solomon/GH, 0.68% instead of
1.17% on Cordeau (benchmarks/routing.py), and settles sooner."""


PYVRP_MAX_PENALTY = 100_000.0
"""PyVRP's own cap on a penalty per unit of excess load, duration or distance."""


def penalty_params(problem: RoutingProblem) -> pyvrp.PenaltyParams:
    """PyVRP's penalty settings with the cap raised to what one extra route can cost (fixed
    cost plus the longest round trip, in integer cost units), never below PyVRP's own.

    With RMB rates (e.g. 220 units per metre) PyVRP's cap of 1e5 per unit of excess is below
    what merging two routes saves, so its search settles on overloaded routes and never
    finds a feasible plan (a 106-store van plan at 1,000 stores did so); pure-distance
    instances keep PyVRP's defaults."""
    costs = integer_costs(problem)
    dist = np.asarray(problem.distance_m, dtype=np.float64)
    dur = np.asarray(problem.duration_s, dtype=np.float64)
    worst = 0.0
    for t in range(len(problem.vehicle_types)):
        arc = (costs.per_distance[t] * dist + (costs.per_duration[t] + costs.travel(t)) * dur)
        worst = max(worst, costs.fixed[t] + 2.0 * float(arc.max(initial=0.0)))
    return pyvrp.PenaltyParams(max_penalty=max(PYVRP_MAX_PENALTY, worst))


def supports(problem: RoutingProblem) -> list[str]:
    """Features of `problem` PyVRP cannot model here (empty list = PyVRP can solve it)."""
    missing: list[str] = []
    if any(len(c.time_windows) > 1 for c in problem.clients):
        missing.append("several time windows per stop")
    if any(vt.breaks for vt in problem.vehicle_types):
        missing.append("driver breaks")
    if any(c.skills for c in problem.clients):
        missing.append("skills")
    if problem.locked:
        missing.append("locked routes")
    if problem.shipments:
        missing.append("pickup & delivery pairs")
    if any(vt.end_depot is None for vt in problem.vehicle_types):
        missing.append("open routes")
    if any(vt.cost_per_travel_hour and vt.max_distance_m is not None
           for vt in problem.vehicle_types):
        missing.append("a distance limit together with a travel-time cost")
    if not problem.clients:
        missing.append("no clients")
    return missing


def _vt_index_offsets(problem: RoutingProblem) -> list[int]:
    out, k = [], 0
    for vt in problem.vehicle_types:
        out.append(k)
        k += vt.num_available
    return out


def to_pyvrp(problem: RoutingProblem) -> tuple[ProblemData, list[int]]:
    """Translate the problem (locations = matrix rows, same integer units).

    Returns the data and our vehicle type index of every PyVRP vehicle type (types without
    vehicles are left out: PyVRP needs at least one).
    """
    costs = integer_costs(problem)
    n_loc = problem.distance_m.shape[0]
    locations = [Location(0.0, 0.0) for _ in range(n_loc)]
    depots = [Depot(location=d.location, tw_early=d.open_s,
                    tw_late=d.close_s if d.close_s < HORIZON_S else _INT_MAX)
              for d in problem.depots]
    clients = []
    for i, c in enumerate(problem.clients):
        tw = c.time_windows[0] if c.time_windows else None
        clients.append(Client(
            location=c.location, delivery=list(c.delivery), pickup=list(c.pickup),
            service_duration=c.service_s, tw_early=tw.open_s if tw else 0,
            tw_late=tw.close_s if tw else _INT_MAX, prize=costs.penalty[i],
            required=c.required))
    types = []
    type_map = [t for t, vt in enumerate(problem.vehicle_types) if vt.num_available > 0]
    # One profile per distinct (per-metre, per-second-of-driving) pair: a travel-time cost is
    # folded into that profile's "distance" matrix, whose unit cost is then 1.
    profiles: dict[tuple[int, int], int] = {}
    dist_mats: list[np.ndarray] = []
    for t in type_map:
        key = (costs.per_distance[t], costs.travel(t))
        if key not in profiles:
            profiles[key] = len(dist_mats)
            d = np.asarray(problem.distance_m, dtype=np.int64)
            if key[1]:
                d = key[0] * d + key[1] * np.asarray(problem.duration_s, dtype=np.int64)
            dist_mats.append(d)
    for t in type_map:
        vt = problem.vehicle_types[t]
        key = (costs.per_distance[t], costs.travel(t))
        end = vt.start_depot if vt.end_depot is None else vt.end_depot
        types.append(VehicleType(
            num_available=vt.num_available, capacity=list(vt.capacity),
            start_depot=vt.start_depot, end_depot=end, fixed_cost=costs.fixed[t],
            tw_early=vt.shift_start_s,
            tw_late=vt.shift_end_s if vt.shift_end_s < HORIZON_S else _INT_MAX,
            shift_duration=vt.max_duration_s if vt.max_duration_s is not None else _INT_MAX,
            max_distance=vt.max_distance_m if vt.max_distance_m is not None else _INT_MAX,
            unit_distance_cost=1 if key[1] else key[0], unit_duration_cost=costs.per_duration[t],
            profile=profiles[key],
            reload_depots=[vt.start_depot] if vt.max_trips > 1 else [],
            max_reloads=vt.max_trips - 1 if vt.max_trips > 1 else 0,
            name=str(t)))
    dur = np.asarray(problem.duration_s, dtype=np.int64)
    data = ProblemData(locations, clients, depots, types,
                       dist_mats,  # type: ignore[arg-type]
                       [dur] * len(dist_mats))  # type: ignore[list-item]
    return data, type_map


def solve_pyvrp(problem: RoutingProblem, check: Check, time_limit_s: float, seed: int,
                initial: tuple[PlannedRoute, ...] = (), short: bool = True) -> BackendOutput:
    """Run PyVRP's ILS until `check` says stop or the hard time limit passes.

    `short=False` uses PyVRP's own (long) late-acceptance history."""
    t0 = time.perf_counter()
    costs = integer_costs(problem)
    data, type_map = to_pyvrp(problem)
    deadline = t0 + time_limit_s

    def stop(best_cost: float) -> bool:
        best = math.inf if best_cost >= _INT_MAX else costs.to_rmb(int(best_cost))
        return check(best) or time.perf_counter() >= deadline

    init = None
    if initial:
        fleet = problem.vehicle_types_of_fleet
        back = {t: k for k, t in enumerate(type_map)}
        init = pyvrp.Solution(data, [pyvrp.Route(data, list(r.stops), back[fleet[r.vehicle]])
                                     for r in initial if r.stops])
    penalty = penalty_params(problem)
    params = (pyvrp.SolveParams(ils=pyvrp.IteratedLocalSearchParams(
        history_length=SHORT_HISTORY), penalty=penalty) if short
        else pyvrp.SolveParams(penalty=penalty))
    res = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, display=False,
                      initial_solution=init, params=params)
    best = res.best
    offsets = _vt_index_offsets(problem)
    used = [0] * len(problem.vehicle_types)
    routes: list[Route] = []
    served: set[int] = set()
    feasible = best.is_feasible()
    for r in best.routes():
        t = type_map[r.vehicle_type()]
        vt = problem.vehicle_types[t]
        trips: dict[int, list[int]] = {}
        starts: list[int] = []
        for act in r:
            if act.is_client():
                trips.setdefault(act.trip, []).append(act.idx)
                starts.append(act.start_time)
                served.add(act.idx)
        # reloads pass through the start depot between trips
        path: list[int] = [problem.depots[vt.start_depot].location]
        for k in sorted(trips):
            if len(path) > 1:
                path.append(problem.depots[vt.start_depot].location)
            path += [problem.clients[c].location for c in trips[k]]
        path.append(problem.depots[r.end_depot()].location)
        dist = int(sum(problem.distance_m[a, b] for a, b in itertools.pairwise(path)))
        travel = int(sum(problem.duration_s[a, b] for a, b in itertools.pairwise(path)))
        routes.append(Route(
            vehicle=offsets[t] + used[t], vehicle_type=t, start_depot=vt.start_depot,
            end_depot=r.end_depot(), trips=tuple(tuple(trips[k]) for k in sorted(trips)),
            start_times_s=tuple(starts), departure_s=r.start_time(), end_s=r.end_time(),
            distance_m=dist, travel_s=travel))
        used[t] += 1
    if not feasible:
        # an infeasible best solution is not a plan: report nothing served
        return BackendOutput((), tuple(range(len(problem.clients))), False, False, False)
    unserved = tuple(i for i in range(len(problem.clients)) if i not in served)
    return BackendOutput(tuple(routes), unserved, True, False, False)
