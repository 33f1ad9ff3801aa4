"""The replay prices lost and late sales at the scenario's rates, and serves the SKUs a FW does
not hold from the CDC node; worked out by hand on a one-store network."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fwdnet.logistics.network.model import Costs
from fwdnet.simulation.engine import simulate
from fwdnet.simulation.kpis import COST_TERMS, summary_of, with_costs
from tests.simulation.test_engine import _one_store


def test_lost_and_late_sales_are_priced_by_hand() -> None:
    """S=50, R=7, L=1, 10/day over 15 days: 40 units lost (see test_engine), 110 sold.

    Price 250, lost-sale rate 0.5 → ¥125 a lost unit: ¥5,000. Late: the node delivers 2 days
    after the FW's next day, at 0.05 of the penalty per day → 110 × 2 × 6.25 = ¥1,375.
    """
    costs = Costs(lost_sale_penalty_rate=0.5, late_sale_share_per_day=0.05)
    price = np.array([250.0])
    inp = dataclasses.replace(_one_store(15, 50, review=7, lead=1),
                              lost_unit_rmb=costs.lost_sale_rmb(price),
                              late_unit_day_rmb=costs.late_sale_rmb_per_day(price),
                              late_days=np.array([2]))
    m = simulate(inp, np.random.default_rng(0)).summary()
    assert m["lost_sales_cost_rmb"] == pytest.approx(40 * 125.0)
    assert m["late_sales_cost_rmb"] == pytest.approx(110 * 2 * 6.25)
    total = with_costs(m, 15, fixed_cost_per_year=365.0)
    assert total["fixed_cost_rmb"] == pytest.approx(15.0)
    assert total["total_cost_rmb"] == pytest.approx(
        15.0 + sum(m[k] for k in COST_TERMS.values()))


def test_no_rates_no_penalties() -> None:
    """Without rates (hand-built inputs) lost and late sales cost nothing; units still count."""
    res = simulate(_one_store(15, 50, review=7, lead=1), np.random.default_rng(0))
    s = summary_of(res.kpis)
    assert s["lost_sales_units"] == 40
    assert s["lost_sales_cost_rmb"] == 0.0
    assert s["late_sales_cost_rmb"] == 0.0
