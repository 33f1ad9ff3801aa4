"""Policies act on inventory position (on hand + on order − backorders), never on-hand alone."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.inventory.policies import RS, SS, BaseStock, InventoryState


def test_position_counts_pipeline_and_backorders() -> None:
    """Position = 10 on hand + 50 on order − 5 backordered = 55."""
    assert float(InventoryState.of(10, 50, 5).position) == 55.0


def test_s_big_s_ignores_low_on_hand_when_pipeline_covers() -> None:
    """On hand 10 < s = 40, but position 55 > s: no order (the on-hand bug would order 90)."""
    policy = SS.of(40, 100)
    assert float(policy.order(InventoryState.of(10, 50, 5))) == 0.0
    assert float(policy.order(InventoryState.of(10, 20, 0))) == 70.0  # position 30 ≤ 40


def test_backorders_are_ordered_on_top_of_the_target() -> None:
    """Nothing on hand, 30 backordered: base stock S = 100 orders 130 (position −30)."""
    assert float(BaseStock.of(100).order(InventoryState.of(0, 0, 30))) == 130.0


def test_rs_orders_only_at_review_periods() -> None:
    """(R = 7, S = 100, offset 2) orders S − position on periods 2, 9, … and nothing otherwise."""
    policy = RS.of(7, 100, offset=2)
    state = InventoryState.of(20, 30, 0)
    assert [float(policy.order(state, t)) for t in (0, 2, 3, 9)] == [0.0, 50.0, 0.0, 50.0]


@pytest.mark.parametrize("make", [lambda: BaseStock.of(40), lambda: RS.of(1, 40)])
def test_pipeline_aware_policy_settles_without_overshoot(make) -> None:
    """Constant demand 10/period, lead time 3: orders settle at 10 and stock never exceeds S.

    Ordering on on-hand stock would re-order what is already in transit every period, so
    on hand would climb far above S (the stockpyl bug); this test fails for that policy.
    """
    policy, lead, demand = make(), 3, 10.0
    on_hand, pipeline, backorders, orders = 40.0, [0.0] * lead, 0.0, []
    for t in range(40):
        on_hand += pipeline.pop(0)
        served = min(on_hand, demand + backorders)
        backorders = backorders + demand - served
        on_hand -= served
        state = InventoryState.of(on_hand, sum(pipeline), backorders)
        q = float(policy.order(state, t))
        pipeline.append(q)
        orders.append(q)
        assert on_hand <= 40.0
    assert orders[-10:] == [10.0] * 10


def test_policies_are_vectorised_over_site_by_sku() -> None:
    """A (2, 3) state gives element-wise the scalar answers."""
    on_hand = np.array([[0.0, 10.0, 50.0], [5.0, 45.0, 0.0]])
    on_order = np.array([[10.0, 0.0, 0.0], [0.0, 0.0, 60.0]])
    backorders = np.array([[5.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    s = np.array([20.0, 20.0, 30.0])
    big = np.array([60.0, 60.0, 90.0])
    policy = SS.of(s, big)
    got = policy.order(InventoryState.of(on_hand, on_order, backorders))
    want = [
        [float(SS.of(s[j], big[j]).order(InventoryState.of(on_hand[i, j], on_order[i, j],
                                                            backorders[i, j])))
         for j in range(3)]
        for i in range(2)
    ]
    assert got.tolist() == want
    assert want == [[55.0, 50.0, 0.0], [55.0, 0.0, 0.0]]


def test_states_and_policies_are_read_only_and_checked() -> None:
    """Arrays inside are frozen; negative stock or S < s are refused."""
    state = InventoryState.of(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="read-only"):
        state.on_hand[0] = 5.0
    with pytest.raises(ValueError, match="on_hand"):
        InventoryState.of(-1.0)
    with pytest.raises(ValueError, match="S >= s"):
        SS.of(10, 5)


def test_vectorised_base_stock_simulation_matches_the_poisson_closed_form() -> None:
    """5,000 SKUs, daily Poisson(2) demand, lead time 3 days, backorders, base stock S = 10:
    the share of days ending without a backorder equals P(D over L+1 days ≤ S) = P(Pois(8) ≤ 10).

    A statistical check (tolerance 4 standard errors), not a pinned seeded number.
    """
    from scipy import stats

    rng = np.random.default_rng(12345)
    n, lead, lam, big_s, days, warm = 5000, 3, 2.0, 10.0, 60, 10
    policy = BaseStock.of(np.full(n, big_s))
    on_hand, backorders = np.full(n, big_s), np.zeros(n)
    pipeline = [np.zeros(n) for _ in range(lead)]
    ok = []
    for t in range(days):
        # order placed at the start of day t arrives at the start of day t + lead
        q = policy.order(InventoryState.of(on_hand, sum(pipeline), backorders), t)
        pipeline.append(q)
        arrived = pipeline.pop(0)
        net = on_hand - backorders + arrived - rng.poisson(lam, n)
        on_hand, backorders = np.maximum(net, 0.0), np.maximum(-net, 0.0)
        if t >= warm:
            ok.append(net >= 0)
    share = float(np.mean(ok))
    expected = float(stats.poisson.cdf(big_s, lam * (lead + 1)))
    se = np.sqrt(expected * (1 - expected) / (n * (days - warm)))
    assert abs(share - expected) < 4 * se * 3  # ×3: days of one SKU are correlated
