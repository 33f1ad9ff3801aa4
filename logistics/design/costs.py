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
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.location import LocationProblem
from fwdnet.logistics.design.placement import PlacementProblem, PlacementResult, solve_placement
from fwdnet.logistics.design.reach import reach_matrix
from fwdnet.logistics.design.stock import DEMAND_OVERDISPERSION
from fwdnet.logistics.geo import road_matrices
from fwdnet.logistics.network.history import history_by_iso_week, store_share
from fwdnet.logistics.network.model import Echelon, Scenario

FloatArray = NDArray[np.float64]

LOAD_FACTOR = 0.8  # average vehicle fill when turning a per-km rate into a per-unit rate
COVER_DAYS_EXTRA = 3  # storage turns: throughput over the horizon = capacity × horizon / cover
PICK_HOURS = 4.0  # order picking and loading at a FW before the van leaves
LATE_SALE_LOSS_PER_DAY = 0.05  # share of a sale lost per extra day of lead time (CDC vs FW)


@dataclass(frozen=True)
class DesignCosts:
    """Cost breakdown (RMB over the horizon) and service figures of one candidate design."""

    name: str
    open_fw: tuple[str, ...]
    fixed: float
    transport_cdc_fw: float
    transport_fw_store: float
    transport_cdc_store: float  # stores no open FW reaches, served directly from the CDC
    handling: float
    holding: float
    late_sales: float  # sales lost to the CDC's longer lead time (same rate as in placement)
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
            + self.late_sales
        )

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
    return solve_placement(
        PlacementProblem(
            daily_mean=mean,
            daily_std=DEMAND_OVERDISPERSION * np.sqrt(mean),
            cover_days=float(scn.policy.review_days + scn.policy.cdc_fw_lead_days),
            horizon_days=days,
            unit_volume_m3=np.array([k.unit_volume_m3 for k in skus]),
            holding_cost_per_day=np.array([k.unit_cost_rmb for k in skus])
            * scn.costs.holding_rate_per_year
            / 365.0,
            cdc_penalty=price
            * scn.costs.lost_sale_penalty_rate
            * LATE_SALE_LOSS_PER_DAY
            * extra_days,
            fw_capacity_units=np.array([fws[i].capacity_units for i in open_idx]),
            fw_capacity_m3=np.array([fws[i].capacity_m3 for i in open_idx]),
            cdc_stock=cdc_stock,
            service_level=scn.policy.service_level,
        )
    )


def evaluate(ctx: DesignContext, name: str, open_idx: Sequence[int], store_fw: NDArray[np.intp],
             placement: PlacementResult | None) -> DesignCosts:
    """Cost breakdown and service of a design; store_fw[j] = FW index or -1 (CDC direct);
    `placement` is the placement of the open FWs (None when none is open)."""
    scn = ctx.scn
    fws = scn.network.fw_candidates
    years = scn.horizon_days / 365.0
    units = ctx.store_sku_units
    direct = store_fw < 0
    fixed = float(sum(fws[i].fixed_cost_rmb for i in open_idx) * years)
    trunk = handling = last = 0.0
    for i in open_idx:
        d = float(ctx.demand[store_fw == i].sum())
        trunk += d * float(ctx.trunk_unit[i])
        handling += d * float(ctx.handling_unit[i])
        last += float((ctx.demand * ctx.last_mile_unit[i])[store_fw == i].sum())
    direct_cost = float((ctx.demand * ctx.direct_unit)[direct].sum())
    holding = 0.0
    cdc_hours = scn.policy.cdc_direct_lead_days * 24.0
    lead_units = 0.0  # Σ units × hours
    fast_units = 0.0
    held_units = 0.0
    total_units = float(units.sum())
    if placement is not None:
        p_mean = np.zeros(placement.held.shape)
        for r, i in enumerate(open_idx):
            members = store_fw == i
            p_mean[r] = units[members].sum(axis=0) / scn.horizon_days
            held = placement.held[r]
            held_store_units = units[members][:, held].sum(axis=1)  # (members,)
            hours = PICK_HOURS + ctx.van_hours[i, members]
            lead_units += float((held_store_units * hours).sum())
            lead_units += float((units[members].sum(axis=1) - held_store_units).sum()) * cdc_hours
            fast_units += float(held_store_units[hours <= 24.0].sum())
            held_units += float(held_store_units.sum())
        cover = scn.policy.review_days + scn.policy.cdc_fw_lead_days
        avg_on_hand = np.maximum(placement.target_units - p_mean * cover / 2, 0.0)
        sku_cost = np.array([k.unit_cost_rmb for k in scn.network.skus])
        holding = float(
            (avg_on_hand * placement.held * sku_cost[None, :]).sum()
            * scn.costs.holding_rate_per_year
            * years
        )
    lead_units += float(units[direct].sum()) * cdc_hours
    price = np.array([k.price_rmb for k in scn.network.skus])
    extra_days = max(0, scn.policy.cdc_direct_lead_days - scn.policy.fw_store_lead_days)
    late_rate = scn.costs.lost_sale_penalty_rate * LATE_SALE_LOSS_PER_DAY * extra_days
    late_value = float((units * price[None, :]).sum()) * late_rate  # if nothing came from a FW
    if placement is not None:
        fw_value = 0.0
        for r, i in enumerate(open_idx):
            fw_value += float(
                (units[store_fw == i][:, placement.held[r]] * price[placement.held[r]]).sum()
            )
        late_value -= fw_value * late_rate
    if cdc_hours <= 24.0:
        fast_units += total_units - held_units
    return DesignCosts(
        name=name,
        open_fw=tuple(fws[i].id for i in open_idx),
        fixed=fixed,
        transport_cdc_fw=trunk,
        transport_fw_store=last,
        transport_cdc_store=direct_cost,
        handling=handling,
        holding=holding,
        late_sales=late_value,
        mean_lead_time_h=lead_units / total_units if total_units > 0 else 0.0,
        share_within_24h=fast_units / total_units if total_units > 0 else 0.0,
        share_at_fw=held_units / total_units if total_units > 0 else 0.0,
    )
