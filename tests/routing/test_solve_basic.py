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
