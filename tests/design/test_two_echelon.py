"""Two-echelon plan: exact first echelon by hand, and a tiny instance whose optimum is obvious."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fwdnet.logistics.design.status import SolveStatus
from fwdnet.logistics.design.two_echelon import TwoEchelonInstance, first_echelon, solve_two_echelon


def instance(l1_fleet: int = 3, l2_fleet: int = 2) -> TwoEchelonInstance:
    """Depot at the origin; satellite A at (10, 0), B at (0, 10); two customers next to each."""
    return TwoEchelonInstance(
        name="hand",
        depot_xy=np.array([0.0, 0.0]),
        satellite_xy=np.array([[10.0, 0.0], [0.0, 10.0]]),
        customer_xy=np.array([[10.0, 1.0], [10.0, -1.0], [1.0, 10.0], [-1.0, 10.0]]),
        demand=np.array([3, 3, 2, 2]),
        l1_capacity=10,
        l2_capacity=6,
        l1_fleet=l1_fleet,
        l2_fleet=l2_fleet,
    )


def test_first_echelon_one_tour_when_loads_fit_one_truck() -> None:
    """Loads 6 + 4 fit one truck: tour 10 + √200 + 10 beats two out-and-backs (40)."""
    cost, routes = first_echelon(instance(), (6, 4))
    assert cost == pytest.approx(20 + math.sqrt(200))
    assert len(routes) == 1
    assert routes[0].loads == (6, 4)


def test_first_echelon_splits_a_load_over_trucks() -> None:
    """Loads 15 + 4 with capacity 10: one truck to A (10) and a tour with A's 5 and B's 4."""
    cost, routes = first_echelon(instance(), (15, 4))
    assert cost == pytest.approx(20 + 20 + math.sqrt(200))
    assert sorted(r.loads for r in routes) == [(5, 4), (10,)]


def test_first_echelon_respects_the_truck_fleet() -> None:
    """Loads 15 + 4 need two trucks: with one truck there is no plan."""
    cost, _ = first_echelon(instance(l1_fleet=1), (15, 4))
    assert math.isinf(cost)


def test_tiny_two_echelon_optimum() -> None:
    """Each satellite's van serves its two neighbours: A→(10,1)→(10,-1)→A = 1 + 2 + 1 = 4, the
    same at B; loads 6 and 4 fit one truck touring both: 20 + √200. Nothing can be cheaper."""
    r = solve_two_echelon(instance(), time_limit_s=2.0)
    assert r.status is SolveStatus.FEASIBLE
    assert r.l2_cost == pytest.approx(8.0)
    assert r.l1_cost == pytest.approx(20 + math.sqrt(200))
    assert r.satellite_load == (6, 4)
    served = sorted(c for v in r.vans for c in v.customers)
    assert served == [0, 1, 2, 3]
