"""A scenario's full network design: FW location + store assignment, stock placement, comparison.

Planning demand comes from the sales history (`logistics.network.history`), distances from
`logistics.geo` (haversine × road factor), reach from shapely service regions. Every candidate
design is costed the same way (fixed, transport per echelon, handling, holding) and given service
figures (demand-weighted lead time to the store, share of demand delivered within 24 h).
Units: RMB over the scenario horizon, hours for lead times, units of stock.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.location import LocationProblem, LocationResult, solve_location
from fwdnet.logistics.design.placement import PlacementProblem, PlacementResult, solve_placement
from fwdnet.logistics.design.reach import outside_every_region, reach_matrix
from fwdnet.logistics.design.status import SolveStatus
from fwdnet.logistics.geo import road_matrices
from fwdnet.logistics.network.history import history_by_iso_week, store_share
from fwdnet.logistics.network.model import Echelon, Scenario

FloatArray = NDArray[np.float64]

LOAD_FACTOR = 0.8  # average vehicle fill when turning a per-km rate into a per-unit rate
COVER_DAYS_EXTRA = 3  # storage turns: throughput over the horizon = capacity × horizon / cover
DEMAND_OVERDISPERSION = 1.5  # daily σ ≈ 1.5·√μ
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
class NetworkDesign:
    """The chosen design with its placement, the stores out of reach and the comparison table."""

    scenario: str
    location: LocationResult
    open_fw: tuple[str, ...]
    store_fw: dict[str, str]  # store id → FW id, or the CDC id when served directly
    unreachable_stores: tuple[str, ...]
    placement: PlacementResult
    targets: dict[str, dict[str, int]]  # FW id → SKU id → target units (held SKUs only)
    compare: tuple[DesignCosts, ...]
    runtime_s: float
    timings: dict[str, float] = field(default_factory=dict)
    skipped: tuple[tuple[str, str], ...] = ()  # (alternative design, why it has no plan)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready design (the file `fwdnet design run` writes)."""
        loc = self.location
        held = self.placement.held
        return {
            "scenario": self.scenario,
            "location": {
                "status": loc.status.value,
                "objective_rmb": _num(loc.objective),
                "bound_rmb": _num(loc.bound),
                "gap": _num(loc.gap),
                "runtime_s": round(loc.runtime_s, 3),
                "open_fw": list(self.open_fw),
                "assignment": self.store_fw,
                "unreachable_stores": list(self.unreachable_stores),
                "reason": loc.reason,
            },
            "placement": {
                "status": self.placement.status.value,
                "skus": int(held.shape[1]),
                "saving_rmb": round(self.placement.objective, 2),
                "bound_rmb": round(self.placement.bound, 2),
                "gap": self.placement.gap,
                "share_of_demand_from_fw_stock": round(self.placement.share_of_demand_at_fw, 4),
                "skus_held": {fw: int(held[i].sum()) for i, fw in enumerate(self.open_fw)},
                "target_units": self.targets,
            },
            "compare": [c.row() for c in self.compare],
            "compare_skipped": [{"design": d, "reason": r} for d, r in self.skipped],
            "runtime_s": round(self.runtime_s, 3),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class _Context:
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


def design_context(scn: Scenario) -> _Context:
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
    return _Context(
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


def location_problem(ctx: _Context) -> tuple[LocationProblem, NDArray[np.intp]]:
    """Single-source location MIP over the stores some FW reaches (others go to the CDC)."""
    scn = ctx.scn
    fws = scn.network.fw_candidates
    served = np.flatnonzero(ctx.reach.any(axis=0))
    unit = (ctx.trunk_unit + ctx.handling_unit)[:, None] + ctx.last_mile_unit
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
        reachable=ctx.reach[:, served],
        single_source=True,
        min_open=scn.policy.min_open_fw,
        max_open=scn.policy.max_open_fw,
        locked_open=tuple(i for i, s in enumerate(fws) if s.existing),
        store_labels=tuple(scn.network.stores[j].id for j in served),
    )
    return problem, served


def _placement(ctx: _Context, open_idx: list[int], store_fw: NDArray[np.intp]) -> PlacementResult:
    """Stock placement for the open FWs given which stores each serves."""
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


def evaluate(
    ctx: _Context, name: str, open_idx: list[int], store_fw: NDArray[np.intp]
) -> tuple[DesignCosts, PlacementResult | None]:
    """Cost breakdown and service of a design; store_fw[j] = FW index or -1 (CDC direct)."""
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
    placement = _placement(ctx, open_idx, store_fw) if open_idx else None
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
        unit_cost = np.array([k.unit_cost_rmb for k in scn.network.skus])
        holding = float(
            (avg_on_hand * placement.held * unit_cost[None, :]).sum()
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
    costs = DesignCosts(
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
    return costs, placement


def _store_fw(res: LocationResult, served: NDArray[np.intp], n: int) -> NDArray[np.intp]:
    out = np.full(n, -1, dtype=np.intp)
    if res.open:
        out[served] = np.argmax(res.assignment, axis=0)
    return out


def design_network(scn: Scenario, time_limit_s: float | None = None) -> NetworkDesign:
    """Location MIP, placement of the chosen design, and a comparison with alternatives."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    limit = scn.design_time_limit_s if time_limit_s is None else time_limit_s
    ctx = design_context(scn)
    timings["network"] = time.perf_counter() - t0
    problem, served = location_problem(ctx)
    net = scn.network
    n = len(net.stores)
    t = time.perf_counter()
    res = solve_location(problem, time_limit_s=limit)
    timings["location"] = time.perf_counter() - t
    store_fw = _store_fw(res, served, n)
    t = time.perf_counter()
    chosen, placement = evaluate(ctx, "optimal", list(res.open), store_fw)
    timings["placement"] = time.perf_counter() - t
    t = time.perf_counter()
    designs = [chosen]
    skipped: list[tuple[str, str]] = []
    all_open = solve_location(
        replace(problem, locked_open=tuple(range(problem.n_candidates)), min_open=0,
                max_open=None),
        time_limit_s=limit,
    )
    if all_open.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        designs.append(
            evaluate(
                ctx, "all candidates open", list(all_open.open), _store_fw(all_open, served, n)
            )[0]
        )
    if len(res.open) > 1:  # the same question with one FW fewer: what the last FW buys
        k = len(res.open) - 1
        fewer = solve_location(
            replace(problem, min_open=min(problem.min_open, k), max_open=k),
            time_limit_s=limit,
        )
        if fewer.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.TIMED_OUT) and (
            fewer.open
        ):
            row = evaluate(ctx, f"best with {k} FWs", list(fewer.open), _store_fw(fewer, served, n))
            designs.append(row[0])
        else:
            skipped.append((f"best with {k} FWs", fewer.reason or fewer.status.value))
    designs.append(evaluate(ctx, "CDC only", [], np.full(n, -1, dtype=np.intp))[0])
    timings["compare"] = time.perf_counter() - t
    open_ids = tuple(net.fw_candidates[i].id for i in res.open)
    cdc_id = net.cdc.id
    store_map = {
        s.id: (net.fw_candidates[int(store_fw[j])].id if store_fw[j] >= 0 else cdc_id)
        for j, s in enumerate(net.stores)
    }
    targets: dict[str, dict[str, int]] = {}
    if placement is not None:
        for r, fw in enumerate(open_ids):
            row = placement.target_units[r]
            targets[fw] = {net.skus[k].id: int(row[k]) for k in np.flatnonzero(placement.held[r])}
    else:
        placement = solve_placement(_empty_placement(len(net.skus)))
    unreachable = tuple(net.stores[j].id for j in outside_every_region(ctx.reach))
    return NetworkDesign(
        scenario=scn.name,
        location=res,
        open_fw=open_ids,
        store_fw=store_map,
        unreachable_stores=unreachable,
        placement=placement,
        targets=targets,
        compare=tuple(designs),
        runtime_s=time.perf_counter() - t0,
        timings=timings,
        skipped=tuple(skipped),
    )


def _empty_placement(k: int) -> PlacementProblem:
    z = np.zeros((0, k))
    return PlacementProblem(
        daily_mean=z,
        daily_std=z,
        cover_days=1.0,
        horizon_days=1.0,
        unit_volume_m3=np.zeros(k),
        holding_cost_per_day=np.zeros(k),
        cdc_penalty=np.zeros(k),
        fw_capacity_units=np.zeros(0),
        fw_capacity_m3=np.zeros(0),
        cdc_stock=np.zeros(k),
    )
