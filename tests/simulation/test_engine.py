"""The SimPy replay against fill rates worked out by hand, and stock conservation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fwdnet.logistics.network import DemandModel
from fwdnet.simulation.engine import SimulationInput, simulate


def _exact(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Deterministic demand: exactly the expected units (makes fill rates computable by hand)."""
    return np.asarray(rate, dtype=np.float64).copy()


def _one_store(days: int, s_level: float, review: int, lead: int, lost_sales: bool = True,
               daily: float = 10.0) -> SimulationInput:
    ro = lambda a, t=np.float64: np.array(a, dtype=t)  # noqa: E731
    demand = DemandModel(store_weight=ro([1.0]), store_region=ro([0], np.int64),
                         sku_base=ro([daily]), sku_category=ro([0], np.int64),
                         seasonality=np.ones((1, 1, 53)), promo_lift=())
    return SimulationInput(
        start=date(2026, 1, 5), days=days, demand=demand, store_node=ro([0], np.int64),
        node_ids=("FW",), order_up_to_by_week=np.full((53, 1, 1), s_level), review_days=review,
        lead_days=ro([lead], np.int64), initial_on_hand=ro([[s_level]]),
        unit_cost=ro([100.0]), price=ro([250.0]), holding_rate_per_year=0.365,
        replenishment_cost_per_delivery=ro([50.0]), delivery_cost_per_day=2.0,
        lost_sales=lost_sales, sampler=_exact)


def test_weekly_review_lost_sales_fill_rate_by_hand() -> None:
    """S=50, R=7, L=1, demand 10/day, start with 50 on hand.

    Day 0 sells 10 and orders 10 (arrives day 1); stock lasts through day 5; days 6 and 7 are
    lost; the day-7 order of 50 lands on day 8; stock lasts days 8–12; days 13, 14 are lost.
    Over 15 days: 11 selling days of 15 → fill rate 11/15.
    """
    res = simulate(_one_store(15, 50, review=7, lead=1), np.random.default_rng(0))
    k = res.kpis
    assert k.sales.tolist() == [10] * 6 + [0, 0] + [10] * 5 + [0, 0]
    assert res.summary()["fill_rate"] == pytest.approx(11 / 15)
    assert k.lost.sum() == 40
    assert k.receipts.tolist() == [0, 10] + [0] * 6 + [50] + [0] * 6
    # transport: 2 RMB of vans every day + 50 RMB per truck delivery (days 1 and 8)
    assert k.transport_cost.sum() == pytest.approx(15 * 2 + 2 * 50)


def test_daily_review_covering_lead_time_never_runs_out() -> None:
    """Base stock covering demand over review + lead (10 × (1 + 2) = 30) gives fill rate 1."""
    res = simulate(_one_store(40, 30, review=1, lead=2), np.random.default_rng(0))
    assert res.summary()["fill_rate"] == 1.0
    assert res.kpis.on_hand[-1] == 10  # S − demand over the lead time: 30 − 2 × 10


def test_backorders_are_served_later_not_lost() -> None:
    """With backorders the same policy loses nothing: late demand is served on receipt."""
    res = simulate(_one_store(15, 50, review=7, lead=1, lost_sales=False),
                   np.random.default_rng(0))
    k = res.kpis
    assert k.lost.sum() == 0
    assert k.backorders[6] == 10
    assert k.backorders[7] == 20
    # the day-7 review orders up to 50 on position 0 − 20: 70 units land on day 8
    assert k.receipts[8] == 70


def test_stock_is_conserved_every_day_with_random_demand() -> None:
    """start + receipts − sales = end stock, day by day; stock never negative."""
    inp = _one_store(120, 45, review=3, lead=2)
    from dataclasses import replace

    from fwdnet.simulation.engine import poisson_sampler

    res = simulate(replace(inp, sampler=poisson_sampler), np.random.default_rng(5))
    k = res.kpis
    stock = 45 + np.cumsum(k.receipts) - np.cumsum(k.sales)
    assert np.allclose(stock, k.on_hand)
    assert (k.on_hand >= 0).all()
    assert np.allclose(k.demand, k.sales + k.lost)


def test_same_seed_same_result_different_seed_different_demand() -> None:
    from dataclasses import replace

    from fwdnet.simulation.engine import poisson_sampler

    inp = replace(_one_store(60, 45, review=3, lead=2), sampler=poisson_sampler)
    a = simulate(inp, np.random.default_rng(1)).kpis.demand
    b = simulate(inp, np.random.default_rng(1)).kpis.demand
    c = simulate(inp, np.random.default_rng(2)).kpis.demand
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_the_replay_runs_on_one_blas_thread_and_gives_the_others_back() -> None:
    """Inside the replay every BLAS pool has one thread (two doubled the CPU time for nothing
    and starved the replication beside it); after it the caller's setting is back."""
    from threadpoolctl import threadpool_info

    def blas_threads() -> set[int]:
        return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}

    before = blas_threads()
    seen: list[set[int]] = []
    simulate(_one_store(5, 45, review=3, lead=2), np.random.default_rng(1),
             on_day=lambda d: seen.append(blas_threads()))
    assert seen
    assert all(s == {1} for s in seen)
    assert blas_threads() == before
