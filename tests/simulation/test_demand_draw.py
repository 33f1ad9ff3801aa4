"""The replay's grouped Poisson draw has the law of one Poisson draw per store × SKU."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np

from fwdnet.logistics.network import DemandModel
from fwdnet.simulation.demand import DailyDemand, demand_layout
from fwdnet.simulation.engine import SimulationInput, poisson_sampler

DAYS = 4000


def _input() -> SimulationInput:
    """Five stores of different sizes in two regions, served by two nodes (three groups),
    three SKUs with regional taste."""
    ro = lambda a, t=np.float64: np.array(a, dtype=t)  # noqa: E731
    demand = DemandModel(store_weight=ro([1.0, 2.0, 0.5, 3.0, 1.5]),
                         store_region=ro([0, 0, 1, 1, 1], np.int64),
                         sku_base=ro([0.3, 1.2, 0.05]), sku_category=ro([0, 1, 1], np.int64),
                         seasonality=np.ones((2, 2, 53)), promo_lift=(),
                         affinity=ro([[1.0, 0.5, 2.0], [1.5, 1.0, 0.2]]))
    return SimulationInput(
        start=date(2026, 1, 5), days=DAYS, demand=demand, store_node=ro([0, 1, 0, 0, 1], np.int64),
        node_ids=("A", "B"), order_up_to_by_week=np.full((53, 2, 3), 10.0), review_days=7,
        lead_days=ro([1, 1], np.int64), initial_on_hand=np.full((2, 3), 10.0),
        unit_cost=ro([1.0, 1.0, 1.0]), price=ro([2.0, 2.0, 2.0]), holding_rate_per_year=0.1,
        replenishment_cost_per_delivery=ro([1.0, 1.0]), delivery_cost_per_day=0.0,
        lost_sales=True, sampler=poisson_sampler)


def _draws(inp: SimulationInput, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lay = demand_layout(inp)
    dd = DailyDemand(inp, lay, np.random.default_rng(seed))
    stores, groups, nodes = [], [], []
    for day in range(DAYS):
        d = dd.draw(day)
        back = np.empty_like(d.store)
        back[lay.perm] = d.store  # draw order → store order
        stores.append(back)
        groups.append(d.group)
        nodes.append(d.node)
        assert np.allclose(np.bincount(lay.store_group, weights=d.store,
                                       minlength=d.group.shape[0]), d.group.sum(axis=1))
        assert np.allclose(lay.node_of_group @ d.group, d.node)
    return np.array(stores, dtype=np.float64), np.array(groups), np.array(nodes)


def test_store_totals_are_independent_poissons_with_the_store_rates() -> None:
    """Each store's daily units: mean Σ_k λ_sk and variance equal to the mean (Poisson);
    two stores of one group uncorrelated (a share-split of the group total would correlate
    them and shrink their variance)."""
    inp = _input()
    rate = inp.demand.rate(inp.start).sum(axis=1)
    store, _, _ = _draws(inp, 1)
    se = np.sqrt(rate / DAYS)
    assert np.all(np.abs(store.mean(axis=0) - rate) < 4.5 * se)
    ratio = store.var(axis=0, ddof=1) / rate
    assert np.all((ratio > 0.9) & (ratio < 1.1))
    # stores 2 and 3: region 1, both on node 0, one group
    corr = np.corrcoef(store[:, 2], store[:, 3])[0, 1]
    assert abs(corr) < 4.5 / np.sqrt(DAYS)


def test_group_sales_match_the_dense_per_store_draw() -> None:
    """Node × SKU means of the grouped draw equal the summed store rates, as the dense draw
    (every store × SKU with numpy's sampler) gives them."""
    inp = _input()
    _, _, nodes = _draws(inp, 2)
    _, _, dense = _draws(replace(inp, sampler=lambda rng, r: rng.poisson(r)), 3)
    expected = np.zeros((2, 3))
    np.add.at(expected, inp.store_node, inp.demand.rate(inp.start))
    se = np.sqrt(expected / DAYS)
    assert np.all(np.abs(nodes.mean(axis=0) - expected) < 4.5 * se)
    assert np.all(np.abs(dense.mean(axis=0) - expected) < 4.5 * se)
    ratio = nodes.var(axis=0, ddof=1) / expected
    assert np.all((ratio > 0.9) & (ratio < 1.1))
