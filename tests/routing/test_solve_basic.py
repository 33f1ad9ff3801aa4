"""A 4-stop CVRP whose optimum is worked out by hand, solved by every backend."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.routing import MaxRuntime, RoutingModel, Status, Stop, VehicleType, solve
from fwdnet.logistics.routing.checker import assert_valid

# depot (0,0); stops (10,0) (10,10) (0,10) (20,0); capacity 2, unit demands.
# Pairings: {A,D}+{B,C} = 40+34 = 74; {A,B}+{C,D} = 34+52 = 86; {A,C}+{B,D} = 34+48 = 82.
POINTS = [(0, 0), (10, 0), (10, 10), (0, 10), (20, 0)]


def square_problem():
    d = np.array([[round(np.hypot(a[0] - b[0], a[1] - b[1])) for b in POINTS] for a in POINTS])
    m = RoutingModel("square")
    m.add_depot(0)
    for loc in range(1, 5):
        m.add_client(Stop(location=loc, delivery=(1,)))
    m.add_vehicle_type(VehicleType(capacity=(2,), num_available=3))
    m.set_matrices(d, d)
    return m.problem()


@pytest.mark.parametrize("backend", ["auto", "pyvrp", "ortools", "ortools-plain"])
def test_hand_checked_cvrp_optimum(backend):
    """Every backend finds the 74 m optimum: {A,D} and {B,C}."""
    res = solve(square_problem(), MaxRuntime(0.5), backend=backend)
    assert res.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert res.distance_m == 74
    assert res.cost == pytest.approx(0.074)
    assert sorted(sorted(r.stops) for r in res.routes) == [[0, 3], [1, 2]]
    assert res.unassigned == ()


def test_two_worker_portfolio_finds_the_same_optimum():
    """Two PyVRP searches in parallel processes; the best (the 74 m optimum) is returned."""
    res = solve(square_problem(), MaxRuntime(0.5), workers=2)
    assert res.backend == "pyvrp"
    assert res.distance_m == 74
    assert_valid(square_problem(), res)


def test_pyvrp_finds_plans_under_rmb_rates_that_reward_overloading():
    """30 stops of 800 units in a cluster 150 km out, vans of 1,500: two stops per van would
    save a 300 km round trip (¥660) for 100 units of excess. PyVRP's own penalty cap (1e5
    per unit) makes that overload pay, so it never found a plan and handed over to OR-Tools;
    with the cap raised to a route's cost it finds the 30-van plan itself."""
    from fwdnet.logistics.routing import Converged
    from fwdnet.logistics.routing.pyvrp_backend import PYVRP_MAX_PENALTY, penalty_params

    n = 30
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = [(0.0, 0.0)] + [(150_000 + 2000 * np.cos(a), 2000 * np.sin(a)) for a in ang]
    d = np.array([[round(np.hypot(a[0] - b[0], a[1] - b[1])) for b in pts] for a in pts])
    m = RoutingModel("cluster")
    m.add_depot(0)
    for loc in range(1, n + 1):
        m.add_client(Stop(location=loc, delivery=(800,)))
    m.add_vehicle_type(VehicleType(capacity=(1500,), num_available=n, fixed_cost=300,
                                   cost_per_km=2.2, cost_per_hour=40, max_duration_s=36000))
    m.set_matrices(d, (d / 12.5).round().astype(int))
    problem = m.problem()
    assert penalty_params(problem).max_penalty > 100 * PYVRP_MAX_PENALTY
    assert penalty_params(square_problem()).max_penalty == PYVRP_MAX_PENALTY
    res = solve(problem, Converged(n), backend="pyvrp", workers=1)
    assert res.backend == "pyvrp"
    assert res.status == Status.FEASIBLE
    assert len(res.routes) == n
    assert_valid(problem, res)
