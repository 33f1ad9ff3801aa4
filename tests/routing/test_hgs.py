"""HGS-CVRP behind solve(): what it models, known optima, fixed costs on depot arcs, duration
limits, the race with PyVRP, hand-over to an engine that can model the problem."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from fwdnet.logistics.routing import (
    Converged,
    MaxRuntime,
    RoutingModel,
    RoutingProblem,
    Stop,
    TimeWindow,
    VehicleType,
    default_stop,
    solve,
)
from fwdnet.logistics.routing.checker import assert_valid
from fwdnet.logistics.routing.hgs_backend import supports
from fwdnet.logistics.routing.readers import read_instance

A32 = Path(__file__).resolve().parents[1] / "data" / "cvrplib" / "A-n32-k5.vrp"
R201 = Path(__file__).resolve().parents[1] / "data" / "solomon" / "R201.txt"


def star(fixed: float = 0.0, max_duration: int | None = None, km: float = 1.0,
         per_hour: float = 0.0, across: int = 25) -> RoutingProblem:
    """Depot 0 and stops 1-3, each 10 km (1,000 s) from the depot and `across` km from each
    other. At 25 km: three out-and-back routes drive 60 km; one tour 70 km; two routes 65 km."""
    a = across
    d = np.array([[0, 10, 10, 10], [10, 0, a, a], [10, a, 0, a], [10, a, a, 0]]) * 1000
    m = RoutingModel("star")
    m.set_matrices(d, d // 10)
    m.add_depot(0)
    for i in (1, 2, 3):
        m.add_client(Stop(location=i, delivery=(1,), service_s=100))
    m.add_vehicle_type(VehicleType(capacity=(3,), num_available=3, fixed_cost=fixed,
                                   cost_per_km=km, cost_per_hour=per_hour,
                                   max_duration_s=max_duration))
    return m.problem()


def test_hgs_models_capacity_routes_and_names_what_it_cannot():
    assert supports(star()) == []
    assert supports(star(max_duration=5_000, km=0.0, per_hour=36.0)) == []
    assert "a duration limit with costs not proportional to driving time" in supports(
        star(fixed=5.0, max_duration=5_000))
    p = star()
    windowed = p.replace(clients=tuple(
        replace(c, time_windows=(TimeWindow(0, 9_000),)) for c in p.clients))
    assert "time windows" in supports(windowed)
    mixed = p.replace(vehicle_types=(*p.vehicle_types, VehicleType(capacity=(5,))))
    assert "a mixed fleet" in supports(mixed)


def test_fixed_costs_ride_on_the_depot_arcs():
    """Without fixed costs three out-and-back routes (60 RMB) win; at 10 RMB per vehicle one
    tour (70 + 10 RMB) beats two routes (65 + 20) and three (60 + 30)."""
    free = solve(star(), Converged(3), backend="hgs")
    assert_valid(star(), free)
    assert (free.backend, free.cost, len(free.routes)) == ("hgs", 60.0, 3)
    paid = solve(star(fixed=10.0), Converged(3), backend="hgs")
    assert_valid(star(fixed=10.0), paid)
    assert (paid.cost, len(paid.routes)) == (80.0, 1)


def test_duration_limit_when_cost_follows_driving_time():
    """Stops 15 km apart: unlimited, one tour (5,000 s driving + 300 s service) is best. A
    5,000 s shift forbids it; a pair (3,500 + 200 s) and a single (2,000 + 100 s) fit and
    drive 5,500 s, cheaper than three singles (6,000 s)."""
    free = star(km=0.0, per_hour=3.6, across=15)
    res = solve(free, Converged(3), backend="hgs")
    assert (len(res.routes), res.cost) == (1, 5.3)  # span 5,300 s at 3.6 RMB per hour
    p = star(max_duration=5_000, km=0.0, per_hour=3.6, across=15)
    res = solve(p, Converged(3), backend="hgs")
    assert_valid(p, res)
    assert sorted(len(r.stops) for r in res.routes) == [1, 2]
    assert res.cost == 5.8  # spans 3,700 + 2,100 s


def test_known_optimum_and_same_plan_for_the_same_seed():
    """A-n32-k5: proven optimum 784; HGS alone and the race both reach it, repeatably."""
    inst = read_instance(A32)
    stop = default_stop(len(inst.problem.clients), 30)
    alone = solve(inst.problem, stop, seed=3, backend="hgs")
    assert_valid(inst.problem, alone)
    assert (alone.backend, inst.cost(alone)) == ("hgs", 784)
    first = solve(inst.problem, stop, seed=3)
    again = solve(inst.problem, stop, seed=3)
    assert_valid(inst.problem, first)
    assert inst.cost(first) == 784
    assert first.backend in ("hgs", "pyvrp")
    assert [r.stops for r in first.routes] == [r.stops for r in again.routes]


def test_a_backend_that_cannot_model_the_problem_hands_it_on_and_says_so():
    p = star()
    windowed = p.replace(clients=tuple(
        replace(c, time_windows=(TimeWindow(0, 9_000),)) for c in p.clients))
    res = solve(windowed, MaxRuntime(2), backend="hgs")
    assert_valid(windowed, res)
    assert res.backend == "pyvrp"
    assert res.note == "hgs cannot model this problem (time windows); solved by pyvrp"
    open_route = p.replace(vehicle_types=(VehicleType(capacity=(3,), end_depot=None),))
    res = solve(open_route, MaxRuntime(2), backend="pyvrp")
    assert_valid(open_route, res)
    assert res.backend == "ortools"
    assert res.note.startswith("pyvrp cannot model this problem (open routes")


def test_travel_time_cost_leaves_service_and_waiting_out():
    """VROOM's per_hour prices driving only: 3 out-and-backs drive 6,000 s; with 3,600 RMB
    per travel hour the cost is 6,000 although the routes also hold 300 s of service."""
    d = np.array([[0, 10, 10, 10], [10, 0, 25, 25], [10, 25, 0, 25], [10, 25, 25, 0]]) * 100
    m = RoutingModel("travel")
    m.set_matrices(d * 10, d)
    m.add_depot(0)
    for i in (1, 2, 3):
        m.add_client(Stop(location=i, delivery=(1,), service_s=100))
    m.add_vehicle_type(VehicleType(capacity=(1,), num_available=3, cost_per_km=0.0,
                                   cost_per_travel_hour=3600.0))
    p = m.problem()
    for backend in ("ortools", "pyvrp", "hgs"):
        res = solve(p, Converged(3), backend=backend)  # type: ignore[arg-type]
        assert_valid(p, res)
        assert res.cost == 6000.0, backend
        assert sum(r.travel_s for r in res.routes) == 6000
        assert sum(r.duration_s for r in res.routes) == 6300


def _solve_in_pool_worker(path: str) -> tuple[bool, str]:
    p = read_instance(path).problem
    p = p.replace(clients=p.clients[:40])
    res = solve(p, Converged(40))
    assert_valid(p, res)
    return res.is_feasible, res.backend


def test_solve_inside_a_daemonic_pool_worker_runs_one_search():
    """40 stops would start a second search, but a multiprocessing.Pool worker may not
    start processes: solve() then searches alone instead of raising 'daemonic processes
    are not allowed to have children'."""
    import multiprocessing as mp

    with mp.get_context("fork").Pool(1) as pool:
        feasible, backend = pool.apply(_solve_in_pool_worker, (str(R201),))
    assert (feasible, backend) == (True, "pyvrp")
