"""OR-Tools `pywrapcp` backend: every feature of `RoutingProblem` (the only pywrapcp import).

Node layout: depots, then clients, then reload copies of depots (multiple trips), then one
zero-cost dummy end node for open routes. Matrices go in with `RegisterTransitMatrix`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.routing.model import HORIZON_S, PlannedRoute, RoutingProblem
from fwdnet.logistics.routing.result import BreakTaken, Route
from fwdnet.logistics.routing.scaling import IntegerCosts, integer_costs
from fwdnet.logistics.routing.stop import Check

_FSS = routing_enums_pb2.FirstSolutionStrategy
_LSM = routing_enums_pb2.LocalSearchMetaheuristic
_STATUS = routing_enums_pb2.RoutingSearchStatus


@dataclass(frozen=True)
class BackendOutput:
    """Raw backend answer before statuses and reasons are attached by `solve()`."""

    routes: tuple[Route, ...]
    unserved: tuple[int, ...]
    found: bool
    proved_optimal: bool
    proved_infeasible: bool


@dataclass(frozen=True)
class _Layout:
    node_loc: tuple[int, ...]  # -1 for the dummy end node
    n_depots: int
    n_clients: int
    reload_nodes: tuple[tuple[int, int], ...]  # (node, vehicle) pairs
    dummy: int | None
    vehicles: tuple[int, ...]  # fleet index of every OR-Tools vehicle


def _fleet_subset(problem: RoutingProblem, plain: bool, needed: set[int]) -> tuple[int, ...]:
    """Fleet vehicles given to OR-Tools: at most one per client per type (more never help).

    Unless `plain`, capacity-only problems get at most 2 x (lower bound on routes) + 5
    vehicles per type: hundreds of idle vehicles slow guided local search down.
    """
    n = max(len(problem.clients), 1)
    caps = [n] * len(problem.vehicle_types)
    if not plain and not _has_time_limits(problem):
        for t, vt in enumerate(problem.vehicle_types):
            lb = max((math.ceil(sum(c.delivery[d] + c.pickup[d] for c in problem.clients)
                                / max(vt.capacity[d], 1) / vt.max_trips)
                      for d in range(problem.num_dimensions)), default=1)
            caps[t] = min(n, 2 * lb + 5)
    needed = needed | {r.vehicle for r in problem.locked}
    out: list[int] = []
    k = 0
    for t, vt in enumerate(problem.vehicle_types):
        for j in range(vt.num_available):
            if j < caps[t] or k in needed:
                out.append(k)
            k += 1
    return tuple(out)


def _has_time_limits(problem: RoutingProblem) -> bool:
    """Any time window, shift, duration or distance limit, break or skill."""
    if any(c.time_windows or c.skills for c in problem.clients):
        return True
    return any(vt.max_duration_s is not None or vt.max_distance_m is not None or vt.breaks
               or vt.shift_end_s < HORIZON_S or vt.shift_start_s > 0 or vt.skills
               or (vt.end_depot is not None and problem.depots[vt.end_depot].close_s
                   < HORIZON_S) for vt in problem.vehicle_types)


def _layout(problem: RoutingProblem, vehicles: tuple[int, ...]) -> _Layout:
    types = problem.vehicle_types_of_fleet
    locs = [d.location for d in problem.depots] + [c.location for c in problem.clients]
    reloads: list[tuple[int, int]] = []
    for v_or, v in enumerate(vehicles):
        vt = problem.vehicle_types[types[v]]
        for _ in range(vt.max_trips - 1):
            reloads.append((len(locs), v_or))
            locs.append(problem.depots[vt.start_depot].location)
    dummy = None
    if any(problem.vehicle_types[types[v]].end_depot is None for v in vehicles):
        dummy = len(locs)
        locs.append(-1)
    return _Layout(tuple(locs), len(problem.depots), len(problem.clients), tuple(reloads),
                   dummy, vehicles)


def _node_matrices(problem: RoutingProblem, lay: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """Distance and (service + travel) time between nodes; the dummy end node costs nothing."""
    loc = np.array(lay.node_loc)
    safe = np.where(loc < 0, 0, loc)
    dist = problem.distance_m[np.ix_(safe, safe)].copy()
    travel = problem.duration_s[np.ix_(safe, safe)].copy()
    if lay.dummy is not None:
        dist[:, lay.dummy] = dist[lay.dummy, :] = 0
        travel[:, lay.dummy] = travel[lay.dummy, :] = 0
    service = np.zeros(len(loc), dtype=np.int64)
    for i, c in enumerate(problem.clients):
        service[lay.n_depots + i] = c.service_s
    return dist, travel + service[:, None]


def _travel_matrix(problem: RoutingProblem, lay: _Layout) -> np.ndarray:
    """Driving time between nodes (no service); the dummy end node costs nothing."""
    loc = np.array(lay.node_loc)
    safe = np.where(loc < 0, 0, loc)
    travel: np.ndarray = problem.duration_s[np.ix_(safe, safe)].copy()
    if lay.dummy is not None:
        travel[:, lay.dummy] = travel[lay.dummy, :] = 0
    return travel


def _is_constrained(problem: RoutingProblem) -> bool:
    """True when a required stop may be impossible to serve (then drops are allowed)."""
    if any(not c.required or c.time_windows for c in problem.clients):
        return True
    if problem.shipments or problem.locked:
        return True
    for vt in problem.vehicle_types:
        if (vt.max_duration_s is not None or vt.max_distance_m is not None or vt.breaks
                or vt.shift_end_s < HORIZON_S or vt.shift_start_s > 0 or vt.skills):
            return True
    if any(c.skills for c in problem.clients):
        return True
    return problem.num_vehicles < len(problem.clients)


def solve_ortools(problem: RoutingProblem, check: Check, time_limit_s: float, seed: int,
                  initial: tuple[PlannedRoute, ...] = (), plain: bool = False,
                  first_solution: str | None = None) -> BackendOutput:
    """Solve with guided local search until `check` says stop or the time limit passes.

    `plain=True` is the textbook setup (no tuning), kept for the benchmark baseline.
    `seed` is accepted for API symmetry: OR-Tools' search is deterministic.
    """
    del seed
    t0 = time.perf_counter()
    vehicles = _fleet_subset(problem, plain, {r.vehicle for r in initial})
    types = problem.vehicle_types_of_fleet
    lay = _layout(problem, vehicles)
    costs = integer_costs(problem)
    n_nodes = len(lay.node_loc)
    starts = [problem.vehicle_types[types[v]].start_depot for v in vehicles]
    ends = [lay.dummy if (e := problem.vehicle_types[types[v]].end_depot) is None else e
            for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(n_nodes, len(vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    dist, ttime = _node_matrices(problem, lay)

    # Arc costs: one registered matrix per distinct (per-distance, per-travel-time) pair.
    travel_only = _travel_matrix(problem, lay)
    cost_eval: dict[tuple[int, int], int] = {}
    for v_or, v in enumerate(vehicles):
        t = types[v]
        coef = (costs.per_distance[t], costs.travel(t))
        if coef not in cost_eval:
            arc = dist * coef[0] + travel_only * coef[1] if coef[1] else dist * coef[0]
            cost_eval[coef] = routing.RegisterTransitMatrix(arc.tolist())
        routing.SetArcCostEvaluatorOfVehicle(cost_eval[coef], v_or)
        routing.SetFixedCostOfVehicle(costs.fixed[t], v_or)

    time_eval = routing.RegisterTransitMatrix(ttime.tolist())
    routing.AddDimension(time_eval, HORIZON_S, HORIZON_S, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    _time_constraints(problem, routing, manager, tdim, lay, costs)
    _load_dimensions(problem, routing, manager, lay)
    if any(problem.vehicle_types[types[v]].max_distance_m is not None for v in vehicles):
        dist_eval = routing.RegisterTransitMatrix(dist.tolist())
        caps = [problem.vehicle_types[types[v]].max_distance_m or HORIZON_S for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(dist_eval, 0, caps, True, "distance")
    _skills_and_reloads(problem, routing, manager, lay)

    # Pickup & delivery: same vehicle, pickup strictly earlier in the route.
    if problem.shipments:
        one = routing.RegisterUnaryTransitVector([1] * n_nodes)
        routing.AddDimension(one, 0, n_nodes + 1, True, "rank")
        rank = routing.GetDimensionOrDie("rank")
        for s in problem.shipments:
            p = manager.NodeToIndex(lay.n_depots + s.pickup)
            d = manager.NodeToIndex(lay.n_depots + s.delivery)
            routing.AddPickupAndDelivery(p, d)
            solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
            solver.Add(rank.CumulVar(p) < rank.CumulVar(d))

    big = _big_penalty(problem, dist, costs)
    drops = not plain and _is_constrained(problem)
    for i, c in enumerate(problem.clients):
        idx = manager.NodeToIndex(lay.n_depots + i)
        if not c.required:
            routing.AddDisjunction([idx], costs.penalty[i])
        elif drops:
            routing.AddDisjunction([idx], big)

    params = pywrapcp.DefaultRoutingSearchParameters()
    has_tw = any(c.time_windows for c in problem.clients) or problem.shipments
    params.first_solution_strategy = (
        getattr(_FSS, first_solution) if first_solution is not None
        else _first_solution_strategy(problem, bool(has_tw or drops), plain))
    params.local_search_metaheuristic = _LSM.GUIDED_LOCAL_SEARCH
    remaining = max(0.05, time_limit_s - (time.perf_counter() - t0) - 0.05)
    params.time_limit.FromMilliseconds(int(remaining * 1000))

    def at_solution() -> None:
        obj = routing.CostVar().Max()
        best = math.inf if obj >= big else costs.to_rmb(obj)
        if check(best):
            solver.FinishCurrentSearch()

    routing.AddAtSolutionCallback(at_solution)
    routing.CloseModelWithParameters(params)
    for r in problem.locked:
        v_or = vehicles.index(r.vehicle)
        chain = [manager.NodeToIndex(lay.n_depots + c) for c in r.stops]
        _lock_chain(routing, manager, solver, v_or, chain)
    if initial:
        plan: list[list[int]] = [[] for _ in vehicles]
        for r in initial:
            if r.vehicle not in vehicles:
                raise InputError(f"initial solution: unknown vehicle {r.vehicle}")
            plan[vehicles.index(r.vehicle)] = [
                manager.NodeToIndex(lay.n_depots + c) for c in r.stops]
        assignment = routing.ReadAssignmentFromRoutes(plan, True)
        if assignment is None:
            raise InputError("initial solution: not a valid assignment for this problem")
        solution = routing.SolveFromAssignmentWithParameters(assignment, params)
    else:
        solution = routing.SolveWithParameters(params)
    status = routing.status()
    if solution is None:
        return BackendOutput((), tuple(range(len(problem.clients))), False, False,
                             status == _STATUS.ROUTING_INFEASIBLE)
    routes, served = _extract(problem, routing, manager, solution, tdim, lay)
    unserved = tuple(i for i in range(len(problem.clients)) if i not in served)
    return BackendOutput(routes, unserved, True, status == _STATUS.ROUTING_OPTIMAL, False)


def _first_solution_strategy(problem: RoutingProblem, constrained: bool, plain: bool) -> int:
    """PATH_CHEAPEST_ARC for plain capacity problems; PARALLEL_CHEAPEST_INSERTION when
    windows or drops are involved (PATH_CHEAPEST_ARC finds nothing on Solomon R101); SAVINGS
    above 300 stops without pairs (1,000 stops with windows: 2.3 s instead of 5.4 s)."""
    if not constrained:
        return int(_FSS.PATH_CHEAPEST_ARC)
    if not plain and len(problem.clients) > 300 and not problem.shipments:
        return int(_FSS.SAVINGS)
    return int(_FSS.PARALLEL_CHEAPEST_INSERTION)


def _lock_chain(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager,
                solver: pywrapcp.Solver, v_or: int, chain: list[int]) -> None:
    """Fix start → chain[0] → chain[1] … on vehicle v_or (the solver may append after)."""
    prev = routing.Start(v_or)
    for idx in chain:
        solver.Add(routing.NextVar(prev) == idx)
        solver.Add(routing.VehicleVar(idx) == v_or)
        routing.ActiveVar(idx).SetValue(1)
        prev = idx


def _big_penalty(problem: RoutingProblem, dist: np.ndarray, costs: IntegerCosts) -> int:
    """A drop penalty above any plan's cost, so required stops are dropped only if unservable."""
    arc = int(dist.max(initial=0)) * max(costs.per_distance, default=1) * 2
    arc += int(problem.duration_s.max(initial=0)) * max(costs.per_travel, default=0) * 2
    span = max(costs.per_duration, default=0) * HORIZON_S
    fixed = max(costs.fixed, default=0)
    return min(10**15, (arc + fixed + span + 1) * (len(problem.clients) + 2) * 10 + sum(
        costs.penalty))


def _time_constraints(problem: RoutingProblem, routing: pywrapcp.RoutingModel,
                      manager: pywrapcp.RoutingIndexManager, tdim: pywrapcp.RoutingDimension,
                      lay: _Layout, costs: IntegerCosts) -> None:
    types = problem.vehicle_types_of_fleet
    for i, c in enumerate(problem.clients):
        if not c.time_windows:
            continue
        var = tdim.CumulVar(manager.NodeToIndex(lay.n_depots + i))
        ws = sorted((w.open_s, w.close_s) for w in c.time_windows)
        var.SetRange(ws[0][0], max(w[1] for w in ws))
        reach = ws[0][1]
        for lo, hi in ws[1:]:
            if lo > reach + 1:
                var.RemoveInterval(reach + 1, lo - 1)
            reach = max(reach, hi)
    service = [0] * routing.Size()
    for index in range(routing.Size()):
        node = manager.IndexToNode(index)
        if lay.n_depots <= node < lay.n_depots + lay.n_clients:
            service[index] = problem.clients[node - lay.n_depots].service_s
    for v_or, v in enumerate(lay.vehicles):
        vt = problem.vehicle_types[types[v]]
        sd = problem.depots[vt.start_depot]
        start = tdim.CumulVar(routing.Start(v_or))
        start.SetRange(max(vt.shift_start_s, sd.open_s), min(vt.shift_end_s, sd.close_s))
        end_close = vt.shift_end_s
        if vt.end_depot is not None:
            end_close = min(end_close, problem.depots[vt.end_depot].close_s)
        tdim.CumulVar(routing.End(v_or)).SetMax(end_close)
        if vt.max_duration_s is not None:
            tdim.SetSpanUpperBoundForVehicle(vt.max_duration_s, v_or)
        if costs.per_duration[types[v]]:
            tdim.SetSpanCostCoefficientForVehicle(costs.per_duration[types[v]], v_or)
        if vt.breaks:
            intervals = [routing.solver().FixedDurationIntervalVar(
                b.earliest_s, b.latest_s, b.duration_s, False, f"break {v} {k}")
                for k, b in enumerate(vt.breaks)]
            tdim.SetBreakIntervalsOfVehicle(intervals, v_or, service)
        routing.AddVariableMaximizedByFinalizer(start)
        routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(v_or)))
    for index in range(routing.Size()):
        if not routing.IsStart(index):
            routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(index))


def _load_dimensions(problem: RoutingProblem, routing: pywrapcp.RoutingModel,
                     manager: pywrapcp.RoutingIndexManager, lay: _Layout) -> None:
    """One dimension per capacity dimension; mixed pickups need a 'delivered' twin."""
    types = problem.vehicle_types_of_fleet
    n_nodes = len(lay.node_loc)
    mixed = bool(problem.shipments) or any(any(c.pickup) for c in problem.clients)
    multi = bool(lay.reload_nodes)
    if mixed and multi:
        raise InputError("vehicle types: multiple trips with pickups are not supported by the "
                         "OR-Tools backend")
    reload_nodes = {node for node, _ in lay.reload_nodes}
    for d in range(problem.num_dimensions):
        caps = [problem.vehicle_types[types[v]].capacity[d] for v in lay.vehicles]
        max_cap = max(caps, default=0)
        delivery = [0] * n_nodes
        net = [0] * n_nodes
        for i, c in enumerate(problem.clients):
            delivery[lay.n_depots + i] = c.delivery[d]
            net[lay.n_depots + i] = c.pickup[d] - c.delivery[d]
        for s in problem.shipments:
            net[lay.n_depots + s.pickup] += s.amount[d]
            net[lay.n_depots + s.delivery] -= s.amount[d]
        if not mixed:
            for node in reload_nodes:
                delivery[node] = -max_cap
            ev = routing.RegisterUnaryTransitVector(delivery)
            routing.AddDimensionWithVehicleCapacity(
                ev, max_cap if multi else 0, caps, True, f"load{d}")
            if multi:
                dim = routing.GetDimensionOrDie(f"load{d}")
                for index in range(routing.Size()):
                    if routing.IsEnd(index):
                        continue
                    if manager.IndexToNode(index) not in reload_nodes:
                        dim.SlackVar(index).SetValue(0)
            continue
        ev = routing.RegisterUnaryTransitVector(net)
        routing.AddDimensionWithVehicleCapacity(ev, 0, caps, False, f"load{d}")
        load = routing.GetDimensionOrDie(f"load{d}")
        dev = routing.RegisterUnaryTransitVector(delivery)
        routing.AddDimensionWithVehicleCapacity(dev, 0, caps, True, f"delivered{d}")
        delivered = routing.GetDimensionOrDie(f"delivered{d}")
        for v_or in range(len(lay.vehicles)):
            routing.solver().Add(load.CumulVar(routing.Start(v_or))
                                 == delivered.CumulVar(routing.End(v_or)))


def _skills_and_reloads(problem: RoutingProblem, routing: pywrapcp.RoutingModel,
                        manager: pywrapcp.RoutingIndexManager, lay: _Layout) -> None:
    types = problem.vehicle_types_of_fleet
    for i, c in enumerate(problem.clients):
        if not c.skills:
            continue
        ok = [v_or for v_or, v in enumerate(lay.vehicles)
              if c.skills <= problem.vehicle_types[types[v]].skills]
        routing.VehicleVar(manager.NodeToIndex(lay.n_depots + i)).SetValues([-1, *ok])
    for node, v_or in lay.reload_nodes:
        idx = manager.NodeToIndex(node)
        routing.VehicleVar(idx).SetValues([-1, v_or])
        routing.AddDisjunction([idx], 0)


def _extract(problem: RoutingProblem, routing: pywrapcp.RoutingModel,
             manager: pywrapcp.RoutingIndexManager, solution: pywrapcp.Assignment,
             tdim: pywrapcp.RoutingDimension, lay: _Layout
             ) -> tuple[tuple[Route, ...], set[int]]:
    types = problem.vehicle_types_of_fleet
    breaks_by_vehicle: dict[int, list[BreakTaken]] = {}
    intervals = solution.IntervalVarContainer()
    for k in range(intervals.Size()):
        el = intervals.Element(k)
        if el.PerformedValue() and el.Var().Name().startswith("break "):
            v = int(el.Var().Name().split()[1])
            breaks_by_vehicle.setdefault(v, []).append(
                BreakTaken(el.StartValue(), el.DurationValue()))
    routes: list[Route] = []
    served: set[int] = set()
    for v_or, v in enumerate(lay.vehicles):
        idx = routing.Start(v_or)
        departure = solution.Min(tdim.CumulVar(idx))
        trips: list[list[int]] = [[]]
        starts: list[int] = []
        dist = travel = 0
        prev_loc = lay.node_loc[manager.IndexToNode(idx)]
        idx = solution.Value(routing.NextVar(idx))
        while True:
            node = manager.IndexToNode(idx)
            loc = lay.node_loc[node]
            if loc >= 0:
                dist += int(problem.distance_m[prev_loc, loc])
                travel += int(problem.duration_s[prev_loc, loc])
                prev_loc = loc
            if routing.IsEnd(idx):
                break
            if lay.n_depots <= node < lay.n_depots + lay.n_clients:
                c = node - lay.n_depots
                trips[-1].append(c)
                served.add(c)
                starts.append(solution.Min(tdim.CumulVar(idx)))
            elif trips[-1]:
                trips.append([])
            idx = solution.Value(routing.NextVar(idx))
        if not starts:
            continue
        vt = problem.vehicle_types[types[v]]
        trips = [t for t in trips if t]
        routes.append(Route(
            vehicle=v, vehicle_type=types[v], start_depot=vt.start_depot,
            end_depot=vt.end_depot, trips=tuple(tuple(t) for t in trips),
            start_times_s=tuple(starts), departure_s=departure,
            end_s=solution.Min(tdim.CumulVar(idx)), distance_m=dist, travel_s=travel,
            breaks=tuple(sorted(breaks_by_vehicle.get(v, []), key=lambda b: b.start_s))))
    return tuple(routes), served
