"""Rebalancing as min-cost flow: the seed's hot item, minimum transfer size, truck cost."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fwdnet.logistics.design.rebalance import RebalanceProblem, Transfer, rebalance


def hot_item() -> RebalanceProblem:
    """Region A's FW (0) sold out of the hot item (target 100); region B's FW (1) holds 300 for 50.

    A truck A↔B costs 500 RMB for 1,000 units (0.5 RMB/unit) while a lost sale costs 80 RMB.
    """
    return RebalanceProblem(
        on_hand=np.array([[0], [300]]),
        target=np.array([[100], [50]]),
        truck_cost=np.array([[0, 500, 800], [500, 0, 800], [800, 800, 0]], dtype=float),
        truck_capacity_units=1000,
        shortage_value=np.array([80.0]),
        excess_cost=np.array([0.0]),
        fw_labels=("FW-A", "FW-B"),
        sku_labels=("hot-jacket",),
    )


def test_hot_item_moves_from_b_to_a() -> None:
    """The 100 units A is short of come from B's 250 excess: one truck B→A, nothing else."""
    r = rebalance(hot_item())
    assert r.transfers == (Transfer(sku=0, src=1, dst=0, units=100),)
    assert r.trucks == {(1, 0): 1}
    assert r.transport_cost == 500.0
    assert r.shortage_covered_units == 100
    assert r.shortage_left_units == 0
    # flow cost: 100 units × 0.5 RMB; the 150 units left at B carry no excess cost here
    assert r.objective == 50.0


def test_transfer_below_minimum_size_is_not_made() -> None:
    """A shortage of 10 with a 50-unit minimum transfer stays unmet rather than ship a tiny lot."""
    p = dataclasses.replace(hot_item(), target=np.array([[10], [50]]), min_transfer_units=50)
    r = rebalance(p)
    assert r.transfers == ()
    assert r.shortage_left_units == 10


def test_truck_dearer_than_the_sale_keeps_stock_in_place() -> None:
    """At 100 RMB per unit moved (truck 100,000 RMB) saving an 80 RMB sale is not worth it."""
    p = dataclasses.replace(hot_item(), truck_cost=np.full((3, 3), 100_000.0))
    assert rebalance(p).transfers == ()


def test_excess_goes_back_to_cdc_when_holding_it_costs_more_than_the_trip() -> None:
    """With 2 RMB/unit excess cost and 0.8 RMB/unit back to the CDC, B's last 150 go home."""
    p = dataclasses.replace(hot_item(), excess_cost=np.array([2.0]))
    r = rebalance(p)
    assert set(r.transfers) == {
        Transfer(sku=0, src=1, dst=0, units=100),
        Transfer(sku=0, src=1, dst=2, units=150),
    }


def test_nearest_source_is_used() -> None:
    """Two FWs hold excess; the shortage is filled from the one with the cheaper lane."""
    cost = np.array(
        [[0, 900, 300, 900], [900, 0, 900, 900], [300, 900, 0, 900], [900, 900, 900, 0]],
        dtype=float,
    )
    p = RebalanceProblem(
        on_hand=np.array([[0], [200], [200]]),
        target=np.array([[60], [100], [100]]),
        truck_cost=cost,
        truck_capacity_units=100,
        shortage_value=np.array([50.0]),
        excess_cost=np.array([0.0]),
        return_to_cdc=False,
    )
    assert rebalance(p).transfers == (Transfer(sku=0, src=2, dst=0, units=60),)


def _transport_lp_cost(p: RebalanceProblem, k: int) -> float:
    """SKU k's optimum as a plain transportation LP (scipy HiGHS, an independent solver):
    excess units go to a short FW (lane cost per unit), to the CDC (lane cost − excess cost)
    or stay (excess cost); shortage left unmet costs its value."""
    from scipy.optimize import linprog

    f = p.on_hand.shape[0]
    ex = np.maximum(p.on_hand[:, k] - p.target[:, k], 0)
    sh = np.maximum(p.target[:, k] - p.on_hand[:, k], 0)
    per_unit = p.truck_cost / p.truck_capacity_units
    dests = [j for j in range(f)] + ([f] if p.return_to_cdc else []) + ["stay"]
    x_cost, a_src, a_dst = [], [], []
    for i in range(f):
        for j in dests:
            if j == "stay":
                c = p.excess_cost[k]
            elif j == f:
                c = per_unit[i, f] - p.excess_cost[k]
            elif j == i or sh[j] == 0:
                continue
            else:
                c = per_unit[i, j] - p.shortage_value[k]  # a covered unit saves its value
            x_cost.append(round(c * 100) / 100 if j != "stay" else c)
            a_src.append(i)
            a_dst.append(j)
    n = len(x_cost)
    a_eq = np.zeros((f, n))
    a_ub = np.zeros((f, n))
    for a, (i, j) in enumerate(zip(a_src, a_dst, strict=True)):
        a_eq[i, a] = 1.0
        if j != "stay" and j != f:
            a_ub[j, a] = 1.0
    res = linprog(x_cost, A_ub=a_ub, b_ub=sh, A_eq=a_eq, b_eq=ex, bounds=(0, None),
                  method="highs")
    assert res.status == 0
    return float(res.fun + sh.sum() * p.shortage_value[k])


def test_many_skus_solved_together_match_a_transport_lp_per_sku() -> None:
    """Random multi-SKU problems: the one-graph flow's objective equals the sum of each SKU's
    own LP optimum (SKUs share no arc, so solving them together must change nothing)."""
    rng = np.random.default_rng(11)
    for _ in range(25):
        f, k = int(rng.integers(2, 6)), int(rng.integers(1, 12))
        p = RebalanceProblem(
            on_hand=rng.integers(0, 30, (f, k)), target=rng.integers(0, 30, (f, k)),
            truck_cost=np.round(rng.uniform(50, 500, (f + 1, f + 1)), 0),
            truck_capacity_units=100, shortage_value=np.round(rng.uniform(0, 20, k), 2),
            excess_cost=np.round(rng.uniform(0, 4, k), 2),
            return_to_cdc=bool(rng.integers(0, 2)))
        expected = sum(_transport_lp_cost(p, j) for j in range(k))
        assert rebalance(p).objective == pytest.approx(expected, abs=1e-6)
