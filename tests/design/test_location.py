"""Location/assignment MIP: hand-solved optimum, split vs single source, infeasibility reasons."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fwdnet.logistics.design.location import LocationProblem, SolveStatus, solve_location


def four_stores() -> LocationProblem:
    """3 FW candidates A, B, C and 4 stores, small enough to enumerate by hand.

    Any single FW holds < 12 units, so two must open. A+B: 220 + 50 = 270; A+C: 180 + 60 = 240
    (C takes stores 3 and 4: 5 units = its capacity); B+C: 200 + 75 = 275; all three: fixed 300.
    Optimum 240: open A and C, stores 1, 2 → A and 3, 4 → C.
    """
    return LocationProblem(
        fixed_cost=np.array([100.0, 120.0, 80.0]),
        capacity=np.array([10.0, 10.0, 5.0]),
        demand=np.array([4.0, 3.0, 3.0, 2.0]),
        assign_cost=np.array(
            [
                [10.0, 20.0, 30.0, 40.0],
                [40.0, 30.0, 10.0, 10.0],
                [25.0, 25.0, 25.0, 5.0],
            ]
        ),
    )


@pytest.mark.parametrize("backend", ["auto", "SCIP", "CP-SAT"])
def test_four_store_network_hand_optimum(backend: str) -> None:
    """Each backend finds the hand-computed best design (A and C open, cost 240) and proves it."""
    r = solve_location(four_stores(), backend=backend)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(240.0)
    assert r.bound == pytest.approx(240.0)
    assert r.gap == pytest.approx(0.0, abs=1e-9)
    assert r.open == (0, 2)
    expected = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1]], dtype=float)
    np.testing.assert_array_equal(r.assignment, expected)
    assert r.fixed_total == pytest.approx(180.0)
    assert r.assign_total == pytest.approx(60.0)


def test_locked_open_and_max_open_change_the_answer() -> None:
    """With B locked open the choices are A+B 270, B+C 275, all three >= 300: A and B win."""
    r = solve_location(dataclasses.replace(four_stores(), locked_open=(1,)))
    assert r.status is SolveStatus.OPTIMAL
    assert r.open == (0, 1)
    assert r.objective == pytest.approx(270.0)


def test_unreachable_pair_is_never_used() -> None:
    """Forbidding C → store 4 (C's cheapest pair) makes A+C cost 275, so A+B (270) wins."""
    reach = np.ones((3, 4), dtype=bool)
    reach[2, 3] = False
    r = solve_location(dataclasses.replace(four_stores(), reachable=reach))
    assert r.status is SolveStatus.OPTIMAL
    assert r.assignment[2, 3] == 0.0
    # A+C: store 4 must go to A (40), C best takes store 3 (25): 180 + 10 + 20 + 25 + 40 = 275;
    # A+B: 270 (unchanged) → A+B wins.
    assert r.objective == pytest.approx(270.0)
    assert r.open == (0, 1)


def two_fw_split() -> LocationProblem:
    """Both FWs free to open; A (7 units, 2 RMB/unit) is cheaper than B (10 units, 5 RMB/unit)."""
    return LocationProblem(
        fixed_cost=np.array([0.0, 0.0]),
        capacity=np.array([7.0, 10.0]),
        demand=np.array([6.0, 4.0]),
        assign_cost=np.array([[12.0, 8.0], [30.0, 20.0]]),
    )


@pytest.mark.parametrize("backend", ["SCIP", "CP-SAT"])
def test_single_source_vs_split_demand(backend: str) -> None:
    """Single source: store 1 → A, store 2 → B = 32; split: A also takes 1 unit of store 2 = 29."""
    single = solve_location(two_fw_split(), backend=backend)
    assert single.status is SolveStatus.OPTIMAL
    assert single.objective == pytest.approx(32.0)
    np.testing.assert_array_equal(single.assignment, [[1, 0], [0, 1]])
    split = solve_location(dataclasses.replace(two_fw_split(), single_source=False))
    assert split.status is SolveStatus.OPTIMAL
    assert split.objective == pytest.approx(29.0)
    np.testing.assert_allclose(split.assignment, [[1, 0.25], [0, 0.75]], atol=1e-9)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"capacity": np.array([3.0, 3.0, 3.0])}, "total capacity 9 is below total demand 12"),
        ({"max_open": 1}, "the 1 largest candidates (max_open) hold 10 < demand 12"),
        ({"reachable": np.array([[1, 1, 0, 1]] * 3, dtype=bool)}, "store(s) 2 out of reach"),
        ({"demand": np.array([11.0, 0.5, 0.5, 0.0])}, "store(s) 0 demand more than any single"),
        ({"min_open": 3, "max_open": 2}, "min_open=3 exceeds max_open=2"),
        (
            {"reachable": np.array([[1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=bool)},
            "covers only 10 of total demand 12",
        ),
    ],
)
def test_infeasible_models_say_why(change: dict[str, object], words: str) -> None:
    """Each impossible model comes back INFEASIBLE with the reason in words, not a bare status."""
    r = solve_location(dataclasses.replace(four_stores(), **change))  # type: ignore[arg-type]
    assert r.status is SolveStatus.INFEASIBLE
    assert words in r.reason
    assert r.open == ()


def test_single_source_packing_infeasibility_is_explained() -> None:
    """Capacity suffices in total but no single-source packing exists (3+3+3 units into 2 × 4.5)."""
    p = LocationProblem(
        fixed_cost=np.zeros(2),
        capacity=np.array([4.5, 4.5]),
        demand=np.array([3.0, 3.0, 3.0]),
        assign_cost=np.ones((2, 3)),
    )
    for backend in ("SCIP", "CP-SAT"):
        r = solve_location(p, backend=backend)
        assert r.status is SolveStatus.INFEASIBLE
        assert "single candidate" in r.reason
    assert solve_location(dataclasses.replace(p, single_source=False)).status is SolveStatus.OPTIMAL


@pytest.mark.parametrize("backend", ["SCIP", "CP-SAT"])
def test_volume_capacity_forces_a_second_fw(backend: str) -> None:
    """m³ limits (A 0.5, B 1.0, C 0.4) break the unit-only optimum (C would need 0.45 m³).

    A+C must now fit both limits: C takes stores 2 and 4 (5 units, 0.4 m³, cost 30), A takes
    1 and 3 (7 units, 0.5 m³, cost 40): 180 + 70 = 250, below A+B (270) and B+C (>= 275).
    """
    p = dataclasses.replace(
        four_stores(),
        capacity_m3=np.array([0.5, 1.0, 0.4]),
        demand_m3=np.array([0.25, 0.2, 0.25, 0.2]),
    )
    r = solve_location(p, backend=backend)
    assert r.status is SolveStatus.OPTIMAL
    assert r.open == (0, 2)
    assert r.objective == pytest.approx(250.0)
    np.testing.assert_array_equal(r.assignment, [[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 1]])
    short = dataclasses.replace(p, capacity_m3=np.array([0.3, 0.3, 0.2]))
    bad = solve_location(short, backend=backend)
    assert bad.status is SolveStatus.INFEASIBLE
    assert "total volume capacity 0.8 m³ is below the 0.9 m³ demanded" in bad.reason


def test_fractional_demand_on_cpsat_stays_feasible() -> None:
    """CP-SAT scales fractional demand up and capacity down: 2.5 + 2.5 fit exactly in 5.0."""
    p = LocationProblem(
        fixed_cost=np.array([1.0, 100.0]),
        capacity=np.array([5.0, 5.0]),
        demand=np.array([2.5, 2.5]),
        assign_cost=np.array([[1.25, 1.25], [0.0, 0.0]]),
    )
    r = solve_location(p, backend="CP-SAT")
    assert r.status is SolveStatus.OPTIMAL
    assert r.open == (0,)
    assert r.objective == pytest.approx(3.5)
    assert r.bound <= r.objective


def test_inputs_are_read_only_and_validated() -> None:
    """Arrays are copied read-only; wrong shapes are refused at construction."""
    p = four_stores()
    with pytest.raises(ValueError, match="read-only"):
        p.demand[0] = 1.0
    with pytest.raises(ValueError, match="assign_cost has shape"):
        dataclasses.replace(p, assign_cost=np.ones((2, 4)))
