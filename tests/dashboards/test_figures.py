"""Figure builders: known answers for the frontier, funnel, cards, matrices and dropdowns."""

from __future__ import annotations

import pytest

from fwdnet.dashboards.comparison import comparison_section, pareto_front
from fwdnet.dashboards.network import network_map
from fwdnet.dashboards.overview import days_of_cover, delivered_units, kpi_cards
from fwdnet.dashboards.stock import cover_matrix, hot_items
from fwdnet.dashboards.waybills import funnel_counts, timeline_chart
from fwdnet.simulation.results import Interval, Results
from tests.dashboards import sample


def test_pareto_front_keeps_only_undominated_designs(full_results: Results) -> None:
    """cheap (1.5M, 90%) and mip (1.8M, 97%) win; all-open (2.0M, 95%) loses to mip on both,
    dominated (2.1M, 92%) to mip as well."""
    assert full_results.comparison is not None
    assert pareto_front(full_results.comparison.designs) == ["cheap", "mip"]


def test_funnel_counts_waybills_that_reached_each_stage() -> None:
    counts = {"created": 5, "picked_up": 10, "in_transit": 20, "delivered": 60, "exception": 5}
    assert funnel_counts(counts) == [("created", 95), ("picked_up", 90), ("in_transit", 80),
                                     ("delivered", 60)]


def test_delivered_units_from_fill_rate_and_lost_sales(full_results: Results) -> None:
    """fill 0.95 with 1,000 lost units: demand 20,000, delivered 19,000."""
    assert full_results.comparison is not None
    base = full_results.comparison.designs[0]
    assert base.lost_sales_units == pytest.approx(1000.0)
    assert delivered_units(base) == pytest.approx(19_000.0)
    assert delivered_units(base.model_copy(update={"fill_rate": Interval(mean=1.0, low=1.0,
                                                                         high=1.0)})) is None


def test_days_of_cover_is_stock_over_daily_sales(core_results: Results) -> None:
    """700 units on hand, 36,500 sold in 365 days (100 a day): 7 days of cover; nothing sold:
    infinite cover."""
    year = core_results.scenario.model_copy(update={"horizon_days": 365})
    kpis = core_results.kpis.model_copy(update={"average_stock_units": 700.0,
                                                "sales_units": 36_500.0,
                                                "demand_units": 40_000.0})
    res = core_results.model_copy(update={"scenario": year, "kpis": kpis})
    assert days_of_cover(res) == 7.0
    idle = res.model_copy(update={"kpis": kpis.model_copy(update={"sales_units": 0.0})})
    assert days_of_cover(idle) == float("inf")


def test_cards_show_change_vs_baseline_only_with_a_comparison(core_results: Results,
                                                              full_results: Results) -> None:
    plain = {c.key: c for c in kpi_cards(core_results, "en")}
    assert [*plain][:4] == ["service", "cost_unit", "cover", "on_time"]
    assert all(c.delta is None for c in plain.values())
    assert plain["on_time"].value == "—"
    assert "Not run" in plain["on_time"].note
    full = {c.key: c for c in kpi_cards(full_results, "en")}
    # this run's design is "mip": paired fill-rate difference +0.02, cost −200,000
    assert full["service"].delta == "+2.0 pp"
    assert full["service"].good is True
    assert full["total_cost"].delta == "-¥200,000"
    assert full["total_cost"].good is True
    # cost per unit: 1.8M / 19,400·... vs 2.0M / 19,000 (delivered from fill and lost sales)
    mip, base = full_results.comparison.designs[1], full_results.comparison.designs[0]  # type: ignore[union-attr]
    per_unit = (mip.total_cost_rmb.mean / delivered_units(mip)  # type: ignore[operator]
                - base.total_cost_rmb.mean / delivered_units(base))  # type: ignore[operator]
    assert full["cost_unit"].delta == f"-¥{abs(per_unit):,.2f}"
    assert full["on_time"].value == "87.5%"
    assert full["service"].value.endswith("%")


def test_cover_matrix_is_region_by_category(full_results: Results) -> None:
    assert full_results.stock is not None
    regions, cats, z = cover_matrix(full_results.stock)
    assert cats == sorted(sample.CATEGORIES)
    assert len(z) == len(regions)
    # sample: days of cover = 5 + i(region) + 2 j(category in CATEGORIES order)
    i, j = 0, sample.CATEGORIES.index("tops")
    assert z[i][cats.index("tops")] == pytest.approx(5.0 + i + 2 * j)


def test_route_dropdown_shows_all_one_depot_or_none(core_results: Results) -> None:
    panel = network_map(core_results, "en")
    sel = panel.selector
    assert sel is not None
    with_routes = [rt for rt in core_results.routing if rt.routes]
    assert len(sel.options) == len(with_routes) + 2
    assert sel.options[0] == "all routes"
    assert sel.options[-1] == "no routes"
    idx = sel.steps[0][0].traces
    assert all(panel.figure.data[i].mode == "lines" for i in idx)
    assert sel.steps[0][0].update["visible"] == [True] * len(idx)
    assert sel.steps[-1][0].update["visible"] == [False] * len(idx)
    one = sel.steps[1][0].update["visible"]
    assert one.count(True) == 1
    # every trace is a plain scatter: no CDN geo base map
    assert {tr.type for tr in panel.figure.data} == {"scatter"}


def test_hot_item_dropdown_has_one_option_per_sku(full_results: Results) -> None:
    assert full_results.stock is not None
    panel = hot_items(full_results.stock, "en")
    assert panel.selector is not None
    assert [o.split()[0] for o in panel.selector.options] == ["SKU-HOT-1", "SKU-HOT-2"]
    bars, table = panel.selector.steps[0]
    # the initial figure shows option 0's data
    assert list(panel.figure.data[0].y) == bars.update["y"][0]
    assert table.update["cells.values"][0][2] == ["120"]  # SKU-HOT-1: one transfer of 120


def test_timeline_is_in_local_time_and_ordered(full_results: Results) -> None:
    assert full_results.waybills is not None
    panel = timeline_chart(full_results.waybills, "zh")
    first = panel.selector.steps[0][0].update  # type: ignore[union-attr]
    assert first["x"][0][0] == "2026-01-05 09:00"  # 01:00 UTC
    assert first["y"][0] == ["已创建", "已揽收", "运输中", "已签收"]


def test_comparison_absent_gives_the_not_run_note(core_results: Results) -> None:
    sec = comparison_section(core_results, "zh")
    assert sec.panels == ()
    assert sec.missing is not None
    assert "本场景未运行" in sec.missing


def test_no_change_on_cards_when_this_run_is_the_baseline(full_results: Results) -> None:
    """`fwdnet simulate` puts this run's design first (the baseline): nothing to compare."""
    cmp = full_results.comparison
    assert cmp is not None
    as_base = full_results.model_copy(update={"comparison": cmp.model_copy(
        update={"baseline": "mip"})})
    assert all(c.delta is None for c in kpi_cards(as_base, "en"))
