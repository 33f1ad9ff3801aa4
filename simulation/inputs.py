"""What one replay needs: the design's demand, stock rules, routes, lanes and supply.

Frozen inputs built from a `NetworkDesign` by `replay_input` (or by hand in tests). Units:
units of stock, RMB, km, hours, days.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.inventory.contracts import Contract
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network import DemandModel
from fwdnet.logistics.network.model import Echelon, FloatArray, IntArray, Scenario
from fwdnet.simulation.disruptions import Disruption
from fwdnet.simulation.settings import SimSettings

if TYPE_CHECKING:  # the design package loads the solvers: replay workers need none of them
    from fwdnet.logistics.design.matrices import NetworkMatrices
    from fwdnet.logistics.design.network_design import NetworkDesign

BoolArray = npt.NDArray[np.bool_]
Sampler = Callable[[np.random.Generator, FloatArray], npt.NDArray[Any]]


def poisson_sampler(rng: np.random.Generator, rate: FloatArray) -> npt.NDArray[Any]:
    """Units sold per store × SKU: Poisson with the day's expected demand (int64). The replay
    draws the same law by region, thinned to stores (`simulation.demand.DailyDemand`)."""
    return rng.poisson(rate)


@dataclass(frozen=True)
class TrunkRoute:
    """A planned CDC → FW route: nodes in visiting order, per-leg km and hours from the CDC."""

    nodes: tuple[int, ...]
    leg_km: tuple[float, ...]  # CDC → first stop, then stop → stop
    leg_hours: tuple[float, ...]
    return_km: float
    return_hours: float


@dataclass(frozen=True)
class Logistics:
    """The physical side of a design: routes, fleet, lanes, sites and supply (optional).

    Without it (`SimulationInput.logistics=None`) orders simply land after the lead time from
    an unlimited CDC, as in the hand-computed tests.
    """

    cdc_id: str
    fw_candidates: tuple[str, ...]  # every candidate (disruptions are drawn for all of them)
    trunk_routes: tuple[TrunkRoute, ...]
    truck_capacity_units: int
    truck_fixed_rmb: float  # per truck trip
    truck_rmb_per_km: float
    truck_rmb_per_hour: float
    node_km: FloatArray  # (nodes + 1, nodes + 1) road km between nodes, last = CDC
    store_ids: tuple[str, ...]
    store_km: FloatArray  # (stores,) road km from the serving node
    store_hours: FloatArray  # (stores,) travel hours from the serving node
    store_lead_days: IntArray  # (nodes,) days from a store's order to its delivery day
    direct_node: int  # node whose stores get third-party parcels (the CDC), −1 = none
    carrier_rmb_per_kg: float
    handling_rmb_per_unit: FloatArray  # (nodes,) at receipt
    cdc_handling_rmb_per_unit: float  # per unit picked at the CDC
    sku_weight_kg: FloatArray
    sku_volume_m3: FloatArray
    regions: tuple[str, ...]
    categories: tuple[str, ...]
    node_region: IntArray  # (nodes,)
    cdc_order_up_to_by_week: FloatArray | None = None  # (53, skus); None = unlimited CDC
    cdc_initial: FloatArray | None = None  # (skus,)
    lost_sale_penalty_rate: float = 0.0  # share of price a lost sale costs (rebalancing)
    store_cdc_km: FloatArray | None = None  # (stores,) road km from the CDC (spilled parcels)
    cdc_daily_by_week: FloatArray | None = None  # (53, skus) planned network units/day
    cdc_cover_days: float = 21.0  # CDC order-up-to = planned demand × (supplier lead + cover)
    contract: Contract | None = None  # supplier contract (None: weekly orders, gamma lead time)
    store_cdc_hours: FloatArray | None = None  # (stores,)


@dataclass(frozen=True)
class SimulationInput:
    """Everything one replay needs; built by `replay_input` from a scenario and a design."""

    start: date
    days: int
    demand: DemandModel  # expected demand per store × SKU
    store_node: IntArray  # (stores,) stocking node serving each store
    node_ids: tuple[str, ...]
    order_up_to_by_week: FloatArray  # (53, nodes, skus) S by ISO week − 1 of the arrival day
    review_days: int  # (R, S) review period
    lead_days: IntArray  # (nodes,) days from order to receipt
    initial_on_hand: FloatArray  # (nodes, skus)
    unit_cost: FloatArray  # (skus,) RMB
    price: FloatArray  # (skus,) RMB
    holding_rate_per_year: float
    replenishment_cost_per_delivery: FloatArray  # (nodes,) RMB per delivery (no `logistics`)
    delivery_cost_per_day: float  # RMB per day for FW → store vans
    lost_sales: bool = True
    sampler: Sampler = field(default=poisson_sampler, compare=False)
    logistics: Logistics | None = None
    settings: SimSettings = field(default_factory=SimSettings)
    disruptions: tuple[Disruption, ...] = ()  # scheduled ones; random ones are added per run
    random_disruptions: bool = True
    lost_unit_rmb: FloatArray | None = None  # (skus,) penalty per unit not sold; None = 0
    late_unit_day_rmb: FloatArray | None = None  # (skus,) penalty per unit and late day
    late_days: IntArray | None = None  # (nodes,) days a node's sales arrive after the FW's
    held: BoolArray | None = None  # (nodes, skus) what a node stocks for its stores; demand
    # for the rest is served from the CDC node (`logistics.direct_node`). None = everything

    @property
    def nodes(self) -> int:
        return len(self.node_ids)


def _trunk_routes(design: NetworkDesign, mats: NetworkMatrices, cdc: str
                  ) -> tuple[TrunkRoute, ...]:
    """The typical-day CDC → FW routes as node sequences (a FW split over trucks: first route)."""
    seen: set[str] = set()
    out: list[TrunkRoute] = []
    assert design.routes is not None
    for depot in design.routes.of(Echelon.CDC_FW):
        for r in depot.routes:
            stops = [s for s in dict.fromkeys(r.stops) if s not in seen]
            if not stops:
                continue
            seen.update(stops)
            path = [mats.index[s] for s in (cdc, *stops)]
            km = tuple(float(mats.distance_m[a, b]) / 1000.0 for a, b in itertools.pairwise(path))
            hours = tuple(float(mats.truck_s[a, b]) / 3600.0 for a, b in itertools.pairwise(path))
            out.append(TrunkRoute(
                nodes=tuple(design.node_ids.index(s) for s in stops), leg_km=km, leg_hours=hours,
                return_km=float(mats.distance_m[path[-1], path[0]]) / 1000.0,
                return_hours=float(mats.truck_s[path[-1], path[0]]) / 3600.0))
    return tuple(out)


def replay_input(scn: Scenario, design: NetworkDesign, mats: NetworkMatrices,
                 settings: SimSettings | None = None) -> SimulationInput:
    """The physical replay of a planned design: its nodes, assignment, (R, S) targets and routes;
    trucks on the planned trunk routes, docks, a finite CDC refilled by suppliers, third-party
    parcels for CDC-served stores, disruptions and transfers.

    The CDC warehouse's order-up-to level covers the network's demand over the supplier lead
    time plus `settings.cdc_cover_days`.
    """
    if design.routes is None:
        raise ValueError(f"design '{design.name}' has no routes: plan them before the replay")
    p = scn.policy
    settings = settings or SimSettings(supplier_lead_days=p.supplier_lead_days,
                                       cdc_cover_days=p.cdc_cover_days)
    net = scn.network
    cdc = net.cdc.id
    stock = design.stock
    skus, stores = net.skus, net.stores
    start_week = iso_week_index(scn.start)
    node_site = np.array([mats.index[n] for n in design.node_ids])
    store_site = np.array([mats.index[s.id] for s in stores])
    from_site = node_site[design.store_node]
    truck = scn.largest_vehicle(Echelon.CDC_FW)
    direct = design.node_ids.index(cdc) if cdc in design.node_ids else -1
    hops = np.append(node_site, mats.index[cdc])
    network_daily = stock.daily_mean_by_week.sum(axis=1)  # (53, skus)
    cdc_level = np.ceil(network_daily * (settings.supplier_lead_days + settings.cdc_cover_days))
    regions = {r: i for i, r in enumerate(net.regions)}
    price = np.array([k.price_rmb for k in skus])
    logistics = Logistics(
        cdc_id=cdc,
        fw_candidates=tuple(f.id for f in net.fw_candidates),
        trunk_routes=_trunk_routes(design, mats, cdc),
        truck_capacity_units=truck.capacity_units,
        truck_fixed_rmb=truck.fixed_cost_rmb,
        truck_rmb_per_km=truck.cost_per_km_rmb,
        truck_rmb_per_hour=truck.cost_per_hour_rmb,
        node_km=mats.distance_m[np.ix_(hops, hops)] / 1000.0,
        store_ids=tuple(s.id for s in stores),
        store_km=mats.distance_m[from_site, store_site] / 1000.0,
        store_hours=np.where(from_site == mats.index[cdc], mats.truck_s[from_site, store_site],
                             mats.van_s[from_site, store_site]) / 3600.0,
        store_lead_days=np.array([p.cdc_direct_lead_days if n == cdc else p.fw_store_lead_days
                                  for n in design.node_ids], dtype=np.int64),
        direct_node=direct,
        carrier_rmb_per_kg=scn.costs.parcel_rmb_per_kg,
        handling_rmb_per_unit=np.array([net.site(n).handling_rmb_per_unit
                                        for n in design.node_ids]),
        cdc_handling_rmb_per_unit=scn.costs.cdc_fw_handling_rmb_per_unit,
        sku_weight_kg=np.array([k.unit_weight_kg for k in skus]),
        sku_volume_m3=np.array([k.unit_volume_m3 for k in skus]),
        regions=net.regions,
        categories=net.categories,
        node_region=np.array([regions[net.site(n).region] for n in design.node_ids],
                             dtype=np.int64),
        cdc_order_up_to_by_week=cdc_level,
        cdc_daily_by_week=network_daily,
        cdc_cover_days=settings.cdc_cover_days,
        cdc_initial=cdc_level[start_week],
        lost_sale_penalty_rate=scn.costs.lost_sale_penalty_rate,
        store_cdc_km=mats.distance_m[mats.index[cdc], store_site] / 1000.0,
        store_cdc_hours=mats.truck_s[mats.index[cdc], store_site] / 3600.0,
    )
    # CDC-served stores get third-party parcels (priced per kg in the replay), not vans
    vans = float(sum(r.cost_rmb for d in design.routes.of(Echelon.FW_STORE)
                     for r in d.routes if r.depot != cdc))
    return SimulationInput(
        start=scn.start,
        days=scn.horizon_days,
        demand=DemandModel.from_network(net),
        store_node=design.store_node,
        node_ids=design.node_ids,
        order_up_to_by_week=stock.order_up_to_by_week,
        review_days=stock.review_days,
        lead_days=stock.lead_days,
        initial_on_hand=stock.order_up_to_by_week[start_week],
        unit_cost=np.array([k.unit_cost_rmb for k in skus]),
        price=price,
        holding_rate_per_year=scn.costs.holding_rate_per_year,
        replenishment_cost_per_delivery=design.routes.cost_per_delivery,
        delivery_cost_per_day=vans,
        lost_sales=p.lost_sales,
        logistics=logistics,
        settings=settings,
        lost_unit_rmb=scn.costs.lost_sale_rmb(price),
        late_unit_day_rmb=scn.costs.late_sale_rmb_per_day(price),
        late_days=np.maximum(logistics.store_lead_days - p.fw_store_lead_days, 0),
        held=design.held,
    )
