"""Fixed versus flexible contract on the same demand: a jump, flat demand, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.inventory.contracts import Contract, LeadTime
from fwdnet.simulation.contracts import SupplyCase, compare_contracts, simulate_contract

LEAD = LeadTime((14,), (1.0,))
FIXED = Contract(name="fixed", lead_time=LEAD, review_days=7)
FLEX = Contract(name="flex", lead_time=LEAD, review_days=7, flex_pct=0.5, cutoff_days=2,
                premium_rmb_per_unit=2.0)


def _case(rate: np.ndarray, first: float) -> SupplyCase:
    return SupplyCase(rate=rate, initial_forecast=np.array([first]), unit_cost=np.array([50.0]),
                      price=np.array([100.0]))


def _exact(_rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Demand equal to its expectation: runs whose answer can be worked out by hand."""
    return np.asarray(rate, dtype=np.float64).copy()


def test_flat_demand_flexibility_adds_only_the_premium():
    """Flat 10/day known in advance: both contracts sell everything, nothing is revised, and the
    flexible one costs exactly the premium (2 RMB × every unit delivered) more."""
    case = _case(np.full((140, 1), 10.0), 10.0)
    u = np.zeros(140)
    fixed = simulate_contract(case, FIXED, case.rate, u)
    flex = simulate_contract(case, FLEX, case.rate, u)
    assert fixed.lost_sales_units == 0.0
    assert flex.lost_sales_units == 0.0
    assert flex.revisions == ()
    assert flex.average_stock_units == pytest.approx(fixed.average_stock_units)
    # orders every 7 days of 70 units; those due by day 139 are delivered: placed on days 7..119
    delivered = 70.0 * len(range(7, 140 - 14, 7))
    assert flex.premium_rmb == pytest.approx(2.0 * delivered)
    assert flex.total_cost_rmb - fixed.total_cost_rmb == pytest.approx(2.0 * delivered)


def test_demand_jump_flexibility_lowers_lost_sales():
    """Demand jumps 10 → 25/day on day 70. Orders already placed arrive too small on a fixed
    contract; the flexible one raises them (up to +50%) before their cut-off and loses less."""
    rate = np.where(np.arange(160) < 70, 10.0, 25.0)[:, None]
    case = _case(rate, 10.0)
    u = np.zeros(160)
    fixed = simulate_contract(case, FIXED, case.rate, u)
    flex = simulate_contract(case, FLEX, case.rate, u)
    assert fixed.lost_sales_units > 0
    assert flex.lost_sales_units < 0.8 * fixed.lost_sales_units
    assert any(r.units_up > 0 and r.day >= 70 for r in flex.revisions)
    assert all(r.day >= 70 for r in flex.revisions)  # nothing to revise before the jump
    assert flex.fill_rate > fixed.fill_rate


def test_flat_poisson_demand_flexibility_costs_more_than_it_saves():
    """Flat Poisson demand: revisions only chase noise. The flexible contract still pays the
    premium on every unit, and that premium outweighs the few lost sales it saves, so its total
    cost is higher in every replication (paired 95% CI above 0)."""
    case = SupplyCase(rate=np.full((182, 20), 15.0), initial_forecast=np.full(20, 15.0),
                      unit_cost=np.full(20, 50.0), price=np.full(20, 100.0))
    comp = compare_contracts(case, [FIXED, FLEX], seed=7, replications=6)
    assert comp.paired("flex", "premium_rmb").low > 0
    assert comp.paired("flex", "total_cost_rmb").low > 0
    saved = -comp.paired("flex", "lost_sales_units").mean * 100.0 * case.lost_sale_penalty_rate
    assert comp.paired("flex", "premium_rmb").mean > saved


def test_same_contract_twice_gives_zero_paired_difference():
    """Common random numbers: identical contracts see identical demand and lead times."""
    case = SupplyCase(rate=np.full((60, 3), 5.0), initial_forecast=np.full(3, 5.0),
                      unit_cost=np.ones(3), price=np.ones(3))
    twin = Contract(name="twin", lead_time=LeadTime((5, 9), (0.5, 0.5)), review_days=7)
    base = Contract(name="base", lead_time=LeadTime((5, 9), (0.5, 0.5)), review_days=7)
    comp = compare_contracts(case, [base, twin], seed=3, replications=4)
    for m in ("fill_rate", "total_cost_rmb", "average_stock_units"):
        d = comp.paired("twin", m)
        assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0)
    again = compare_contracts(case, [base, twin], seed=3, replications=4)
    assert again.runs == comp.runs
