"""Branch and bound over the open set (large single-source problems): a plan proven within
0.1 % of the optimum that respects reach and both capacities, against CP-SAT's proven optimum."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fwdnet.logistics.design.location import LocationProblem, SolveStatus, solve_location
from fwdnet.logistics.design.open_set import single_source_plan, solve_open_set


def clustered(m: int = 8, n: int = 60, seed: int = 3, tight: float = 1.6) -> LocationProblem:
    """m candidates and n stores on a plane; per-unit cost ∝ distance, each candidate reaches
    the stores within 0.6, capacities `tight` × demand in total (several must open)."""
    rng = np.random.default_rng(seed)
    fw, st = rng.random((m, 2)), rng.random((n, 2))
    dist = np.linalg.norm(fw[:, None, :] - st[None, :, :], axis=2)
    demand = rng.uniform(5, 15, n)
    cap = np.full(m, tight * demand.sum() / m * 2.5) * rng.uniform(0.7, 1.3, m)
    reach = dist < 0.6
    reach[np.argmin(dist, axis=0), np.arange(n)] = True  # every store reachable
    return LocationProblem(
        fixed_cost=rng.uniform(150, 300, m), capacity=cap, demand=demand,
        assign_cost=dist * demand[None, :] * 20, reachable=reach, single_source=True,
        capacity_m3=cap * 0.01, demand_m3=demand * rng.uniform(0.004, 0.012, n))


def _feasible(p: LocationProblem, assignment: np.ndarray, opened: tuple[int, ...]) -> None:
    a = np.asarray(assignment)
    assert np.array_equal(a.sum(axis=0), np.ones(p.n_customers))  # each store exactly once
    assert set(np.flatnonzero(a.sum(axis=1))) <= set(opened)
    assert not (a.astype(bool) & ~p.reach()).any()
    assert (a @ p.demand <= p.capacity * (1 + 1e-9)).all()
    assert p.capacity_m3 is not None
    assert p.demand_m3 is not None
    assert (a @ p.demand_m3 <= p.capacity_m3 * (1 + 1e-9)).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_plan_is_within_the_gap_of_the_cpsat_optimum(seed: int) -> None:
    """Its plan costs at most 0.1 % more than CP-SAT's proven optimum, its bound is no higher
    than that optimum, and the status says optimal only with the gap met."""
    p = clustered(seed=seed)
    exact = solve_location(p, backend="CP-SAT", time_limit_s=60)
    assert exact.status is SolveStatus.OPTIMAL
    r = solve_open_set(p, time_limit_s=60)
    assert r.status is SolveStatus.OPTIMAL
    assert r.gap <= 1e-3 + 1e-12
    assert r.bound <= exact.objective * (1 + 1e-9)
    assert r.objective <= exact.objective * (1 + 1e-3)
    assert r.objective == pytest.approx(r.fixed_total + r.assign_total)
    _feasible(p, r.assignment, r.open)


def test_large_single_source_problems_take_this_path() -> None:
    """solve_location sends problems of REDUCE_FROM pairs or more (or reduce=True) here: the
    reason names the branch and bound; small ones stay with CP-SAT (no reason)."""
    p = clustered(seed=4)
    assert "branch and bound" in solve_location(p, reduce=True).reason
    assert solve_location(p).reason == ""


def test_fixed_open_set_is_assigned_within_both_capacities() -> None:
    """Locked candidates with max_open = their count: only they open, every capacity holds."""
    p = dataclasses.replace(clustered(seed=5), locked_open=(0, 2, 5, 7), min_open=4, max_open=4)
    r = solve_open_set(p, time_limit_s=30)
    assert r.open == (0, 2, 5, 7)
    _feasible(p, r.assignment, r.open)


def test_rounding_repairs_a_tight_open_set() -> None:
    """With capacities only 3 % above demand, rounding the transportation LP overfills FWs;
    the repair still finds a single-source plan no cheaper than the LP."""
    p = clustered(m=4, n=40, seed=6, tight=0.0)
    cap = np.full(4, p.demand.sum() * 1.03 / 4)
    p = dataclasses.replace(p, capacity=cap, capacity_m3=cap, demand_m3=p.demand,
                            reachable=np.ones((4, 40), dtype=bool))
    split, cost, assign = single_source_plan(p, (0, 1, 2, 3))
    assert np.isfinite(cost)
    assert cost >= split - 1e-6
    _feasible(p, assign, (0, 1, 2, 3))


def test_open_count_cap_is_respected_and_near_the_cpsat_optimum() -> None:
    """max_open below the free optimum's count: at most that many open, within the gap of
    CP-SAT's proven optimum under the same cap."""
    p = clustered(seed=7, tight=2.5)
    free = solve_open_set(p, time_limit_s=60)
    k = max(2, len(free.open) - 1)
    capped = dataclasses.replace(p, max_open=k)
    exact = solve_location(capped, backend="CP-SAT", time_limit_s=60)
    assert exact.status is SolveStatus.OPTIMAL
    r = solve_open_set(capped, time_limit_s=60)
    assert len(r.open) <= k
    assert r.status is SolveStatus.OPTIMAL
    assert r.bound <= exact.objective * (1 + 1e-9)
    assert r.objective <= exact.objective * (1 + 1e-3)
    _feasible(capped, r.assignment, r.open)
