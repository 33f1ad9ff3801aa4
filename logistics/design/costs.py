"""The design model's cost estimate: what every candidate design shares, and its price.

Planning demand comes from the sales history (`logistics.network.history`), distances from
`logistics.geo` (haversine × road factor), reach from shapely service regions. The location
MIP, the stock placement and the comparison of designs all use these unit costs; every design
is costed the same way (fixed, transport per echelon, handling, holding, late sales) and given
service figures (demand-weighted lead time to the store, share of demand delivered within 24 h).
Units: RMB over the scenario horizon, hours for lead times, units of stock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.location import LocationProblem
from fwdnet.logistics.design.placement import PlacementProblem, PlacementResult, solve_placement
from fwdnet.logistics.design.reach import reach_matrix
from fwdnet.logistics.design.stock import DEMAND_OVERDISPERSION, StockTargets
from fwdnet.logistics.geo import road_matrices
from fwdnet.logistics.inventory.safety import normal_loss
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network.demand import DemandModel
from fwdnet.logistics.network.history import history_by_iso_week, store_share
from fwdnet.logistics.network.model import Echelon, Scenario

FloatArray = NDArray[np.float64]

LOAD_FACTOR = 0.8  # average vehicle fill when turning a per-km rate into a per-unit rate
COVER_DAYS_EXTRA = 3  # storage turns: throughput over the horizon = capacity × horizon / cover
PICK_HOURS = 4.0  # order picking and loading at a FW before the van leaves


@dataclass(frozen=True)
class DesignCosts:
    """Cost breakdown (RMB over the horizon) and service figures of one candidate design."""

    name: str
    open_fw: tuple[str, ...]
    fixed: float
    transport_cdc_fw: float
    transport_fw_store: float
    transport_cdc_store: float  # parcels from the CDC (unreachable stores, SKUs no FW holds)
    handling: float
    holding: float
    lost_sales: float  # expected shortfall of the (R, S) targets × lost-sale penalty
    late_sales: float  # units sold from the CDC × extra days × late-sale penalty per day
    mean_lead_time_h: float
    share_within_24h: float
    share_at_fw: float

    @property
    def total(self) -> float:
        return (
            self.fixed
            + self.transport_cdc_fw
            + self.transport_fw_store
            + self.transport_cdc_store
            + self.handling
            + self.holding
            + self.lost_sales
            + self.late_sales
        )

    def replay_terms(self) -> dict[str, float]:
        """The breakdown under the replay's term names (`simulation.kpis.COST_TERMS` + fixed;
        parcels from the CDC count as transport to stores there)."""
        return {"fixed": self.fixed, "transport_cdc_fw": self.transport_cdc_fw,
                "transport_fw_store": self.transport_fw_store + self.transport_cdc_store,
                "transfers": 0.0, "handling": self.handling, "holding": self.holding,
                "lost_sales": self.lost_sales, "late_sales": self.late_sales}

    def row(self) -> dict[str, Any]:
        return {
            "design": self.name,
            "fws_open": len(self.open_fw),
            "fixed_rmb": round(self.fixed, 2),
            "transport_cdc_fw_rmb": round(self.transport_cdc_fw, 2),
            "transport_fw_store_rmb": round(self.transport_fw_store, 2),
            "transport_cdc_store_rmb": round(self.transport_cdc_store, 2),
            "handling_rmb": round(self.handling, 2),
            "holding_rmb": round(self.holding, 2),
            "lost_sales_rmb": round(self.lost_sales, 2),
            "late_sales_rmb": round(self.late_sales, 2),
            "total_rmb": round(self.total, 2),
            "mean_lead_time_h": round(self.mean_lead_time_h, 2),
            "share_within_24h": round(self.share_within_24h, 4),
            "share_of_demand_from_fw_stock": round(self.share_at_fw, 4),
        }


@dataclass(frozen=True)
class DesignContext:
    """Everything the candidate designs share: demand, unit costs, travel times, reach."""

    scn: Scenario
    store_sku_units: FloatArray  # (n, k) units over the horizon
    demand: FloatArray  # (n,)
    trunk_unit: FloatArray  # (f,) RMB per unit CDC→FW (truck) incl. handling at both ends
    handling_unit: FloatArray  # (f,)
    last_mile_unit: FloatArray  # (f, n) RMB per unit FW→store (van)
    direct_unit: FloatArray  # (n,) RMB per unit CDC→store (van from the CDC)
    van_hours: FloatArray  # (f, n)
    reach: NDArray[np.bool_]  # (f, n)


def design_context(scn: Scenario) -> DesignContext:
    """Demand, unit costs, travel times and shapely reach shared by every candidate design."""
    net = scn.network
    fws, stores, cdc = net.fw_candidates, net.stores, net.cdc
    f = len(fws)
    lonlat = net.lonlat((cdc, *fws, *stores))
    truck, van = scn.largest_vehicle(Echelon.CDC_FW), scn.largest_vehicle(Echelon.FW_STORE)
    dist_m, _ = road_matrices(lonlat, scn.road_factor, truck.speed_kmh)
    _, van_s = road_matrices(lonlat, scn.road_factor, van.speed_kmh)
    fw_i, st_i = np.arange(1, f + 1), np.arange(f + 1, f + 1 + len(stores))
    km_cdc_fw = dist_m[0, fw_i] / 1000.0
    km_fw_store = dist_m[np.ix_(fw_i, st_i)] / 1000.0
    km_cdc_store = dist_m[0, st_i] / 1000.0
    truck_unit_km = truck.cost_per_km_rmb / (truck.capacity_units * LOAD_FACTOR)
    van_unit_km = van.cost_per_km_rmb / (van.capacity_units * LOAD_FACTOR)
    handling = (
        np.array([s.handling_rmb_per_unit for s in fws]) + scn.costs.cdc_fw_handling_rmb_per_unit
    )
    # shapely service regions: within the policy's road radius and a van's out-and-back shift
    radius_road_km = min(scn.policy.max_store_distance_km, van.speed_kmh * van.shift_hours / 2)
    reach = reach_matrix(
        net.lonlat(fws), net.lonlat(stores), radius_road_km * 1000 / scn.road_factor
    )
    weekly = history_by_iso_week(scn)  # (regions, skus, 53)
    year = weekly[:, :, :52].sum(axis=2)  # (regions, skus) units per year
    region = net.region_index(stores)
    share = store_share(scn, stores)
    units = year[region] * share[:, None] * (scn.horizon_days / 365.0)
    return DesignContext(
        scn=scn,
        store_sku_units=units,
        demand=units.sum(axis=1),
        trunk_unit=2 * km_cdc_fw * truck_unit_km,
        handling_unit=handling,
        last_mile_unit=2 * km_fw_store * van_unit_km,
        direct_unit=2 * km_cdc_store * van_unit_km,
        van_hours=van_s[np.ix_(fw_i, st_i)] / 3600.0,
        reach=reach,
    )


def unit_cost(ctx: DesignContext) -> FloatArray:
    """(candidates, stores) RMB per unit through each FW: trunk + handling + van."""
    return np.asarray((ctx.trunk_unit + ctx.handling_unit)[:, None] + ctx.last_mile_unit)


def location_problem(ctx: DesignContext, candidates: Sequence[int] | None = None, *,
                     min_open: int | None = None, max_open: int | None = None,
                     locked_open: Sequence[int] | None = None
                     ) -> tuple[LocationProblem, NDArray[np.intp]]:
    """Single-source location MIP over `candidates` (default all) and the stores they reach
    (the others go to the CDC); returns the problem and the served stores' indices.

    Open-count limits and locked FWs default to the scenario's policy and `existing` sites;
    a fixed open set passes `min_open = max_open = len(candidates)`.
    """
    scn = ctx.scn
    all_fws = scn.network.fw_candidates
    sub = np.arange(len(all_fws)) if candidates is None else np.asarray(candidates, dtype=np.intp)
    fws = [all_fws[i] for i in sub]
    served = np.flatnonzero(ctx.reach[sub].any(axis=0))
    unit = unit_cost(ctx)[sub]
    cover = scn.policy.review_days + scn.policy.cdc_fw_lead_days + COVER_DAYS_EXTRA
    years = scn.horizon_days / 365.0
    turns = scn.horizon_days / cover  # storage capacity → throughput over the horizon
    vol = np.array([k.unit_volume_m3 for k in scn.network.skus])
    problem = LocationProblem(
        fixed_cost=np.array([s.fixed_cost_rmb for s in fws]) * years,
        capacity=np.array([s.capacity_units for s in fws]) * turns,
        capacity_m3=np.array([s.capacity_m3 for s in fws]) * turns,
        demand_m3=(ctx.store_sku_units @ vol)[served],
        demand=ctx.demand[served],
        assign_cost=(unit * ctx.demand[None, :])[:, served],
        reachable=ctx.reach[np.ix_(sub, served)],
        single_source=True,
        min_open=scn.policy.min_open_fw if min_open is None else min_open,
        max_open=scn.policy.max_open_fw if max_open is None else max_open,
        locked_open=(tuple(i for i, s in enumerate(fws) if s.existing) if locked_open is None
                     else tuple(locked_open)),
        store_labels=tuple(scn.network.stores[j].id for j in served),
    )
    return problem, served


def place_stock(ctx: DesignContext, open_idx: Sequence[int], store_fw: NDArray[np.intp]
                ) -> PlacementResult:
    """Stock placement for the open FWs (candidate indices) given which stores each serves."""
    return solve_placement(placement_problem(ctx, open_idx, store_fw))


def placement_problem(ctx: DesignContext, open_idx: Sequence[int], store_fw: NDArray[np.intp]
                      ) -> PlacementProblem:
    """The placement problem of the open FWs: their demand, sizes, capacities and the CDC
    penalty (late sales) a SKU not held costs."""
    scn = ctx.scn
    fws, skus, cdc = scn.network.fw_candidates, scn.network.skus, scn.network.cdc
    days = float(scn.horizon_days)
    mean = np.zeros((len(open_idx), len(skus)))
    for r, i in enumerate(open_idx):
        mean[r] = ctx.store_sku_units[store_fw == i].sum(axis=0) / days
    price = np.array([k.price_rmb for k in skus])
    extra_days = max(0, scn.policy.cdc_direct_lead_days - scn.policy.fw_store_lead_days)
    sku_units = ctx.store_sku_units.sum(axis=0)
    if math.isfinite(cdc.capacity_units):
        cdc_stock = cdc.capacity_units * sku_units / max(float(sku_units.sum()), 1e-9)
    else:
        cdc_stock = np.full(len(skus), 1e18)
    return PlacementProblem(
            daily_mean=mean,
            daily_std=DEMAND_OVERDISPERSION * np.sqrt(mean),
            cover_days=float(scn.policy.review_days + scn.policy.cdc_fw_lead_days),
            horizon_days=days,
            unit_volume_m3=np.array([k.unit_volume_m3 for k in skus]),
            holding_cost_per_day=np.array([k.unit_cost_rmb for k in skus])
            * scn.costs.holding_rate_per_year
            / 365.0,
            cdc_penalty=scn.costs.late_sale_rmb_per_day(price) * extra_days,
            fw_capacity_units=np.array([fws[i].capacity_units for i in open_idx]),
            fw_capacity_m3=np.array([fws[i].capacity_m3 for i in open_idx]),
            cdc_stock=cdc_stock,
            service_level=scn.policy.service_level,
        )


def _horizon_weeks(scn: Scenario) -> FloatArray:
    """(53,) days of the horizon in each ISO week index (the weekly levels' weights)."""
    weeks = [iso_week_index(scn.start + timedelta(days=d)) for d in range(scn.horizon_days)]
    return np.bincount(weeks, minlength=53).astype(np.float64)


def expected_node_demand(scn: Scenario, store_node: NDArray[np.intp], n_nodes: int,
                         held: NDArray[np.bool_] | None, cdc_node: int) -> FloatArray:
    """(53, nodes, skus) units/day the replay's demand model expects at each stocking node,
    averaged over the horizon's days of each ISO week (seasons and promotions included; the
    SKUs a FW does not hold at the CDC node). The stock targets plan from the history instead:
    the gap is the forecast error the replay's lost sales pay for."""
    model = DemandModel.from_network(scn.network)
    n_regions = model.seasonality.shape[0]
    base = model.store_base()  # (stores, skus)
    key = np.asarray(store_node) * n_regions + model.store_region
    by_key = np.zeros((n_nodes * n_regions, base.shape[1]))
    np.add.at(by_key, key, base)
    by_key = by_key.reshape(n_nodes, n_regions, -1)
    days_in_week = _horizon_weeks(scn)
    out = np.zeros((53, n_nodes, base.shape[1]))
    for d in range(scn.horizon_days):
        day = scn.start + timedelta(days=d)
        f = model.factor(day)[:, model.sku_category]  # (regions, skus)
        out[iso_week_index(day)] += np.einsum("nrk,rk->nk", by_key, f)
    out /= np.maximum(days_in_week, 1.0)[:, None, None]
    if held is not None:
        spill = (out * ~held[None]).sum(axis=1)
        out = out * held[None]
        out[:, cdc_node] += spill
    return out


def evaluate(ctx: DesignContext, name: str, open_idx: Sequence[int], store_fw: NDArray[np.intp],
             placement: PlacementResult | None, stock: StockTargets, node_fw: NDArray[np.intp],
             store_node: NDArray[np.intp], held: NDArray[np.bool_] | None) -> DesignCosts:
    """Cost breakdown and service of a design, priced as the replay prices it (docs/costs.md).

    store_fw[j] = FW index or −1 (CDC direct); `placement` is the placement of the open FWs
    (None when none is open); `stock` the (R, S) targets the replay uses, nodes in the design's
    order; node_fw[n] the candidate index of node n or −1 for the CDC node (which also serves
    the SKUs a FW does not hold). Every term is the formula × its `[costs.calibration]` factor.
    """
    scn = ctx.scn
    costs, cal, p = scn.costs, scn.costs.calibration, scn.policy
    fws, skus, cdc = scn.network.fw_candidates, scn.network.skus, scn.network.cdc
    years = scn.horizon_days / 365.0
    units = ctx.store_sku_units
    price = np.array([k.price_rmb for k in skus])
    sku_cost = np.array([k.unit_cost_rmb for k in skus])
    weight = np.array([k.unit_weight_kg for k in skus])
    days_in_week = _horizon_weeks(scn)
    mu = np.asarray(stock.daily_mean_by_week)  # (53, nodes, skus), after the CDC's spill
    node_units = np.tensordot(days_in_week, mu, axes=1)  # (nodes, skus) over the horizon
    fixed = float(sum(fws[i].fixed_cost_rmb for i in open_idx) * years)
    trunk = handling = last = parcels = 0.0
    for n, i in enumerate(node_fw):
        u = float(node_units[n].sum())
        if i < 0:  # the CDC's own store stock: parcels by weight, picked and received at the CDC
            parcels += float(node_units[n] @ weight) * costs.parcel_rmb_per_kg
            handling += u * (costs.cdc_fw_handling_rmb_per_unit + cdc.handling_rmb_per_unit)
            continue
        members = store_fw == i
        planned = float(ctx.demand[members].sum())
        held_share = u / planned if planned > 0 else 0.0
        trunk += u * float(ctx.trunk_unit[i])
        handling += u * float(ctx.handling_unit[i])
        last += held_share * float((ctx.demand * ctx.last_mile_unit[i])[members].sum())
    # holding: average on hand of an (R, S) node ≈ S − μ(L + R/2), day-weighted over the horizon
    level = np.asarray(stock.order_up_to_by_week)
    cover = np.asarray(stock.lead_days, dtype=np.float64)[None, :, None] + stock.review_days / 2
    on_hand = np.maximum(level - mu * cover, 0.0) * (level > 0)
    node_unit_days = np.tensordot(days_in_week, on_hand, axes=1).sum(axis=0)  # (skus,)
    network_mu = mu.sum(axis=1)  # (53, skus): the CDC warehouse refills weekly to
    wh_days = max(p.cdc_cover_days - 7 / 2, 0.0)  # μ(lead + cover); holds ≈ μ(cover − R/2)
    wh_unit_days = np.tensordot(days_in_week, network_mu, axes=1) * wh_days
    holding = float((node_unit_days + wh_unit_days) @ sku_cost) * costs.holding_rate_per_year \
        / 365.0
    # lost sales: expected (R, S) shortfall per review cycle when demand is Poisson with the
    # demand model's mean (the replay's), against targets planned from the history
    true_mu = expected_node_demand(scn, store_node, len(node_fw), held,
                                   int(np.flatnonzero(node_fw < 0)[0]) if (node_fw < 0).any()
                                   else -1)
    t_cover = np.asarray(stock.lead_days, dtype=np.float64)[None, :, None] + stock.review_days
    sigma = np.sqrt(true_mu * t_cover)
    z = np.divide(level - true_mu * t_cover, sigma, out=np.full_like(mu, 50.0),
                  where=sigma > 0)
    short_per_day = sigma * normal_loss(z) / stock.review_days
    lost_units = np.tensordot(days_in_week, np.minimum(short_per_day, true_mu), axes=1)
    lost = float(lost_units.sum(axis=0) @ costs.lost_sale_rmb(price))
    # late sales: units sold from each node × its days beyond the FW's next-day delivery
    late_days = np.array([p.cdc_direct_lead_days if i < 0 else p.fw_store_lead_days
                          for i in node_fw], dtype=np.float64) - p.fw_store_lead_days
    sold = np.tensordot(days_in_week, true_mu, axes=1) - lost_units
    late = float(np.maximum(late_days, 0.0) @ (sold @ costs.late_sale_rmb_per_day(price)))
    # service figures (demand-weighted hours from order to store, share from FW stock)
    direct = store_fw < 0
    cdc_hours = p.cdc_direct_lead_days * 24.0
    lead_units = fast_units = held_units = 0.0
    total_units = float(units.sum())
    if placement is not None:
        for r, i in enumerate(open_idx):
            members = store_fw == i
            held_store_units = units[members][:, placement.held[r]].sum(axis=1)
            hours = PICK_HOURS + ctx.van_hours[i, members]
            lead_units += float((held_store_units * hours).sum())
            lead_units += float((units[members].sum(axis=1) - held_store_units).sum()) * cdc_hours
            fast_units += float(held_store_units[hours <= 24.0].sum())
            held_units += float(held_store_units.sum())
    lead_units += float(units[direct].sum()) * cdc_hours
    if cdc_hours <= 24.0:
        fast_units += total_units - held_units
    return DesignCosts(
        name=name,
        open_fw=tuple(fws[i].id for i in open_idx),
        fixed=fixed,
        transport_cdc_fw=trunk * cal.transport_cdc_fw,
        transport_fw_store=last * cal.transport_fw_store,
        transport_cdc_store=parcels,
        handling=handling * cal.handling,
        holding=holding * cal.holding,
        lost_sales=lost * cal.lost_sales,
        late_sales=late * cal.late_sales,
        mean_lead_time_h=lead_units / total_units if total_units > 0 else 0.0,
        share_within_24h=fast_units / total_units if total_units > 0 else 0.0,
        share_at_fw=held_units / total_units if total_units > 0 else 0.0,
    )
