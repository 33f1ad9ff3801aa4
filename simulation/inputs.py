"""What one replay needs: the design's demand, stock rules, routes, lanes and supply.

Frozen inputs built by `scenarios.stages.simulation_input` (or by hand in tests). Units:
units of stock, RMB, km, hours, days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.network import DemandModel
from fwdnet.logistics.network.model import FloatArray, IntArray
from fwdnet.simulation.disruptions import Disruption
from fwdnet.simulation.settings import SimSettings

Sampler = Callable[[np.random.Generator, FloatArray], npt.NDArray[Any]]


def poisson_sampler(rng: np.random.Generator, rate: FloatArray) -> npt.NDArray[Any]:
    """Units sold per store × SKU: Poisson with the day's expected demand (int64, no copy)."""
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
    lost_sale_penalty_rate: float = 0.0


@dataclass(frozen=True)
class SimulationInput:
    """Everything one replay needs; built by the runner from a scenario and a design."""

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

    @property
    def nodes(self) -> int:
        return len(self.node_ids)
