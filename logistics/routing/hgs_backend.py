"""HGS-CVRP backend (Vidal's hybrid genetic search via `hygese`): capacity routes only.

It models one depot, one capacity dimension, one kind of vehicle, required deliveries without
time windows, and a route duration limit when driving time is proportional to the arc cost.
Fixed vehicle costs go on the depot arcs (half out, half back), so HGS minimises our objective.
The C search cannot be interrupted: callers run it in a child process (`portfolio.py`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.routing.model import HORIZON_S, RoutingProblem, VehicleType
from fwdnet.logistics.routing.ortools_backend import BackendOutput
from fwdnet.logistics.routing.result import Route
from fwdnet.logistics.routing.scaling import integer_costs

HGS_REPORT_S = 0.3
"""Seconds before the caller's hard limit by which a time-bounded HGS run should report: HGS
checks its clock between iterations only (0.1-0.2 s late on 400 stops, measured)."""
CALM_PRESSURE_PCT = 10.0
"""Below this share of the last 10 s with a task waiting for a CPU (Linux PSI), the machine
has a core free for each search: a busy process gets a whole core."""
HGS_MAX_VALUE = 2.0**16
"""HGS-CVRP refuses a problem whose largest distance or demand is above 100,000 (or below
0.1): both are divided by a power of two that brings them to at most this (exact in floating
point, so capacities and duration limits hold exactly as before)."""
HGS_DEFAULT_PATIENCE = 20_000
"""HGS-CVRP's own `nbIter`: used with a time limit, where it restarts instead of stopping."""


def _same_kind(a: VehicleType, b: VehicleType) -> bool:
    return replace(a, name="", num_available=0) == replace(b, name="", num_available=0)


def supports(problem: RoutingProblem) -> list[str]:
    """Features of `problem` HGS-CVRP cannot model (empty list = HGS can solve it)."""
    missing: list[str] = []
    types = [vt for vt in problem.vehicle_types if vt.num_available > 0]
    if len(problem.clients) < 3:
        missing.append("fewer than 3 stops")
    if len(problem.depots) != 1:
        missing.append("several depots")
    if problem.num_dimensions != 1:
        missing.append("capacity in other than one dimension")
    if not types or any(not _same_kind(types[0], vt) for vt in types[1:]):
        missing.append("a mixed fleet")
    if any(c.time_windows for c in problem.clients):
        missing.append("time windows")
    if any(any(c.pickup) for c in problem.clients) or problem.shipments:
        missing.append("pickups")
    if any(not c.required for c in problem.clients):
        missing.append("optional stops")
    if any(c.skills for c in problem.clients) or problem.locked:
        missing.append("skills or locked routes")
    if problem.num_dimensions == 1 and not any(c.delivery[0] for c in problem.clients):
        missing.append("no deliveries to carry")
    if missing or not types:
        return missing
    vt = types[0]
    depot = problem.depots[0]
    if (vt.breaks or vt.max_trips > 1 or vt.end_depot is None or vt.max_distance_m is not None
            or vt.shift_start_s > 0 or vt.shift_end_s < HORIZON_S or depot.open_s > 0
            or depot.close_s < HORIZON_S):
        missing.append("breaks, multiple trips, open routes, distance limits or shifts")
    cost = _cost_matrix(problem)
    if not np.array_equal(cost, cost.T):
        missing.append("asymmetric matrices")
    if not cost.any():
        missing.append("arcs without cost")
    if vt.max_duration_s is not None and _duration_scale(problem, cost) is None:
        missing.append("a duration limit with costs not proportional to driving time")
    return missing


def _nodes(problem: RoutingProblem) -> npt.NDArray[np.int64]:
    """Matrix location of every HGS node: the depot first, then the clients in order."""
    return np.array([problem.depots[0].location] + [c.location for c in problem.clients])


def _cost_matrix(problem: RoutingProblem) -> npt.NDArray[np.int64]:
    """Twice the integer arc cost between HGS nodes, fixed cost split over the depot arcs.

    Without time windows a route's span is its driving plus service time (service is the
    same in every plan), so per-hour and per-travel-hour rates both price driving time."""
    costs = integer_costs(problem)
    t = next(k for k, vt in enumerate(problem.vehicle_types) if vt.num_available > 0)
    idx = _nodes(problem)
    dist = problem.distance_m[np.ix_(idx, idx)].astype(np.int64)
    dur = problem.duration_s[np.ix_(idx, idx)].astype(np.int64)
    arc = 2 * (costs.per_distance[t] * dist + (costs.per_duration[t] + costs.travel(t)) * dur)
    arc[0, 1:] += costs.fixed[t]
    arc[1:, 0] += costs.fixed[t]
    return arc


def _duration_scale(problem: RoutingProblem, cost: npt.NDArray[np.int64]) -> float | None:
    """k with cost == k × driving time on every arc (HGS times routes on its cost matrix)."""
    idx = _nodes(problem)
    dur = problem.duration_s[np.ix_(idx, idx)].astype(np.int64)
    i, j = np.unravel_index(int(np.argmax(dur)), dur.shape)
    if dur[i, j] == 0:
        return None
    if not np.array_equal(cost * dur[i, j], dur * cost[i, j]):
        return None
    k = float(cost[i, j]) / float(dur[i, j])
    return k if k > 0 else None


def _embedding(cost: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64],
                                                       npt.NDArray[np.float64]]:
    """Plane coordinates whose distances resemble the matrix (classical MDS).

    HGS uses them only to prune SWAP* moves by polar sector around the depot; without them
    every pair of routes is tried (about twice as slow on CVRPLIB X)."""
    from scipy.linalg import eigh

    d2 = cost.astype(np.float64) ** 2
    n = d2.shape[0]
    centred = d2 - d2.mean(axis=0) - d2.mean(axis=1)[:, None] + d2.mean()
    vals, vecs = eigh(-0.5 * centred, subset_by_index=[n - 2, n - 1])
    xy = vecs * np.sqrt(np.clip(vals, 0.0, None))
    xy -= xy.min(axis=0)
    return np.ascontiguousarray(xy[:, 1]), np.ascontiguousarray(xy[:, 0])


@dataclass(frozen=True)
class HgsRun:
    """How to run HGS: stop after `patience` iterations without improvement, or (when
    `patience` is None) search with restarts for `time_limit_s` seconds of CPU time."""

    patience: int | None
    time_limit_s: float
    seed: int


def preload() -> None:
    """Import what an HGS run needs, so a forked child does not spend its time on it
    (hygese and scipy.linalg: about 0.15 s the first time in a process)."""
    import hygese  # noqa: F401
    import scipy.linalg  # noqa: F401


def hgs_seed(seed: int) -> int:
    """HGS-CVRP's seed for ours: 1 … 2**31 - 2. Its generator (minstd_rand) replaces a seed
    of 0 by 1, so seeds 0 and 1 used to give the same run."""
    return seed % (2**31 - 2) + 1


def solve_hgs(problem: RoutingProblem, run: HgsRun) -> BackendOutput:
    """Run HGS-CVRP to completion in this process and translate its best plan.

    A time limit (`run.patience` None) counts CPU seconds of the whole process, as in
    HGS-CVRP itself: BLAS is held to one thread, whose idle spinning would count too."""
    import hygese
    from threadpoolctl import threadpool_limits

    vt_index = [t for t, vt in enumerate(problem.vehicle_types) if vt.num_available > 0]
    vt = problem.vehicle_types[vt_index[0]]
    cost = _cost_matrix(problem)
    cap = vt.capacity[0]
    demand = np.array([0.0] + [float(c.delivery[0]) for c in problem.clients])
    service = np.array([0.0] + [float(c.service_s) for c in problem.clients])
    fleet = sum(problem.vehicle_types[t].num_available for t in vt_index)
    lower = math.ceil(demand.sum() / max(cap, 1))
    per_cost = _power_of_two_at_least(float(cost.max()) / HGS_MAX_VALUE)
    per_unit = _power_of_two_at_least(float(demand.max()) / HGS_MAX_VALUE)
    data: dict[str, object] = {
        "distance_matrix": cost.astype(np.float64) / per_cost, "demands": demand / per_unit,
        "vehicle_capacity": cap / per_unit, "service_times": np.zeros_like(service),
        "num_vehicles": min(fleet, len(problem.clients), math.ceil(1.3 * lower) + 3
                            if vt.max_duration_s is None else len(problem.clients))}
    if vt.max_duration_s is not None:
        k = (_duration_scale(problem, cost) or 1.0) / per_cost
        data["service_times"] = service * k
        data["duration_limit"] = float(vt.max_duration_s) * k
    with threadpool_limits(1):
        data["x_coordinates"], data["y_coordinates"] = _embedding(cost)
    params = hygese.AlgorithmParameters(
        seed=hgs_seed(run.seed), nbIter=run.patience or HGS_DEFAULT_PATIENCE,
        timeLimit=0.0 if run.patience is not None else max(0.05, run.time_limit_s))
    try:
        sol = hygese.Solver(parameters=params, verbose=False).solve_cvrp(data)
    except TypeError:  # HGS refused the data (it prints why): no plan, never a traceback
        return BackendOutput((), tuple(range(len(problem.clients))), False, False, False)
    return _translate(problem, vt_index, [list(r) for r in sol.routes])


def _power_of_two_at_least(x: float) -> float:
    """The smallest power of two >= x, and 1 for x <= 1."""
    return 1.0 if x <= 1.0 else 2.0 ** math.ceil(math.log2(x))


def _translate(problem: RoutingProblem, vt_index: list[int], hgs_routes: list[list[int]]
               ) -> BackendOutput:
    """HGS node lists → routes timed from the depot's opening; an invalid plan is no plan."""
    vehicles = [v for v, t in enumerate(problem.vehicle_types_of_fleet) if t in vt_index]
    trips = [tuple(node - 1 for node in r) for r in hgs_routes if r]
    served = sorted(c for trip in trips for c in trip)
    depot = problem.depots[0].location
    none = BackendOutput((), tuple(range(len(problem.clients))), False, False, False)
    if served != list(range(len(problem.clients))) or len(trips) > len(vehicles):
        return none
    routes: list[Route] = []
    for v, trip in zip(vehicles, trips, strict=False):
        t = problem.vehicle_types_of_fleet[v]
        vt = problem.vehicle_types[t]
        if sum(problem.clients[c].delivery[0] for c in trip) > vt.capacity[0]:
            return none
        clock = departure = max(vt.shift_start_s, problem.depots[0].open_s)
        prev = depot
        starts: list[int] = []
        dist = travel = 0
        for c in trip:
            loc = problem.clients[c].location
            clock += int(problem.duration_s[prev, loc])
            travel += int(problem.duration_s[prev, loc])
            dist += int(problem.distance_m[prev, loc])
            starts.append(clock)
            clock += problem.clients[c].service_s
            prev = loc
        clock += int(problem.duration_s[prev, depot])
        travel += int(problem.duration_s[prev, depot])
        dist += int(problem.distance_m[prev, depot])
        if vt.max_duration_s is not None and clock - departure > vt.max_duration_s:
            return none
        routes.append(Route(vehicle=v, vehicle_type=t, start_depot=0, end_depot=0,
                            trips=(trip,), start_times_s=tuple(starts), departure_s=departure,
                            end_s=clock, distance_m=dist, travel_s=travel))
    return BackendOutput(tuple(routes), (), True, False, False)


def cpu_pressure_pct(path: str = "/proc/pressure/cpu") -> float | None:
    """Share (%) of the last 10 s in which some task waited for a CPU; None where the kernel
    does not report pressure (not Linux, or PSI off)."""
    try:
        with open(path) as f:
            first = f.readline().split()
    except OSError:
        return None
    fields = dict(kv.split("=", 1) for kv in first[1:] if "=" in kv)
    try:
        return float(fields["avg10"])
    except (KeyError, ValueError):
        return None


def runnable_others(path: str = "/proc/loadavg", samples: int = 5) -> int | None:
    """Tasks other than this one running or waiting to run right now (the 4th field of
    /proc/loadavg, less this process), the least of `samples` reads 2 ms apart; None where
    the kernel does not say."""
    seen: list[int] = []
    for k in range(samples):
        try:
            with open(path) as f:
                seen.append(int(f.read().split()[3].split("/")[0]))
        except (OSError, IndexError, ValueError):
            return None
        if k + 1 < samples:
            time.sleep(0.002)
    return max(0, min(seen) - 1)


def cpu_share(siblings: int = 0) -> float:
    """Share of a core a busy process can expect now, at most 1, where this process and
    `siblings` searches started with it are about to run beside what already runs.

    Two readings, the lower wins: cores / (tasks running now + 1 + `siblings`), and, unless
    CPU pressure is calm (`CALM_PRESSURE_PCT`), cores / (1-minute load + `siblings`). Pressure
    alone misses busy cores nobody waits for yet; the load average alone still counts a solve
    that has just ended for a minute, and would halve the next one's budget. HGS-CVRP's time
    limit counts CPU seconds, so a wall-clock budget is scaled by this."""
    cores = os.cpu_count() or 1
    others = runnable_others()
    share = 1.0 if others is None else cores / (others + 1 + siblings)
    pressure = cpu_pressure_pct()
    if others is None or pressure is None or pressure >= CALM_PRESSURE_PCT:
        share = min(share, cores / max(os.getloadavg()[0] + siblings, 1e-9))
    return max(0.1, min(1.0, share))


def hgs_child_runs(problem: RoutingProblem, patience: int | None, deadline: float, seed: int,
                   share: float = 1.0, cpu: float | None = None) -> Iterator[BackendOutput]:
    """What a child process runs: one converged run (`patience`), or one run bounded by
    `share` of the wall-clock time to `deadline` (perf_counter), converted to CPU seconds at
    `cpu`, the CPU share the parent measured before it forked (default: measure it here,
    alone), and reporting `HGS_REPORT_S` early."""
    if patience is not None:
        yield solve_hgs(problem, HgsRun(patience, 0.0, seed))
        return
    cpu = cpu_share() if cpu is None else cpu
    left = min(share * (deadline - time.perf_counter()),
               deadline - time.perf_counter() - HGS_REPORT_S)
    yield solve_hgs(problem, HgsRun(None, max(0.05, cpu * left), seed))
