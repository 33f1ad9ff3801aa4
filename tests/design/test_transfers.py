"""Hot in A, slow in B: what a FW lacks and can give, and lanes that must pay their trucks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fwdnet.logistics.design.rebalance import (
    RebalanceProblem,
    Transfer,
    hot_slow_targets,
    rebalance,
)
from fwdnet.logistics.design.transfers import lane_costs, plan_transfers


def test_need_covers_the_days_until_the_next_receipt() -> None:
    """FW 0 sells 10/day with 2 on hand (gone today): nothing on order → the receipt comes
    in lead 2 + half a review 3.5 = 5.5 days, the transfer lands after 1: needs 45; with an
    order on the way, in 2 days: needs 10. 30 on hand leave 20 for tomorrow on: needs 25."""
    rate = np.array([[10.0], [5.0]])
    need, spare = hot_slow_targets(np.array([[2.0], [500.0]]), np.zeros((2, 1)), rate,
                                   np.array([2.0, 2.0]), 7, 28.0)
    assert need.tolist() == [[45], [0]]
    assert spare.tolist() == [[0], [360]]  # 500 − 28 days × 5
    need, _ = hot_slow_targets(np.array([[2.0], [500.0]]), np.array([[40.0], [0.0]]), rate,
                               np.array([2.0, 2.0]), 7, 28.0)
    assert need.tolist() == [[10], [0]]
    need, _ = hot_slow_targets(np.array([[30.0], [500.0]]), np.zeros((2, 1)), rate,
                               np.array([2.0, 2.0]), 7, 28.0)
    assert need.tolist() == [[25], [0]]


def test_a_sku_a_fw_does_not_sell_is_all_spare_and_no_fw_is_both() -> None:
    on_hand = np.array([[30.0, 0.0], [12.0, 100.0]])
    rate = np.array([[0.0, 4.0], [3.0, 0.5]])
    need, spare = hot_slow_targets(on_hand, np.zeros((2, 2)), rate, np.array([1.0, 1.0]), 7,
                                   2.0)  # slow cover below the 8-day window: the window counts
    assert spare.tolist() == [[30, 0], [0, 96]]
    # lead 1 + 3.5 − 1 = 3.5 days: FW 0 needs 4 × 3.5 = 14; FW 1 3 × 3.5 − (12 − 3) → 2
    assert need.tolist() == [[0, 14], [2, 0]]
    assert not np.any((need > 0) & (spare > 0))


def _two_skus(lane: float) -> RebalanceProblem:
    """FW 0 short of 6 units of two SKUs worth 50 each; FW 1 holds plenty of both."""
    return RebalanceProblem(
        on_hand=np.array([[0, 0], [100, 100]]), target=np.array([[6, 6], [94, 94]]),
        truck_cost=np.array([[0, lane, 0], [lane, 0, 0], [0, 0, 0]], dtype=float),
        truck_capacity_units=1000, shortage_value=np.array([50.0, 50.0]),
        excess_cost=np.zeros(2), return_to_cdc=False, whole_trucks=True)


def test_a_lane_runs_when_its_skus_together_pay_the_truck() -> None:
    """Each SKU alone is worth 300, the truck 500: together (600) the lane pays, so both go
    on one truck; at 700 a truck the lane does not pay and nothing moves."""
    r = rebalance(_two_skus(500.0))
    assert r.transfers == (Transfer(0, 1, 0, 6), Transfer(1, 1, 0, 6))
    assert r.trucks == {(1, 0): 1}
    assert r.transport_cost == 500.0
    none = rebalance(_two_skus(700.0))
    assert none.transfers == ()
    assert none.shortage_left_units == 12
    # without the whole-truck rule the flow's per-unit share (0.7 a unit) would ship them
    assert rebalance(dataclasses.replace(_two_skus(700.0), whole_trucks=False)).transfers


def test_plan_prices_the_lane_by_distance_and_reports_value() -> None:
    """Lane = 300 fixed + 2 RMB/km × 100 km = 500 RMB; 18 units short at FW 0 worth 40 each
    (720) pay for it; at 250 km (800 RMB) they do not, nor at the default margin of 2 (the
    lane's value must be twice its trucks' cost)."""
    km = np.array([[0.0, 100.0], [100.0, 0.0]])
    lane = lane_costs(km, 300.0, 2.0)
    assert lane[0, 1] == 500.0
    # FW 0 sells 6/day, 2 on hand, an order lands in 4 days: from tomorrow 3 × 6 = 18 short
    args = dict(on_hand=np.array([[2.0], [500.0]]), on_order=np.array([[40.0], [0.0]]),
                daily_demand=np.array([[6.0], [5.0]]), lead_days=np.array([4.0, 4.0]),
                review_days=7, truck_capacity=1000, truck_fixed_rmb=300.0,
                truck_rmb_per_km=2.0, lost_sale_value=np.array([40.0]),
                excess_cost=np.array([0.0]), min_units=5)
    plan = plan_transfers(km=km, lane_margin=1.0, **args)  # type: ignore[arg-type]
    assert plan.transfers == (Transfer(0, 1, 0, 18),)
    assert plan.cost == 500.0
    assert plan.value == pytest.approx(720.0)
    assert plan.unit_cost(plan.transfers[0]) == pytest.approx(500.0)
    assert plan_transfers(km=km * 2.5, lane_margin=1.0, **args).transfers == ()  # type: ignore[arg-type]
    assert plan_transfers(km=km, **args).transfers == ()  # type: ignore[arg-type]
