"""Frozen domain objects of a retail supply network: sites, SKUs, vehicles, costs, policies.

Units: metres, seconds, RMB, units of stock, days; coordinates `[lon, lat]` (WGS84).
Built once at the boundary (`logistics.network.load`); variants via `dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.kernel.arrays import frozen_copy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def frozen_array(values: npt.ArrayLike, dtype: Any = np.float64) -> Any:
    """A read-only numpy copy of `values` (float64 unless said), so domain objects cannot be
    mutated through their arrays."""
    return frozen_copy(values, dtype)


class SiteKind(StrEnum):
    """What a site is in the network."""

    CDC = "cdc"
    FW = "fw"
    STORE = "store"


class Echelon(StrEnum):
    """Which leg a vehicle type runs: CDC→FW replenishment or FW→store delivery."""

    CDC_FW = "cdc_fw"
    FW_STORE = "fw_store"


@dataclass(frozen=True, slots=True)
class Site:
    """A CDC, forward-warehouse candidate or store at `[lon, lat]` in a sales region."""

    id: str
    kind: SiteKind
    name: str
    city: str
    region: str
    lon: float
    lat: float
    capacity_units: float = float("inf")
    capacity_m3: float = float("inf")
    fixed_cost_rmb: float = 0.0  # per year, for opening a FW
    handling_rmb_per_unit: float = 0.0
    weight: float = 1.0  # store size: demand multiplier relative to an average store
    existing: bool = False  # FW already open (locked open in design)


@dataclass(frozen=True, slots=True)
class Sku:
    """A stock-keeping unit with its category, unit size and value."""

    id: str
    name: str
    category: str
    unit_volume_m3: float
    unit_weight_kg: float
    unit_cost_rmb: float
    price_rmb: float
    base_daily_demand: float  # units per day at an average store, before season and promotions
    hot: bool = False


@dataclass(frozen=True, slots=True)
class VehicleType:
    """A truck or van type used on one echelon."""

    name: str
    echelon: Echelon
    capacity_units: int
    capacity_m3: float
    count: int
    fixed_cost_rmb: float  # per trip (day) the vehicle is used
    cost_per_km_rmb: float
    cost_per_hour_rmb: float
    speed_kmh: float
    shift_hours: float = 10.0


@dataclass(frozen=True, slots=True)
class Promotion:
    """A sales event that multiplies demand of some categories in some regions."""

    name: str
    start: date
    end: date  # inclusive
    lift: float
    categories: tuple[str, ...] = ()  # empty = all
    regions: tuple[str, ...] = ()  # empty = all


@dataclass(frozen=True, slots=True)
class CostCalibration:
    """Replay ÷ design-model factors per cost term (1 = the model's formula as it stands),
    measured by `benchmarks/costs.py --calibrate` and stored in `[costs.calibration]`."""

    transport_cdc_fw: float = 1.0
    transport_fw_store: float = 1.0
    handling: float = 1.0
    holding: float = 1.0
    lost_sales: float = 1.0
    late_sales: float = 1.0


@dataclass(frozen=True, slots=True)
class Costs:
    """Cost rates in RMB: the one price list of the design model and the replay (docs/costs.md)."""

    holding_rate_per_year: float = 0.25  # fraction of unit cost per unit-year on hand
    lost_sale_penalty_rate: float = 0.5  # fraction of price lost per unit not sold
    cdc_fw_handling_rmb_per_unit: float = 0.3
    late_sale_share_per_day: float = 0.05  # share of the lost-sale penalty per day of lead
    # time beyond the FW's next-day delivery (policy.fw_store_lead_days)
    parcel_rmb_per_kg: float = 1.2  # third-party parcels to stores served from the CDC
    calibration: CostCalibration = field(default_factory=CostCalibration)

    def lost_sale_rmb(self, price: FloatArray) -> FloatArray:
        """RMB per unit not sold (lost margin): price × lost_sale_penalty_rate."""
        return np.asarray(price, dtype=np.float64) * self.lost_sale_penalty_rate

    def late_sale_rmb_per_day(self, price: FloatArray) -> FloatArray:
        """RMB per unit and day of lead time beyond the FW's: lost-sale penalty × daily share."""
        return self.lost_sale_rmb(price) * self.late_sale_share_per_day


@dataclass(frozen=True, slots=True)
class Policy:
    """Replenishment and design settings shared by the stages."""

    service_level: float = 0.95
    review_days: int = 7
    cdc_fw_lead_days: int = 2
    fw_store_lead_days: int = 1
    cdc_direct_lead_days: int = 3
    max_store_distance_km: float = 250.0
    min_open_fw: int = 1
    max_open_fw: int | None = None
    lost_sales: bool = True  # False = backorders
    supplier_lead_days: float = 10.0  # mean supplier → CDC lead time
    cdc_cover_days: float = 21.0  # CDC warehouse order-up-to: demand × (supplier lead + cover)


@dataclass(frozen=True)
class DemandHistory:
    """Weekly sales by region × SKU: `quantity[r, k, w]` for week starting `week_start[w]`."""

    week_start: tuple[date, ...]
    quantity: IntArray  # (regions, skus, weeks), read-only

    @property
    def weeks(self) -> int:
        return len(self.week_start)


@dataclass(frozen=True)
class Network:
    """Sites, SKUs, regions and seasonality: everything that describes the chain itself."""

    sites: tuple[Site, ...]
    skus: tuple[Sku, ...]
    regions: tuple[str, ...]
    categories: tuple[str, ...]
    seasonality: FloatArray  # (regions, categories, 53): weekly multiplier, ISO week - 1
    promotions: tuple[Promotion, ...] = ()
    # (regions, skus) local taste: how much more (or less) a region buys of a SKU than an
    # average region of its size; None = the same everywhere
    affinity: FloatArray | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {s.id: i for i, s in enumerate(self.sites)})

    def taste(self) -> FloatArray:
        """(regions, skus) affinity, ones when the scenario has none."""
        if self.affinity is not None:
            return self.affinity
        ones: FloatArray = frozen_array(np.ones((len(self.regions), len(self.skus))))
        return ones

    def site(self, site_id: str) -> Site:
        return self.sites[self._index[site_id]]

    def of_kind(self, kind: SiteKind) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.kind == kind)

    @property
    def cdc(self) -> Site:
        return self.of_kind(SiteKind.CDC)[0]

    @property
    def fw_candidates(self) -> tuple[Site, ...]:
        return self.of_kind(SiteKind.FW)

    @property
    def stores(self) -> tuple[Site, ...]:
        return self.of_kind(SiteKind.STORE)

    def lonlat(self, sites: tuple[Site, ...]) -> FloatArray:
        """k×2 array of `[lon, lat]`."""
        return np.array([[s.lon, s.lat] for s in sites], dtype=np.float64).reshape(-1, 2)

    def region_index(self, sites: tuple[Site, ...]) -> IntArray:
        pos = {r: i for i, r in enumerate(self.regions)}
        return np.array([pos[s.region] for s in sites], dtype=np.int64)

    def category_index(self) -> IntArray:
        pos = {c: i for i, c in enumerate(self.categories)}
        return np.array([pos[k.category] for k in self.skus], dtype=np.int64)


@dataclass(frozen=True)
class Scenario:
    """One planning question: the network, its demand, fleet, costs, policy and seed."""

    name: str
    source: str  # path of the TOML file it came from
    seed: int
    start: date
    horizon_days: int
    road_factor: float
    network: Network
    history: DemandHistory
    vehicles: tuple[VehicleType, ...]
    costs: Costs
    policy: Policy
    routing_time_limit_s: float = 5.0
    design_time_limit_s: float = 30.0

    def replace(self, **changes: Any) -> Scenario:
        """A variant of this scenario with some fields changed (the original is untouched)."""
        return dataclasses.replace(self, **changes)

    def vehicles_for(self, echelon: Echelon) -> tuple[VehicleType, ...]:
        return tuple(v for v in self.vehicles if v.echelon == echelon)

    def largest_vehicle(self, echelon: Echelon) -> VehicleType:
        """The biggest vehicle type of an echelon: the one planning figures are priced on."""
        vs = self.vehicles_for(echelon)
        if not vs:
            raise ValueError(f"scenario {self.name} has no vehicle for echelon {echelon.value}")
        return max(vs, key=lambda v: v.capacity_units)
