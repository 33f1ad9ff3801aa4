"""Regional versus national range on the same demand: the region that buys differently gains."""

from __future__ import annotations

from fwdnet.logistics.assortment import suggest
from fwdnet.simulation.assortment import compare_assortments, scenario_case, simulate_assortments
from fwdnet.simulation.streams import Streams


def test_regional_range_sells_more_where_taste_differs(scn, resolved):
    """North demand per day: K0 20, K1 10, K2 3.6, K3 1.8. The national range {K0, K2} can sell
    at most 23.6/35.4 = 66.7% of it, North's own {K0, K1} 84.7%; with stock at a 95% service
    level the simulated fill rates sit just under those ceilings."""
    reg, nat, _ = suggest(scn, resolved)
    comp = compare_assortments(scenario_case(scn), [nat, reg], seed=5, replications=4)
    n = comp.regions.index("N")
    fill_nat = comp.interval("national", "fill_rate", n).mean
    fill_reg = comp.interval("regional", "fill_rate", n).mean
    assert 0.60 < fill_nat <= 23.6 / 35.4 + 0.01
    assert 0.78 < fill_reg <= 30 / 35.4 + 0.01
    assert comp.paired("regional", "fill_rate", n).low > 0.1
    assert comp.paired("regional", "lost_sales_units", n).high < 0
    assert comp.paired("regional", "fill_rate").low > 0  # network as a whole


def test_same_range_twice_has_zero_paired_difference(scn, resolved):
    """Common random numbers: an identical range under another name sees the same demand."""
    _, nat, _ = suggest(scn, resolved)
    twin = nat.replace(kind="twin")
    comp = compare_assortments(scenario_case(scn), [nat, twin], seed=9, replications=3)
    for m in ("fill_rate", "lost_sales_units", "average_stock_units"):
        d = comp.paired("twin", m)
        assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0)


def test_unlisted_sku_holds_no_stock_and_sells_nothing(scn, resolved):
    """South's national range lacks K3 and K1: their demand is all lost (no substitute)."""
    _, nat, _ = suggest(scn, resolved)
    only = nat.replace(listed=nat.listed & False, kind="empty")
    (run,) = simulate_assortments(scenario_case(scn), [only], Streams.of(1).demand)
    assert run.sales.sum() == 0
    assert run.average_stock.sum() == 0
    assert run.lost.sum() == run.demand.sum() > 0
