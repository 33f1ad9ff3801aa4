"""Turn a replayed design into results.json: design, routes, KPIs, stock and waybill views.

Pure functions from `NetworkDesign` and `SimulationResult` (+ labels) to `simulation.results`
models.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np

from fwdnet.logistics.design.network_design import NetworkDesign
from fwdnet.logistics.design.routes import DesignRoutes
from fwdnet.logistics.network.model import Scenario
from fwdnet.simulation.engine import SimulationInput, SimulationResult
from fwdnet.simulation.kpis import with_costs
from fwdnet.simulation.results import (
    TYPICAL_DAY,
    DailySeries,
    DesignOut,
    HotItem,
    KpiSummary,
    LateRow,
    RegionKpi,
    Results,
    RouteOut,
    RoutingOut,
    ScenarioInfo,
    SiteKpi,
    SiteOut,
    StockView,
    Transfer,
    WaybillEventOut,
    WaybillTimeline,
    WaybillView,
)

HOT_ITEMS = 12  # per status (short / excess)
TIMELINES = 24
EXCESS_COVER_DAYS = 60.0


def _ratio(a: float, b: float, empty: float = 0.0) -> float:
    return float(a / b) if b > 0 else empty


def stock_view(inp: SimulationInput, sim: SimulationResult, sku_ids: tuple[str, ...],
               sku_names: tuple[str, ...]) -> StockView:
    """Region × category KPIs, stockout pairs per day, short / excess items, transfers."""
    lg = inp.logistics
    regions = lg.regions if lg is not None else ("all",)
    categories = lg.categories if lg is not None else ("all",)
    r = sim.region
    days = max(inp.days - sim.warmup_days, 1)
    rows: list[RegionKpi] = []
    for i, reg in enumerate(regions):
        for j, cat in [*((j, c) for j, c in enumerate(categories)), (None, None)]:
            sel = (i, slice(None)) if j is None else (i, j)
            dem, fil = float(np.sum(r.demand[sel])), float(np.sum(r.filled[sel]))
            stock = float(np.sum(r.average_on_hand[sel]))
            rows.append(RegionKpi(
                region=reg, category=cat, fill_rate=_ratio(fil, dem, 1.0),
                lost_sales_units=float(np.sum(r.lost[sel])), average_stock_units=stock,
                days_of_cover=_ratio(stock, dem / days),
                stockout_days=_ratio(float(np.sum(r.stockout_pair_days[sel])),
                                     float(np.sum(r.stocked_pairs[sel])))))
    k = sim.sku
    daily = k.demand / days
    cover = np.divide(k.final_on_hand, daily, out=np.full_like(daily, np.inf), where=daily > 0)
    node_region = lg.node_region if lg is not None else np.zeros(inp.nodes, dtype=np.int64)
    hot: list[HotItem] = []

    def item(n: int, s: int, status: str) -> HotItem:
        c = float(cover[n, s])
        return HotItem(sku=sku_ids[s], name=sku_names[s], site=inp.node_ids[n],
                       region=regions[int(node_region[n])],
                       on_hand_units=float(k.final_on_hand[n, s]),
                       days_of_cover=c if np.isfinite(c) else 9999.0, status=status)

    lost_order = np.argsort(-k.lost, axis=None, kind="stable")[:HOT_ITEMS]
    for flat in lost_order:
        n, s = np.unravel_index(int(flat), k.lost.shape)
        if k.lost[n, s] > 0:
            hot.append(item(int(n), int(s), "short"))
    excess = np.where(np.isfinite(cover) & (cover > EXCESS_COVER_DAYS), cover, -1.0)
    for flat in np.argsort(-excess, axis=None, kind="stable")[:HOT_ITEMS]:
        n, s = np.unravel_index(int(flat), excess.shape)
        if excess[n, s] > 0:
            hot.append(item(int(n), int(s), "excess"))
    moved: dict[tuple[int, int, int], list[float]] = {}
    for t in sim.transfers:
        acc = moved.setdefault((t.sku, t.src, t.dst), [0.0, 0.0])
        acc[0] += t.units
        acc[1] += t.cost_rmb
    top = sorted(moved.items(), key=lambda kv: (-kv[1][0], kv[0]))[:50]
    transfers = [Transfer(sku=sku_ids[s], from_site=inp.node_ids[a], to_site=inp.node_ids[b],
                          units=u, cost_rmb=c) for (s, a, b), (u, c) in top]
    nk = sim.node
    sites = [SiteKpi(
        site=inp.node_ids[n], region=regions[int(node_region[n])],
        fill_rate=_ratio(float(nk.filled[n]), float(nk.demand[n]), 1.0),
        demand_units=float(nk.demand[n]), lost_sales_units=float(nk.lost[n]),
        average_stock_units=float(nk.average_on_hand[n]),
        days_of_cover=_ratio(float(nk.average_on_hand[n]), float(nk.demand[n]) / days),
        stockout_days=_ratio(float(nk.stockout_pair_days[n]), float(nk.stocked_pairs[n])),
        receipts_units=float(nk.receipts[n]), truck_trips=float(nk.trips[n]))
        for n in range(inp.nodes)]
    return StockView(regions=rows, stockout_pairs_by_day=sim.kpis.stockout_pairs.tolist(),
                     hot_items=hot, transfers=transfers, sites=sites)


def waybill_view(sim: SimulationResult) -> WaybillView | None:
    """Status counts, on-time rate, late by carrier × region and a sample of timelines."""
    log = sim.waybills
    if log is None or not log.rows:
        return None
    status = log.status()
    late = log.late()
    counts = Counter(s or "none" for s, _ in status)
    by: dict[tuple[str, str], list[int]] = {}
    for row, is_late in zip(log.rows, late, strict=True):
        acc = by.setdefault((row.carrier, row.region), [0, 0])
        acc[0] += int(is_late)
        acc[1] += 1
    events: dict[int, list[WaybillEventOut]] = {}
    late_idx = [i for i, x in enumerate(late) if x][: TIMELINES // 2]
    pick: list[int] = []
    seen_carriers: Counter[str] = Counter()
    for i, row in enumerate(log.rows):
        if len(pick) >= TIMELINES - len(late_idx):
            break
        if seen_carriers[row.carrier] < TIMELINES // 4:
            seen_carriers[row.carrier] += 1
            pick.append(i)
    wanted = sorted(set(pick) | set(late_idx))
    want = set(wanted)
    for i, e, t, loc in log.events:
        if i in want:
            events.setdefault(i, []).append(
                WaybillEventOut(event_type=e, event_time=log.iso(t), location=loc))
    timelines = [WaybillTimeline(waybill_no=log.rows[i].waybill_no, carrier=log.rows[i].carrier,
                                 status=status[i][0] or "none", events=events.get(i, []))
                 for i in wanted]
    return WaybillView(
        status_counts=dict(sorted(counts.items())),
        on_time_rate=1.0 - sum(late) / len(late),
        late=[LateRow(carrier=c, region=r, late=v[0], total=v[1])
              for (c, r), v in sorted(by.items())],
        timelines=timelines)


def sites_out(scn: Scenario) -> list[SiteOut]:
    """Every site of the scenario for the map."""
    return [SiteOut(id=s.id, kind=s.kind.value, name=s.name, region=s.region, lon=s.lon,
                    lat=s.lat) for s in scn.network.sites]


def design_out(design: NetworkDesign) -> DesignOut:
    """The results.json view of a design: status, open FWs and who serves each store."""
    return DesignOut(
        status=design.status, objective_rmb=design.objective_rmb, bound_rmb=design.bound_rmb,
        gap=design.gap, open_fw=list(design.open_fw), closed_fw=list(design.closed_fw),
        assignment=design.assignment, unreachable_stores=list(design.unreachable_stores),
        fixed_cost_rmb=design.fixed_cost_rmb,
        transport_cost_estimate_rmb=design.transport_cost_estimate_rmb)


def routing_out(routes: DesignRoutes | None) -> list[RoutingOut]:
    """One entry per depot plan (the trunk plan first), as results.json shows them."""
    if routes is None:
        return []
    return [RoutingOut(
        echelon=d.echelon.value, status=d.status, cost_rmb=d.cost_rmb, distance_m=d.distance_m,
        routes=[RouteOut(echelon=r.echelon.value, depot=r.depot, vehicle=r.vehicle,
                         stops=list(r.stops), load_units=r.load_units, distance_m=r.distance_m,
                         cost_rmb=r.cost_rmb, path=list(r.path)) for r in d.routes],
        unassigned=list(d.unassigned)) for d in routes.depots]


def replay_results(scn: Scenario, design: NetworkDesign, inp: SimulationInput,
                   sim: SimulationResult) -> Results:
    """results.json of one replayed design: scenario, sites, design, routes, KPIs, daily series,
    stock and waybill views (the optional sections of other stages are added by the caller)."""
    s = with_costs(sim.summary(), scn.horizon_days - sim.warmup_days,
                   design.fixed_cost_per_year)
    fixed = s["fixed_cost_rmb"]
    k = sim.kpis
    skus = scn.network.skus
    dates = [(scn.start + timedelta(days=d)).isoformat() for d in range(scn.horizon_days)]
    return Results(
        scenario=ScenarioInfo(
            name=scn.name, source=Path(scn.source).name, seed=scn.seed,
            start=scn.start.isoformat(), horizon_days=scn.horizon_days,
            stores=len(scn.network.stores), skus=len(skus),
            fw_candidates=len(scn.network.fw_candidates)),
        sites=sites_out(scn),
        design=design_out(design),
        routing=routing_out(design.routes),
        routing_day=TYPICAL_DAY,
        kpis=KpiSummary(
            fill_rate=s["fill_rate"], demand_units=s["demand_units"],
            sales_units=s["sales_units"], lost_sales_units=s["lost_sales_units"],
            average_stock_units=s["average_stock_units"],
            transport_cost_rmb=s["transport_cost_rmb"], holding_cost_rmb=s["holding_cost_rmb"],
            fixed_cost_rmb=fixed,
            total_cost_rmb=s["total_cost_rmb"],
            handling_cost_rmb=s["handling_cost_rmb"],
            transport_cdc_fw_rmb=s["transport_cdc_fw_rmb"],
            transport_fw_store_rmb=s["transport_fw_store_rmb"] + s["transfers_rmb"],
            co2_kg=s["co2_kg"], lead_time_days=s["lead_time_days"],
            truck_utilisation=s["truck_utilisation"],
            lost_sales_cost_rmb=s["lost_sales_cost_rmb"],
            late_sales_cost_rmb=s["late_sales_cost_rmb"]),
        node_fill_rate={n: float(f) for n, f in zip(design.node_ids, k.node_fill_rate,
                                                    strict=True)},
        daily=DailySeries(date=dates, demand=k.demand.tolist(), sales=k.sales.tolist(),
                          lost=k.lost.tolist(), on_hand=k.on_hand.tolist(),
                          transport_cost_rmb=k.transport_cost.tolist(),
                          holding_cost_rmb=k.holding_cost.tolist(), co2_kg=k.co2_kg.tolist(),
                          stockout_pairs=k.stockout_pairs.tolist()),
        stock=stock_view(inp, sim, tuple(x.id for x in skus), tuple(x.name for x in skus)),
        waybills=waybill_view(sim),
    )
