"""The stages of `fwdnet run`, each turning frozen inputs into a frozen output.

network → design (OR-Tools MIP) → routing (typical day per echelon) → simulation input.
The runner (`scenarios.runner`) calls them in order and reports progress.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.design.location import LocationResult, SolveStatus, solve_location
from fwdnet.logistics.design.network_design import (
    DEMAND_OVERDISPERSION,
    design_context,
    location_problem,
)
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.geo import road_matrices
from fwdnet.logistics.inventory.safety import order_up_to_level
from fwdnet.logistics.network import DemandModel, Echelon, Scenario, Site, VehicleType
from fwdnet.logistics.network.history import node_daily_mean_by_week, store_annual_units
from fwdnet.logistics.network.model import FloatArray, IntArray
from fwdnet.logistics.routing.model import Depot, RoutingModel, Stop
from fwdnet.logistics.routing.model import VehicleType as RouteVehicle
from fwdnet.logistics.routing.solve import solve
from fwdnet.logistics.routing.stop import AnyOf, MaxRuntime, NoImprovement
from fwdnet.simulation.engine import Logistics, SimulationInput, TrunkRoute
from fwdnet.simulation.results import DesignOut, RouteOut, RoutingOut, SiteOut
from fwdnet.simulation.settings import SimSettings

ROUTING_PATIENCE = 1000  # solver iterations without improvement before a routing solve stops


@dataclass(frozen=True)
class NetworkData:
    """All sites in one order with road distance and per-echelon travel-time matrices."""

    sites: tuple[Site, ...]
    index: dict[str, int]
    distance_m: IntArray
    truck_s: IntArray
    van_s: IntArray


@dataclass(frozen=True)
class DesignPlan:
    """The chosen design: stocking nodes (open FWs, then the CDC if it serves stores directly)."""

    result: LocationResult
    node_ids: tuple[str, ...]
    store_node: IntArray  # (stores,) index into node_ids
    out: DesignOut


def network_stage(scn: Scenario) -> NetworkData:
    """Road distances (haversine × road factor) and travel times for every site pair."""
    sites = scn.network.sites
    lonlat = scn.network.lonlat(sites)
    truck_kmh = scn.largest_vehicle(Echelon.CDC_FW).speed_kmh
    van_kmh = scn.largest_vehicle(Echelon.FW_STORE).speed_kmh
    dist, truck = road_matrices(lonlat, scn.road_factor, truck_kmh)
    _, van = road_matrices(lonlat, scn.road_factor, van_kmh)
    return NetworkData(sites, {s.id: i for i, s in enumerate(sites)}, dist, truck, van)


def design_stage(scn: Scenario, net: NetworkData) -> DesignPlan:
    """Open FWs and assign stores (single source) at least fixed + transport + handling cost.

    The cost model and the shapely reach are `logistics.design.network_design`'s; stores no
    FW reaches are served straight from the CDC.
    """
    fws, stores, cdc = scn.network.fw_candidates, scn.network.stores, scn.network.cdc
    problem, served_idx = location_problem(design_context(scn))
    served = np.zeros(len(stores), dtype=bool)
    served[served_idx] = True
    res = solve_location(problem, time_limit_s=scn.design_time_limit_s)
    if res.status in (SolveStatus.INFEASIBLE,) or not res.open:
        raise InputError(f"design: no feasible network ({res.reason or res.status.value})",
                         source=scn.source)
    open_idx = list(res.open)
    node_ids = tuple(fws[i].id for i in open_idx)
    unreachable = [s.id for s, ok in zip(stores, served, strict=True) if not ok]
    if unreachable:
        node_ids = (*node_ids, cdc.id)
    node_of_fw = {i: n for n, i in enumerate(open_idx)}
    chosen = np.argmax(res.assignment, axis=0)  # candidate index per served store
    store_node = np.full(len(stores), len(node_ids) - 1, dtype=np.int64)
    store_node[served] = [node_of_fw[int(i)] for i in chosen]
    fixed = float(problem.fixed_cost[open_idx].sum())
    out = DesignOut(
        status=res.status.value,
        objective_rmb=float(res.objective),
        bound_rmb=float(res.bound),
        gap=float(res.gap),
        open_fw=[fws[i].id for i in open_idx],
        closed_fw=[f.id for i, f in enumerate(fws) if i not in node_of_fw],
        assignment={s.id: node_ids[int(store_node[j])] for j, s in enumerate(stores)},
        unreachable_stores=unreachable,
        fixed_cost_rmb=fixed,
        transport_cost_estimate_rmb=float(res.objective) - fixed,
    )
    return DesignPlan(res, node_ids, store_node, out)


def demand_by_week(scn: Scenario, plan: DesignPlan) -> FloatArray:
    """(53, nodes, skus) expected daily units per stocking node and SKU, by ISO week."""
    return node_daily_mean_by_week(scn, scn.network.stores, plan.store_node, len(plan.node_ids))


def _split(qty: int, capacity: int) -> list[int]:
    """A load larger than a vehicle becomes several full drops plus the rest."""
    full, rest = divmod(max(qty, 1), capacity)
    return [capacity] * full + ([rest] if rest else [])


def _solve_day(scn: Scenario, net: NetworkData, depot: str, drops: list[tuple[str, int]],
               vehicle: VehicleType, times: IntArray, echelon: Echelon, seed: int,
               available: int) -> tuple[RoutingOut, list[dict[str, int]]]:
    """One depot's CVRP with `available` vehicles; also each route's load per visited site."""
    locs = [depot, *dict.fromkeys(sid for sid, _ in drops)]
    pos = {sid: i for i, sid in enumerate(locs)}
    idx = np.array([net.index[s] for s in locs])
    model = RoutingModel(name=f"{echelon.value}:{depot}")
    model.add_depot(Depot(location=0, name=depot))
    for sid, q in drops:
        model.add_client(Stop(location=pos[sid], delivery=(q,), name=sid))
    model.add_vehicle_type(RouteVehicle(
        capacity=(vehicle.capacity_units,), num_available=available,
        fixed_cost=vehicle.fixed_cost_rmb, cost_per_km=vehicle.cost_per_km_rmb,
        cost_per_hour=vehicle.cost_per_hour_rmb, max_duration_s=int(vehicle.shift_hours * 3600),
        name=vehicle.name))
    model.set_matrices(net.distance_m[np.ix_(idx, idx)], times[np.ix_(idx, idx)])
    problem = model.problem()
    # Stop on solutions without improvement, which is deterministic for a seed; the scenario's
    # time limit is only a safety cap (when it binds, runs may differ). The OR-Tools backend
    # is chosen because `auto` may hand over from PyVRP at half time, which depends on load.
    stop = AnyOf(NoImprovement(ROUTING_PATIENCE), MaxRuntime(scn.routing_time_limit_s))
    res = solve(problem, stop=stop, seed=seed, backend="ortools")
    site = net.sites
    routes = []
    loads: list[dict[str, int]] = []
    for r in res.routes:
        per_site: dict[str, int] = {}
        for c in r.stops:
            per_site[drops[c][0]] = per_site.get(drops[c][0], 0) + drops[c][1]
        loads.append(per_site)
        stop_ids = [drops[c][0] for c in r.stops]
        path_ids = [depot, *stop_ids, depot]
        load = float(sum(drops[c][1] for c in r.stops))
        per_km = vehicle.cost_per_km_rmb * r.distance_m / 1000.0
        cost = vehicle.fixed_cost_rmb + per_km + vehicle.cost_per_hour_rmb * r.duration_s / 3600
        routes.append(RouteOut(
            echelon=echelon.value, depot=depot, vehicle=vehicle.name, stops=stop_ids,
            load_units=load, distance_m=float(r.distance_m), cost_rmb=float(cost),
            path=[(site[net.index[s]].lon, site[net.index[s]].lat) for s in path_ids]))
    out = RoutingOut(echelon=echelon.value, status=res.status.value, cost_rmb=float(res.cost),
                     distance_m=float(res.distance_m), routes=routes,
                     unassigned=[drops[u.client][0] for u in res.unassigned])
    return out, loads


@dataclass(frozen=True)
class RoutingPlan:
    """Typical-day routes of both echelons and the per-delivery / per-day costs they imply."""

    echelons: tuple[RoutingOut, ...]
    cost_per_delivery: FloatArray  # (nodes,) RMB for one CDC → node replenishment drop
    van_cost_per_day: float


def routing_stage(scn: Scenario, net: NetworkData, plan: DesignPlan, weekly: FloatArray
                  ) -> RoutingPlan:
    """CDC → FW routes for one review period and FW → store van routes for a typical day.

    The trunk plan carries every FW's orders of one review period; each truck may run one
    route per day of that period. Stores served straight from the CDC go by third-party
    parcel (priced by the simulation), so they get no van routes.
    """
    truck, van = scn.largest_vehicle(Echelon.CDC_FW), scn.largest_vehicle(Echelon.FW_STORE)
    cdc = scn.network.cdc.id
    node_daily = weekly.mean(axis=0).sum(axis=1)  # (nodes,) mean daily units
    fw_nodes = [(n, nid) for n, nid in enumerate(plan.node_ids) if nid != cdc]
    drops = [(nid, q) for n, nid in fw_nodes
             for q in _split(round(float(node_daily[n]) * scn.policy.review_days),
                             truck.capacity_units)]
    out: list[RoutingOut] = []
    cost_per_delivery = np.zeros(len(plan.node_ids))
    if drops:
        trunk, loads = _solve_day(scn, net, cdc, drops, truck, net.truck_s, Echelon.CDC_FW,
                                  scn.seed, truck.count * scn.policy.review_days)
        out.append(trunk)
        # each route's cost is shared by the FWs it visits in proportion to their load
        for r, per_site in zip(trunk.routes, loads, strict=True):
            for sid, q in per_site.items():
                cost_per_delivery[plan.node_ids.index(sid)] += r.cost_rmb * q / r.load_units
    stores = scn.network.stores
    store_daily = store_annual_units(scn, stores) / 365.0
    van_cost = 0.0
    for n, nid in enumerate(plan.node_ids):
        members = np.flatnonzero(plan.store_node == n)
        if members.size == 0 or nid == cdc:
            continue
        store_drops = [(stores[j].id, q) for j in members
                       for q in _split(int(np.ceil(store_daily[j])), van.capacity_units)]
        day, _ = _solve_day(scn, net, nid, store_drops, van, net.van_s, Echelon.FW_STORE,
                            scn.seed + n + 1, van.count)
        out.append(day)
        van_cost += day.cost_rmb
    if cdc in plan.node_ids:  # the CDC restocks itself from suppliers: no truck leg
        cost_per_delivery[plan.node_ids.index(cdc)] = 0.0
    return RoutingPlan(tuple(out), cost_per_delivery, van_cost)


CARRIER_RMB_PER_KG = 1.2  # third-party parcel rate for stores served straight from the CDC


def _trunk_routes(routes: RoutingPlan, plan: DesignPlan, net: NetworkData, cdc: str
                  ) -> tuple[TrunkRoute, ...]:
    """The typical-day CDC → FW routes as node sequences (a FW split over trucks: first route)."""
    seen: set[str] = set()
    out: list[TrunkRoute] = []
    for echelon in routes.echelons:
        if echelon.echelon != Echelon.CDC_FW.value:
            continue
        for r in echelon.routes:
            stops = [s for s in dict.fromkeys(r.stops) if s not in seen]
            if not stops:
                continue
            seen.update(stops)
            path = [net.index[s] for s in (cdc, *stops)]
            km = tuple(float(net.distance_m[a, b]) / 1000.0 for a, b in itertools.pairwise(path))
            hours = tuple(float(net.truck_s[a, b]) / 3600.0 for a, b in itertools.pairwise(path))
            out.append(TrunkRoute(
                nodes=tuple(plan.node_ids.index(s) for s in stops), leg_km=km, leg_hours=hours,
                return_km=float(net.distance_m[path[-1], path[0]]) / 1000.0,
                return_hours=float(net.truck_s[path[-1], path[0]]) / 3600.0))
    return tuple(out)


def simulation_input(scn: Scenario, plan: DesignPlan, weekly: FloatArray,
                     routes: RoutingPlan, net: NetworkData | None = None,
                     settings: SimSettings | None = None) -> SimulationInput:
    """(R, S) levels per node × SKU and week from the history, the design's routes and costs.

    With `net`, the replay is physical (trucks on the planned routes, docks, a finite CDC
    refilled by suppliers, third-party parcels for CDC-served stores, disruptions, transfers).
    """
    p = scn.policy
    settings = settings or SimSettings()
    cdc = scn.network.cdc.id
    lead = np.array([1 if nid == cdc and net is not None else
                     p.cdc_direct_lead_days if nid == cdc else p.cdc_fw_lead_days
                     for nid in plan.node_ids], dtype=np.int64)
    sigma = DEMAND_OVERDISPERSION * np.sqrt(weekly)
    level, _ = order_up_to_level(weekly, sigma, lead[None, :, None], p.review_days,
                                 p.service_level)
    level = np.ceil(level)
    level.flags.writeable = False
    skus = scn.network.skus
    start_week = min(scn.start.isocalendar()[1], 53) - 1
    logistics = None
    if net is not None:
        stores = scn.network.stores
        node_site = np.array([net.index[n] for n in plan.node_ids])
        store_site = np.array([net.index[s.id] for s in stores])
        from_site = node_site[plan.store_node]
        truck = scn.largest_vehicle(Echelon.CDC_FW)
        direct = plan.node_ids.index(cdc) if cdc in plan.node_ids else -1
        hops = np.append(node_site, net.index[cdc])
        network_daily = weekly.sum(axis=1)  # (53, skus)
        cdc_level = np.ceil(network_daily * (settings.supplier_lead_days
                                             + settings.cdc_cover_days))
        regions = {r: i for i, r in enumerate(scn.network.regions)}
        logistics = Logistics(
            cdc_id=cdc,
            fw_candidates=tuple(f.id for f in scn.network.fw_candidates),
            trunk_routes=_trunk_routes(routes, plan, net, cdc),
            truck_capacity_units=truck.capacity_units,
            truck_fixed_rmb=truck.fixed_cost_rmb,
            truck_rmb_per_km=truck.cost_per_km_rmb,
            truck_rmb_per_hour=truck.cost_per_hour_rmb,
            node_km=net.distance_m[np.ix_(hops, hops)] / 1000.0,
            store_ids=tuple(s.id for s in stores),
            store_km=net.distance_m[from_site, store_site] / 1000.0,
            store_hours=np.where(from_site == net.index[cdc], net.truck_s[from_site, store_site],
                                 net.van_s[from_site, store_site]) / 3600.0,
            store_lead_days=np.array([p.cdc_direct_lead_days if n == cdc
                                      else p.fw_store_lead_days for n in plan.node_ids],
                                     dtype=np.int64),
            direct_node=direct,
            carrier_rmb_per_kg=CARRIER_RMB_PER_KG,
            handling_rmb_per_unit=np.array([scn.network.site(n).handling_rmb_per_unit
                                            for n in plan.node_ids]),
            cdc_handling_rmb_per_unit=scn.costs.cdc_fw_handling_rmb_per_unit,
            sku_weight_kg=np.array([k.unit_weight_kg for k in skus]),
            sku_volume_m3=np.array([k.unit_volume_m3 for k in skus]),
            regions=scn.network.regions,
            categories=scn.network.categories,
            node_region=np.array([regions[scn.network.site(n).region] for n in plan.node_ids],
                                 dtype=np.int64),
            cdc_order_up_to_by_week=cdc_level,
            cdc_initial=cdc_level[start_week],
            lost_sale_penalty_rate=scn.costs.lost_sale_penalty_rate,
        )
    return SimulationInput(
        start=scn.start,
        days=scn.horizon_days,
        demand=DemandModel.from_network(scn.network),
        store_node=plan.store_node,
        node_ids=plan.node_ids,
        order_up_to_by_week=level,
        review_days=p.review_days,
        lead_days=lead,
        initial_on_hand=level[start_week],
        unit_cost=np.array([k.unit_cost_rmb for k in skus]),
        price=np.array([k.price_rmb for k in skus]),
        holding_rate_per_year=scn.costs.holding_rate_per_year,
        replenishment_cost_per_delivery=routes.cost_per_delivery,
        # with the physical model CDC-served stores get third-party parcels, not vans
        delivery_cost_per_day=routes.van_cost_per_day if net is None else float(sum(
            r.cost_rmb for e in routes.echelons if e.echelon == Echelon.FW_STORE.value
            for r in e.routes if r.depot != cdc)),
        lost_sales=p.lost_sales,
        logistics=logistics,
        settings=settings,
    )


def _unit_costs(scn: Scenario) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """(candidates, stores) RMB per unit through each FW, and which FWs can reach each store.

    The same estimate `design_stage` uses (trunk + handling + van), for named designs.
    """
    ctx = design_context(scn)
    unit = (ctx.trunk_unit + ctx.handling_unit)[:, None] + ctx.last_mile_unit
    return np.asarray(unit), ctx.reach


def named_design(scn: Scenario, net: NetworkData, name: str,
                 optimal: DesignPlan | None = None) -> DesignPlan:
    """A design by name: `optimal` (the MIP), `all-open`, `cdc-only`, `top-K` (the K FWs that
    can reach the most demand) or an explicit list `FW-A+FW-B`.

    Outside `optimal`, each store goes to its cheapest reachable open FW (capacity is not
    checked) and to the CDC when none reaches it.
    """
    fws, stores = scn.network.fw_candidates, scn.network.stores
    if name == "optimal":
        return optimal if optimal is not None else design_stage(scn, net)
    unit, reach = _unit_costs(scn)
    ids = [f.id for f in fws]
    if name == "all-open":
        chosen = list(range(len(fws)))
    elif name == "cdc-only":
        chosen = []
    elif name.startswith("top-") and name[4:].isdigit():
        k = int(name[4:])
        if not 1 <= k <= len(fws):
            raise InputError(f"design '{name}': K must be between 1 and {len(fws)}",
                             source=scn.source)
        demand = store_annual_units(scn, stores)
        chosen = sorted(np.argsort(-(reach * demand[None, :]).sum(axis=1), kind="stable")[:k]
                        .tolist())
    else:
        wanted = [s.strip() for s in name.split("+") if s.strip()]
        unknown = [w for w in wanted if w not in ids]
        if unknown or not wanted:
            raise InputError(
                f"design '{name}': unknown FW {', '.join(unknown) or '(empty)'}; expected "
                f"optimal, all-open, cdc-only, top-K or FW ids joined by '+' ({', '.join(ids)})",
                source=scn.source)
        chosen = sorted(ids.index(w) for w in dict.fromkeys(wanted))
    return _plan_from_open(scn, chosen, unit, reach)


def _plan_from_open(scn: Scenario, chosen: list[int], unit: FloatArray,
                    reach: npt.NDArray[np.bool_]
                    ) -> DesignPlan:
    fws, stores, cdc = scn.network.fw_candidates, scn.network.stores, scn.network.cdc
    years = scn.horizon_days / 365.0
    demand = store_annual_units(scn, stores) * years
    node_ids = tuple(fws[i].id for i in chosen)
    if chosen:
        cost = np.where(reach[chosen], unit[chosen], np.inf)
        best = np.argmin(cost, axis=0)
        served = np.isfinite(cost[best, np.arange(len(stores))])
    else:
        best = np.zeros(len(stores), dtype=np.int64)
        served = np.zeros(len(stores), dtype=bool)
    if not served.all():
        node_ids = (*node_ids, cdc.id)
    store_node = np.where(served, best, len(node_ids) - 1).astype(np.int64)
    store_node.flags.writeable = False
    fixed = float(sum(fws[i].fixed_cost_rmb for i in chosen) * years)
    transport = float(sum(unit[chosen[int(best[j])], j] * demand[j]
                          for j in range(len(stores)) if served[j]))
    assignment = np.zeros((len(fws), len(stores)))
    for j in range(len(stores)):
        if served[j]:
            assignment[chosen[int(best[j])], j] = 1.0
    result = LocationResult(SolveStatus.FEASIBLE, fixed + transport, float("nan"), float("nan"),
                            0.0, tuple(chosen), assignment, "named design", fixed, transport)
    out = DesignOut(
        status="fixed", objective_rmb=fixed + transport, bound_rmb=0.0, gap=0.0,
        open_fw=list(node_ids[:len(chosen)]),
        closed_fw=[f.id for i, f in enumerate(fws) if i not in chosen],
        assignment={s.id: node_ids[int(store_node[j])] for j, s in enumerate(stores)},
        unreachable_stores=[s.id for j, s in enumerate(stores) if not served[j]],
        fixed_cost_rmb=fixed, transport_cost_estimate_rmb=transport)
    return DesignPlan(result, node_ids, store_node, out)


def sites_out(scn: Scenario) -> list[SiteOut]:
    return [SiteOut(id=s.id, kind=s.kind.value, name=s.name, region=s.region, lon=s.lon,
                    lat=s.lat) for s in scn.network.sites]
