"""Stock placement: capacity in units and m³ and the CDC's stock are respected; value decides."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fwdnet.logistics.design.placement import PlacementProblem, solve_placement


def problem(cap_units: float = 1e9, cap_m3: float = 1e9, cdc: float = 1e9) -> PlacementProblem:
    """1 FW, 3 SKUs with 10, 5, 1 units/day, no forecast error, 7-day cover: targets 70, 35, 7."""
    return PlacementProblem(
        daily_mean=np.array([[10.0, 5.0, 1.0]]),
        daily_std=np.zeros((1, 3)),
        cover_days=7.0,
        horizon_days=100.0,
        unit_volume_m3=np.array([0.01, 0.1, 0.01]),
        holding_cost_per_day=np.array([0.01, 0.01, 0.01]),
        cdc_penalty=np.array([2.0, 2.0, 2.0]),
        fw_capacity_units=np.array([cap_units]),
        fw_capacity_m3=np.array([cap_m3]),
        cdc_stock=np.full(3, cdc),
    )


def test_target_is_cycle_plus_safety_stock() -> None:
    """Target = mu*T + z*sigma*sqrt(T): 10*4 + 1.645*3*2 = 49.87 → 50 units at 95 %."""
    p = PlacementProblem(
        daily_mean=np.array([[10.0]]),
        daily_std=np.array([[3.0]]),
        cover_days=4.0,
        horizon_days=10.0,
        unit_volume_m3=np.array([0.01]),
        holding_cost_per_day=np.array([0.0]),
        cdc_penalty=np.array([1.0]),
        fw_capacity_units=np.array([100.0]),
        fw_capacity_m3=np.array([100.0]),
        cdc_stock=np.array([100.0]),
    )
    assert p.targets()[0, 0] == math.ceil(40 + 1.6448536 * 3 * 2)


def test_everything_held_when_capacity_is_ample() -> None:
    """No binding capacity: every SKU with positive value is held at its target."""
    r = solve_placement(problem())
    assert r.held.all()
    np.testing.assert_array_equal(r.target_units, [[70, 35, 7]])
    assert r.share_of_demand_at_fw == pytest.approx(1.0)


def test_unit_capacity_is_respected() -> None:
    """80 units of room: SKU 0 (70) + SKU 2 (7) fit; SKU 1 (35) goes to the CDC."""
    r = solve_placement(problem(cap_units=80))
    assert r.target_units.sum() <= 80
    np.testing.assert_array_equal(r.held, [[True, False, True]])
    assert r.bound >= r.objective


def test_volume_capacity_is_respected() -> None:
    """1.5 m³: SKU 1 needs 3.5 m³ and is left out although units would allow it."""
    r = solve_placement(problem(cap_m3=1.5))
    used = (r.target_units * np.array([0.01, 0.1, 0.01])).sum()
    assert used <= 1.5
    np.testing.assert_array_equal(r.held, [[True, False, True]])


def test_cdc_stock_limits_the_targets() -> None:
    """The CDC can commit only 40 units per SKU: SKU 0's target of 70 cannot be placed."""
    r = solve_placement(problem(cdc=40))
    np.testing.assert_array_equal(r.held, [[False, True, True]])
