"""Hand-made optional sections (comparison, stock, forecast, waybills) on top of a real run.

The stages that produce these sections are being built elsewhere; the dashboards are tested on
pydantic objects filled here with small, readable numbers.
"""

from __future__ import annotations

from datetime import date, timedelta

from fwdnet.simulation.results import (
    AccuracyRow,
    AssortmentDifference,
    AssortmentRow,
    AssortmentView,
    Comparison,
    ContractRow,
    ContractsView,
    DesignRow,
    ForecastSeries,
    ForecastView,
    HotItem,
    Interval,
    LateRow,
    PairedDifference,
    RegionKpi,
    Results,
    StockView,
    Transfer,
    WaybillEventOut,
    WaybillTimeline,
    WaybillView,
)

CATEGORIES = ("tops", "bottoms", "outerwear", "shoes")


def _iv(mean: float, half: float) -> Interval:
    return Interval(mean=mean, low=mean - half, high=mean + half)


def comparison(res: Results) -> Comparison:
    """Three designs: the baseline (all candidates open), this run's design, and a cheap one.

    'cheap' costs less but serves worse, so all three are on the frontier except none."""
    all_fw = sorted(res.design.open_fw + res.design.closed_fw)
    mine = sorted(res.design.open_fw)

    def row(name: str, open_fw: list[str], fill: float, cost: float, lead: float) -> DesignRow:
        return DesignRow(
            design=name, open_fw=open_fw, fill_rate=_iv(fill, 0.004),
            lead_time_days=_iv(lead, 0.1), total_cost_rmb=_iv(cost, cost * 0.01),
            cost_breakdown_rmb={"fixed": cost * 0.3, "transport_cdc_fw": cost * 0.15,
                                "transport_fw_store": cost * 0.15, "handling": cost * 0.1,
                                "holding": cost * 0.3},
            lost_sales_units=1000.0 * (1 - fill) / 0.05, average_stock_units=5000.0,
            co2_kg=cost / 100)

    rows = [row("all-open", all_fw, 0.95, 2_000_000.0, 1.2),
            row("mip", mine, 0.97, 1_800_000.0, 1.0),
            row("cheap", mine[:1], 0.90, 1_500_000.0, 1.8),
            row("dominated", mine[:1], 0.92, 2_100_000.0, 1.5)]
    paired = [PairedDifference(design=r.design, baseline="all-open", metric=m,
                               difference=_iv(d, h))
              for r, diffs in ((rows[1], (0.02, -200_000.0)), (rows[2], (-0.05, -500_000.0)),
                               (rows[3], (-0.03, 100_000.0)))
              for m, d, h in (("fill_rate", diffs[0], 0.003),
                              ("total_cost_rmb", diffs[1], 20_000.0))]
    return Comparison(baseline="all-open", replications=5, warmup_days=7, designs=rows,
                      paired=paired)


def stock(res: Results) -> StockView:
    regions = sorted({s.region for s in res.sites if s.kind == "store"})
    rows = [RegionKpi(region=g, category=c, fill_rate=0.9 + 0.01 * j, lost_sales_units=10.0 * i,
                      average_stock_units=100.0 + i, days_of_cover=5.0 + i + 2 * j,
                      stockout_days=float(i))
            for i, g in enumerate(regions) for j, c in enumerate(CATEGORIES)]
    rows += [RegionKpi(region=g, fill_rate=0.95, lost_sales_units=40.0 * i,
                       average_stock_units=400.0, days_of_cover=8.0 + i, stockout_days=float(i))
             for i, g in enumerate(regions)]
    fws = res.design.open_fw
    hot = [HotItem(sku=sku, name=name, site=fw, region=regions[k % len(regions)],
                   on_hand_units=float(10 * (k + 1)), days_of_cover=[0.5, 6.0, 30.0][k % 3],
                   status=["short", "ok", "excess"][k % 3])
           for sku, name in (("SKU-HOT-1", "羽绒服"), ("SKU-HOT-2", "运动鞋"))
           for k, fw in enumerate(fws)]
    transfers = [Transfer(sku="SKU-HOT-1", from_site=fws[-1], to_site=fws[0], units=120.0,
                          cost_rmb=1_234.5)]
    if len(fws) > 1:
        transfers.append(Transfer(sku="SKU-HOT-2", from_site=fws[0], to_site=fws[1], units=40.0,
                                  cost_rmb=880.0))
    n = len(res.daily.date)
    return StockView(regions=rows, stockout_pairs_by_day=[float(d % 7) for d in range(n)],
                     hot_items=hot, transfers=transfers)


def forecast(res: Results) -> ForecastView:
    """Two series with different levels (10 and 100 units/week) so switching is visible."""
    start = date.fromisoformat(res.scenario.start)
    dates = [(start + timedelta(weeks=w)).isoformat() for w in range(12)]

    def series(key: str, region: str, level: float) -> ForecastSeries:
        actual: list[float | None] = [level + (w % 3) for w in range(8)] + [None] * 4
        fc: list[float | None] = [level + 1.0] * 12
        return ForecastSeries(key=key, region=region, dates=dates, actual=actual, forecast=fc,
                              low=[level * 0.8] * 12, high=[level * 1.2 + 2] * 12)

    return ForecastView(
        model="AutoETS",
        series=[series("tops", "CD", 10.0), series("SKU-HOT-1", "CQ", 100.0)],
        accuracy=[AccuracyRow(level="category", key=c, wape=0.1 + 0.05 * i, mase=0.8 + 0.1 * i,
                              bias=(-1) ** i * 0.02 * (i + 1)) for i, c in enumerate(CATEGORIES)]
        + [AccuracyRow(level="total", key="all", wape=0.12, mase=0.9, bias=0.01)])


def waybills() -> WaybillView:
    def ev(kind: str, iso: str, loc: str) -> WaybillEventOut:
        return WaybillEventOut(event_type=kind, event_time=iso, location=loc)

    t1 = WaybillTimeline(waybill_no="WB0001", carrier="SF", status="delivered", events=[
        ev("created", "2026-01-05T01:00:00+00:00", "CDC-CD"),
        ev("picked_up", "2026-01-05T02:30:00+00:00", "CDC-CD"),
        ev("in_transit", "2026-01-05T06:00:00+00:00", "成都"),
        ev("delivered", "2026-01-05T10:15:00+00:00", "S0001")])
    t2 = WaybillTimeline(waybill_no="WB0002", carrier="JD", status="exception", events=[
        ev("created", "2026-01-06T00:00:00+00:00", "CDC-CD"),
        ev("picked_up", "2026-01-06T03:00:00+00:00", "CDC-CD"),
        ev("exception", "2026-01-07T04:00:00+00:00", "重庆")])
    return WaybillView(
        status_counts={"created": 5, "picked_up": 10, "in_transit": 20, "delivered": 60,
                       "exception": 5},
        on_time_rate=0.875,
        late=[LateRow(carrier="SF", region="CD", late=2, total=40),
              LateRow(carrier="SF", region="CQ", late=5, total=20),
              LateRow(carrier="JD", region="CD", late=1, total=30)],
        timelines=[t1, t2])


def contracts() -> ContractsView:
    def row(name: str, flex: float, fill: float, premium: float) -> ContractRow:
        return ContractRow(contract=name, flexible=flex > 0, flex_pct=flex, cutoff_days=5,
                           premium_rmb_per_unit=1.5 if flex else 0.0, fill_rate=_iv(fill, 0.01),
                           lost_sales_units=_iv(1000 * (1 - fill), 20),
                           average_stock_units=_iv(5000, 100), premium_rmb=_iv(premium, 10),
                           total_cost_rmb=_iv(90000 + premium, 500), revisions_per_run=3,
                           revised_units_per_run=120)
    return ContractsView(
        baseline="fixed", replications=5, skus=20, days=90,
        contracts=[row("fixed", 0.0, 0.90, 0.0), row("flex30", 0.3, 0.94, 800.0)],
        paired=[PairedDifference(design="flex30", baseline="fixed", metric="fill_rate",
                                 difference=_iv(0.04, 0.01))])


def assortment() -> AssortmentView:
    def row(name: str, region: str, fill: float) -> AssortmentRow:
        return AssortmentRow(assortment=name, region=region, range_size=100,
                             fill_rate=_iv(fill, 0.01), lost_sales_units=_iv(50, 5),
                             average_stock_units=_iv(900, 20))
    return AssortmentView(
        baseline="national", replications=3, substitution=0.0, season_weeks=4,
        rows=[row("national", "CD", 0.90), row("regional", "CD", 0.93),
              row("national", "CQ", 0.88), row("regional", "CQ", 0.92)],
        paired=[AssortmentDifference(assortment="regional", baseline="national", region=r,
                                     metric="fill_rate", difference=_iv(d, 0.005))
                for r, d in (("CD", 0.03), ("CQ", 0.04))])


def with_all_sections(res: Results) -> Results:
    """`res` with every optional section filled (a copy; `res` is not changed)."""
    return res.model_copy(update={"comparison": comparison(res), "stock": stock(res),
                                  "forecast": forecast(res), "waybills": waybills(),
                                  "contracts": contracts(), "assortment": assortment()})
