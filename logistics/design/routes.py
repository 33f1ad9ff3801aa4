"""Typical-day routes of a design: CDC → FW trucks for one review period, FW → store vans.

Each depot's plan is one capacitated VRP built here (`logistics.routing.model`) and solved by
`logistics.routing.solve` with PyVRP alone, stopped once converged. The solves are
independent, self-contained tasks (no matrices beyond their own), so an `Executor` (a process
pool or a Dask cluster) runs them side by side; the answer does not depend on the order or the
machine's load (each task has its own seed and an iteration-count stop).
Units: metres, seconds, RMB, units of stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from fwdnet.logistics.design.matrices import NetworkMatrices
from fwdnet.logistics.kernel.arrays import frozen
from fwdnet.logistics.kernel.parallel import map_in_order
from fwdnet.logistics.kernel.status import SolveStatus
from fwdnet.logistics.network.history import store_daily_units as store_daily_units_of
from fwdnet.logistics.network.model import Echelon, FloatArray, IntArray, Scenario, VehicleType
from fwdnet.logistics.routing.model import Depot, RoutingModel, RoutingProblem, Stop
from fwdnet.logistics.routing.model import VehicleType as RouteVehicle
from fwdnet.logistics.routing.solve import Backend, solve
from fwdnet.logistics.routing.stop import AnyOf, Converged, MaxCpuTime, MaxRuntime

ROUTING_BACKEND: Backend = "pyvrp"
"""One engine, one search: the portfolio race and OR-Tools' solution callbacks both depend on
timing, PyVRP's iterations with a seed do not."""
MAX_STORES_PER_TASK = 150
"""A FW with more stores is planned as sectors (by bearing from the FW) of at most this many:
a solve costs ~n², so sectors keep the stage linear in stores; a sector of 150 settles in
about a second or two on one core."""
WALL_BACKSTOP = 20.0
"""The wall-clock backstop of a solve, in multiples of its CPU-time cap: only a machine 20×
oversubscribed reaches it before the CPU cap."""
ROUTING_MIN_GAIN = 0.001
"""A solve stops after `Converged` PyVRP iterations (150 + 5·stops) without a gain of 0.1%:
at 1,000 stores this ends the van plans 2–3× sooner than waiting out every tiny gain, within
0.1% of their cost (docs/routing.md)."""


@dataclass(frozen=True)
class PlannedRoute:
    """One vehicle's tour from its depot through `stops` and back."""

    echelon: Echelon
    depot: str
    vehicle: str
    stops: tuple[str, ...]  # site ids in visiting order, depot excluded
    load_units: float
    distance_m: float
    cost_rmb: float  # fixed + per km + per hour of the vehicle type
    path: tuple[tuple[float, float], ...]  # [lon, lat] depot → stops → depot
    site_units: tuple[tuple[str, int], ...]  # units dropped per visited site


@dataclass(frozen=True)
class DepotRoutes:
    """The solved plan of one depot (the CDC for trucks, a FW for vans)."""

    echelon: Echelon
    depot: str
    status: SolveStatus
    cost_rmb: float
    distance_m: float
    routes: tuple[PlannedRoute, ...]
    unassigned: tuple[str, ...]


@dataclass(frozen=True)
class DesignRoutes:
    """Typical-day routes of both echelons and the per-delivery / per-day costs they imply."""

    depots: tuple[DepotRoutes, ...]  # the trunk plan first (if any FW is open), then vans
    cost_per_delivery: FloatArray  # (nodes,) RMB for one CDC → node replenishment drop
    van_cost_per_day: float  # RMB, vans of every FW on a typical day

    def of(self, echelon: Echelon) -> tuple[DepotRoutes, ...]:
        return tuple(d for d in self.depots if d.echelon == echelon)


@dataclass(frozen=True)
class RouteTask:
    """One depot's VRP, ready to solve on any worker (frozen, picklable)."""

    echelon: Echelon
    depot: str
    drops: tuple[tuple[str, int], ...]  # (site id, units) per client, in client order
    vehicle: VehicleType
    problem: RoutingProblem
    seed: int
    time_cap_s: float  # CPU seconds, a safety net only: converged solves end long before it
    coords: tuple[tuple[str, float, float], ...]  # (site id, lon, lat) of each location


def split_load(qty: int, capacity: int) -> list[int]:
    """A load larger than a vehicle becomes several full drops plus the rest (at least 1 unit)."""
    full, rest = divmod(max(qty, 1), capacity)
    return [capacity] * full + ([rest] if rest else [])


def route_task(scn: Scenario, mats: NetworkMatrices, echelon: Echelon, depot: str,
               drops: Sequence[tuple[str, int]], vehicle: VehicleType, available: int,
               seed: int) -> RouteTask:
    """The CVRP of one depot with `available` vehicles of the given type."""
    times = mats.truck_s if echelon == Echelon.CDC_FW else mats.van_s
    locs = [depot, *dict.fromkeys(sid for sid, _ in drops)]
    pos = {sid: i for i, sid in enumerate(locs)}
    idx = np.array([mats.index[s] for s in locs])
    model = RoutingModel(name=f"{echelon.value}:{depot}")
    model.add_depot(Depot(location=0, name=depot))
    for sid, q in drops:
        model.add_client(Stop(location=pos[sid], delivery=(q,), name=sid))
    model.add_vehicle_type(RouteVehicle(
        capacity=(vehicle.capacity_units,), num_available=available,
        fixed_cost=vehicle.fixed_cost_rmb, cost_per_km=vehicle.cost_per_km_rmb,
        cost_per_hour=vehicle.cost_per_hour_rmb, max_duration_s=int(vehicle.shift_hours * 3600),
        name=vehicle.name))
    model.set_matrices(mats.distance_m[np.ix_(idx, idx)], times[np.ix_(idx, idx)])
    coords = tuple((s, mats.sites[i].lon, mats.sites[i].lat)
                   for s, i in zip(locs, idx.tolist(), strict=True))
    return RouteTask(echelon, depot, tuple(drops), vehicle, model.problem(), seed,
                     scn.routing_time_limit_s, coords)


def solve_task(task: RouteTask) -> DepotRoutes:
    """Solve one depot's plan and price each route with its vehicle type's rates.

    PyVRP alone (no race, no second process) stops after `Converged` iterations without
    improvement, which is deterministic for a seed whatever the load; the cap is only a
    safety net, in CPU seconds of this process so that a loaded machine does not bring it
    forward (when it binds, runs may differ), with a wall-clock backstop far behind it.
    """
    stop = AnyOf(Converged(len(task.problem.clients), min_gain=ROUTING_MIN_GAIN),
                 MaxCpuTime(task.time_cap_s), MaxRuntime(task.time_cap_s * WALL_BACKSTOP))
    res = solve(task.problem, stop=stop, seed=task.seed, backend=ROUTING_BACKEND, workers=1)
    drops, v = task.drops, task.vehicle
    where = {s: (lon, lat) for s, lon, lat in task.coords}
    routes = []
    for r in res.routes:
        per_site: dict[str, int] = {}
        for c in r.stops:
            per_site[drops[c][0]] = per_site.get(drops[c][0], 0) + drops[c][1]
        stop_ids = tuple(drops[c][0] for c in r.stops)
        path_ids = (task.depot, *stop_ids, task.depot)
        per_km = v.cost_per_km_rmb * r.distance_m / 1000.0
        cost = v.fixed_cost_rmb + per_km + v.cost_per_hour_rmb * r.duration_s / 3600
        routes.append(PlannedRoute(
            echelon=task.echelon, depot=task.depot, vehicle=v.name, stops=stop_ids,
            load_units=float(sum(drops[c][1] for c in r.stops)),
            distance_m=float(r.distance_m), cost_rmb=float(cost),
            path=tuple(where[s] for s in path_ids),
            site_units=tuple(per_site.items())))
    return DepotRoutes(task.echelon, task.depot, res.status, float(res.cost),
                       float(res.distance_m), tuple(routes),
                       tuple(drops[u.client][0] for u in res.unassigned))


def sectors(mats: NetworkMatrices, depot: str, members: IntArray, store_ids: Sequence[str],
            size: int) -> list[IntArray]:
    """`members` cut into ceil(n / size) sectors of nearly equal count by bearing from the
    depot, starting at the widest empty bearing gap (so no sector straddles a dense cluster's
    edge needlessly); one sector when n <= size."""
    k = -(-members.size // size)
    if k <= 1:
        return [members]
    here = mats.sites[mats.index[depot]]
    lon = np.array([mats.sites[mats.index[store_ids[j]]].lon for j in members]) - here.lon
    lat = np.array([mats.sites[mats.index[store_ids[j]]].lat for j in members]) - here.lat
    bearing = np.arctan2(lat, lon * np.cos(np.radians(here.lat)))
    order = np.lexsort((members, bearing))  # ties by store index: deterministic
    b = bearing[order]
    gaps = np.diff(np.append(b, b[0] + 2 * np.pi))
    order = np.roll(order, -(int(np.argmax(gaps)) + 1))
    return [np.sort(members[part]) for part in np.array_split(order, k)]


def route_tasks(scn: Scenario, mats: NetworkMatrices, node_ids: tuple[str, ...],
                store_node: IntArray, node_daily_units: FloatArray,
                store_daily_units: FloatArray | None = None) -> list[RouteTask]:
    """The trunk VRP (every FW's orders of one review period; each truck may run one route per
    day of it) and the van VRPs of each FW (one day of its stores' orders: `store_daily_units`,
    by default a typical day of the year; a FW with more than MAX_STORES_PER_TASK stores as
    sectors sharing its vans by store count).

    Stores served straight from the CDC go by third-party parcel, so they get no van routes.
    """
    truck, van = scn.largest_vehicle(Echelon.CDC_FW), scn.largest_vehicle(Echelon.FW_STORE)
    cdc = scn.network.cdc.id
    review = scn.policy.review_days
    tasks: list[RouteTask] = []
    drops = [(nid, q) for n, nid in enumerate(node_ids) if nid != cdc
             for q in split_load(round(float(node_daily_units[n]) * review),
                                 truck.capacity_units)]
    if drops:
        tasks.append(route_task(scn, mats, Echelon.CDC_FW, cdc, drops, truck,
                                truck.count * review, scn.seed))
    stores = scn.network.stores
    store_ids = [s.id for s in stores]
    store_daily = (store_daily_units if store_daily_units is not None
                   else store_daily_units_of(scn, stores))
    for n, nid in enumerate(node_ids):
        members = np.flatnonzero(store_node == n)
        if members.size == 0 or nid == cdc:
            continue
        for k, part in enumerate(sectors(mats, nid, members, store_ids, MAX_STORES_PER_TASK)):
            store_drops = [(store_ids[j], q) for j in part
                           for q in split_load(int(np.ceil(store_daily[j])), van.capacity_units)]
            vans = van.count if part.size == members.size else max(
                1, -(-van.count * part.size // members.size))
            tasks.append(route_task(scn, mats, Echelon.FW_STORE, nid, store_drops, van,
                                    vans, scn.seed + n + 1 + 7919 * k))
    return tasks


def merge_sectors(solved: Sequence[DepotRoutes]) -> list[DepotRoutes]:
    """One plan per depot: the sectors of a FW (consecutive, same depot) joined, their status
    the worst of theirs."""
    out: list[DepotRoutes] = []
    for d in solved:
        last = out[-1] if out else None
        if last is None or (last.echelon, last.depot) != (d.echelon, d.depot):
            out.append(d)
            continue
        out[-1] = DepotRoutes(d.echelon, d.depot, worst_status(last.status, d.status),
                              last.cost_rmb + d.cost_rmb, last.distance_m + d.distance_m,
                              last.routes + d.routes, last.unassigned + d.unassigned)
    return out


def worst_status(a: SolveStatus, b: SolveStatus) -> SolveStatus:
    """The less settled of two statuses: optimal < feasible < timed out < infeasible."""
    rank = (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.TIMED_OUT,
            SolveStatus.INFEASIBLE)
    return a if rank.index(a) >= rank.index(b) else b


def assemble(node_ids: tuple[str, ...], solved: Iterable[DepotRoutes]) -> DesignRoutes:
    """Per-delivery trunk cost per node (each route's cost shared by the FWs it visits in
    proportion to their load) and the vans' cost of a typical day."""
    depots = tuple(solved)
    cost_per_delivery = np.zeros(len(node_ids))
    van_cost = 0.0
    for d in depots:
        if d.echelon == Echelon.CDC_FW:
            for r in d.routes:
                for sid, q in r.site_units:
                    cost_per_delivery[node_ids.index(sid)] += r.cost_rmb * q / r.load_units
        else:
            van_cost += d.cost_rmb
    return DesignRoutes(depots, frozen(cost_per_delivery), van_cost)


def plan_routes(scn: Scenario, mats: NetworkMatrices, node_ids: tuple[str, ...],
                store_node: IntArray, node_daily_units: FloatArray,
                executor: Executor | None = None,
                store_daily_units: FloatArray | None = None) -> DesignRoutes:
    """Solve every depot's plan of one day (typical unless `store_daily_units` says otherwise;
    on `executor` when given: the largest first, so the pool stays busy) and assemble them in
    task order."""
    tasks = route_tasks(scn, mats, node_ids, store_node, node_daily_units, store_daily_units)
    largest_first = sorted(range(len(tasks)), key=lambda i: -len(tasks[i].problem.clients))
    solved = map_in_order(solve_task, [(t,) for t in tasks], executor,
                          submit_order=largest_first)
    return assemble(node_ids, merge_sectors(solved))
